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
    ],
)
def test_age_and_sex_in_terse_notes(record_of: Record, note: str, age: int | None, sex: str | None) -> None:
    record = record_of(note)
    assert (record.age_at_diagnosis, record.sex) == (age, sex)

