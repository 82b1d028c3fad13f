"""Pathology values that real reports of other organs and cells tempt the rules into: each test is a
sentence written the way surgical pathology reports write it, and the value a reviewer codes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from extractor.schema import CohortRecord


def test_tumour_deposits_without_a_positive_node_are_no_nodal_metastasis(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\n"
        "DIAGNOSIS: Right colon, hemicolectomy: moderately differentiated adenocarcinoma (pT3).\n"
        "Regional lymph nodes (pN): pN1c. Eighteen lymph nodes are negative for malignancy; a tumor\n"
        "deposit is present in the pericolonic fat.\n"
        "Distant metastasis (pM): pMX\n"
    )
    assert record.tnm is not None and record.tnm.n == "N1c"
    assert record.metastasis_sites == []


def test_a_mass_that_a_new_statement_finds_in_the_opened_organ_is_measured(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Right colon, excision: adenocarcinoma.\n"
        "GROSS DESCRIPTION: The bowel is opened, and there is a circumscribed 4.2 x 3 cm rubbery tan mass located\n"
        "9 cm proximal to the distal margin. On sectioning, the tumor has a maximum thickness of 1.1 cm.\n"
    )
    assert record.tumor_size_cm is not None and max(record.tumor_size_cm) == 4.2


def test_a_mass_a_new_statement_finds_in_the_liver_is_not_the_tumour(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "CT ABDOMEN: A 2.1 cm hypervascular mass in the pancreatic tail.\n"
        "The liver is enlarged, and there is a 4.5 cm hypodense mass in segment 7.\n"
    )
    assert record.tumor_size_cm == [2.1]


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        # OCR prints the slash of AE1/AE3 as a letter and the point of CAM5.2 as a hyphen
        ("Immunoperoxidase stains show the tumor cells positive for vimentin, CK7, AE1IAE3, CAM5-2 and EMA.", "positive"),
        # low molecular weight keratin is CAM5.2's class (CK8/18): a broad keratin, not a specific one
        ("Immunohistochemical panel:\nCD10 Negative\nLow molecular weight keratin Positive\nCK7 Negative\n", "positive"),
        ("Immunohistochemical panel:\nHigh molecular weight keratin Positive\nCK7 Negative\n", None),
        # a result word ending one line and its 'for' opening the next
        ("Immunohistochemistry reveals the tumor to be positive\nfor CAM 5.2 and HepPar-1.", "positive"),
    ],
)
def test_keratin_stains_as_ocr_and_panels_write_them(
    record_of: Callable[..., CohortRecord], report: str, expected: str | None
) -> None:
    record = record_of("SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Kidney, nephrectomy: renal cell carcinoma.\n" + report + "\n")
    assert record.ihc.cytokeratin == expected


@pytest.mark.parametrize(
    ("line", "grade"),
    [
        ("LEFT KIDNEY, RADICAL NEPHRECTOMY: PAPILLARY RENAL CELL CARCINOMA, FUHRMAN GRADE 3/4.", "G3"),
        ("Histologic grade:\nExtent of invasion: Fuhrman 2/4.", "G2"),
        ("RIGHT KIDNEY: CLEAR CELL RENAL CELL CARCINOMA, FUHRMAN NUCLEAR GRADE 4/4.", None),
    ],
)
def test_a_fuhrman_grade_written_over_its_four_grades(record_of: Callable[..., CohortRecord], line: str, grade: str | None) -> None:
    record = record_of("SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: renal cell carcinoma.\n" + line + "\n")
    assert record.who_grade == grade


def test_stage_parts_separated_by_full_stops(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "FINAL DIAGNOSIS: COLON, SIGMOID, PARTIAL COLECTOMY: A. MODERATELY DIFFERENTIATED ADENOCARCINOMA, 6.0 CM.\n"
        "F. ELEVEN (11) LYMPH NODES ARE NEGATIVE FOR METASTATIC TUMOR.\nG. TNM PATHOLOGIC STAGE. pT3, NO. MX.\n"
    )
    assert record.tnm is not None
    assert (record.tnm.t, record.tnm.n, record.tnm.m) == ("T3", "N0", "MX")


def test_peritoneal_specimens_of_a_numbered_list_are_peritoneal_metastases(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "Final Diagnosis:\n2. Right tube and ovary, excision:\n-Serous adenocarcinoma, grade III, 14.0 cm.\n"
        "7. Right hepatic peritoneum nodule, excision:\n-Metastatic serous adenocarcinoma.\n"
        "9. Right pelvic lymph nodes, excision:\n-No tumor seen in nine lymph nodes (0/9).\n"
        "11. Epiploic nodule, excision:\n-Metastatic serous adenocarcinoma.\n"
    )
    assert record.metastasis_sites == ["peritoneum"]


def test_a_forms_question_mark_before_its_colon_is_no_doubt(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SYNOPTIC DATA - PRIMARY PROSTATE TUMORS. CLINICAL DATA: PSA value: 9.77 INVASIVE CA IDENTIFIED ?: Yes "
        "TUMOR HISTOLOGY: Adenocarcinoma NOS TUMOR SIZE: Maximum dimension: 1.9 cm LOBE LATERALITY: Right and Left Lobes\n"
    )
    assert record.tumor_size_cm == [1.9]
