"""Pathology values as real (often OCR'd) surgical pathology reports write them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from extractor.schema import CohortRecord, Mention

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
        # a carcinoma found in a peritoneal specimen (omentum, cul-de-sac) is peritoneal spread, "metastatic" written or not
        ("(D) CUL-DE-SAC TUMOR NODULE: METASTATIC HIGH GRADE CARCINOMA CONSISTENT WITH OVARIAN PRIMARY.\n(E) LEFT PELVIC LYMPH NODE: One lymph node, no tumor present.\n", ["peritoneum"]),
        ("(F) OMENTAL BIOPSY; METASTATIC HIGH GRADE CARCINOMA CONSISTENT WITH OVARIAN PRIMARY.\n", ["peritoneum"]),
        ("4. Omentum, omentectomy:\n-Serous adenocarcinoma, up to 6.0 cm.\n-One lymph node negative for carcinoma (0/1).\n", ["peritoneum"]),
        ("2. Right ovary: serous adenocarcinoma with invasive serosal implants of high grade serous adenocarcinoma.\n", ["peritoneum"]),
        ("6. Omentum, omentectomy:\n-Adipose tissue, negative for carcinoma.\n-One lymph node negative for carcinoma (0/1).\n", []),
        # a count written in words before "lymph nodes positive"
        ("Regional lymph nodes (pN): Two of 26 lymph nodes positive for metastatic carcinoma (2/26).\n", ["lymph_nodes"]),
        ("One of the lymph nodes was enlarged but negative for carcinoma.\n", None),
        # positive peritoneal cytology alone is no peritoneal metastasis
        ("7. Pelvic washings:\n-Peritoneal cytology: Positive for adenocarcinoma.\n", None),
        # a form's question about the largest nodal metastasis, answered "Not applicable", names no site
        ("All lymph nodes: 0 positive of 22 lymph nodes (all parts)\nSize of largest lymph node metastasis :Not applicable\nPathologic stage (2010) pT2b pNO\n", []),
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
        # an overall index and a higher one in hot spots: the highest
        ("The MIB-1 labelling index is about 6% overall but focally reaches approximately 35%.", 35.0),
        ("Ki-67 proliferation index: 3% (up to 12% in hot spots).", 12.0),
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
        # a carcinoma named after its organ is the tumour, not another organ's lesion
        ("Kidney, left, nephrectomy:\nPapillary renal cell carcinoma, type 2, with a diameter of 6 cm, confined to the kidney.", [6.0]),
        # the unit's abbreviation point does not end the measured thing's description, nor a distance
        ("Colon, right, resection: adenocarcinoma.\nOn opening there is a well circumscribed, 3.8 x 3.5 cm. rubbery tan\n"
         "white-red tumor mass within the cecum, 2 cm. distal to the ileocecal valve.", [3.8, 3.5]),
        # a diagnosis line wrapped before its size
        ("LIVER, LEFT LOBE, PARTIAL HEPATECTOMY:\n- HEPATOCELLULAR CARCINOMA, MODERATELY DIFFERENTIATED, PREDOMINANTLY\n"
         "TRABECULAR PATTERN, 6.5 CM IN GREATEST DIMENSION\n- MARGINS FREE", [6.5]),
        # a glioma is a tumour
        ("Brain, left temporal lobe, resection: glioblastoma.\nFrozen section: infiltrating glioma measuring 3.5 x 2.0 x 1.5 cm.", [3.5, 2.0, 1.5]),
        # an abbreviation point and a comma before the describing words; OCR's "form" for "from" before a landmark
        ("Colon, sigmoid, resection: adenocarcinoma.\nOn opening, there is a circumferential, 4 x 3.5 cm., partially necrotic\n"
         "tan-white tumor mass, located 12 cm. form the distal margin.", [4.0, 3.5]),
        # five describing words before the lesion
        ("Colon, right: adenocarcinoma.\nThere is a circumferential 6.5 x 4.1 cm. essentially necrotic rubbery tan white-red lesion.", [6.5, 4.1]),
        # "it measures" after the sentence that names the mass
        ("Liver, left lobe, resection: hepatocellular carcinoma.\nThere is a well circumscribed mass which occupies most of the lobe. "
         "It measures 9.5 x 8.0 x 6.0 cm. The cut surface is tan.", [9.5, 8.0, 6.0]),
        # a list number glued to the size
        ("Floor of mouth, resection: invasive squamous cell carcinoma with the following features:\n1.3.5 cm in greatest dimension.\n"
         "2.Margins: negative.", [3.5]),
        # a describing word ending a line is not an organ's size label
        ("Tongue, glossectomy: invasive squamous carcinoma.\nTumor Features:\nGross: Ulcerating\nSize: 3.5 cm in largest dimension\n", [3.5]),
        # the unit on the line after the numbers
        ("Right colon, hemicolectomy: adenocarcinoma.\n- A vegetating tumor with central ulceration, measuring 4.5 x 3.0\ncm is found in the cecum.", [4.5, 3.0]),
        # a form's "(largest tumor if multiple)" is no hypothesis
        ("KIDNEY, RADICAL NEPHRECTOMY: clear cell renal cell carcinoma.\n"
         "D. Size of neoplasm (maximum dimension; if multicentric, size of largest mass): 3.8 cm", [3.8]),
        # the ovary received is replaced by the mass it consists of
        ('Ovary, left, resection: serous carcinoma.\nPart A is received fresh and labeled "left ovary" and consists of a '
         "14.0 x 12.0 x 5.5 cm lobulated, tan-white, purple solid and cystic mass.", [14.0, 12.0, 5.5]),
        # an IPMN measured whole, with its invasive carcinoma measured apart: the carcinoma's size
        ("Pancreas, Whipple resection: IPMN with associated invasive colloid adenocarcinoma.\n"
         "Tumour size: 60 x 45 x 40mm (invasive component 30mm in maximum dimension)\n", [3.0]),
        # OCR's H for the M of a capital TUMOR still labels the size; the larger ovary's tumour is the largest
        ('OVARIES, BILATERAL: POORLY DIFFERENTIATED ADENOCARCINOMA.\n"RIGHT OVARY": FIGO GRADE: 3 TUMOR SIZE: 2.8 X 2.1 CM. '
         'WEIGHT: 42 GRAMS\n"LEFT OVARY": FIGO GRADE: 2 TUHOR SIZE: 4 X 3.4 CM. WEIGHT: 31 GRAMS\n', [4.0, 3.4]),
        # a prostate form's tumour quantitation, its "Largest" left on the line before
        ("Prostate, radical prostatectomy: adenocarcinoma.\nTumor quantitation :Tumor is present in left and right apex, "
         "left and right mid, and left base of prostate. Largest\ncontiguous focus is in the left mid measuring 2 cm.\n", [2.0]),
        # a colour range ("tan to white") among the describing words
        ("Colon, right: adenocarcinoma.\nOn opening, there is a poorly defined, 9.0 x 5.5 cm. rubbery to friable tan white-pink "
         "tumor mass occupying the cecal pole.", [9.0, 5.5]),
        # an additional polypoid mass beside the tumour described first is a polyp, even when larger
        ("Right colon, hemicolectomy: adenocarcinoma.\nWithin the right colon there is a 4.2 x 4 cm endophytic tumor with raised "
         "rolled borders. Within the cecum there is an additional 4.5 x 2.7 x 1.8 cm exophytic polypoid mass.", [4.2, 4.0]),
        # ... but the only mass measured, polypoid or not, is the tumour
        ("Sigmoid colon, resection: adenocarcinoma.\nThere is a 3.5 x 3.0 cm polypoid mass 10 cm from the distal margin.", [3.5, 3.0]),
        # the largest focus of a nodal metastasis is not the primary's size
        ("Prostate, radical prostatectomy: adenocarcinoma.\n(B) LEFT PELVIC LYMPH NODES: METASTATIC PROSTATE ADENOCARCINOMA IN TWO "
         "OF SIX LYMPH NODES (2/6). THE LARGEST FOCUS MEASURES 3.0 MM.\nThe tumor nodule measures 1.4 cm.\n", [1.4]),
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
        # renal checklists: the German spelling, the scale named without the word "grade",
        # and a form's option text whose range OCR prints with a middle dot
        ("Histologic grade: Fuhrmann-Grade 2", "G2"),
        ("Clear cell type, FUHRMAN NUCLEAR 3 OF 4. Margins free.", "G3"),
        ("F3. WHO grade (grade 1\u00b73): NA (for urothelial carcinoma)", None),
    ],
)
def test_which_grades_of_a_carcinoma_are_its_grade(record_of: Callable[..., CohortRecord], line: str, grade: str | None) -> None:
    assert record_of(f"SURGICAL PATHOLOGY REPORT\nDiagnosis: invasive carcinoma.\n{line}\n").who_grade == grade


@pytest.mark.parametrize("stains", ["immunostains", "IHC stains", "immunohistochemical stains", "staining"])
def test_a_doubt_raised_before_the_stains_does_not_reach_their_result(
    record_of: Callable[..., CohortRecord], mentions_of: Callable[[str], list[Mention]], stains: str
) -> None:
    note = (
        "Diagnosis: poorly differentiated adenocarcinoma. Although the solid component raises the possibility of "
        f"neuroendocrine differentiation, {stains} for synaptophysin and chromogranin are both negative.\n"
    )
    record = record_of(note)
    assert (record.ihc.synaptophysin, record.ihc.chromogranin_a) == ("negative", "negative")
    stain_results = [m for m in mentions_of(note) if m.label == "ihc"]
    assert len(stain_results) == 2 and not any(m.assertion.uncertain for m in stain_results)


def test_a_brain_tumours_grade_with_its_diagnosis_on_the_next_line(record_of: Callable[..., CohortRecord]) -> None:
    report = (
        "Pathology report\nDiscussion:\nMitoses are frequent and the labeling index reaches 12 percent, which warrants "
        "classification as anaplastic/grade III.\nDiagnosis:\nAnaplastic oligodendroglioma, grade III\n"
    )
    assert record_of(report).who_grade is None


def test_stain_words_of_real_reports(record_of: Callable[..., CohortRecord]) -> None:
    """A bare "keratin" stain is the pan-keratin; "neurospecific enolase" is NSE; keratin pearls are morphology."""
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: undifferentiated carcinoma.\n"
        "The spindle cell areas show only focal staining for keratin. Some tumour nuclei express neurospecific enolase.\n"
    )
    assert (record.ihc.cytokeratin, record.ihc.nse) == ("equivocal", "equivocal")
    squamous = record_of("SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: squamous cell carcinoma with keratin pearls; p16 stain is positive.\n")
    assert squamous.ihc.cytokeratin is None


@pytest.mark.parametrize(
    "report",
    [
        # the form prints neuroendocrine types among its options; the tumour is urothelial
        "SURGICAL PATHOLOGY REPORT\nBladder, cystectomy: invasive urothelial carcinoma.\nHistologic type: 1\n1. Urothelial carcinoma\n"
        "2. Squamous cell carcinoma\n3. Adenocarcinoma\n4. Small cell/neuroendocrine carcinoma\n5. Other\nHistologic grade: High grade\n",
        "SURGICAL PATHOLOGY REPORT\nHISTOLOGIC TYPE: Urothelial carcinoma\n__ Small cell carcinoma\n__ Neuroendocrine carcinoma\n"
        "__ Carcinoid tumor\nHISTOLOGIC GRADE: High-grade\n",
        # neuroendocrine differentiation denied, or only a Ki-67 index beside the grade words
        "SURGICAL PATHOLOGY REPORT\nInvasive urothelial carcinoma, high grade, without neuroendocrine differentiation (synaptophysin negative).\n",
        "SURGICAL PATHOLOGY REPORT\nHigh grade papillary urothelial carcinoma, Ki-67 about 40%.\n",
    ],
)
def test_grade_words_of_a_tumour_not_named_neuroendocrine_are_not_coded(
    record_of: Callable[..., CohortRecord], report: str
) -> None:
    assert record_of(report).who_grade is None


def test_grade_words_of_a_neuroendocrine_tumour_are_coded(record_of: Callable[..., CohortRecord]) -> None:
    report = "SURGICAL PATHOLOGY REPORT\nPancreas, tail: well differentiated pancreatic endocrine neoplasm, low grade.\n"
    assert record_of(report).who_grade == "G1"


@pytest.mark.parametrize(
    "report",
    [
        # a brain tumour's grade far from the tumour's name is still a CNS grade
        "FINAL DIAGNOSIS:\nA. Left temporal mass: diffuse astrocytoma (WHO grade 2).\nB. Cyst wall: scattered tumour cells in white matter.\n"
        "Comment: this infiltrating glioma shows moderate cellularity and pleomorphic nuclei in the cyst wall; no mitoses are seen.\n"
        "Immunostain for MIB-1 shows a nuclear labeling rate of up to 5 percent (rates above 3 percent suggest anaplastic change). "
        "Thus the tumor is WHO grade 2, but is likely to represent early anaplastic change.\n",
    ],
)
def test_grades_that_are_not_a_three_tier_tumour_grade(record_of: Callable[..., CohortRecord], report: str) -> None:
    assert record_of(report).who_grade is None


def test_a_bare_g_grade_under_a_grading_label(record_of: Callable[..., CohortRecord]) -> None:
    report = (
        "Diagnosis: invasive ductal adenocarcinoma of the pancreas, see the summary below.\n"
        "Resection status: R1 (dorsal resection margin involved)\nGrading: G2\n"
    )
    assert record_of(report).who_grade == "G2"


def test_a_long_negative_stain_list_wrapped_over_lines(record_of: Callable[..., CohortRecord]) -> None:
    report = (
        "Diagnosis: hepatocellular carcinoma.\nImmunostains are positive for HepPar1 (focal) and glypican-3. "
        "The tumour cells are negative for CK7, CK20, CD10,\nWT-1, calcitonin, TTF-1, thyroglobulin, p63, "
        "synaptophysin, chromogranin and CD56,\nCDX2, and inhibin.\n"
    )
    ihc = record_of(report).ihc
    assert (ihc.synaptophysin, ihc.chromogranin_a, ihc.cd56) == ("negative", "negative", "negative")


@pytest.mark.parametrize(
    "report",
    [
        # the organ's size under a form's label, on the label's line or the lines after its heading
        "Prostate, radical prostatectomy: adenocarcinoma, Gleason score 3+4=7.\n2. Prostate size: 48 grams, 5.1 x 4.2 x 3.6 cm.\n",
        "Prostate, radical prostatectomy: adenocarcinoma, Gleason score 4+4=8.\nProstate Size\nWeight: 38 g\nSize: 4.8 x 4.5 x 3.9 cm\n",
        "Prostate, radical prostatectomy: adenocarcinoma, Gleason 4+4=8.\n1. (Prostate gland): Prostate gland: Weight: 48 g, Volume: 45 ml, Size: 4.6 x 4.8 x 4.0 cm.\n",
        # fragments measured together are not a tumour's dimensions
        # another organ's body is not the pancreas's
        "Left ovary, oophorectomy: serous carcinoma.\nThe uterine\nbody is 4.0 x 3.5 x 2.5 cm in greatest dimension with a tan serosa.\n",
        # the describing words stop at a verb or a denial: the organ is measured, not a tumour
        "Uterus: serous carcinoma of the left ovary.\nThe myometrium measures 1.6 cm and contains no leiomyomas or tumor.\n",
        # the subject of "is ... in greatest dimension" on the line before is an organ; a distance OCR wrote with "form"
        "Left ovary: serous carcinoma, intermediate grade.\nThe uterine body\nis 4.0 x 3.5 x 2.5 cm in greatest dimension having a tan serosa.\n"
        "Tumor at 1.2 cm form surgical: margin.\n",
        # a metastasis's size is not the primary tumour's
        "Omentum, omentectomy: metastatic serous carcinoma, 12.0 cm in greatest dimension.\n",
        "Brain, left frontal tumor, excision: glioblastoma.\nLeft frontal tumor: received in formalin, labeled with the name and "
        "\"left frontal tumor\", is a 3 x 2.5 x 1 cm aggregate of pale tan soft brain tissue.\n",
    ],
)
def test_organ_and_fragment_measurements_are_not_the_tumour_size(record_of: Callable[..., CohortRecord], report: str) -> None:
    assert record_of(report).tumor_size_cm is None


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        # the specimen heading names the site, the metastasis stands on the next line
        ("A. Colon, sigmoid, excision: adenocarcinoma, pT3 pN0.\nB. Liver, wedge biopsy\n- Metastatic adenocarcinoma, consistent with colonic primary.\n",
         ["liver"]),
        ("4. Left ovary: serous carcinoma.\n5. Pelvic peritoneum, excision:\n-Metastatic serous carcinoma.\n6. Lymph nodes, pelvic: negative (0/4).\n",
         ["peritoneum"]),
        # a renal form's question about nodal spread is no statement of nodal metastasis
        ("Kidney, nephrectomy: renal cell carcinoma, clear cell type, pT1b NX MX.\nK. Number of positive lymph nodes: NA\n"
         "M. Extracapsular spread of lymph node metastases: NA\n", None),
    ],
)
def test_metastasis_sites_as_specimen_lists_and_forms_write_them(
    record_of: Callable[..., CohortRecord], report: str, expected: list[str] | None
) -> None:
    assert record_of(report).metastasis_sites == expected


def test_the_t_category_alone_after_a_staging_label(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("Prostate: adenocarcinoma, Gleason score 4+3=7.\nLymph nodes: six, negative (0/6).\nPathologic staging (AJCC 2010): T3a.\n")
    assert record.tnm is not None and record.tnm.t == "T3a"


def test_the_second_line_of_a_tumour_site_field(record_of: Callable[..., CohortRecord]) -> None:
    report = "Pancreas, Whipple resection: ductal adenocarcinoma.\nTUMOR SITE:\nPancreatic head\nUncinate process\nTUMOR SIZE:\nGreatest dimension: 3.1 cm\n"
    assert sorted(record_of(report).tumor_location) == ["head", "uncinate"]


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ("Pancreas, Whipple: ductal adenocarcinoma.\nSeven of eighteen lymph nodes involved by metastatic adenocarcinoma (7/18).\n", ["lymph_nodes"]),
        ("Colon, sigmoid: adenocarcinoma, pN0.\nDistant metastasis (pM): Metastatic tumor is also present in the omentum (pM1).\n", ["peritoneum"]),
        ("DIAGNOSIS\n(A) OMENTUM TUMOR:\nMETASTATIC HIGH GRADE SEROUS CARCINOMA.\n(B) RIGHT OVARY: HIGH GRADE SEROUS CARCINOMA.\n", ["peritoneum"]),
    ],
)
def test_metastasis_wordings_of_real_reports(record_of: Callable[..., CohortRecord], report: str, expected: list[str]) -> None:
    assert record_of(report).metastasis_sites == expected


def test_a_roman_grade_in_brackets_after_the_differentiation(record_of: Callable[..., CohortRecord]) -> None:
    assert record_of("Cervix, radical hysterectomy: adenocarcinoma.\nThe histologic grade is well differentiated (GI).\n").who_grade == "G1"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Regional lymph nodes: 4 of 18 involved by carcinoma.", ["lymph_nodes"]),
        ("LYMPH NODES: POSITIVE (2/11)", ["lymph_nodes"]),
        ("Lymph nodes: negative (0/13)", []),
        ("Two of nine mesenteric lymph nodes contain metastatic tumor.", ["lymph_nodes"]),
    ],
)
def test_node_counts_as_forms_and_prose_write_them(record_of: Callable[..., CohortRecord], line: str, expected: list[str]) -> None:
    record = record_of(f"SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: invasive adenocarcinoma of the colon.\n{line}\n")
    assert record.metastasis_sites == expected


def test_a_stain_result_listing_one_marker_a_line(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Pancreas, distal resection: well-differentiated neuroendocrine tumor.\n"
        "Immunoperoxidase studies: the lesional cells are positive for:\n- synaptophysin\n- chromogranin\n"
        "and negative for:\n- keratin cocktail\n- CK7\n\nMargins are free of tumor.\n"
    )
    assert (record.ihc.synaptophysin, record.ihc.chromogranin_a, record.ihc.cytokeratin) == ("positive", "positive", "negative")
    assert "chromogranin" in [e.text for e in record.evidence["ihc.chromogranin_a"]]


@pytest.mark.parametrize(
    "line",
    [
        "Immunohistochemistry: TTF-1+, CD56+, chromogranin-.",
        "Immunohistochemistry: TTF-1 positive, CD56 positive. Chromogranin -.",
    ],
)
def test_a_minus_sign_closing_a_sentence_is_a_negative_stain(record_of: Callable[..., CohortRecord], line: str) -> None:
    record = record_of(f"SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Lung, left lower lobe, biopsy: small cell carcinoma.\n{line}\n")
    assert (record.ihc.cd56, record.ihc.chromogranin_a) == ("positive", "negative")


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("pT3 pN0 pM1 (liver)", ["liver"]),
        ("ypT2, N1, M1b (lung and bone)", ["bone", "lung", "lymph_nodes"]),
        ("pT3 pN0 pMX (liver not sampled)", []),
        ("pT4 pN0 pM1 (liver biopsy)", ["liver"]),
    ],
)
def test_the_site_a_distant_metastasis_category_names(record_of: Callable[..., CohortRecord], stage: str, expected: list[str]) -> None:
    record = record_of(f"SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Pancreas, tail: well-differentiated neuroendocrine tumor.\nStage: {stage}\n")
    assert record.metastasis_sites is not None and sorted(record.metastasis_sites) == expected


@pytest.mark.parametrize(
    "node_stain",
    [
        "Atypical cells were seen in one pelvic lymph node.\nKeratin: Negative.\nThe negative keratin stain rules out a lymph node metastasis.",
        "An AE1/AE3 immunostain performed on the sentinel lymph node is negative.",
    ],
)
def test_a_negative_stain_of_a_lymph_node_is_not_the_tumours(record_of: Callable[..., CohortRecord], node_stain: str) -> None:
    record = record_of(f"SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Ovary, right: high grade serous carcinoma.\n{node_stain}\n")
    assert record.ihc.cytokeratin is None


def test_a_negative_stain_of_the_tumour_beside_a_node_count_stands(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Ovary, right: high grade serous carcinoma.\n"
        "The carcinoma is negative for keratin 20 and cytokeratin AE1/AE3 is negative. Lymph nodes: 0/14, negative for metastasis.\n"
    )
    assert record.ihc.cytokeratin == "negative"
