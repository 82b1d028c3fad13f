"""Ki-67, grade, size, TNM, regimens, PRRT, durations: pure parsers on realistic phrases."""

from __future__ import annotations

import pytest

from extractor.parsing import clinical, pathology, treatment
from extractor.parsing.context import SpanContext
from extractor.parsing.numbers import duration_in_days, duration_in_months


def _ctx(sentence: str, match: str, value: object = None, kind: str | None = None) -> SpanContext:
    start = sentence.index(match)
    return SpanContext(match, sentence, start, start + len(match), None, value, kind)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Ki-67 index 8%", 8.0),
        ("Ki67: 12 %", 12.0),
        ("MIB-1 labelling index of 15%", 15.0),
        ("Ki-67 proliferation index 8-10%", 10.0),
        ("Ki-67 <2%", 2.0),
        ("Ki-67 index was less than 1%", 1.0),
        ("Ki-67 approximately 25 percent", 25.0),
    ],
)
def test_ki67(phrase: str, expected: float) -> None:
    assert pathology.parse_ki67(_ctx(phrase, phrase)) == expected


@pytest.mark.parametrize(
    ("sentence", "match", "expected"),
    [
        ("Well-differentiated neuroendocrine tumour, WHO grade 2.", "WHO grade 2", "G2"),
        ("Pancreatic NET G1.", "G1", "G1"),
        ("Neuroendocrine carcinoma, grade III.", "grade III", "G3"),
        ("There is a grade 2/6 systolic murmur.", "grade 2", None),
        ("Grade 2 ankle sprain.", "Grade 2", None),
        ("Papillary renal cell carcinoma, Fuhrman nuclear grade 2-3, confined to the kidney.", "Fuhrman nuclear grade 2-3", "G3"),
        ("FUHRMAN'S NUCLEAR GRADE IS ( II OF IV)", "NUCLEAR GRADE IS ( II OF IV", "G2"),
        ("F.1. Fuhrman grade (for RCC, grades 1-4): 2", "Fuhrman grade (for RCC, grades 1-4): 2", "G2"),
        ("Invasive ductal carcinoma, Nottingham grade 3 of 3.", "Nottingham grade 3 of 3", "G3"),
        ("Clear cell renal cell carcinoma, Fuhrman grade 4.", "Fuhrman grade 4", None),
        ("Low grade serous carcinoma of the ovary.", "Low grade", None),
        ("Uterine procidentia grade II-III.", "grade II-III", None),
        ("Primary Gleason grade: 4, adenocarcinoma.", "grade: 4", None),
        ("Cervical intraepithelial neoplasia grade III.", "grade III", None),
        ("Anaplastic astrocytoma, WHO grade III.", "grade III", None),
        ("Labeled G1 - second largest node, serially sectioned; G2 - remaining tissue.", "G1", None),
        ("Report TCGA-G3-A25S, hepatocellular carcinoma.", "G3", None),
        # an identifier OCR split with a space: "TCGA -G2-AB12"
        ("TCGA -G2-AB12 -01A-PR Redacted; bladder tumor: urothelial carcinoma.", "-G2", None),
        ("Colic adenocarcinoma with partial neuroendocrine differentiation (G3), pT3.", "G3", "G3"),
    ],
)
def test_grade_needs_tumour_context(sentence: str, match: str, expected: str | None) -> None:
    assert pathology.parse_grade(_ctx(sentence, match)) == expected


@pytest.mark.parametrize(
    ("sentence", "match", "dims"),
    [
        ("A 3.1 x 2.3 x 1.6 cm mass in the pancreatic head.", "3.1 x 2.3 x 1.6 cm", [3.1, 2.3, 1.6]),
        ("A 42 mm tumour of the pancreatic tail.", "42 mm", [4.2]),
        ("Tumour size: 4.2 x 6.0 x 5.0 cm.", "4.2 x 6.0 x 5.0 cm", [6.0, 5.0, 4.2]),
        ("Pancreaticoduodenectomy specimen measuring 15 x 8 x 4 cm.", "15 x 8 x 4 cm", None),
        ("Several liver lesions, the largest 2.1 cm.", "2.1 cm", None),
        ("-Diameter of tumor: right ovary 9.5 x 6.5 x 5.5 cm", "9.5 x 6.5 x 5.5 cm", [9.5, 6.5, 5.5]),
        ("-Size of tumor: Left ovary and fallopian tube: 10 cm.", "10 cm", [10.0]),
        ("pT2: Tumor limited to the pancreas, more than 2 cm in greatest dimension", "2 cm", None),
        ("pT1 Tumor limited to the pancreas, 2 cm or less in greatest dimension", "2 cm", None),
    ],
)
def test_size(sentence: str, match: str, dims: list[float] | None) -> None:
    value = pathology.parse_size(_ctx(sentence, match))
    assert (value["dims"] if value else None) == dims


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pT2 pN0 M0", {"t": "T2", "n": "N0", "m": "M0", "stage": None}),
        ("T3N1M1", {"t": "T3", "n": "N1", "m": "M1", "stage": None}),
        ("T2, NX, M1", {"t": "T2", "n": "NX", "m": "M1", "stage": None}),
    ],
)
def test_tnm(text: str, expected: dict[str, str | None]) -> None:
    assert pathology.parse_tnm(_ctx(text, text)) == expected


def test_stage_needs_oncology_context() -> None:
    assert pathology.parse_tnm(_ctx("Neuroendocrine tumour, stage IIA.", "stage IIA"))["stage"] == "IIA"
    assert pathology.parse_tnm(_ctx("Stage II sleep was reduced.", "Stage II")) is None


@pytest.mark.parametrize(
    ("sentence", "drug", "rule_value", "expected"),
    [
        ("Octreotide LAR 30 mg every 4 weeks was started.", "Octreotide LAR", "octreotide_lar", (30.0, "mg", "every_28_days")),
        ("Sandostatin LAR 30 mg monthly.", "Sandostatin LAR", "octreotide_lar", (30.0, "mg", "monthly")),
        ("Octreotide 100 µg tid s.c.", "Octreotide", "octreotide", (100.0, "ug", "three_times_daily")),
        ("octreotide 100 mcg x3/day", "octreotide", "octreotide", (100.0, "ug", "three_times_daily")),
        ("octreotide 600 µg/day", "octreotide", "octreotide", (600.0, "ug", "daily")),
        ("Somatuline Autogel 120 mg every 28 days", "Somatuline Autogel", "lanreotide", (120.0, "mg", "every_28_days")),
        ("octreotide 50 mcg bd", "octreotide", "octreotide", (50.0, "ug", "twice_daily")),
        ("She continues on lanreotide.", "lanreotide", "lanreotide", (None, None, None)),
    ],
)
def test_regimens(sentence: str, drug: str, rule_value: str, expected: tuple) -> None:
    value = treatment.parse_regimen(_ctx(sentence, drug, rule_value))
    assert (value["drug"], value["dose"], value["unit"], value["frequency"]) == (rule_value, *expected)


def test_prrt_activity_and_cycles() -> None:
    sentence = "She received 90Y-DOTALAN 200 mCi x 2 for liver metastases."
    value = treatment.parse_prrt(_ctx(sentence, "90Y-DOTALAN", "90Y"))
    assert value == {"agent": "90Y-DOTALAN", "activity": "200 mCi", "cycles": 2}


def test_prrt_lutathera_cycles() -> None:
    sentence = "Four cycles of 177Lu-DOTATATE (7.4 GBq each) were completed."
    value = treatment.parse_prrt(_ctx(sentence, "177Lu-DOTATATE", "177Lu-DOTATATE"))
    assert value == {"agent": "177Lu-DOTATATE", "activity": "7.4 GBq", "cycles": 4}


@pytest.mark.parametrize(
    ("sentence", "match", "value", "expected"),
    [
        ("Laparoscopic distal pancreatectomy and splenectomy.", "Laparoscopic", "laparoscopic", ["laparoscopic"]),
        ("Laparoscopic biopsy of the pancreas was taken.", "Laparoscopic", "laparoscopic", None),
        ("Past surgical history: cholecystectomy 2005.", "cholecystectomy", "other", None),
        ("Whipple with cholecystectomy for the tumour.", "cholecystectomy", "other", ["other"]),
    ],
)
def test_surgery_context(sentence: str, match: str, value: str, expected: list[str] | None) -> None:
    assert treatment.parse_surgery(_ctx(sentence, match, value)) == expected


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("an 8-month history", 8.0), ("a 2-year history", 24.0), ("rash for three years", 36.0), ("a 6-week history", 1.4),
        # the clinical shorthand: months over 12, weeks over 52
        ("6/12 hx of post-prandial hypoglycaemia", 6.0), ("rash for 3/52", 0.7),
        # a date is not a duration
        ("seen on 6/12/2016", None),
    ],
)
def test_duration_in_months(text: str, months: float | None) -> None:
    assert duration_in_months(text) == months


@pytest.mark.parametrize(("text", "days"), [("3 days after surgery", 3.0), ("one week after", 7.0), ("within 24 hours", 1.0)])
def test_duration_in_days(text: str, days: float) -> None:
    assert duration_in_days(text) == days


@pytest.mark.parametrize(
    ("phrase", "age", "sex"),
    [("44-year-old woman", 44, "female"), ("57 yo M", 57, "male"), ("44F", 44, "female"), ("Sex: male", None, "male")],
)
def test_age_sex(phrase: str, age: int | None, sex: str) -> None:
    value = clinical.parse_age_sex(_ctx(f"A {phrase} was seen.", phrase))
    assert (value["age"], value["sex"]) == (age, sex)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Punch biopsy of the rash was consistent with necrolytic migratory erythema.", True),
        ("Punch biopsy showed psoriasiform dermatitis; no features of NME.", False),
        ("Skin biopsy was non-diagnostic.", False),
    ],
)
def test_skin_biopsy(sentence: str, expected: bool) -> None:
    match = sentence.split(" of the rash")[0] if "of the rash" in sentence else " ".join(sentence.split()[:2])
    assert clinical.parse_skin_biopsy(_ctx(sentence, match)) is expected


@pytest.mark.parametrize(
    ("sentence", "match", "expected"),
    [
        ("The rash resolved 3 days after surgery.", "rash resolved", {"improved": True, "days": 3.0}),
        ("NME did not improve despite octreotide.", "NME did not improve", {"improved": False, "days": None}),
    ],
)
def test_improvement(sentence: str, match: str, expected: dict) -> None:
    assert clinical.parse_improvement(_ctx(sentence, match)) == expected


def test_survival_from_death_sentence() -> None:
    sentence = "She died of progressive disease 11 months after diagnosis."
    value = clinical.parse_vital(_ctx(sentence, "died", "deceased"))
    assert value == {"status": "deceased", "survival_months": 11.0, "pronoun": "female"}


@pytest.mark.parametrize(
    ("sentence", "match", "dims"),
    [
        ("Distal pancreas 8.0 x 3.0 x 2.2 cm with a nodule in the body, 2.4 x 2.0 x 1.8 cm, 8 mm from the margin.", "8.0 x 3.0 x 2.2 cm", None),
        ("Distal pancreas 8.0 x 3.0 x 2.2 cm with a nodule in the body, 2.4 x 2.0 x 1.8 cm, 8 mm from the margin.", "2.4 x 2.0 x 1.8 cm", [2.4, 2.0, 1.8]),
        ("Pancreatic tail with a firm tumour, 1.8 x 1.5 x 1.2 cm, 1.4 cm from the transection margin.", "1.4 cm", None),
        ("1. Head: 3.3 x 2.8 x 2.5 cm, well circumscribed.", "3.3 x 2.8 x 2.5 cm", [3.3, 2.8, 2.5]),
        ("PANCREAS: 6.2 X 5.0 CM HETEROGENEOUS, HYPERVASCULAR MASS IN THE PANCREATIC HEAD.", "6.2 X 5.0 CM", [6.2, 5.0]),
        # a solid and cystic mass is a tumour with cysts in it; a cystic mass alone is not measured as one
        ("CT: a 4 cm solid and cystic mass in the pancreatic tail, consistent with a neuroendocrine tumour.", "4 cm", [4.0]),
        ("CT: a 4 cm cystic mass in the pancreatic tail.", "4 cm", None),
        # participles after the mass say where it lies; "measuring" goes back to the mass, not the wall
        ('The bladder is opened to reveal a large ulcerated mass occupying the entire posterior bladder wall and extending '
         "onto the lateral wall, measuring 5 x 5 x 2 cm.", "5 x 5 x 2 cm", [5.0, 5.0, 2.0]),
        # OCR's "em" for cm after a number
        ("A multiloculated mass with variegated yellow cut-surface is identified in the mid portion of the kidney, "
         "approaching the hilum, and measuring 6.0 x 4.2 x 2.5 em.", "6.0 x 4.2 x 2.5 em", [6.0, 4.2, 2.5]),
        # ... but not when the sentence went on to another thing the measurement may belong to
        ("A tumor is present with an attached segment of colon, measuring 12 x 6 x 5 cm.", "12 x 6 x 5 cm", None),
        ("There is a nodule in the liver, measuring 2.0 cm.", "2.0 cm", None),
        # a deposit of tumour on the serosa, a nodule in the broad ligament: spread, not the primary
        ("The serosal surface of the tube shows a deposit of tumour, 2 x 0.5 cm in maximum dimension.", "2 x 0.5 cm", None),
        ("A small nodule is noted in the broad ligament 0.5 cm in diameter.", "0.5 cm", None),
        # seven describing words between the size and the mass
        ("In the lower left wall, abutting the trigone, is a 2.1 x 1.5 x 1.0 cm firm, centrally ulcerated, bosselated "
         "bordered sessile, tan-brown mass, located 0.3 cm from the left ureteric orifice.", "2.1 x 1.5 x 1.0 cm", [2.1, 1.5, 1.0]),
        # seven words that run on to another thing are not describing words of a tumour
        ("A 9 mm peripancreatic lymph node lies adjacent to the mass.", "9 mm", None),
        ("The tube is 6.2 cm long with a diameter of 1.5 cm, the fallopian tube has a surface nodule.", "1.5 cm", None),
        # the largest focus of something else than the carcinoma is not the tumour's size
        ("Tumor is present in both lobes. Largest focus of necrosis measures 2 cm.", "2 cm", None),
    ],
)
def test_size_names_what_is_measured(sentence: str, match: str, dims: list[float] | None) -> None:
    value = pathology.parse_size(_ctx(sentence, match))
    assert (value["dims"] if value else None) == dims


def test_the_largest_focus_in_a_lymph_node_is_no_tumour_size_label() -> None:
    sentence = "-ONE OF SEVEN LYMPH NODES POSITIVE FOR METASTATIC CARCINOMA. -LARGEST FOCUS OF CARCINOMA MEASURES 1.5MM IN A 9MM LYMPH NODE."
    prostate = "Tumor is present in both lobes. Largest focus of carcinoma measures 1.2 cm."
    nodal = pathology.parse_size(_ctx(sentence, "1.5MM", kind="pathology"))
    primary = pathology.parse_size(_ctx(prostate, "1.2 cm", kind="pathology"))
    assert nodal is None or "labelled" not in nodal
    assert primary is not None and primary.get("labelled") is True


def test_a_forms_tumour_size_field_is_marked_as_the_tumours() -> None:
    labelled = pathology.parse_size(_ctx("Tumor Size: Greatest dimension: 2.0 cm", "2.0 cm", kind="pathology"))
    described = pathology.parse_size(_ctx("A 4.0 x 3.0 cm tan mass is present.", "4.0 x 3.0 cm", kind="pathology"))
    further_on = pathology.parse_size(
        _ctx("pancreas (2.0 cm in greatest diameter), distal stomach (3 cm along the curvature) and tumour", "3 cm", kind="pathology")
    )
    assert labelled is not None and labelled.get("labelled") is True
    assert described is not None and "labelled" not in described
    assert further_on is None or "labelled" not in further_on


@pytest.mark.parametrize(
    ("sentence", "match", "expected"),
    [
        ("TUMOR SITE.:\nPancreatic head", "Pancreatic head", ["head"]),
        ("B. Pancreatic body and tail and spleen, partial pancreatectomy and splenectomy: adenocarcinoma", "Pancreatic body and tail", None),
        ("Invasive adenocarcinoma located in the pancreatic body.", "pancreatic body", ["body"]),
        ("A2 - pancreatic neck edge, en face; the tumor is in the tail", "pancreatic neck", None),
    ],
)
def test_location_is_the_tumours_site_not_the_specimen_or_a_margin(sentence: str, match: str, expected: list[str] | None) -> None:
    start = sentence.index(match)
    before, rest = sentence[:start], sentence[start:]
    preceding, _, line = before.rpartition("\n")
    ctx = SpanContext(match, line + rest, len(line), len(line) + len(match), None, None, "pathology", "", preceding + "\n" if preceding else "")
    assert pathology.parse_location(ctx) == expected
