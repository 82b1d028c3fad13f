"""Wording of published case reports written as charts: each case is a general rule a
clinician would recognise, shown on a sentence written for the test."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from extractor.schema import CohortRecord

Record = Callable[..., CohortRecord]


@pytest.mark.parametrize(
    ("notes", "surgery", "sites"),
    [
        # a liver metastasectomy is an operation, not only a statement that the liver holds metastases
        (("Metastatic insulinoma.  Operation: Whipple procedure and liver metastasectomy.",), ["pancreaticoduodenectomy", "hepatic_metastasectomy"], None),
        (("Glucagonoma with liver metastases; s/p distal pancreatectomy and hepatic metastasectomy in 2019.",), ["distal_pancreatectomy", "hepatic_metastasectomy"], ["liver"]),
    ],
)
def test_metastasectomy_is_surgery(record_of: Record, notes: tuple[str, ...], surgery: list[str], sites: list[str] | None) -> None:
    record = record_of(*notes)
    assert (record.surgery, record.metastasis_sites) == (surgery, sites)


def test_a_faxed_letter_with_digits_for_letters(record_of: Record) -> None:
    note = (
        "FAX  P.1/2\nDear Dr Brown,\nthis 1ady had a distal pancreatectomy for a glucagonoma that presented with\n"
        "necro1ytic migrat0ry erythema; the tum0ur lay in the b0dy and tai1 of the pancreas."
    )
    record = record_of(note)
    assert (record.findings.nme, record.tumor_location) == ("present", ["body", "tail"])
    assert record.evidence["tumor_location[1]"][0].text == "tai1"


@pytest.mark.parametrize(
    ("note", "sites"),
    [
        ("Specimen: left ovary.\nDiagnosis: metastatic glucagonoma involving the left ovary.", ["other"]),
        ("Liver biopsy: metastatic insulinoma involving the hepatic parenchyma and the liver capsule.", ["liver"]),
        ("Lymph nodes: metastatic well-differentiated neuroendocrine tumour in 2 of 9 lymph nodes.", ["lymph_nodes"]),
    ],
)
def test_a_metastasis_of_the_named_tumour_gives_its_site(record_of: Record, note: str, sites: list[str]) -> None:
    assert record_of(note).metastasis_sites == sites


def test_chromogranin_in_a_spanish_or_portuguese_spelling(record_of: Record) -> None:
    note = "PATHOLOGY REPORT\nDiagnosis: neuroendocrine tumour of the pancreas.\nImmunohistochemistry:\nCromogranina A (+) ; sinaptofisina (+) ; Ki-67: 3%"
    record = record_of(note)
    assert (record.ihc.chromogranin_a, record.ihc.synaptophysin, record.ki67_percent) == ("positive", "positive", 3.0)


@pytest.mark.parametrize(
    ("note", "age", "sex"),
    [
        ("DISCHARGE SUMMARY\n74 y male, DM2. Admitted for a glucagonoma of the pancreatic tail.", 74, "male"),
        ("ADMISSION H&P\n59 yo white non-Hispanic female admitted for a painful plaque.  CT: pancreatic neuroendocrine tumour.", 59, "female"),
        # a duration in years is no age
        ("Glucagonoma.  The rash has been present for 3 y without treatment.", None, None),
        # "Female patient" at the head of a sentence names the patient's sex; "male patients" are others
        ("Female patient admitted to the dermatology ward for an erosive rash; CT: glucagonoma of the head.", None, "female"),
        ("Glucagonoma of the pancreatic tail.  Male patients with MEN1 were excluded from the trial.", None, None),
    ],
)
def test_age_and_sex_in_terse_notes(record_of: Record, note: str, age: int | None, sex: str | None) -> None:
    record = record_of(note)
    assert (record.age_at_diagnosis, record.sex) == (age, sex)


@pytest.mark.parametrize(
    ("note", "field", "expected"),
    [
        # "non-" negates the word it is joined to, not the rest of the sentence
        ("A 60-year-old non-smoker with diabetes mellitus and a glucagonoma.", "diabetes", "present"),
        ("Recurrent non-functioning glucagonoma, now with weight loss of 6 kg.", "weight_loss", "present"),
        ("Non-Hodgkin lymphoma in 2010; no weight loss since.", "weight_loss", "absent"),
        ("She is non-diabetic.", "diabetes", "absent"),
    ],
)
def test_non_prefix_negates_one_word(record_of: Record, note: str, field: str, expected: str) -> None:
    assert getattr(record_of(note).findings, field) == expected


def test_a_non_functioning_tumour_is_stated(record_of: Record) -> None:
    record = record_of("Date: 2020-03-02\n\n49-year-old man with a non-functioning pancreatic neuroendocrine tumour of the tail, Ki-67 2%.")
    assert (record.age_at_diagnosis, record.who_grade) == (49, "G1")


@pytest.mark.parametrize(
    ("note", "size"),
    [
        # a measured lesion the report explains as a postoperative collection is not the tumour
        ("Glucagonoma, distal pancreatectomy 3 weeks ago.  CT (non-contrast): hypodense lesion 7 x 6 cm in the pancreatic bed, attributed to a postoperative lymphocele.", None),
        ("VIPoma resected.  CT: 5.5 cm collection in the tail bed, consistent with a postoperative seroma.", None),
        # the tumour itself, and a collection measured separately
        ("CT: 4.2 x 3.1 cm hypervascular mass of the pancreatic tail, consistent with a glucagonoma; 2 cm fluid collection consistent with a pseudocyst.", [4.2, 3.1]),
        # a mass felt on examination is estimated, not measured: the CT measures it
        ("Glucagonoma.\nExamination: thin; firm, non-tender epigastric mass, about 7 cm.\nCT: 6.1 x 5.0 cm mass of the pancreatic body.", [6.1, 5.0]),
        # a mass found now in a patient whose only malignancy is a past one is not known to be it
        ("INDICATION: , This 56-year-old male presents to surgical office with history of bilateral axillary masses.  The left mass is approximately "
         "8 cm in diameter upon palpation.  The patient with history of Hodgkin's lymphoma approximately 18 years ago underwent therapy at that time "
         "and he was declared free of disease since that time.", None),
        # a current malignancy's mass is measured
        ("HISTORY:  Biopsy of the right lower lobe showed squamous cell carcinoma.  CT of the chest shows a 3.2 x 2.8 cm mass in the right lower lobe.", [3.2, 2.8]),
        # a past operation's pathology measured the tumour itself
        ("History of glucagonoma of the pancreatic tail, distal pancreatectomy in 2015; pathology: tumour 4.5 x 3.0 cm, Ki-67 4%.", [4.5, 3.0]),
    ],
)
def test_what_is_not_a_measurement_of_the_tumour(record_of: Record, note: str, size: list[float] | None) -> None:
    assert record_of(note).tumor_size_cm == size


def test_a_skin_biopsy_diagnosis_on_the_line_after_its_heading(record_of: Record) -> None:
    note = (
        "DERMATOPATHOLOGY REPORT\nSpecimen: punch biopsy, left shin.\n"
        "Microscopy: confluent parakeratosis with pallor of the upper epidermis.\nDiagnosis:\n  Consistent with necrolytic migratory erythema."
    )
    assert record_of(note).skin_biopsy_diagnostic is True


@pytest.mark.parametrize(
    ("sentence", "days"),
    [
        # the first improvement has no number; the number times the complete clearing
        ("The rash began to abate soon after surgery and was completely resolved 3 months later.", None),
        ("The rash resolved 10 days after surgery.", 10),
    ],
)
def test_days_to_improvement_times_the_first_change(record_of: Record, sentence: str, days: int | None) -> None:
    record = record_of(f"Glucagonoma of the pancreatic tail, distal pancreatectomy.  {sentence}")
    assert (record.symptoms_improved, record.days_to_improvement) == (True, days)


@pytest.mark.parametrize(
    ("note", "status"),
    [
        # a follow-up visit's "no recurrence" is the patient's state at that visit
        ("ONCOLOGY FOLLOW-UP\n\nGlucagonoma, distal pancreatectomy 2019.  Seen with her husband; no recurrence found.", "alive"),
        # a history line's "no recurrence" in a note that is not a follow-up says nothing of now
        ("ADMISSION NOTE\n\nPast history: breast cancer 1992, no recurrence.  Admitted with a rash.", None),
        # a follow-up visit's note that quotes a CT in its history is not an imaging report
        ("SURGERY F/U - 5 yr\n\nHx: NME -> CT: mass pancreatic tail -> distal pancreatectomy 06/2019, glucagonoma.\nToday, 5 yrs post op: no evidence of recurrent glucagonoma.", "alive"),
        # a follow-up scan's report is a report's finding
        ("FOLLOW-UP CT ABDOMEN\n\nGlucagonoma resected 2019.  No evidence of recurrent glucagonoma.", None),
        # a follow-up lead-in ending in a colon, then the state with no subject word
        ("Glucagonoma, distal pancreatectomy 2017.  Followed up since then:\nremains free of recurrence.", "alive"),
        # a condition as the lead-in is the condition's state, not the patient's
        ("Glucagonoma, distal pancreatectomy 2017.\nDiabetes: doing well on metformin.", None),
    ],
)
def test_no_recurrence_at_a_follow_up(record_of: Record, note: str, status: str | None) -> None:
    assert record_of(note).vital_status == status


@pytest.mark.parametrize(
    ("note", "improved"),
    [
        # an insulinoma's syndrome is its hypoglycaemia: relieved, resolved, or none since the operation
        ("Metastatic insulinoma.  Everolimus + long-acting octreotide started -> hypoglycaemia\nrelieved, partial response.", True),
        ("Malignant insulinoma.  After the repeated Y-90 radioembolization the hypoglycaemic events resolved\nrapidly.", True),
        ("Insulinoma of the pancreatic body, excised.  No significant hypoglycaemic episodes since the\noperation.", True),
        # hypoglycaemia that went on after the operation is no improvement
        ("Insulinoma of the pancreatic body, excised.  He has had hypoglycaemia since the operation.", None),
        # the treatment told in the sentence before
        ("46F, pancreatic NEC turned insulin-producing.\nTx given: TACE of the liver masses, then streptozotocin +\nadriamycin.\nHypoglycemia relieved.", True),
        ("Insulinoma G3, metastasised.  Under dacarbazine the best effect of the later lines: hypoglycaemias again controlled.", True),
        # another tumour's treatment, and a heading's "surgical" is no treatment of this one
        ("SURGICAL ONCOLOGY - NEW PATIENT\n\nHPI: MEN-1. w/u showed a pituitary adenoma, treated with cabergoline w/ resolution of symptoms.\nEUS-FNA: well-differentiated NET of the pancreatic head.", None),
        # the rash that cleared earlier: "since" that is not "since the operation"
        ("Glucagonoma, Whipple 2014.  No recurrence of the rash since it cleared postoperatively.", True),
        # Whipple's triad: symptoms relieved by food are no treatment's effect
        ("Insulinoma suspected.  Impression: autonomic symptoms relieved by food and a glucose of 2.0 mmol/L.", None),
    ],
)
def test_an_insulinoma_syndrome_improves(record_of: Record, note: str, improved: bool | None) -> None:
    assert record_of(note).symptoms_improved is improved


@pytest.mark.parametrize(
    ("note", "surgery"),
    [
        # an excision named by the part of the pancreas is an operation of unstated type
        ("DISCHARGE SUMMARY\nProcedure: excision of the pancreatic body lesion.\nHistology: well differentiated neuroendocrine neoplasm (insulinoma).", ["other"]),
        # planned, not done
        ("Insulinoma of the tail.  Plan: excision of the pancreatic tail tumour next month.", []),
        # a debulking operation is a tumour operation of a type the vocabulary does not list
        ("Insulinoma G3, metastasised.  Prior lines:\n- tumour debulking surgery\n- TACE and SIRT", ["other"]),
    ],
)
def test_excision_of_a_named_part_of_the_pancreas(record_of: Record, note: str, surgery: list[str]) -> None:
    assert record_of(note).surgery == surgery


def test_an_excision_keeps_the_part_of_the_pancreas_as_the_location(record_of: Record) -> None:
    record = record_of("Metastatic insulinoma.  Operation: resection of the pancreatic head mass and liver metastasectomy.")
    assert (record.surgery, record.tumor_location) == (["hepatic_metastasectomy", "other"], ["head"])


@pytest.mark.parametrize(
    ("notes", "age", "months"),
    [
        # a tumour placed in a part of the pancreas is the tumour whose diagnosis the age is told against
        (("38-year-old woman with a 3-year history of recurring, itchy skin rashes.",
          "Letter: the work-up showed a tumour in the head of the pancreas; serum glucagon elevated."), 38, 36.0),
        (("60-year-old patient admitted for surgical treatment of a tumour of the pancreatic tail and of gallbladder stones.",), 60, None),
        # no tumour at all: an age is no age at a tumour's diagnosis
        (("38-year-old woman with a 3-year history of recurring, itchy skin rashes; zinc deficiency dermatitis.",), None, None),
    ],
)
def test_a_tumour_in_a_named_part_of_the_pancreas_dates_the_age(
    record_of: Record, notes: tuple[str, ...], age: int | None, months: float | None
) -> None:
    record = record_of(*notes)
    assert (record.age_at_diagnosis, record.months_symptoms_to_diagnosis) == (age, months)


# -- wording met in the case-reports dev3 split (each a general rule, on a sentence written here) --


@pytest.mark.parametrize(
    ("note", "size"),
    [
        # the hyphenated adjective form of a size
        ("CT: a 4-cm hypoattenuating mass in the tail of the pancreas; glucagonoma suspected.", [4.0]),
        ("Glucagonoma.  The 3-cm incision was closed with staples.", None),
        # the hyphenated product is read whole, largest first
        ("On sectioning, a 4 x 3.8 x 3-cm ill-defined white mass is seen in the head of the pancreas.", [4.0, 3.8, 3.0]),
        # a node (or splenule) measured is not the tumour
        ("Pancreatic NET of the tail.  Also noted is a 4.2 x 3.2 x 0.6-cm, lymph node versus splenule.", None),
        # an OCR-broken first dimension leaves no size: neither "7" nor the lone "0.9"
        ("Pancreatic NET.  The mucosal surface shows a t.7 x 0.9-cm ulcerated lesion.", None),
    ],
)
def test_a_hyphenated_size_is_a_size(record_of: Record, note: str, size: list[float] | None) -> None:
    assert record_of(note).tumor_size_cm == size


@pytest.mark.parametrize(
    ("note", "improved"),
    [
        # a relative clause between the rash and its improvement
        ("Glucagonoma on octreotide.  Her rash, which improved within days of the first injection, has come back.", True),
        # the syndrome's manifestations, and a gastrinoma's abdominal pain, are what improves too
        ("Insulinoma enucleated in May.  At review the clinical manifestations have resolved.", True),
        ("Gastrinoma excised in March.  At six weeks there is complete resolution of his abdominal pain.", True),
        # without the syndrome (no NET, no NME) the pain of an appendicitis is not the syndrome's
        ("Appendicectomy in March.  At six weeks there is complete resolution of his abdominal pain.", None),
    ],
)
def test_improvement_wording(record_of: Record, note: str, improved: bool | None) -> None:
    assert record_of(note).symptoms_improved is improved


@pytest.mark.parametrize(
    ("note", "status"),
    [
        # the tumour's stable disease on a named drug is told of a patient followed up on it
        ("ONCOLOGY CLINIC\nMetastatic pNET.  Assessment: stable disease on lanreotide; continue 120 mg every 28 days.", "alive"),
        ("ONCOLOGY CLINIC\nMetastatic pNET.  Her sister has stable disease on everolimus.", None),
    ],
)
def test_stable_disease_on_treatment_is_a_follow_up_state(record_of: Record, note: str, status: str | None) -> None:
    assert record_of(note).vital_status == status


@pytest.mark.parametrize(
    "note",
    [
        "Rash since March, first treated by her PCP with topical steroids, no benefit.",
        "Referred by his PCP for recurrent hypoglycemia.",
    ],
)
def test_a_pcp_is_general_practice(record_of: Record, note: str) -> None:
    assert record_of(note).first_department == "general practice"


@pytest.mark.parametrize(
    ("note", "months"),
    [
        # a letter's line breaking between "two-year" and "history"
        ("Dear Dr Grey,\nthank you for seeing this man with a two-year\nhistory of flushing and diarrhoea.  Gastrinoma confirmed.", 24.0),
        # an insulinoma's hypoglycaemic episodes are its presenting symptom
        ("Insulinoma of the pancreatic tail.  She reports 18 months of hypoglycaemic episodes.", 18.0),
        ("Insulinoma of the pancreatic tail.  She reports 2 years of episodes of migraine.", None),
    ],
)
def test_symptom_duration_wording(record_of: Record, note: str, months: float | None) -> None:
    assert record_of(note).months_symptoms_to_diagnosis == months


@pytest.mark.parametrize(
    ("note", "surgery"),
    [
        # words placing a named neuroendocrine tumour do not hide its excision
        ("Operation: resection of a duodenal wall gastrinoma, uneventful.", ["other"]),
        ("Operation: surgical resection of the peri-ampullary neuroendocrine tumour.", ["other"]),
        # a benign lump's excision is still not a tumour operation
        ("Glucagonoma under surveillance.  Previous excision of a left breast mass (fibroadenoma).", []),
    ],
)
def test_excision_of_a_placed_neuroendocrine_tumour(record_of: Record, note: str, surgery: list[str]) -> None:
    assert record_of(note).surgery == surgery


def test_a_lab_table_flag_between_result_and_unit(record_of: Record) -> None:
    note = "LAB RESULTS\nTest                 Result          Units\nGASTRIN, FASTING     1250     H      pg/mL\n\nGastrinoma suspected."
    gastrin = record_of(note).serum_markers.gastrin
    assert gastrin is not None and (gastrin.value, gastrin.status) == (1250.0, "elevated")


@pytest.mark.parametrize(
    ("note", "days"),
    [
        # the operation told with a verb ("was resected", "was removed", "excised", "enucleated")
        ("Glucagonoma.  After the glucagonoma was resected the rash settled over the following 10 days.", 10.0),
        ("Glucagonoma.  The rash cleared within a week after the tumour was removed.", 7.0),
        ("Glucagonoma.  The rash had cleared three days after the glucagonoma was enucleated.", 3.0),
        # an ordinal post-operative day
        ("Glucagonoma resected.  On the fourth postoperative day the skin lesions had begun to heal.", 4.0),
        ("Glucagonoma resected.  By the 6th post-op day the NME was fading.", 6.0),
        # a drug started is not an operation: no days after surgery
        ("Glucagonoma.  The rash improved within days of starting octreotide.", None),
    ],
)
def test_days_to_rash_improvement_after_the_operation(record_of: Record, note: str, days: float | None) -> None:
    record = record_of(note)
    assert (record.symptoms_improved, record.days_to_improvement) == (True, days)


@pytest.mark.parametrize(
    ("note", "department"),
    [
        # a "family doctor" is not family history: the GP is the first department
        ("The patient initially consulted her family doctor, who prescribed emollients for the rash.", "general practice"),
        # the adverb after the verb
        ("Seen first by her GP, who referred her to dermatology.", "general practice"),
    ],
)
def test_first_department_wording(record_of: Record, note: str, department: str) -> None:
    assert record_of(note).first_department == department


def test_a_family_doctor_does_not_make_findings_family_history(record_of: Record) -> None:
    record = record_of("Her family doctor diagnosed type 2 diabetes in 2019; NME was recognised a year later.")
    assert (record.findings.diabetes, record.findings.nme) == ("present", "present")


@pytest.mark.parametrize(
    ("note", "sites"),
    [
        ("Pancreatic NET with nodal disease; on lanreotide.", ["lymph_nodes"]),
        ("By 2016 the glucagonoma had spread to the liver.", ["liver"]),
        ("Pancreatic NET.  Staging CT: no distant spread.", []),
        ("Pancreatic NET.  No nodal disease on staging.", []),
        # a lymphoma's nodal disease is the tumour itself, not a metastasis
        ("Follicular lymphoma with extensive nodal disease.", None),
        # a node specimen's diagnosis line of a resection pathology report
        ("FINAL DIAGNOSIS:,A.  Right upper lobe wedge:  Poorly differentiated non-small cell carcinoma.  Tumor Size:  0.8 cm.,"
         "B.  Biopsy, 10R lymph node:  Anthracotically pigmented lymphoid tissue, negative for malignancy.", []),
    ],
)
def test_metastasis_wording(record_of: Record, note: str, sites: list[str] | None) -> None:
    assert record_of(note).metastasis_sites == sites


def test_a_negative_margin_on_a_node_line_is_not_negative_nodes(record_of: Record) -> None:
    note = "FINAL DIAGNOSIS:,A.  Right upper lobe:  Adenocarcinoma.,B.  Lymph nodes:  metastatic carcinoma in two nodes; margins negative for tumor."
    assert record_of(note).metastasis_sites != []


@pytest.mark.parametrize(
    ("note", "diagnostic"),
    [
        ("Glucagonoma.  Histopathology of a skin lesion showed superficial epidermal necrosis typical of NME.", True),
        ("Rash.  Histological examination of the skin lesion showed psoriasiform dermatitis.", False),
    ],
)
def test_skin_histopathology_is_a_skin_biopsy(record_of: Record, note: str, diagnostic: bool) -> None:
    assert record_of(note).skin_biopsy_diagnostic is diagnostic


@pytest.mark.parametrize(
    ("note", "status"),
    [
        ("Glucagonoma.  The patient succumbed to metastatic disease in 2019.", "deceased"),
        ("Glucagonoma.  Her sister succumbed to pneumonia last year.", None),
    ],
)
def test_vital_status_wording(record_of: Record, note: str, status: str | None) -> None:
    assert record_of(note).vital_status == status


@pytest.mark.parametrize(
    ("note", "stains", "insulin"),
    [
        # "plasma/serum immunoreactive X" is a radioimmunoassay of the blood, not a stain of the tumour
        ("Glucagonoma, liver metastases.  Plasma immunoreactive glucagon - levels not changed after the embolization.", (None, None), None),
        ("Insulinoma.  Serum immunoreactive insulin 45 uU/mL at a glucose of 2.1 mmol/L.", (None, None), 45.0),
        # the tumour cells that are immunoreactive are stained
        ("Glucagonoma.  The tumour cells are immunoreactive for glucagon and negative for insulin.", ("positive", "negative"), None),
    ],
)
def test_a_blood_immunoassay_is_no_stain(record_of: Record, note: str, stains: tuple[str | None, str | None], insulin: float | None) -> None:
    record = record_of(note)
    assert (record.ihc.glucagon, record.ihc.insulin) == stains
    assert (record.serum_markers.insulin.value if record.serum_markers.insulin else None) == insulin


@pytest.mark.parametrize(
    ("note", "gastrin", "glucagon"),
    [
        # the note defines IRG as immunoreactive gastrin: its definition wins over the lexicon's IRG (glucagon)
        ("Referral: melena and diarrhoea for 3 years.  Very high serum immunoreactive gastrin (IRG), 12,037 pg/mL.", (12037.0, "elevated"), []),
        # without a definition of its own, IRG stays immunoreactive glucagon
        ("Glucagonoma work-up: fasting plasma glucagon (IRG) 1,250 pg/mL.", None, [1250.0]),
    ],
)
def test_a_note_defines_its_own_abbreviation(
    record_of: Record, note: str, gastrin: tuple[float, str] | None, glucagon: list[float]
) -> None:
    record = record_of(note)
    marker = record.serum_markers.gastrin
    assert ((marker.value, marker.status) if marker else None) == gastrin
    assert [m.value for m in record.glucagon] == glucagon


@pytest.mark.parametrize(
    ("note", "diabetes"),
    [
        # a department's name on a letterhead is no finding of the patient
        ("DEPARTMENT OF ENDOCRINOLOGY & DIABETES\nRe: your patient\n\nThe rash led us to a metastatic glucagonoma.  Of interest, there is no diabetes.", "absent"),
        ("Diabetes and Endocrinology Centre - clinic letter\nGlucagonoma of the tail.", None),
        ("Diabetes and Endocrinology Centre - clinic letter\nGlucagonoma of the tail; type 2 diabetes since 2015.", "present"),
    ],
)
def test_a_department_name_is_no_diabetes(record_of: Record, note: str, diabetes: str | None) -> None:
    assert record_of(note).findings.diabetes == diabetes


@pytest.mark.parametrize(
    ("note", "improved"),
    [
        # the syndrome's response to a somatostatin analogue, in so many words
        ("Endocrine clinic: metastatic glucagonoma, NME at presentation.  Satisfactory response to the somatostatin analogue\ntherapy.", True),
        ("Glucagonoma with liver metastases.  Good clinical response to octreotide LAR 30 mg monthly.", True),
        ("Metastatic glucagonoma.  Poor response to octreotide; the rash persisted.", False),
        # a tumour's response to a targeted drug on a scan is not the syndrome's
        ("Metastatic glucagonoma.  Good response to everolimus on the CT.", None),
    ],
)
def test_a_response_to_a_somatostatin_analogue_is_an_improvement(record_of: Record, note: str, improved: bool | None) -> None:
    assert record_of(note).symptoms_improved is improved


@pytest.mark.parametrize(
    ("note", "systemic", "locoregional"),
    [
        # a chemoembolization's load is liver-directed therapy (TACE), not systemic chemotherapy
        ("Glucagonoma, liver metastases, st. after hepatic artery chemoembolization (Lipiodol +\nstreptozotocin + 5-FU) in April.", [], ["tace"]),
        ("Metastatic glucagonoma.  The emulsion was Lipiodol emulsified with streptozotocin and 5-fluorouracil, given into the hepatic artery.", [], []),
        # a TACE first, then systemic chemotherapy: both
        ("Pancreatic NEC, liver metastases: TACE of the liver masses (07/2010), then systemic chemo streptozotocin +\nadriamycin.", ["doxorubicin", "streptozocin"], ["tace"]),
        ("Metastatic pNET treated with streptozocin and 5-FU for four cycles.", ["5-fluorouracil", "streptozocin"], []),
        # an ablation listed after a TACE is no load of it
        ("Metastatic glucagonoma.  Liver metastases treated with TACE, RFA and two cycles of PRRT.", [], ["rfa", "tace"]),
        ("Metastatic pNET: mitomycin C and 5-FU, four cycles.", ["5-fluorouracil", "mitomycin"], []),
    ],
)
def test_a_chemoembolization_load_is_not_systemic_therapy(
    record_of: Record, note: str, systemic: list[str], locoregional: list[str]
) -> None:
    record = record_of(note)
    assert (sorted(record.systemic_therapy), sorted(record.locoregional_therapy)) == (systemic, locoregional)


@pytest.mark.parametrize(
    "note",
    [
        # "chemo-embolization" with its hyphen, also when a line end splits it
        "Glucagonoma, liver metastases.  Hepatic artery chemo-\nembolization of the liver metastases in April.",
        "Glucagonoma, liver metastases.  Hepatic artery chemo-embolization with Lipiodol in April.",
    ],
)
def test_a_hyphenated_chemoembolization_is_tace(record_of: Record, note: str) -> None:
    assert record_of(note).locoregional_therapy == ["tace"]


@pytest.mark.parametrize(
    ("note", "age"),
    [
        # "NME is the hallmark of the glucagonoma syndrome": a textbook statement, no tumour of the patient
        ("49-year-old woman admitted with a rash.\nFinal diagnosis: necrolytic migratory erythema.  Because NME is the hallmark of the glucagonoma syndrome we have requested the plasma glucagon and a CT.", None),
        ("49-year-old woman with necrolytic migratory erythema and a glucagonoma of the pancreatic tail.", 49),
    ],
)
def test_a_hallmark_of_a_syndrome_is_no_diagnosis(record_of: Record, note: str, age: int | None) -> None:
    assert record_of(note).age_at_diagnosis == age


@pytest.mark.parametrize(
    ("note", "months", "diarrhea"),
    [
        # "diarrhoea x 2 yrs": the duration of the presenting complaint, and the complaint stays a finding
        ("VIPoma referral.  HPI: watery diarrhoea x 2 yrs, does not settle with fasting.", 24.0, "present"),
        ("Gastrinoma.  Loose stools x 6 months before the diagnosis.", 6.0, None),
        # a count of episodes is no duration
        ("VIPoma.  Diarrhoea x 2 episodes overnight.", None, "present"),
    ],
)
def test_a_complaint_times_a_duration(record_of: Record, note: str, months: float | None, diarrhea: str | None) -> None:
    record = record_of(note)
    assert record.months_symptoms_to_diagnosis == months
    if diarrhea is not None:
        assert record.findings.diarrhea == diarrhea


@pytest.mark.parametrize(
    ("note", "sites"),
    [
        ("CT abdomen: 5.9 x 3.4 cm mass in the tail of the pancreas with a solitary liver\nlesion c/w metastasis.", ["liver"]),
        ("Pancreatic NET.  MRI: two hepatic lesions in keeping with metastases.", ["liver"]),
        ("Pancreatic NET.  MRI: a liver lesion c/w haemangioma.", None),
    ],
)
def test_a_liver_lesion_read_as_a_metastasis(record_of: Record, note: str, sites: list[str] | None) -> None:
    assert record_of(note).metastasis_sites == sites


@pytest.mark.parametrize(
    ("note", "cga", "stain"),
    [
        # "serum X - negative": a blood assay below its range, not a stain
        ("VIPoma suspected.\nSerum chromogranin A - negative (within ref range).", "normal", None),
        # a level word right after the marker, in a note of blood tests
        ("Suspected ZES.  On PPI.  Gastrin drawn on PPI only mildly up, CgA also elevated.", "elevated", None),
        # "24-h urine" is an hour, not a high flag, and a requested test has no result
        ("Pancreatic tail mass.  Suggest serum CgA and 24-h urine 5-HIAA.", None, None),
        # the stain keeps its reading
        ("Pancreatic NET.  Immunohistochemistry: chromogranin A positive, synaptophysin positive.", None, "positive"),
    ],
)
def test_a_serum_marker_result_in_words(record_of: Record, note: str, cga: str | None, stain: str | None) -> None:
    record = record_of(note)
    cga_status = record.serum_markers.chromogranin_a.status if record.serum_markers.chromogranin_a else None
    assert (cga_status, record.ihc.chromogranin_a) == (cga, stain)


@pytest.mark.parametrize(
    ("note", "stain"),
    [
        # the abbreviation of a blood assay's name is the same assay
        ("Glucagonoma syndrome.  Her plasma immunoreactive glucagon (IRG) is raised.", None),
        # the abbreviation of a stain's name is the same stain
        ("Glucagonoma.  Tumour cells: glucagon (GCG) positive.", "positive"),
    ],
)
def test_an_abbreviation_is_an_assay_of_what_its_long_form_is(record_of: Record, note: str, stain: str | None) -> None:
    assert record_of(note).ihc.glucagon == stain


@pytest.mark.parametrize(
    ("note", "improved"),
    [
        # a failed treatment of a mistaken skin diagnosis is no response of the syndrome to its treatment
        ("Glucagonoma syndrome.  Thank you for sending this young lady with the recurrent eruption that has not responded to steroids.", None),
        ("Glucagonoma.  The rash did not improve with topical steroids or octreotide.", False),
        ("Glucagonoma.  NME did not improve despite octreotide.", False),
    ],
)
def test_a_rash_unchanged_on_steroids_says_nothing_of_the_syndrome(record_of: Record, note: str, improved: bool | None) -> None:
    assert record_of(note).symptoms_improved is improved


@pytest.mark.parametrize(
    ("note", "status"),
    [
        # a post-op clinic is a follow-up visit; "Dx, clinically improved" after an assessment heading is the patient's state
        ("Surgical oncology - post-op clinic\n\nS/p Whipple pancreaticoduodenectomy for gastrinoma.\nA/P: ZES s/p resection, clinically improved.", "alive"),
        ("Clinic letter, 2 yrs post op.\nImp: glucagonoma s/p distal pancreatectomy, doing well.", "alive"),
        # an inpatient's improvement is no follow-up state
        ("ADMISSION NOTE\nGastrinoma.  Started PPI; clinically improved overnight.", None),
    ],
)
def test_a_state_after_an_assessment_heading_at_follow_up(record_of: Record, note: str, status: str | None) -> None:
    assert record_of(note).vital_status == status


@pytest.mark.parametrize(
    ("note", "surgery"),
    [
        # a left-sided pancreatectomy is the distal (left) pancreatectomy, also with OCR digits for letters
        ("Metastatic pNET. Status post left-sided pancreatectomy and splenectomy in March.", ["distal_pancreatectomy", "splenectomy"]),
        ("FAX p.1/1\nNeuroendocrine tumour of the pancreas. 0peration: 1eft sided pancreatectomy with sp1enectomy.", ["distal_pancreatectomy", "splenectomy"]),
    ],
)
def test_a_left_sided_pancreatectomy_is_distal(record_of: Record, note: str, surgery: list[str]) -> None:
    assert record_of(note).surgery == surgery


def test_a_left_sided_colectomy_is_no_pancreatectomy(record_of: Record) -> None:
    record = record_of("Adenocarcinoma of the descending colon.  Left-sided colectomy performed in 2019.")
    assert "distal_pancreatectomy" not in record.surgery


@pytest.mark.parametrize(
    ("note", "drugs"),
    [
        # interferon alfa is named by its INN when the subtype is written; the bare class name stays
        ("Metastatic glucagonoma: octreotide, then interferon alfa-2b 3 MU three times weekly.", ["interferon alfa"]),
        ("Functional pNET, liver metastases. Medical treatment: lanreotide + IFN-α.", ["interferon alfa"]),
        ("Metastatic carcinoid tumour of the ileum, on interferon since 2012.", ["interferon"]),
        # the same drug for hepatitis is no tumour therapy
        ("Chronic hepatitis C, treated with pegylated interferon alfa and ribavirin in 2005.", []),
    ],
)
def test_interferon_alfa_is_named_by_its_generic_name(record_of: Record, note: str, drugs: list[str]) -> None:
    assert record_of(note).systemic_therapy == drugs


@pytest.mark.parametrize(
    ("note", "parts"),
    [
        # "head region", "tail portion" of the pancreas name the part
        ("Insulinoma.  CT: a 4.5 cm mass in the head region of the pancreas, liver lesions.", ["head"]),
        ("Glucagonoma in the tail portion of the pancreas, 3 cm.", ["tail"]),
        # the head that is scanned is no part of the pancreas
        ("Pancreatic NET.  CT of the head, region of the pancreas not imaged.", []),
    ],
)
def test_a_part_named_with_region_or_portion(record_of: Record, note: str, parts: list[str]) -> None:
    assert record_of(note).tumor_location == parts


@pytest.mark.parametrize(
    ("note", "sites"),
    [
        # the metastasis a biopsy of the liver shows lies in the liver
        ("Metastatic insulinoma.\nUS-guided biopsy of a hepatic mass: neuroendocrine tumour; this is metastasis of the pancreatic tumour.", ["liver"]),
        ("Pancreatic NET of the tail.\nLiver core biopsy: well-differentiated NET, consistent with metastasis from the pancreatic primary.", ["liver"]),
        # a planned biopsy names no liver metastasis; one negative for metastasis states none
        ("Pancreatic NET of the tail.\nLiver biopsy planned to exclude metastasis.", None),
        ("Pancreatic NET of the tail.\nLiver biopsy: steatosis only, negative for metastasis.", []),
    ],
)
def test_a_metastasis_shown_by_a_liver_biopsy_is_in_the_liver(record_of: Record, note: str, sites: list[str] | None) -> None:
    assert record_of(note).metastasis_sites == sites


@pytest.mark.parametrize(
    ("note", "surgery"),
    [
        # a hepatectomy in a note that has named the tumour's liver metastases resects them
        ("Re: metastatic insulinoma with liver metastases\n\nSeen 6 months after her operation (distal pancreatectomy,\nsplenectomy and right hepatectomy).", ["distal_pancreatectomy", "splenectomy", "hepatic_metastasectomy"]),
        # with the liver metastases denied, the hepatectomy is not theirs
        ("Pancreatic NET, no liver metastases on CT.\nOperation: Whipple procedure and left hepatectomy.", ["pancreaticoduodenectomy"]),
    ],
)
def test_a_hepatectomy_after_liver_metastases_were_named(record_of: Record, note: str, surgery: list[str]) -> None:
    assert record_of(note).surgery == surgery


@pytest.mark.parametrize(
    ("note", "age"),
    [
        # a "Patient:" header field gives the name (or its redaction), a comma and the age
        ("DISCHARGE SUMMARY - Endocrinology\nPatient: Mrs ----, 71 years\nDiagnosis: malignant insulinoma.", 71),
        ("Patient: K. Brown (hospital no. 0045127), 58 yrs\nCT: pancreatic NET of the tail.", 58),
        # a time since an operation is no age
        ("Insulinoma.\nPatient: seen today, 3 years after the enucleation.", None),
    ],
)
def test_an_age_in_a_patient_header_field(record_of: Record, note: str, age: int | None) -> None:
    assert record_of(note).age_at_diagnosis == age


@pytest.mark.parametrize(
    ("note", "department"),
    [
        # sent on to a surgical team for the resection once diagnosed: not where the complaint was first taken
        ("Impression: glucagonoma of the pancreatic tail. Is presented to the surgery team for resection.", None),
        ("Insulinoma confirmed on the 72-h fast; presented to surgery for enucleation.", None),
        # presenting with the complaint is the first contact
        ("She presented to dermatology in 2019 with a migratory rash; NME on biopsy.", "dermatology"),
    ],
)
def test_a_department_sent_to_for_treatment_is_not_the_first(record_of: Record, note: str, department: str | None) -> None:
    assert record_of(note).first_department == department


@pytest.mark.parametrize(
    ("note", "surgery"),
    [
        # referred or sent "for" an operation: planned, not done
        ("Glucagonoma of the pancreatic tail.  She was referred to the surgeons for resection of the glucagonoma.", []),
        ("Insulinoma on EUS.  Sent to HPB surgery for laparoscopic distal pancreatectomy.", []),
        # the operation done after the referral still counts; so does one before it
        ("Glucagonoma of the tail.  She was referred for resection and underwent distal pancreatectomy on 3 May.", ["distal_pancreatectomy"]),
        ("Glucagonoma.  Referred to us after her Whipple procedure for follow-up of NME.", ["pancreaticoduodenectomy"]),
    ],
)
def test_an_operation_someone_is_referred_for_is_planned(record_of: Record, note: str, surgery: list[str]) -> None:
    assert record_of(note).surgery == surgery


@pytest.mark.parametrize(
    ("note", "finding", "value"),
    [
        # a symptom that resolved or settled was there: the improvement's words name the finding
        ("VIPoma of the pancreatic tail.  Octreotide 100 mcg tds started, with resolution of the diarrhoea.", "diarrhea", "present"),
        ("Glucagonoma, distal pancreatectomy 10 May.  NME completely resolved by post-operative day 6.", "nme", "present"),
        ("Glucagonoma.  The necrolytic migratory erythema did not improve on octreotide.", "nme", "present"),
        # a hoped-for resolution is no finding
        ("Glucagonoma.  If the diarrhoea resolves after surgery, stop loperamide.", "diarrhea", None),
    ],
)
def test_a_finding_that_resolved_was_present(record_of: Record, note: str, finding: str, value: str | None) -> None:
    assert getattr(record_of(note).findings, finding) == value


def test_a_marker_at_a_multiple_of_the_upper_limit_of_normal_is_elevated(record_of: Record) -> None:
    record = record_of("Non-functioning pNET with liver metastases.  Chromogranin A about 3 times the upper limit of normal.")
    assert record.serum_markers.chromogranin_a is not None
    assert record.serum_markers.chromogranin_a.status == "elevated"


@pytest.mark.parametrize(
    ("note", "nme"),
    [
        # a rash compared with NME is not NME
        ("Coeliac disease, poorly controlled.  Scaly perioral rash resembling necrolytic migratory erythema; glucagon normal.", None),
        ("Chronic alcohol use.  NME-like dermatitis of the hands; pellagra diagnosed.", None),
        # NME that mimics another rash is still NME
        ("Glucagonoma.  Necrolytic migratory erythema mimicking psoriasis for two years.", "present"),
    ],
)
def test_a_rash_resembling_nme_is_not_nme(record_of: Record, note: str, nme: str | None) -> None:
    assert record_of(note).findings.nme == nme


@pytest.mark.parametrize(
    ("note", "zinc"),
    [
        # zinc started or given with a dose is a zinc preparation given
        ("Hepatitis C cirrhosis.  Necrolytic acral erythema of the dorsal feet; zinc started.", True),
        ("Acquired zinc deficiency after bypass.  Serum zinc 38 µg/dL (low).  Treated with zinc 50 mg twice daily.", True),
        # a zinc level is no zinc given
        ("Glucagonoma.  Serum zinc 45 µg/dL, low normal.", None),
    ],
)
def test_zinc_started_is_zinc_given(record_of: Record, note: str, zinc: bool | None) -> None:
    assert record_of(note).zinc_supplementation is zinc


@pytest.mark.parametrize(
    ("note", "status"),
    [
        # a lasting freedom from the syndrome's own symptoms is the patient's state at follow-up
        ("Insulinoma enucleated in 2019.  At the 12-month review she remains free of hypoglycaemia.", "alive"),
        ("Glucagonoma, distal pancreatectomy 2015.  Letter 2018: she has been free of rash since the operation.", "alive"),
        # a ward day without a symptom is not
        ("VIPoma.  Day 3 on the ward: she is free of diarrhoea on octreotide.", None),
    ],
)
def test_remaining_free_of_the_syndrome_is_alive(record_of: Record, note: str, status: str | None) -> None:
    assert record_of(note).vital_status == status


@pytest.mark.parametrize(
    ("note", "diarrhea"),
    [
        # "not free of" a symptom asserts it
        ("VIPoma with liver metastases.  Despite octreotide she is not free of diarrhoea.", "present"),
        ("VIPoma.  On octreotide she is now free of diarrhoea.", "absent"),
    ],
)
def test_not_free_of_a_symptom_is_the_symptom(record_of: Record, note: str, diarrhea: str) -> None:
    assert record_of(note).findings.diarrhea == diarrhea


@pytest.mark.parametrize(
    ("note", "months"),
    [
        # time without a symptom is no time from the first symptom to the diagnosis
        ("Glucagonoma resected in 2012.  No diarrhoea for 2 years now.", None),
        ("Glucagonoma, distal pancreatectomy.  She has remained free of NME for 3 years.", None),
        ("Glucagonoma.  Rash for 2 years before the diagnosis was made.", 24),
    ],
)
def test_time_without_a_symptom_is_no_duration(record_of: Record, note: str, months: int | None) -> None:
    assert record_of(note).months_symptoms_to_diagnosis == months


@pytest.mark.parametrize(
    ("note", "nme", "biopsy"),
    [
        # a faxed report prints "acral" with a digit: necrolytic acral erythema is still not NME
        ("SKIN BIOPSY REPORT (faxed)\nSpecimen: punch biopsy, dorsum of foot.\nImpression : features consistent with necro1ytic acra1 erythema .", None, False),
        ("SKIN BIOPSY REPORT (faxed)\nSpecimen: punch biopsy, shin.\nImpression : features consistent with necro1ytic migrat0ry erythema .", "present", True),
    ],
)
def test_ocr_damaged_necrolytic_acral_erythema_is_not_nme(record_of: Record, note: str, nme: str | None, biopsy: bool) -> None:
    record = record_of(note)
    assert (record.findings.nme, record.skin_biopsy_diagnostic) == (nme, biopsy)


@pytest.mark.parametrize(
    ("note", "surgery"),
    [
        # a distal (left) pancreatic resection is a distal pancreatectomy
        ("MEN1. St. p. laparoscopic distal pancreatic resection 12/2005 for a non-functional NET of the pancreas.", ["distal_pancreatectomy", "laparoscopic"]),
        ("Insulinoma of the tail: left resection of the pancreas with preservation of the spleen (2019).", ["distal_pancreatectomy"]),
        ("Pancreatic NET of the tail: distal pancreatic resection was recommended but declined.", []),
    ],
)
def test_a_distal_pancreatic_resection_is_a_distal_pancreatectomy(record_of: Record, note: str, surgery: list[str]) -> None:
    assert record_of(note).surgery == surgery


@pytest.mark.parametrize(
    ("note", "age"),
    [
        # a letter names the patient with a title, then the age: "Mr. K., 37 years"
        ("Dear colleague,\nwe report about your patient Mr. K., 37 years, who was treated for a neuroendocrine tumour of the pancreatic head.", 37),
        ("MEN1 clinic - follow-up\n\n37 y, male, MEN1. St.p. enucleation of a pancreatic head NET.", 37),
        # a time after an event or a duration of another disease is no age
        ("Mr. Brown, 5 years after the Whipple procedure for insulinoma, is well.", None),
        ("Mrs Jones, 12 years of insulin-treated diabetes, now with a glucagonoma.", None),
    ],
)
def test_an_age_after_a_titled_name(record_of: Record, note: str, age: int | None) -> None:
    assert record_of(note).age_at_diagnosis == age


@pytest.mark.parametrize(
    ("note", "status"),
    [
        # no sign of recurrence at a follow-up visit is the patient's state, in either wording
        ("MEN1 outpatient clinic - follow-up\n\nSt.p. enucleation of a pancreatic head NET.\n9 months after re-operation: imaging without signs of recurrence.", "alive"),
        ("Outpatient follow-up (18 months after operation)\nImaging: no sign of reoccurrence in pancreas or liver.", "alive"),
        # an imaging report's finding and a history line are not
        ("CT ABDOMEN\nIndication: insulinoma follow-up.\nImpression: post-surgical changes without signs of recurrence.", None),
        ("History: breast cancer 1992, treated without recurrence.", None),
    ],
)
def test_no_sign_of_recurrence_at_follow_up_is_alive(record_of: Record, note: str, status: str | None) -> None:
    assert record_of(note).vital_status == status


@pytest.mark.parametrize(
    ("note", "diabetes"),
    [
        # a letter's salutation names no other person whose findings these are
        ("Dear colleague,\nthank you for seeing Mrs A., who has type 2 diabetes and a glucagonoma of the tail.", "present"),
        ("Dear colleagues,\nher colleague at work has diabetes; she has a glucagonoma of the tail.", None),
    ],
)
def test_a_dear_colleague_salutation_is_no_other_person(record_of: Record, note: str, diabetes: str | None) -> None:
    assert record_of(note).findings.diabetes == diabetes
