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


def test_a_tnm_string_with_m_not_applicable_glued_on(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("COMMENT: These findings correspond to AJCC 6TH Edition Pathologic Stage III (pT3N1Mn/a).\n")
    assert record.tnm is not None and (record.tnm.t, record.tnm.n, record.tnm.m, record.tnm.stage) == ("T3", "N1", None, "III")


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


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        # the specimen's own size field, its greatest dimension on the next line
        (
            "Specimen Size:\nGreatest dimensions: 6.5 x 4.8 x 3.5 cm\nSpecimen Laterality:\nRight\n"
            "Tumor Size\nGreatest dimension: 3.3 cm\nAdditional dimensions: 2.8 x 2.1 cm\n",
            3.3,
        ),
        # "in greatest dimension" measured the fragment before it, not the fragments after
        (
            "SPECIMEN: Right frontal brain tumor.\nGENERAL: Received are two irregular fragments of brain tissue "
            "1.0 cm. in greatest dimensions and 2.5 x 1.5 x 1.3 cm. Sectioned and all submitted.\n",
            None,
        ),
        # a distance: "located 5.5 cm distant from the resection margin"
        ("Left liver: resected parenchyma containing a whitish nodule of 5 cm, located 5.5 cm distant\nfrom the resection margin.\n", 5.0),
        # a leiomyoma named on the line before the nodule it measures
        (
            "The myometrium is tan-pink, trabecular and is distorted by a well-demarcated, firm whorled intramural\n"
            "nodule that measures 0.8 cm in diameter.\n",
            None,
        ),
        # OCR's semicolon for the label's colon
        ("HISTOLOGIC TYPE:\nDuctal adenocarcinoma\nTUMOR SIZE:\nGreatest dimension; 3.0 cm\n", 3.0),
        # a decimal point lost to OCR: "05 em" is 0.5 or 5, not a size to take
        ("Tumor nodules in the soft tissue measure 1 4 x O. r x 05 em.\n", None),
        # a prostatectomy's size field beside its weight measures the specimen; the dominant nodule is the tumour
        (
            "TUMOR SITE: LEFT AND RIGHT. SPECIMEN TYPE: RADICAL PROSTATECTOMY. WEIGHT: 30 GRAMS. SIZE: 4 X 2.8 x 3 CM.\n"
            "DOMINANT NODULE (AT LEAST 1 CM IN SIZE): IS PRESENT, 1.3 CM IN SIZE.\n",
            1.3,
        ),
        ("Tumor weight: 120 g. Tumor size: 6.5 x 5 x 4 cm.\n", 6.5),
        # the fallopian tube beside the ovarian tumour, a piece of neck tissue: organ and specimen sizes
        ("(A) RIGHT OVARY AND PORTION OF TUBE -The tumor replaces the ovary; fallopian tube measuring 5.0 x 1.0 cm.\n", None),
        ("6) SOURCE: Right Neck Level 1\nReceived fresh is a 5.6 x 4.0 x 1.7 cm piece of tan-pink and yellow nodular soft tissue.\n", None),
        # a mesenteric mass (a nodal or serosal deposit) is not the primary tumour measured before it
        (
            "On opening, there is a central, 3.8 x 3.4 cm. rubbery tan white-pink tumor mass.\n"
            "The aforementioned mesenteric mass measures 2.7 cm in greatest dimension.\n",
            3.8,
        ),
        # a mass beside the tube is measured, the tube is not its subject
        ("Adherent to the right fallopian tube is a 9.0 x 3.0 x 3.0 cm mass of papillary white, friable tumor.\n", 9.0),
    ],
)
def test_what_a_size_in_a_pathology_report_measures(record_of: Callable[..., CohortRecord], report: str, expected: float | None) -> None:
    record = record_of("SURGICAL PATHOLOGY REPORT\nFINAL DIAGNOSIS: carcinoma.\n" + report)
    assert (max(record.tumor_size_cm) if record.tumor_size_cm else None) == expected


def test_a_forms_no_answer_does_not_run_into_the_next_field(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "C. Urinary bladder, anterior exenteration: Tumor histologic type: Urothelial carcinoma\n"
        "Variant histology (%): No\nTumor size: greatest dimension: 29 mm\nAdditional dimensions: 20 x 10 mm\n"
        "Extranodal extension (location): No\nPathologic stage .pT3a pN2 pM -Not applicable\n"
    )
    assert record.tumor_size_cm is not None and max(record.tumor_size_cm) == 2.9
    assert record.tnm is not None and (record.tnm.t, record.tnm.n) == ("T3a", "N2")


@pytest.mark.parametrize(
    ("report", "grade"),
    [
        ("1 and 2. Papillary Renal Cell Carcinoma\nTNM Classification: Malignant tumor (version 2002), pT1a, GII\n", "G2"),
        ("HISTOLOGY\nRadical cystoprostatectomy for G3 pT2 TCC diagnosed at biopsy.\n", "G3"),
        ("Short report: ischemic injury of the colon.\nTNM classification (UICC, 7th Edition 2010): pT4, pN0 (0/21)\nGrading: G2\n", "G2"),
        # gravida and para are no grade
        ("Clinical History: The patient is GII PI, with a 15 cm complex pelvic mass.\n", None),
        # a lone capital I after the bare abbreviation "gr" in an OCR-garbled line is no grade; "gr. II" is
        ("Prostatic adenocarcinoma, Gleason 3+3=6. Pathologic staging: pT2c.\nF`i-IrPiSJ.If Ritor s: gr I :uIC Et\n", None),
        ("Invasive ductal carcinoma, gr. II, pT1c.\n", "G2"),
    ],
)
def test_a_bare_grade_beside_a_tnm_classification(record_of: Callable[..., CohortRecord], report: str, grade: str | None) -> None:
    assert record_of(report).who_grade == grade


def test_an_ovarian_synoptics_sites_of_metastases(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "Final Pathologic Diagnosis:\nA. Right adnexa: Papillary serous cystadenocarcinoma.\n"
        "Note: Ovarian Tumor Synoptic Comment\n2. Grade of tumor: Grade 1.\n"
        "11. Sites of metastases in pelvis: Bilateral parametria, bladder serosa, one left pelvic lymph node,\n"
        "bilateral\nfallopian tubes.\n12. Sites of metastases in abdomen: Omentum, sigmoid colon serosa, diaphragm.\n"
    )
    assert record.metastasis_sites == ["lymph_nodes", "peritoneum", "other"]


def test_no_abdominal_site_and_a_positive_cytology_on_the_next_item(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "Final Pathologic Diagnosis: papillary serous carcinoma of the ovary.\n"
        "12. Pelvic lymph nodes: No carcinoma is identified in seventeen lymph nodes (0/17).\n"
        "13. Sites of metastases in abdomen: None.\n14. Peritoneal cytology: positive for malignant cells.\n"
    )
    assert record.metastasis_sites == []


def test_a_list_item_indented_after_a_negative_one_is_not_negated(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "Final Diagnosis: \n2. Right tube and ovary: \n-High grade serous cystadenocarcinoma of the ovary. \n"
        "6. Right pelvic lymph nodes: \n-Seven lymph nodes with no tumor seen (0/7). \n"
        " 7. Right sided pelvic peritoneum: \n-Metastatic serous carcinoma. \n"
        "16. Right para aortic lymph nodes: \n-One lymph node with metastatic carcinoma (1/1). \n"
    )
    assert record.metastasis_sites == ["lymph_nodes", "peritoneum"]


@pytest.mark.parametrize(
    "line",
    [
        "Background liver: chronic hepatitis, grade 2, stage 3 (Ishak).",
        "UNINVOLVED HEPATIC PARENCHYMA SHOWS MODERATE STEATOSIS, CHRONIC HEPATITIS AND PERIPORTAL FIBROSIS (GRADE III, STAGE 2).",
    ],
)
def test_the_grade_of_the_livers_background_disease_is_not_the_tumours(record_of: Callable[..., CohortRecord], line: str) -> None:
    record = record_of("SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Liver, segmentectomy: hepatocellular carcinoma, 2.5 cm.\n" + line + "\n")
    assert record.who_grade is None
    assert record.tnm is None


def test_a_template_defining_every_t_category_states_none(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Pancreas, Whipple: ductal adenocarcinoma.\n"
        "Pathologic staging: pT1: Tumor limited to the pancreas, 2 cm or less; pT2: Tumor limited to the pancreas, "
        "more than 2 cm; pT3: Tumor extends beyond the pancreas.\n"
    )
    assert record.tnm is None


def test_the_chosen_category_of_a_synoptic_with_its_definition_stands(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Pancreas, Whipple: ductal adenocarcinoma.\nPRIMARY TUMOR (pT):\n"
        "pT3: Tumor extends beyond the pancreas\nREGIONAL LYMPH NODES (pN):\npN1: Regional lymph node metastasis\n"
    )
    assert record.tnm is not None and (record.tnm.t, record.tnm.n) == ("T3", "N1")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Tumor site: Body of stomach.", []),
        ("Tumor site: Head of pancreas.", ["head"]),
        # a form's answer with two parts, one a line, each with its organ word
        ("TUMOR SITE:\nPancreatic head\nPancreatic body\nTUMOR SIZE:\nGreatest dimension: 3.5cm", ["head", "body"]),
    ],
)
def test_a_tumour_site_field_names_a_part_of_the_pancreas_only(record_of: Callable[..., CohortRecord], line: str, expected: list[str]) -> None:
    record = record_of("SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: adenocarcinoma, 3.0 cm.\n" + line + "\n")
    assert record.tumor_location == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Para-aortic lymph nodes: 0/3 lymph nodes with metastatic tumor.", []),
        ("Pelvic lymph nodes: 2/3 lymph nodes with metastatic tumor.", ["lymph_nodes"]),
    ],
)
def test_a_count_before_lymph_nodes_with_metastatic_tumour(record_of: Callable[..., CohortRecord], line: str, expected: list[str]) -> None:
    record = record_of("Final diagnosis: serous carcinoma of the ovary.\n" + line + "\n")
    assert record.metastasis_sites == expected


@pytest.mark.parametrize(
    "line",
    [
        "TUMOR SIZE: Maximum dimension- 1 9 cm",
        "The cut surfaces exhibit a circumscribed pale tan rubbery tumor mass , 3.2 x 3-2 21 cm..",
        "T U M O R SIZE :12 S 9.6 % 2.4 CM.",
    ],
)
def test_a_number_whose_start_ocr_broke_off_is_no_size(record_of: Callable[..., CohortRecord], line: str) -> None:
    record = record_of("SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: carcinoma.\n" + line + "\n")
    assert record.tumor_size_cm is None or max(record.tumor_size_cm) not in (9.0, 21.0, 2.4)


def test_the_fibrosis_stage_of_a_cirrhotic_liver_is_no_tumour_stage(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "DIAGNOSIS: Liver, resection: hepatocellular carcinoma, 3.5 cm.\nBackground liver:\n2) Cirrhosis (Stage IV fibrosis), confirmed by trichrome stain.\n"
    )
    assert record.tnm is None


def test_the_ticked_options_of_a_template_that_defines_every_category(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Tonsil, resection: squamous cell carcinoma.\n"
        "Primary Tumor (pT): ___ pTX: Cannot be assessed___ pT1: Tumor 2 cm or less in greatest dimension___ "
        "pT2: Tumor more than 2 cm but not more than 4 cm___ pT3: Tumor more than 4 cm in greatest dimension X pT4a: "
        "Tumor invades larynx___ pT4b: Tumor invades lateral pterygoid muscle\nRegional Lymph Nodes (pN): ___ pNX: Cannot be "
        "assessed___ pN0: No regional lymph node metastasis___ pN1: Metastasis in a single ipsilateral lymph node X pN2b: "
        "Metastasis in multiple ipsilateral lymph nodes___ pN2c: Metastasis in bilateral lymph nodes\n"
    )
    assert record.tnm is not None and (record.tnm.t, record.tnm.n) == ("T4a", "N2b")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("11. Metastasis to regional lymph nodes is ABSENT.\n12. The total number of metastatically-involved nodes is 0.", []),
        ("Metastases to the liver are not identified. Lymph nodes: 0/12.", []),
        ("Regional Lymph Nodes (pN)\npNX: Cannot be assessed\nNo regional lymph nodes submitted or found\nNumber of lymph nodes examined: 0\nNumber of lymph nodes involved: 0", None),
    ],
)
def test_metastasis_stated_absent_or_nodes_never_examined(record_of: Callable[..., CohortRecord], line: str, expected: list[str] | None) -> None:
    record = record_of("SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Cervix, hysterectomy: squamous cell carcinoma, 2.5 cm.\n" + line + "\n")
    assert record.metastasis_sites == expected


def test_result_signs_glued_to_the_markers_of_a_comment_list(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "HEAD & NECK CHECKLIST\nHistologic type: squamous cell carcinoma\n"
        "Comments: vimentin+, HMWcytokeratins+, CK7+; S100-, HMB45-, chromogranin-, CD56-; ki 67+ in 90%\n"
    )
    assert (record.ihc.chromogranin_a, record.ihc.cd56, record.ihc.cytokeratin) == ("negative", "negative", None)
    assert record.ki67_percent == 90


@pytest.mark.parametrize(
    "report",
    [
        "KIDNEY, RADICAL NEPHRECTOMY: RENAL CELL CARCINOMA, CONVENTIONAL TYPE.\nB. FUHRMAN'S NUCLEAR GRADE VARIES FROM GRADE II TO GRADE IV, WITH FOCAL NECROSIS.\n",
        "Nature of material: Brain\nDiagnosis: Product of biopsy in temporal lobe:\n-Anaplastic oligoastrocitoma, grade III (WHO).\n",
    ],
)
def test_a_grade_range_up_to_four_and_a_misspelt_glioma_give_no_grade(record_of: Callable[..., CohortRecord], report: str) -> None:
    assert record_of(report).who_grade is None


def test_an_ocr_stage_string_with_an_impossible_m_is_not_read(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "KIDNEY, RADICAL NEPHRECTOMY: RENAL CELL CARCINOMA.\nI. TNM STAGE: pT3b NX MX.\n"
        "SYNOPTIC\nK. Number of positive lymph nodes: N/A\nO. TNM stage: T 3b N 2\\ M 2\\ 1. Yes\n"
    )
    assert record.tnm is not None and (record.tnm.t, record.tnm.n, record.tnm.m) == ("T3b", "NX", "MX")
    assert record.metastasis_sites is None


@pytest.mark.parametrize(
    ("line", "grade"),
    [
        ("B. LIVER:\n- HEPATOCELLULAR CARCINOMA, GRADE III/IV.\n- TUMOR MEASURES 2.5 CM IN GREATEST DIMENSION.", "G3"),
        ("Right ovary: papillary serous carcinoma, grade II/III.", "G2"),
        ("Urothelial carcinoma, moderately/poorly differentiated, G2/G3.", "G3"),
        ("Renal cell carcinoma, nuclear grade 4/4.", None),
    ],
)
def test_a_grade_written_over_the_top_of_its_scale(record_of: Callable[..., CohortRecord], line: str, grade: str | None) -> None:
    assert record_of("SURGICAL PATHOLOGY REPORT\nFINAL DIAGNOSIS:\n" + line + "\n").who_grade == grade


def test_a_focal_grade_four_on_the_next_line_makes_the_grade_four(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "DIAGNOSIS: KIDNEY; NEPHRECTOMY:\nRENAL CELL CARCINOMA, CLEAR CELL TYPE, NUCLEAR GRADE III/IV WITH FOCAL \nGRADE IV AREAS. THE PATTERN OF GROWTH IS SOLID.\n"
    )
    assert record.who_grade is None


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        # the specimen's name and a margin list are not where the tumour is
        (
            "D. Head of pancreas, duodenum, common bile duct, portion jejunum,\nstent, whipple resection: Invasive moderately "
            "differentiated ductal adenocarcinoma is identified forming a solid 4.5 x 4.0 x 2.6 cm mass, situated "
            "predominantly within the pancreas. All surgical resection margins, including the uncinate, pancreatic neck, "
            "bile duct, and soft tissue margins, are negative for tumor.\n",
            [],
        ),
        (
            "B. Pancreas, spleen and omentum, distal pancreatectomy: Invasive adenocarcinoma, forming a 2.2 x 2.0 cm mass "
            "within the body of the pancreas. The surgical resection margins, including the separately submitted pancreatic "
            "neck, are negative for tumor.\n",
            ["body"],
        ),
        # the specimen is the body and tail; the carcinoma sits in the body only
        (
            "A. Pancreatic body and tail and spleen, distal pancreatectomy and splenectomy: Well differentiated "
            "neuroendocrine tumor, 3.1 cm, centred in the pancreatic body; spleen unremarkable.\n",
            ["body"],
        ),
        ("Distal pancreatectomy (body and tail): adenocarcinoma, 2.4 cm, arising in the pancreatic tail.\n", ["tail"]),
        (
            "A. Pancreatic head and uncinate process, pancreaticoduodenectomy: invasive ductal adenocarcinoma, 2.8 cm, "
            "centred in the pancreatic head.\n",
            ["head"],
        ),
        # a landmark beside the tumour is not where the tumour is
        ("Firm white mass in the head of the pancreas near the uncinate process, 2.9 cm.\n", ["head"]),
        ("Neuroendocrine tumor of the pancreatic head, abutting the pancreatic neck, 1.6 cm.\n", ["head"]),
        # the block key lists sampled tissue, not the tumour's site
        (
            "Ductal adenocarcinoma of the head of the pancreas, 3.3 cm.\nSection code: C1-C4) tumor, "
            "C5) representative sections of body of pancreas at the transection margin, C6) lymph nodes\n",
            ["head"],
        ),
        # the side of the specimen a cut is made from is not where the tumour is
        (
            "GROSS: Serial sections made from the uncinate process aspect of the pancreatic head show a firm white tumor, "
            "3.4 cm, that replaces most of the head.\n",
            ["head"],
        ),
        # stains done on sections of the tumour name its part
        (
            "Adenocarcinoma, 3.0 cm.\nImmunostains were performed on paraffin sections of the pancreatic tail mass; "
            "the tumor cells are positive for keratin.\n",
            ["tail"],
        ),
        # an OCR full stop inside a form's label
        ("TUMOR. SITE:\nPancreatic tail\nTUMOR SIZE:\nGreatest dimension: 2.2 cm\nadenocarcinoma\n", ["tail"]),
    ],
)
def test_where_a_pancreatic_carcinoma_is(record_of: Callable[..., CohortRecord], report: str, expected: list[str]) -> None:
    assert record_of("SURGICAL PATHOLOGY REPORT\nDIAGNOSIS:\n" + report).tumor_location == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # an OCR'd stage definition ("mare than") and a dimension list's broken tail are no size
        ("PRIMARY TUMOR (pT):\n.: Tumor mare than 2 em but nat mare than 4 cm in greatest dimension", None),
        ("Serial sections reveal a soft, bright yellow mass (1 .5 ar I x 1 cm).", None),
        ("Sites of metastasis in pelvis and abdomen: multiple (involving pelvic peritoneum, omentum, right\n"
         "fallopian tube, mesentery), largest nodular mass approximately 3.6 cm in greatest dimension.", None),
    ],
)
def test_sizes_that_are_a_definition_a_broken_list_or_a_metastasis(record_of: Callable[..., CohortRecord], line: str, expected: float | None) -> None:
    record = record_of("SURGICAL PATHOLOGY REPORT\nFINAL DIAGNOSIS: carcinoma.\n" + line + "\n")
    assert (max(record.tumor_size_cm) if record.tumor_size_cm else None) == expected


@pytest.mark.parametrize(
    ("report", "grade"),
    [
        ("Papillary Renal Cell Carcinoma, Type I\nStage :pT2, RO\nGrade: Gil\n", "G2"),
        ("Hepatocellular carcinoma.\nHISTOLOGIC GRAD E:Gil: Moderately differentiated\nPRIMARY TUMOR (pT): pT1\n", "G2"),
        ("Hepatocellular carcinoma.\nHistologic Grade: Gill: Poorly differentiated\n", "G3"),
        ("Upper GI: moderately inflamed mucosa.\n", None),
    ],
)
def test_ocr_roman_g_grades(record_of: Callable[..., CohortRecord], report: str, grade: str | None) -> None:
    assert record_of(report).who_grade == grade


@pytest.mark.parametrize(
    "lines",
    [
        "Regional lymph nodes (pN): Twelve negative lymph nodes (0/12).",
        "LYMPH NODES, OBTURATOR, LEFT, EXCISION\n-NO TUMOR SEEN (0/4)\nLYMPH NODES, PERIAORTIC, RIGHT, EXCISION\n-NO TUMOR SEEN (0/3)",
    ],
)
def test_negative_nodes_as_adjective_and_as_a_specimen_heading(record_of: Callable[..., CohortRecord], lines: str) -> None:
    assert record_of("FINAL DIAGNOSIS: Adenocarcinoma, moderately differentiated.\n" + lines + "\n").metastasis_sites == []


def test_a_t_sub_letter_ocr_glued_to_its_definition(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "A. RIGHT KIDNEY, PARTIAL NEPHRECTOMY: Renal cell carcinoma, papillary type 1.\nPRIMARY TUMOR (pT):\n"
        "pT1 aTumor 4 cm or less in greatest dimension, limited to the kidney\nREGIONAL LYMPH NODES (pN):\npNX\n"
    )
    assert record.tnm is not None and (record.tnm.t, record.tnm.n) == ("T1a", "NX")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # a specimen that shows the tumour, and a prostate's nodular diameter across its lobes
        ("GROSS DESCRIPTION: The specimen shows a 3.2 x 2.5 x 0.5 cm tumor which shows ulcerated center and raised borders.", 3.2),
        ("B. CARCINOMA INVOLVES BOTH RIGHT AND LEFT LOBES WITH A GREATEST NODULAR DIAMETER OF 1.0\ncm.", 1.0),
        # a fragment's greatest dimension and a portion of tissue are not the tumour
        ("GROSS: multiple fragments in aggregate 1.1 x 0.6 x 0.3 cm. The largest tissue fragment has a greatest dimension of 0.3 cm.", None),
        ('B. The specimen is received fresh, designated "Brain tumor" and\nconsists of an unoriented, 3.5 x 2.8 x 1.5 cm portion of pink-tan tissue.', None),
    ],
)
def test_what_the_gross_description_measures(record_of: Callable[..., CohortRecord], line: str, expected: float | None) -> None:
    record = record_of("SURGICAL PATHOLOGY REPORT\nFINAL DIAGNOSIS: carcinoma.\n" + line + "\n")
    assert (max(record.tumor_size_cm) if record.tumor_size_cm else None) == expected


def test_a_checklist_label_naming_categories_and_an_ocr_extracapsular_field(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "Histologic Type: Squamous cell carcinoma, conventional\nGreatest dimension: 3.4 cm Tumor Thickness (pTl and pT2 tumors):\n"
        "Tumor thickness: 16 mm\nPrimary Tumor (pT): pT2: Tumor more than 2 cm but not more than 4 cm\n"
        "Regional Lymph Nodes (pN): pNO: No regional lymph node metastasis\nN. Total number of lymph nodes examined: 4\n"
        "O. Extracapsutar spread of lymph node metastases: p(^\n"
    )
    assert record.tnm is not None and (record.tnm.t, record.tnm.n) == ("T2", "N0")
    assert record.metastasis_sites == []


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        # the grading table of a comment defines the grades by Ki-67 cut-offs; the tumour's index is stated apart
        (
            "DIAGNOSIS: Pancreas, distal pancreatectomy: well differentiated neuroendocrine tumor, 2.1 cm, WHO grade 2.\n"
            "Ki-67 proliferation index: 6% (hot spot count of 500 cells).\n"
            "COMMENT: WHO 2019 grading of pancreatic neuroendocrine tumors:\n"
            "G1: mitoses <2/2 mm2 and/or Ki-67 index <3%\n"
            "G2: mitoses 2-20/2 mm2 and/or Ki-67 index 3-20%\n"
            "G3: mitoses >20/2 mm2 and/or Ki-67 index >20%\n",
            6,
        ),
        (
            "DIAGNOSIS: Small bowel, resection: well differentiated neuroendocrine tumor (carcinoid), 1.4 cm.\n"
            "Note: Grading scheme (Ki-67 index): grade 1, less than 3%; grade 2, 3 to 20%; grade 3, more than 20%.\n",
            None,
        ),
        # an image-analysis panel prints each marker's reference range after its result
        (
            "DIAGNOSIS: Urinary bladder, cystectomy: invasive high grade urothelial carcinoma.\n"
            "Ki-67 by IHC and image quantitation: Percent positive cells 8%\n"
            "Ki-67 altered range (>10%)\n",
            8,
        ),
        (
            "DIAGNOSIS: Breast, excision: invasive ductal carcinoma.\nBreast marker studies: ER, PR and HER2 to follow;\n"
            "Ki-67 cut-off for a high proliferation rate in this laboratory: 20%.\n",
            None,
        ),
        # the tumour's own index beside its grade stays the tumour's
        ("DIAGNOSIS: Pancreas: neuroendocrine tumor, G2 (Ki-67 index 12%).\n", 12),
        # two specimens of one tumour, each graded in the narrative with its own index: not a grading table
        (
            "COMMENT: In specimen A the tumor is a well differentiated neuroendocrine tumor (grade 1) with a\n"
            "Ki-67 index of less than 2%. In specimen B (grade 2) the Ki-67 index reaches 7%.\n",
            7,
        ),
    ],
)
def test_a_ki67_cut_off_or_reference_range_is_not_the_tumours_index(
    record_of: Callable[..., CohortRecord], report: str, expected: float | None
) -> None:
    assert record_of("SURGICAL PATHOLOGY REPORT\n" + report).ki67_percent == expected


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        # OCR turned "the pathologic stage is pT2" into "stage i. pT2": a T category, no stage group
        ("COMMENT:\nOur overall reading is that the carcinoma here is organ-confined and the pathologic stage i. pT2. \n", ("T2", None)),
        ("Pathologic stage I, pT1a N0.\n", ("T1a", "I")),
        # a form's final stage: the group in arabic numerals or OCR'd roman, its TNM in brackets
        ("15. THE FINAL STAGE OF THE TUMOR IS:\nAJCC SCHEME\n2a (T2a/N0/MX)\nThe stage is provisional.\n", ("T2a", "IIA")),
        ("15. THE FINAL STAGE OF THE TUMOR IS:\nAJCC SCHEME FIGO SCHEME\nlb (T1b/ N0/M0) 18\n", ("T1b", "IB")),
    ],
)
def test_stage_wording_of_forms_and_ocr(record_of: Callable[..., CohortRecord], report: str, expected: tuple[str, str | None]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Kidney, radical nephrectomy: clear cell renal cell carcinoma, 6.1 cm.\n" + report
    )
    assert record.tnm is not None and (record.tnm.t, record.tnm.stage) == expected


def test_a_specimen_named_by_its_part_keeps_its_operation(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Pancreatic head, pancreaticoduodenectomy: well differentiated "
        "neuroendocrine tumor, 2.6 cm, WHO grade 1.\n"
    )
    assert "pancreaticoduodenectomy" in record.surgery


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # a comment's stage grouping table defines every group; the tumour's own categories are stated apart
        (
            "COMMENT: AJCC stage groups: Stage IA: T1 N0 M0; Stage IB: T2 N0 M0; Stage IIA: T3 N0 M0; Stage IIB: T1-3 N1 M0.\n"
            "Pathologic stage: pT2 N0 MX.\n",
            ("T2", "N0", "MX", None),
        ),
        ("Pathologic stage: pT2 N0.\nStage grouping:\nStage I = T1-2, N0, M0\nStage II = T3, N0, M0\n", ("T2", "N0", None, None)),
        # one stage group stated with its categories is the tumour's
        ("AJCC Stage IIB: pT3 pN1 M0.\n", ("T3", "N1", "M0", "IIB")),
    ],
)
def test_a_stage_grouping_table_states_no_stage(
    record_of: Callable[..., CohortRecord], lines: str, expected: tuple[str | None, ...]
) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Pancreas, distal pancreatectomy: well differentiated neuroendocrine tumor, 2.2 cm.\n"
        + lines
    )
    assert record.tnm is not None and (record.tnm.t, record.tnm.n, record.tnm.m, record.tnm.stage) == expected
