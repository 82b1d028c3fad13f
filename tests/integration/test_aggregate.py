"""Patient-level conflict rules (written down in the README)."""

from __future__ import annotations

from collections.abc import Callable

from extractor.schema import CohortRecord

Record = Callable[..., CohortRecord]


def test_two_ki67_values_give_the_highest(record_of: Record) -> None:
    record = record_of("Biopsy: Ki-67 index 1%.", "Resection: Ki-67 index 8%.")
    assert (record.ki67_percent, record.who_grade) == (8.0, "G2")


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
    assert record_of("No evidence of metastatic disease.").metastasis_sites == []
    assert record_of("Pancreatic head mass.").metastasis_sites is None
    assert record_of("Multiple liver metastases and nodal metastases.").metastasis_sites == ["liver", "lymph_nodes"]


def test_planned_surgery_is_not_surgery(record_of: Record) -> None:
    assert record_of("She is scheduled for a Whipple procedure.").surgery == []
    assert record_of("She underwent a Whipple procedure.").surgery == ["pancreaticoduodenectomy"]


def test_death_beats_earlier_alive(record_of: Record) -> None:
    record = record_of(("2016-01-01", "She is alive and doing well."), ("2018-01-01", "She died 24 months after diagnosis."))
    assert (record.vital_status, record.survival_months_from_diagnosis) == ("deceased", 24.0)


def test_same_input_same_bytes(record_of: Record) -> None:
    note = ("2015-01-10", "Plasma glucagon 920 pg/mL. Liver metastases. Octreotide LAR 30 mg monthly.")
    assert record_of(note).model_dump_json() == record_of(note).model_dump_json()
