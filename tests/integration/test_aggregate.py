"""Patient-level conflict rules (written down in the README)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from extractor.schema import CohortRecord

Record = Callable[..., CohortRecord]


def test_two_ki67_values_give_the_highest(record_of: Record) -> None:
    record = record_of(
        "Biopsy: well-differentiated neuroendocrine tumour, Ki-67 index 1%.", "Resection: Ki-67 index 8%."
    )
    assert (record.ki67_percent, record.who_grade) == (8.0, "G2")


def test_no_net_grade_for_other_tumours(record_of: Record) -> None:
    record = record_of("Glioblastoma, WHO grade IV. MIB-1 labelling index 30%.")
    assert (record.ki67_percent, record.who_grade) == (30.0, None)


def test_asserted_beats_negated(record_of: Record) -> None:
    record = record_of(("2019-01-01", "She denies weight loss."), ("2019-06-01", "She has lost 6 kg of weight loss."))
    assert record.findings.weight_loss == "present"


def test_negated_only_is_absent(record_of: Record) -> None:
    assert record_of("No diarrhoea. No anaemia.").findings.diarrhea == "absent"


def test_ihc_strongest_specimen_wins(record_of: Record) -> None:
    record = record_of(
        "IMMUNOHISTOCHEMISTRY (biopsy): SSTR2 negative. Chromogranin A negative.",
        "IMMUNOHISTOCHEMISTRY (resection): SSTR2: ±. Chromogranin A positive.",
    )
    assert (record.ihc.sstr2, record.ihc.chromogranin_a) == ("equivocal", "positive")


def test_glucagon_timing_from_surgery_date(record_of: Record) -> None:
    record = record_of(
        ("2015-01-10", "Plasma glucagon 920 pg/mL (normal < 200)."),
        ("2015-02-01", "OPERATION: distal pancreatectomy and splenectomy for the tumour."),
        ("2015-03-01", "Glucagon 110 pg/mL."),
    )
    assert [(g.value, g.timing) for g in record.glucagon] == [(920.0, "preoperative"), (110.0, "postoperative")]
    assert (record.glucagon_peak_pg_ml, record.glucagon_post_surgery_pg_ml) == (920.0, 110.0)


def test_glucagon_timing_unknown_without_surgery(record_of: Record) -> None:
    record = record_of(("2015-01-10", "Preoperative glucagon 3155 pg/mL."))
    assert [g.timing for g in record.glucagon] == ["unknown"]
    assert record.glucagon_peak_pg_ml == 3155.0


def test_pathology_size_beats_imaging(record_of: Record) -> None:
    record = record_of(
        ("2015-01-01", "CT ABDOMEN\nFINDINGS: A 4.5 x 3.0 cm mass in the pancreatic tail."),
        ("2015-02-01", "SURGICAL PATHOLOGY REPORT\nFINAL DIAGNOSIS: Tumour size 4.0 x 3.0 x 2.5 cm, neuroendocrine tumour."),
    )
    assert record.tumor_size_cm == [4.0, 3.0, 2.5]


def test_metastasis_stated_none_vs_not_stated(record_of: Record) -> None:
    assert record_of("Pancreatic neuroendocrine tumour, 2 cm. No evidence of metastatic disease.").metastasis_sites == []
    # with no tumour stated, "no metastasis" says nothing about one (a general medical note)
    assert record_of("No evidence of metastatic disease.").metastasis_sites is None
    assert record_of("Pancreatic head mass.").metastasis_sites is None
    assert record_of("Multiple liver metastases and nodal metastases.").metastasis_sites == ["liver", "lymph_nodes"]
    # an operative note's survey of the abdomen
    laparotomy = (
        "Indication: glucagonoma of the pancreatic tail.\nUpper midline laparotomy. There was no dissemination "
        "of the disease found, liver is macroscopically without changes. In the tail of the pancreas there is "
        "a firm tumour, 2 cm in diameter."
    )
    assert record_of(laparotomy).metastasis_sites == []
    assert record_of("Glucagonoma with disseminated intravascular coagulation.").metastasis_sites is None


def test_planned_surgery_is_not_surgery(record_of: Record) -> None:
    assert record_of("She is scheduled for a Whipple procedure.").surgery == []
    assert record_of("She underwent a Whipple procedure.").surgery == ["pancreaticoduodenectomy"]
    # "programmed for" is how Spanish- and Portuguese-speaking writers say "scheduled for"
    assert record_of("Biopsy: neuroendocrine tumor.  Chemotherapy was suspended and he is programmed for exploratory laparotomy.").surgery == []
    # a device programmed at a setting plans nothing
    assert record_of("Insulinoma resected.  A programmable shunt programmed at level 2.0 was placed, exploratory laparotomy done.").surgery == ["exploration"]


def test_death_beats_earlier_alive(record_of: Record) -> None:
    record = record_of(("2016-01-01", "She is alive and doing well."), ("2018-01-01", "She died 24 months after diagnosis."))
    assert (record.vital_status, record.survival_months_from_diagnosis) == ("deceased", 24.0)


def test_same_input_same_bytes(record_of: Record) -> None:
    note = ("2015-01-10", "Plasma glucagon 920 pg/mL. Liver metastases. Octreotide LAR 30 mg monthly.")
    assert record_of(note).model_dump_json() == record_of(note).model_dump_json()


def test_lab_table_under_a_heading_with_day_labels(record_of: Record) -> None:
    record = record_of(
        ("2014-06-10", "OPERATION: pancreaticoduodenectomy for the tumour."),
        ("2014-06-20", "Glucagon:\n  Preoperative: 217 pg/mL\n  Postoperative, day 5: 103 pg/mL\n  (reference < 200 pg/mL)\n"),
    )
    assert [(g.value, g.timing) for g in record.glucagon] == [(217.0, "preoperative"), (103.0, "postoperative")]


def test_semicolon_does_not_separate_a_value_from_its_analyte(record_of: Record) -> None:
    record = record_of(
        ("2013-05-01", "Distal pancreatectomy and splenectomy were performed for the tumour."),
        ("2013-06-20", "Glucagon: preoperative 493.54 pmol/L; postoperative (12/06/2013) 234.15 pmol/L (ref < 57.4 pmol/L)."),
    )
    assert [(g.value, g.timing) for g in record.glucagon] == [(1719.99, "preoperative"), (816.01, "postoperative")]


def test_restated_value_in_a_later_summary_is_not_a_new_result(record_of: Record) -> None:
    record = record_of(
        ("2008-02-01", "Plasma glucagon 920 ng/L (normal < 200)."),
        ("2008-03-01", "Laparoscopic distal pancreatectomy for the glucagonoma."),
        ("2021-03-10", "Timeline: presented in 2008 with NME; plasma glucagon 920 ng/L (normal < 200)."),
    )
    assert [(g.value, g.timing) for g in record.glucagon] == [(920.0, "preoperative")]
    assert record.glucagon_post_surgery_pg_ml is None


@pytest.mark.parametrize(
    ("note", "department"),
    [
        ("Presented to dermatology in November 2019 with a 2-month history of NME.", "dermatology"),
        ("Referral source: Dermatology (the first department she attended for the rash).", "dermatology"),
        ("Referral from dermatology (her first point of contact for the rash).", "dermatology"),
        ("She was referred to endocrinology by her GP.", "general practice"),
    ],
)
def test_first_department_phrasings(record_of: Record, note: str, department: str) -> None:
    assert record_of(note).first_department == department


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Biopsy: parakeratosis and necrosis of the upper epidermis, consistent with necrolytic migratory erythema.", True),
        ("At presentation she had NME (biopsy-proven) and diabetes.", True),
        ("Liver core biopsy: well-differentiated neuroendocrine tumour.", None),
    ],
)
def test_skin_biopsy_phrasings(record_of: Record, note: str, expected: bool | None) -> None:
    assert record_of(note).skin_biopsy_diagnostic is expected


def test_improvement_words_and_days(record_of: Record) -> None:
    record = record_of(
        "Glucagonoma with necrolytic migratory erythema.",
        "The erythema was visibly paler and less painful 1 day after surgery.",
    )
    assert (record.symptoms_improved, record.days_to_improvement) == (True, 1.0)


def test_near_miss_without_tumour_or_nme_gets_no_diagnosis_fields(record_of: Record) -> None:
    record = record_of(
        ("2020-01-05", "A 47-year-old woman with a 4-month history of a flexural rash. Differential diagnosis:\n"
         "- necrolytic migratory erythema\n- glucagonoma\n- psoriasis\n"),
        ("2020-03-01", "Biopsy: psoriasis. The rash has responded to phototherapy."),
    )
    assert (record.age_at_diagnosis, record.months_symptoms_to_diagnosis, record.symptoms_improved) == (None, None, None)
    assert record.findings.nme is None


def test_margin_is_not_a_tumour_site_and_duration_is_not_an_age(record_of: Record) -> None:
    record = record_of(
        "A 3.1 cm tumour in the pancreatic head, 9 mm from the pancreatic neck margin. Diabetes was diagnosed 2 years ago."
    )
    assert record.tumor_location == ["head"]
    assert record.age_at_diagnosis is None


def test_colon_answer_negates_what_follows(record_of: Record) -> None:
    assert record_of("Glucagonoma of the tail.\nLymph nodes: no nodal metastases; no enlarged nodes.").metastasis_sites == []


def test_fasting_qualifier_does_not_hide_the_value(record_of: Record) -> None:
    record = record_of("RESULTS:\nPlasma glucagon (fasting)  78 pg/mL (reference 50-150) - normal\n")
    assert [g.value for g in record.glucagon] == [78.0]


def test_a_full_stop_at_line_end_closes_the_lab_window(record_of: Record) -> None:
    record = record_of(
        ("2008-02-01", "- 02/2008: presented with NME. Plasma glucagon 920 ng/L (normal < 200).\n"
         "- 03/2008: laparoscopic distal pancreatectomy for the glucagonoma; G1, Ki-67 1%. The rash improved 1 day later.\n"),
    )
    assert [g.value for g in record.glucagon] == [920.0]


def test_undated_notes_use_document_order_for_timing(record_of: Record) -> None:
    record = record_of(
        "Plasma glucagon 920 pg/mL (normal < 200).",
        "OPERATION: distal pancreatectomy and splenectomy for the tumour.",
        "Glucagon 110 pg/mL.",
    )
    assert [(g.value, g.timing) for g in record.glucagon] == [(920.0, "preoperative"), (110.0, "postoperative")]


# (finding, a sentence that asserts it for the patient, one that negates it)
FINDING_SENTENCES = [
    ("nme", "Necrolytic migratory erythema on both shins.", "No NME."),
    ("diabetes", "PAST MEDICAL HISTORY: He has had diabetes for five years.", "No diabetes."),
    ("igt", "OGTT showed impaired glucose tolerance.", "No impaired glucose tolerance."),
    ("stomatitis", "Angular cheilitis and glossitis.", "No stomatitis."),
    ("weight_loss", "He has lost about 20 pounds of weight.", "Denies weight loss."),
    ("anemia", "She has had some anemia in the past.", "No anaemia."),
    ("diarrhea", "Intermittent diarrhoea for months.", "No diarrhoea."),
    ("dvt", "Past history significant for deep venous thrombosis.", "No history of DVT."),
    ("depression", "History of depression, on sertraline.", "Denies depression."),
]


@pytest.mark.parametrize(("key", "asserted", "denied"), FINDING_SENTENCES, ids=[f[0] for f in FINDING_SENTENCES])
def test_one_assertion_anywhere_makes_a_finding_present(record_of: Record, key: str, asserted: str, denied: str) -> None:
    same_note = record_of(f"{denied}  {asserted}")
    across = record_of(("2019-01-01", asserted), ("2019-06-01", denied))
    across_reversed = record_of(("2019-01-01", denied), ("2019-06-01", asserted))
    assert [getattr(r.findings, key) for r in (same_note, across, across_reversed)] == ["present"] * 3
    assert same_note.evidence[f"findings.{key}"]


@pytest.mark.parametrize(("key", "asserted", "denied"), FINDING_SENTENCES, ids=[f[0] for f in FINDING_SENTENCES])
def test_absent_needs_an_explicit_negation_of_the_patients_finding(record_of: Record, key: str, asserted: str, denied: str) -> None:
    assert getattr(record_of(denied).findings, key) == "absent"
    assert getattr(record_of(("2019-01-01", denied), ("2019-06-01", denied)).findings, key) == "absent"
    # a relative's, a risk or a plan is not a negation of the patient's finding
    assert getattr(record_of(f"FAMILY HISTORY:  {denied}").findings, key) is None
    assert getattr(record_of("The risks of bleeding, infection and death were explained.").findings, key) is None


@pytest.mark.parametrize(
    ("key", "given", "denied"),
    [
        ("zinc_supplementation", "She was started on oral zinc sulphate 220 mg daily.", "No zinc supplementation was given."),
        ("amino_acid_infusion", "She received intravenous amino acids for 10 days.", "Amino acid infusion was not given."),
    ],
)
def test_given_anywhere_beats_not_given(record_of: Record, key: str, given: str, denied: str) -> None:
    assert getattr(record_of(denied), key) is False
    assert getattr(record_of(("2019-01-01", denied), ("2019-06-01", given)), key) is True
    assert getattr(record_of(f"{given}  {denied}"), key) is True
