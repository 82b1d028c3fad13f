"""Pathology values as real (often OCR'd) surgical pathology reports write them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from extractor.schema import CohortRecord

SYNOPTIC = (
    "SURGICAL PATHOLOGY REPORT\n"
    "FINAL DIAGNOSIS: Colon, right, hemicolectomy: invasive adenocarcinoma.\n"
    "Primary Tumor (pT):pT3: Tumor invades through the muscularis propria\n"
    "Regional Lymph Nodes (pN): {nodes}\n"
    "Distant Metastasis (pM): {distant}\n"
)


def test_separate_stage_parts_of_a_synoptic_report_make_one_tnm(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(SYNOPTIC.format(nodes="pN1a: Metastasis in 1 regional lymph node", distant="Not applicable"))
    assert record.tnm is not None
    assert (record.tnm.t, record.tnm.n, record.tnm.m) == ("T3", "N1a", None)


def test_positive_nodes_in_the_stage_are_nodal_metastasis(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(SYNOPTIC.format(nodes="pN2b", distant="Not applicable"))
    assert record.metastasis_sites == ["lymph_nodes"]
    assert [e.text for e in record.evidence["metastasis_sites[0]"]] == ["pN2b"]


def test_node_negative_stage_states_no_metastasis(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(SYNOPTIC.format(nodes="pNO", distant="Cannot be assessed"))
    assert record.tnm is not None and record.tnm.n == "N0"
    assert record.metastasis_sites == []


@pytest.mark.parametrize("distant", ["Not applicable", "Cannot be assessed", "pMX"])
def test_a_form_field_left_open_states_no_metastasis_either_way(
    record_of: Callable[..., CohortRecord], distant: str
) -> None:
    record = record_of(SYNOPTIC.format(nodes="pNX: Cannot be assessed", distant=distant))
    assert record.metastasis_sites is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("PATHOLOGIC TNM STAGE: pT3bNOMXRI", ("T3b", "N0", "MX")),
        ("The final stage of the tumor is (AJCC/FIGO)T1b2/NO/MX", ("T1b2", "N0", "MX")),
        ("Pathological Staging (pTNM): T 3a NOM x", ("T3a", "N0", "MX")),
        ("With available surgical material, [AJCC pT3NO] (7th edition, 2010).", ("T3", "N0", None)),
    ],
)
def test_ocr_damaged_tnm_strings(record_of: Callable[..., CohortRecord], line: str, expected: tuple) -> None:
    record = record_of(f"SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: carcinoma.\n{line}\n")
    assert record.tnm is not None
    assert (record.tnm.t, record.tnm.n, record.tnm.m) == expected


def test_cranial_nerves_are_not_stage_parts(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("NEUROLOGIC EXAM: CN3 intact, CN2 through CN12 grossly intact. Pupils equal.")
    assert record.tnm is None


def test_pan_keratins_are_cytokeratin_and_specific_keratins_are_not(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nImmunoperoxidase studies: the tumor cells are positive for AE1/AE3 and CAM 5.2, "
        "and negative for CK7, cytokeratin 20 and CK19. High molecular weight cytokeratin is negative.\n"
    )
    assert record.ihc.cytokeratin == "positive"
    assert [e.text for e in record.evidence["ihc.cytokeratin"]] == ["AE1/AE3", "CAM 5.2"]


def test_a_result_before_a_list_of_markers_is_their_stain_result(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("Parts of the tumor are highly positive for synaptophysin and NSE and negative for chromatogranin.")
    assert (record.ihc.synaptophysin, record.ihc.nse, record.ihc.chromogranin_a) == ("positive", "positive", "negative")


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ("A. Omentum, omentectomy: Metastatic high-grade serous carcinoma.\nB. Ovary: serous carcinoma.\n", ["peritoneum"]),
        ("B. Liver, segment 6, wedge resection: metastatic adenocarcinoma, consistent with colonic primary.\n", ["liver"]),
        ("METASTATIC SQUAMOUS CELL CARCINOMA IN 3 OF 6 LEVEL I LYMPH NODES.\n", ["lymph_nodes"]),
        ("METASTATIC CARCINOMA in one of thirty two (1:32) lymph nodes.\n", ["lymph_nodes"]),
        ("Colon adenocarcinoma (pT3), with five lymph node metastases (5 of 15) and free resection margins.\n", ["lymph_nodes"]),
        ("(A) LEFT OBTURATOR LYMPH NODE:\nFour lymph nodes, no tumor present.\n", []),
        ("Lymph nodes: 0/7 positive for metastasis (Regional 0/7)\n", []),
        ("Lymph Node Dissection:\nBenign lymph nodes\nNumber of lymph nodes examined: 3\nNumber of lymph nodes with metastatic disease: 0\n", []),
        ("L. Lymph node metastasis: 0 of 17 lymph nodes contain metastasis\n", []),
        ("Number of lymph nodes positive: 2\nNumber of lymph nodes examined: 14\n", ["lymph_nodes"]),
        ("Extracapsular spread of lymph node metastases:\nMargins: negative\n", None),
        ("LEFT PARAAORTIC LYMPH NODES (F):\n-NO EVIDENCE OF METASTATIC DISEASE IN SEVEN LYMPH NODES EXAMINED (0/7)\n", []),
        ("-NO EVIDENCE OF METASTATIC DISEASE (0/7)\nJ. Portal hepatic lymph nodes, excision: Metastatic serous carcinoma.\n", ["lymph_nodes"]),
        ("B: Lymph node, right portal, removal.\n- No tumor identified in one lymph node (0/1).\n", []),
    ],
)
def test_metastasis_as_pathology_reports_write_it(
    record_of: Callable[..., CohortRecord], report: str, expected: list[str] | None
) -> None:
    assert record_of(f"SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: invasive carcinoma, see below.\n{report}").metastasis_sites == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CECT abdomen: mass in the head of pancreas with multiple lymph nodal and liver metastases.", ["liver", "lymph_nodes"]),
        ("CT: extensive pancreatic neoplasm with metastases in the liver and in the left adrenal gland.", ["liver", "other"]),
        ("Glucagonoma of the tail of the pancreas, with metastases in left cervical lymph nodes (confirmed).", ["lymph_nodes"]),
    ],
)
def test_metastatic_sites_as_letters_list_them(record_of: Callable[..., CohortRecord], text: str, expected: list[str]) -> None:
    assert record_of(text).metastasis_sites == expected


def test_a_status_word_before_a_list_of_markers(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("Evaluation: low fasting blood sugars, with high levels of serum insulin, C-peptide and proinsulin.")
    assert record.serum_markers.insulin is not None and record.serum_markers.insulin.status == "elevated"
    assert record.serum_markers.c_peptide is not None and record.serum_markers.c_peptide.status == "elevated"


@pytest.mark.parametrize(
    "text",
    [
        # a lab table whose results are words, with a flag column
        "Insulinoma.\nBIOCHEMISTRY\nAnalyte            Result         Flag\nGlucose            low            L\nInsulin            elevated       H\nC-peptide          elevated       H\n",
        # a result after a list of two markers is each marker's
        "Metastatic insulinoma.  Insulin and C-peptide were elevated during the fast.",
    ],
)
def test_marker_results_written_as_words(record_of: Callable[..., CohortRecord], text: str) -> None:
    record = record_of(text)
    assert record.serum_markers.insulin is not None and record.serum_markers.insulin.status == "elevated"
    assert record.serum_markers.c_peptide is not None and record.serum_markers.c_peptide.status == "elevated"


def test_insulin_the_drug_in_a_list_is_no_result(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("Insulinoma resected.  Type 2 diabetes since: insulin and metformin were increased.")
    assert record.serum_markers.insulin is None


def test_an_ordinal_in_a_lab_row_is_not_a_result(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "LABORATORY\nGlucagon                 510        pg/mL     59-177   H\n"
        "Glucagon (2nd determ.)   655        pg/mL     59-177   H\n"
    )
    assert sorted(g.value for g in record.glucagon) == [510.0, 655.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Immunohistochemistry: MIB -1 proliferation index ~ 23%.", 23.0),
        ("Scattered MIB -1 reactive cells are present throughout the tumor.  A labeling \nindex of 4.4% is calculated.", 4.4),
    ],
)
def test_ki67_as_neuropathology_reports_write_it(record_of: Callable[..., CohortRecord], text: str, expected: float) -> None:
    assert record_of(f"SURGICAL PATHOLOGY REPORT\n{text}\n").ki67_percent == expected


def test_a_labeling_index_without_a_ki67_stain_is_not_ki67(record_of: Callable[..., CohortRecord]) -> None:
    assert record_of("Flow cytometry: S-phase fraction; the labeling index was 12%.").ki67_percent is None


def test_the_tumour_site_field_of_a_pancreas_form(record_of: Callable[..., CohortRecord]) -> None:
    report = "Pancreas, Whipple resection: adenocarcinoma.\nProcedure: Pancreaticoduodenectomy. Tumor location:Head. Tumor size: 3.0 cm\n"
    assert record_of(report).tumor_location == ["head"]


def test_lymph_nodes_of_a_named_specimen_as_a_ratio(record_of: Callable[..., CohortRecord]) -> None:
    report = "DIAGNOSIS: colloid carcinoma.\nLymph nodes from main resection specimen: 0/12\nSeparately received lymph nodes: 0/2\n"
    assert record_of(report).metastasis_sites == []


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        # describing words (commas, slashes, "solid and cystic") between the size and the mass
        ("Liver, resection: hepatocellular carcinoma.\nSerial sectioning reveals a 11 x 9 x 8 cm, fairly circumscribed, "
         "yellow/tan mass with necrosis. A 1.5 cm nodule is noted at the gallbladder fundus.", [11.0, 9.0, 8.0]),
        # the diagnosis line gives the size after the tumour's line, with no label before it
        ("Pancreas, Whipple resection:\n- Invasive ductal adenocarcinoma, moderately differentiated.\n"
         "- 3.4 cm in maximum dimension.\nGross: the specimen includes a 6.5 x 4.0 x 3.0 cm segment of duodenum "
         "and a 5 x 4 x 3 cm portion of pancreas.", [3.4]),
        # a lower bound is not a measurement; a full stop set apart from its word still ends a sentence
        ("Prostate, radical prostatectomy: adenocarcinoma, Gleason 4+3.\nThe carcinoma measures in excess of 2 cm in "
         "several blocks. Dominant tumor nodule .The nodule is 1.6 cm.", [1.6]),
    ],
)
def test_the_tumour_size_a_gross_description_gives(
    record_of: Callable[..., CohortRecord], report: str, expected: list[float]
) -> None:
    assert record_of(report).tumor_size_cm == expected


@pytest.mark.parametrize(
    ("line", "stage"),
    [("-FIGO stage: IIIC.", "IIIC"), ("-Stage:FIGO IIB pT2b Nx Mx", "IIB"), ("-FIGO stage: 4.", "IV"), ("FIGO STAGE: LIB RESIDUAL TUMOR: Rx", "IIB")],
)
def test_a_gynaecological_reports_figo_stage(record_of: Callable[..., CohortRecord], line: str, stage: str) -> None:
    record = record_of(f"Ovary, left, salpingo-oophorectomy: high-grade serous carcinoma.\n{line}\n")
    assert record.tnm is not None and record.tnm.stage == stage


@pytest.mark.parametrize(
    "statement",
    ["Adrenal gland: benign adrenal tissue. -No metastatic carcinoma is identified.", "Perivesical Lymph Nodes: LN Not involved"],
)
def test_no_metastasis_as_a_report_states_it(record_of: Callable[..., CohortRecord], statement: str) -> None:
    assert record_of(f"Kidney, radical nephrectomy: clear cell renal cell carcinoma, 4 cm.\n{statement}\n").metastasis_sites == []


def test_a_physical_exams_negative_nodes_are_not_a_staging_statement(record_of: Callable[..., CohortRecord]) -> None:
    note = "HISTORY: Breast carcinoma, on tamoxifen.\nPHYSICAL EXAMINATION: HEENT: Normal. LYMPH NODES: Negative. ABDOMEN: Soft.\n"
    assert record_of(note).metastasis_sites is None


@pytest.mark.parametrize(
    ("line", "grade"),
    [
        ("pT3a, pN1 (1/16), L1, V0; G3", "G3"),  # a European TNM line's grade
        ("The NUCLEAR GRADE of the tumor is. 3 (Poorly-differentiated)", "G3"),
        ("Fuhrman nuclear grade: predominant grade II with a focal area of grade IV.", None),
        ("Gleason score 4 + 5 = 9; tertiary grade 3.", None),
        ("p53 by IHC: Staining Intensity Grade: 2, HistoScore: 7", None),
    ],
)
def test_which_grades_of_a_carcinoma_are_its_grade(record_of: Callable[..., CohortRecord], line: str, grade: str | None) -> None:
    assert record_of(f"SURGICAL PATHOLOGY REPORT\nDiagnosis: invasive carcinoma.\n{line}\n").who_grade == grade


def test_a_doubt_raised_before_the_stains_does_not_reach_their_result(record_of: Callable[..., CohortRecord]) -> None:
    note = (
        "Diagnosis: poorly differentiated adenocarcinoma. Although the solid component raises the possibility of "
        "neuroendocrine differentiation, immunostains for synaptophysin and chromogranin are both negative.\n"
    )
    record = record_of(note)
    assert (record.ihc.synaptophysin, record.ihc.chromogranin_a) == ("negative", "negative")
