"""Notes about other diseases (the MTSamples precision review, issue 16): what a note says of
someone else, of a possibility or of another disease fills nothing for the patient, and
the patient's own statements stay theirs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from extractor.schema import CohortRecord, Mention

Mentions = Callable[[str], list[Mention]]
Record = Callable[..., CohortRecord]


def _flags(mentions: list[Mention], label: str) -> list[set[str]]:
    return [{k for k, v in m.assertion.model_dump().items() if v} for m in mentions if m.label == label]


@pytest.mark.parametrize(
    ("sentence", "label", "flag"),
    [
        # someone else: a fetus, people in general, a relative named in a family history
        ("PREOPERATIVE DIAGNOSES:,1.  Intrauterine pregnancy at 35 weeks.,2.  Rh isoimmunization.,3.  Suspected fetal anemia.", "anemia", "family"),
        ("Those people with immunosuppressive conditions, such as diabetes mellitus, are more susceptible to athlete's foot.", "diabetes", "family"),
        ("FAMILY/SOCIAL HISTORY: , Family history is positive for asthma and diabetes.", "diabetes", "family"),
        ("Family history significant for depression in two aunts.", "depression", "family"),
        # a baby's birth history tells the mother's pregnancy
        ("PAST MEDICAL/BIRTH HISTORY: , The patient was born at term by repeat C-section.  Pregnancy was not complicated by hypertension, diabetes, drugs or smoking.", "diabetes", "family"),
        # what a disease may cause, a counselled toxicity, a prophylaxis
        ("Rheumatoid arthritis may lead to deformed joints, decreased vision, anemia and muscle weakness.", "anemia", "hypothetical"),
        ("Toxicities have already been discussed with her including myelosuppression, mucositis, diarrhea, nausea and alopecia.", "diarrhea", "hypothetical"),
        ("Mechanical and chemical deep venous thrombosis (DVT) prophylaxis were initiated.", "dvt", "hypothetical"),
    ],
)
def test_not_the_patients_own(mentions_of: Mentions, sentence: str, label: str, flag: str) -> None:
    flags = _flags(mentions_of(sentence), label)
    assert flags and all(flag in f for f in flags), flags


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        # "non-" negates the word it is joined to, not the rest of the list
        ("PAST MEDICAL HISTORY: , Coronary artery disease, non-insulin dependent diabetes, atrial fibrillation, anemia, and hypercholesterolemia.", "anemia"),
        ("Over the next 2 days he began having fevers, non-bloody emesis, diarrhea, and confusion.", "diarrhea"),
        # a new clause with its own verb is outside the negation before it
        ("He has no appetite over the past week and has lost 8 pounds during this period.", "weight_loss"),
        # "X was negative" reaches back to X, not to the start of the sentence
        ("The pathology showed infiltrating ductal carcinoma with anemia noted preoperatively, one sentinel lymph node was negative.", "anemia"),
        # "reason:" is not a son's heading
        ("REASON: new diabetes and diarrhea.", "diabetes"),
    ],
)
def test_the_patients_own_statement_stays_asserted(mentions_of: Mentions, sentence: str, label: str) -> None:
    flags = _flags(mentions_of(sentence), label)
    assert flags and not flags[0] - {"historical"}, flags


@pytest.mark.parametrize(
    ("note", "key", "status"),
    [
        ("The colonoscopy showed a few scattered aphthous ulcers in the ascending and descending colon, consistent with Crohn's disease.", "stomatitis", None),
        ("She has had recurrent aphthous ulcers of the tongue and glossitis.", "stomatitis", "present"),
        ("He thinks he has lost a few pounds but has not been weighing himself to determine the exact amount of weight loss.", "weight_loss", "present"),
        ("She is at increased risk for future complications given her history, and weight loss will be a good option.", "weight_loss", None),
        ("PAST MEDICAL/BIRTH HISTORY: , Born at term.  There were no complications during pregnancy such as diabetes or hypertension.", "diabetes", None),
    ],
)
def test_finding_in_notes_about_other_diseases(record_of: Record, note: str, key: str, status: str | None) -> None:
    assert getattr(record_of(note).findings, key) == status


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # the examiner's impression, the inpatient course, the state before this illness
        ("PHYSICAL EXAMINATION: , CONSTITUTIONAL:  The patient is well nourished.  The patient appears to be pale, but otherwise looks well.", None),
        ("2.  Chronic obstructive pulmonary disease exacerbation.  The patient is doing well, taking PO.  We will continue oral Omnicef.", None),
        ("The patient had been on medical therapy at home and generally doing well.  Recently, she had no leg swelling.", None),
        ("The patient has been feeling well for the last several weeks, per the daughter, but today she became agitated.", None),
        # a sibling's death under the relative's heading
        ("SOCIAL HISTORY: , Married for 25 years.,CHILDREN:,  Four, all in good health.,SIBLINGS:,  John Doe died in 1984 at the age of 26 in an automobile accident.", None),
        # a follow-up state is still the patient's
        ("INTERVAL HISTORY: , In the interim since his last visit he has done quite well.  He is working.", "alive"),
    ],
)
def test_vital_status_of_notes_about_other_diseases(record_of: Record, note: str, expected: str | None) -> None:
    assert record_of(note).vital_status == expected


@pytest.mark.parametrize(
    ("note", "department"),
    [
        # an earlier visit told after the emergency presentation
        ("A 47-year-old man presented to the emergency room after being told to come in for a high potassium value.  He had gone to an outside clinic the day prior complaining of weakness and fatigue.", None),
        # who manages a disease is not where it began
        ("ASSESSMENT: , 4.  Pancreatitis, which has been managed by his gastroenterologist.", None),
        ("She was initially managed by her GP for the rash.", "general practice"),
    ],
)
def test_first_department_of_notes_about_other_diseases(record_of: Record, note: str, department: str | None) -> None:
    assert record_of(note).first_department == department


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # a pain procedure, dental cement, a bleeding varix, a prophylactic operation
        ("PROCEDURE: , Bilateral L5, S1, S2, and S3 radiofrequency ablation.,INDICATION: , Sacroiliac joint pain.", {"locoregional_therapy": []}),
        ("A therapeutic pulpotomy was done using ferric sulfate and zinc oxide eugenol.", {"zinc_supplementation": None}),
        (
            "INDICATIONS: , Upper GI bleeding with melena.,FINDINGS: , Small amount of fresh blood within the hiatal hernia.,"
            "PLAN:,1.  Repeat EGD tomorrow.,2.  Proton-pump inhibitor drip.,3.  Octreotide drip.,4.  ICU bed.",
            {"somatostatin_analogue": []},
        ),
        (
            "The patient is a 59-year-old with a BRCA-2 mutation.  Her daughter had breast cancer at age 27.,OPERATIONS AND PROCEDURES: , "
            "Total abdominal hysterectomy/bilateral salpingo-oophorectomy.,PATHOLOGY: , A uterus without dysplasia or cancer.",
            {"surgery": []},
        ),
        # the tumour's own treatments stay
        ("Radiofrequency ablation of a 2 cm segment VIII metastasis of her glucagonoma.", {"locoregional_therapy": ["rfa"]}),
        ("Glucagonoma with necrolytic migratory erythema; octreotide 100 mcg three times daily was started.", {"somatostatin_analogue": ["octreotide"]}),
    ],
)
def test_treatments_of_other_diseases(record_of: Record, note: str, expected: dict) -> None:
    record = record_of(note)
    got = {key: getattr(record, key) for key in expected}
    if "somatostatin_analogue" in got:
        got["somatostatin_analogue"] = [a.drug for a in got["somatostatin_analogue"]]
    assert got == expected


def test_an_examiners_estimate_gives_way_to_imaging(record_of: Record) -> None:
    record = record_of(
        ("2020-04-14", "SURGICAL CLINIC\n\nExamination: Thin.  Firm, non-tender epigastric mass, about 6 cm."),
        ("2020-04-20", "CT ABDOMEN\n\nFindings: 5.4 x 4.8 cm hypervascular mass in the pancreatic body.  Impression: pancreatic neuroendocrine tumour."),
    )
    assert record.tumor_size_cm == [5.4, 4.8]


def test_a_later_staging_assesses_what_the_first_left_open(record_of: Record) -> None:
    record = record_of(
        "PREOPERATIVE DIAGNOSES: , 1.  Clinical stage T2, NX, MX transitional cell carcinoma of the urinary bladder.,"
        "POSTOPERATIVE DIAGNOSES: , 1.  Clinical stage T4a, N3, M1 transitional cell carcinoma of the urinary bladder."
    )
    assert record.tnm is not None and (record.tnm.n, record.tnm.m) == ("N3", "M1")


def test_stage_iv_disease_is_not_no_metastasis(record_of: Record) -> None:
    record = record_of(
        "He has now been diagnosed with a new non-small cell lung cancer stage IV metastatic disease.  "
        "MRI of the brain: there is no evidence of cerebral metastasis."
    )
    assert record.metastasis_sites is None
