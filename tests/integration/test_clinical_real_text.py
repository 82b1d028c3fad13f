"""Clinical fields on real-style text: what a note says about this patient, and only that."""

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
        # consent, risk and counselling paragraphs: what may happen, not what did
        ("Risks include bleeding requiring transfusion, infection, sepsis, stroke, pulmonary emboli and phlebitis.", "dvt", "hypothetical"),
        ("The risks of the procedure include but are not limited to:,1.  Infection.,2.  Bleeding.,3.  Deep venous thrombosis.,PROCEDURE IN DETAIL: , Prophylactic antibiotic was given.", "dvt", "hypothetical"),
        ("Infection, complex regional pain syndrome and deep vein thrombosis were all discussed as potential risks of the surgery.", "dvt", "hypothetical"),
        ("I also explained to her complications including rare cases of death secondary to DVT, PE, leak and peritonitis.", "dvt", "hypothetical"),
        # prophylaxis, protocols and the reason for a test
        ("TEDs and Venodynes were placed as prophylaxis against deep venous thrombosis.", "dvt", "hypothetical"),
        ("Deep venous thrombosis prophylaxis with Lovenox.", "dvt", "hypothetical"),
        ("Axial CT images of the chest were obtained for pulmonary embolism protocol.", "dvt", "hypothetical"),
        ("REASON FOR EXAM: Evaluate for pulmonary embolism.", "dvt", "hypothetical"),
        ("Bilateral lower extremity ultrasound for deep venous thrombus.", "dvt", "hypothetical"),
        ("Monitor for any possibility of DVT.", "dvt", "hypothetical"),
        # negation and uncertainty written after the finding
        ("PMH: Diabetes - denies.", "diabetes", "negated"),
        # an export that flattened line breaks glues a comma to the next line's first word
        ("Thyroid exam was normal.,No known history of diabetes or hypertension.", "diabetes", "negated"),
        ("She takes no regular medicines.,Denies diarrhea or constipation.", "diarrhea", "negated"),
        ("DVT: negative.", "dvt", "negated"),
        ("Anemia (suspected).", "anemia", "uncertain"),
        ("He negates any symptoms of depression or anxiety.", "depression", "negated"),
        ("There is not significant diarrhea, just some looser stools.", "diarrhea", "uncertain"),
        ("He had a chemistry profile, which suggests diabetes mellitus.", "diabetes", "uncertain"),
        ("If indeed, he is considered to be a diabetic, a more aggressive program should be entertained.", "diabetes", "hypothetical"),
        # the writer's guess at why a drug was given is no diagnosis
        ("He was on iron, I presume for anemia, and on potassium and lisinopril.", "anemia", "uncertain"),
        ("Weight loss of 10 pounds over the winter, presumably from depression.", "depression", "uncertain"),
        # other people than the patient
        ("The kidney donor had type 2 diabetes.", "diabetes", "family"),
        ("Her boyfriend has depression.", "depression", "family"),
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
        # "prophylaxis for <time>" still names what is prevented before it
        ("Deep vein thrombosis prophylaxis for the time being with sequential compression devices.", "dvt", "hypothetical"),
    ],
)
def test_what_a_sentence_says_about_the_patient(mentions_of: Mentions, sentence: str, label: str, flag: str) -> None:
    flags = _flags(mentions_of(sentence), label)
    assert flags and all(flag in f for f in flags), flags


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        # "has been" is not "has been ruled out"
        ("The patient has a history of diabetes and has been on outpatient antibiotics, which he failed.", "diabetes"),
        # a patient's risk factors are the patient's
        ("She has ongoing risks including current smoking, diabetes, hypertension.", "diabetes"),
        ("COMPLICATIONS:  DVT in the left calf on day 3.", "dvt"),
        ("1.  Non-insulin diabetes mellitus.", "diabetes"),
        ("A DVT was seen on this Doppler study.", "dvt"),
        # "non-" negates the word it is joined to, not the rest of the list
        ("PAST MEDICAL HISTORY: , Coronary artery disease, non-insulin dependent diabetes, atrial fibrillation, anemia, and hypercholesterolemia.", "anemia"),
        ("Over the next 2 days he began having fevers, non-bloody emesis, diarrhea, and confusion.", "diarrhea"),
        # a new clause with its own verb is outside the negation before it
        ("He has no appetite over the past week and has lost 8 pounds during this period.", "weight_loss"),
        # "X was negative" reaches back to X, not to the start of the sentence
        ("The pathology showed infiltrating ductal carcinoma with anemia noted preoperatively, one sentinel lymph node was negative.", "anemia"),
        # "no complaints other than X" reports X
        ("He has no complaints other than intermittent diarrhea after meals.", "diarrhea"),
        # "reason:" is not a son's heading
        ("REASON: new diabetes and diarrhea.", "diabetes"),
    ],
)
def test_the_patients_own_finding_stays_asserted(mentions_of: Mentions, sentence: str, label: str) -> None:
    flags = _flags(mentions_of(sentence), label)
    assert flags and not flags[0] - {"historical"}, flags


def test_a_bullet_dash_before_a_negation_keeps_its_reach(mentions_of: Mentions) -> None:
    assert _flags(mentions_of("- Denies fever, chills, weight loss or diarrhoea"), "diarrhea") == [{"negated"}]


def test_infant_of_a_diabetic_mother_is_not_diabetic(record_of: Record) -> None:
    assert record_of("Infant of a diabetic mother, born at 36 weeks.").findings.diabetes is None


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        (("She was the sixth of nine siblings.  Her father was a chef.  He completed third grade and died at 60.  She is a 45-year-old woman.",), None),
        (("FAMILY HISTORY:  Father died of a myocardial infarction at 62.  Mother is alive and well.",), None),
        (("The risks of bleeding, infection, DVT, PE and death were explained and she consented.",), None),
        (("SUBJECTIVE:  Return visit.  In the meantime, she is doing quite well.",), "alive"),
        (("She is well groomed.  Her incision is well healed.  She is well known to this service.",), None),
        (("CAUSE OF DEATH:  Asphyxia.  MANNER OF DEATH:  Homicide.",), "deceased"),
        (("An emergent head CT showed a left MCA infarction.  She required intubation and worsened as cerebral edema developed.  "
          "She was pronounced brain dead.  Her organs were donated for transplant.",), "deceased"),
        (("Follow-up: he is doing well.", "He died 14 months after diagnosis of liver failure."), "deceased"),
        # the examiner's impression, the inpatient course, the state before this illness
        (("PHYSICAL EXAMINATION: , CONSTITUTIONAL:  The patient is well nourished.  The patient appears to be pale, but otherwise looks well.",), None),
        (("2.  Chronic obstructive pulmonary disease exacerbation.  The patient is doing well, taking PO.  We will continue oral Omnicef.",), None),
        (("The patient had been on medical therapy at home and generally doing well.  Recently, she had no leg swelling.",), None),
        (("The patient has been feeling well for the last several weeks, per the daughter, but today she became agitated.",), None),
        # a sibling's death under the relative's heading
        (("SOCIAL HISTORY: , Married for 25 years.,CHILDREN:,  Four, all in good health.,SIBLINGS:,  John Doe died in 1984 at the age of 26 in an automobile accident.",), None),
        # an admission note's "has been doing well" is the state before the illness that brought the patient in
        (("HISTORY OF PRESENT ILLNESS:  A 61-year-old man who was admitted overnight with palpitations.  He has been doing well, last seen in clinic in March for a routine visit.",), None),
        # "doing well" told before what brought the patient in, two sentences on
        (("HISTORY:  A 3-week-old seen for a rash.  She has been doing well.  Her mother applied a barrier cream.  It has mostly cleared.  However today, a new pustule appeared on her scalp.",), None),
        # a referral for a patient who came into the hospital: "since then done well" is the time before this illness
        (("REASON FOR REFERRAL: , Cardiac evaluation in a patient who came in the hospital with abdominal pain.,HISTORY:,  Bypass surgery eight years ago.  "
          "Since then, she has generally done well.  She used to see another cardiologist.",), None),
        # a follow-up state is still the patient's
        (("INTERVAL HISTORY: , In the interim since his last visit he has done quite well.  He is working.",), "alive"),
        # a first consultation's "feeling well today" is the state before any care, not a follow-up
        (("REASON FOR CONSULTATION: , Newly found lung nodule.,HISTORY OF PRESENT ILLNESS: , A 64-year-old woman referred after a chest CT.  "
          "She is feeling well today and has no cough.",), None),
        (("CHIEF COMPLAINT: , Follicular lymphoma.,HISTORY OF PRESENT ILLNESS: , A 52-year-old man whom I am asked to see in consultation "
          "for a newly diagnosed follicular lymphoma.  Overall, he is doing well.  He has a good energy level.",), None),
        # a visit the staff asked for is no consultation: the nursing-home patient's state at a periodic visit
        (("SUBJECTIVE: , I am asked to see the patient today for her diabetes at the nursing home.  She feels a little tired.  "
          "Otherwise, she is doing well.",), "alive"),
        (("REASON FOR CONSULTATION: , Follow-up of a treated lung nodule.,INTERVAL HISTORY: , She is feeling well today and has no cough.",), "alive"),
        # an inpatient's state: the admitting diagnosis heads the note, a transfer between rooms, "by the time she presented here"
        (("ADMITTING DIAGNOSIS: , Lumbar disc herniation.,HOSPITAL STAY: , She underwent discectomy yesterday.  She has done well "
          "postoperatively with mild incisional pain.",), None),
        (("Mr. Doe was transferred to room 412 this afternoon.  We discussed his tracheostomy care.  Overall, I believe this patient is doing well.",), None),
        (("HISTORY OF PRESENT ILLNESS: , Chest pain at home relieved by a third nitroglycerin.  By the time she presented here, she was pain-free "
          "and is feeling well.",), None),
    ],
)
def test_vital_status_is_the_patients(record_of: Record, notes: tuple[str, ...], expected: str | None) -> None:
    assert record_of(*notes).vital_status == expected


@pytest.mark.parametrize(
    ("note", "sex"),
    [
        ("CLINICAL:,This is a 41 -year-old-male with knee pain.", "male"),
        ("SUBJECTIVE:,  This 9-month-old Hispanic male comes in today for a well-child check.", "male"),
        ("HISTORY:  The mother is a 20-year-old gravida 1, para 0 female who received prenatal care.  The infant was born at term.  He fed well and he is feeding every 3 hours.", "male"),
        ("HPI:  A 25-year-old right-handed Caucasian female presented with headache.", "female"),
        ("REASON FOR EXAM:  Pregnant female with nausea, vomiting, and diarrhea.", "female"),
        ("ASSESSMENT:  Middle-aged woman, status post hysterectomy.", "female"),
        ("SUBJECTIVE:  This patient presents to the office today because of problems with her right hand.  She is worried about carpal tunnel.", "female"),
        ("Delivery of a viable female infant.  Apgars 8 and 9.", None),
        ("The tendon was resected from his osseous attachments and the wound closed.", None),
    ],
)
def test_sex_from_the_words_for_the_patient(record_of: Record, note: str, sex: str | None) -> None:
    record = record_of(note)
    assert record.sex == sex
    if sex is not None:
        assert record.evidence["sex"]


@pytest.mark.parametrize(
    ("note", "surgery"),
    [
        # tests and operations for other diseases are not tumour surgery
        ("PPD was placed today and will be read in 48 hours.", []),
        ("PAST SURGICAL HISTORY:  Exploratory laparotomy for stab wounds in 1990.", []),
        ("PAST MEDICAL HISTORY:  Aplastic crisis during childhood requiring splenectomy.", []),
        ("She has biliary atresia and is on the liver transplant list.", []),
        ("PAST SURGICAL HISTORY:  Hysterectomy in 1995 for fibroids.", []),
        # the same operation named again, in a note that denies any cancer
        ("PAST MEDICAL HISTORY:  Hypertension.  She denies any history of cancer.,PAST SURGICAL HISTORY:  Hysterectomy in 1995 for fibroids.  "
         "She had one ovary removed at the time of the hysterectomy as well.", []),
        # a wedge resection of the bowel is not the liver's, even beside the hepatic flexure
        ("POSTOPERATIVE DIAGNOSIS:  Carcinoid tumor of the small bowel.,PROCEDURE:  We resected the largest of the lesions by wedge resection "
         "and reanastomosed the small bowel.  We then mobilized the cecum and the hepatic flexure.", ["other"]),
        ("Glucagonoma of the pancreatic tail with liver metastases.  She underwent a wedge resection of two lesions in segment VI of the liver.", ["hepatic_metastasectomy"]),
        ("PREOPERATIVE DIAGNOSIS:  Nonpalpable neoplasm, right breast.,OPERATION:  Excision of neoplasm.", []),
        ("We talked about performing a total thyroidectomy.", []),
        # a vein explored to place a port is no tumour operation
        ("PROCEDURES:  1.  Open exploration of the right internal jugular vein.  2.  Placement of a port for chemotherapy of metastatic breast cancer.", []),
        # a tumour operation the vocabulary does not list is "other"
        ("PREOPERATIVE DIAGNOSIS: , Endometrial cancer.,OPERATION PERFORMED:,  Exploratory laparotomy, total abdominal hysterectomy.", ["exploration", "other"]),
        ("This is a 66-year-old female who has a history of a right lumpectomy for ductal carcinoma in situ in May 2001.", ["other"]),
        ("POSTOPERATIVE DIAGNOSIS: , Non-small cell carcinoma of the right lower lobe.,PROCEDURES:,1.  Right thoracotomy.,2.  Right lower lobectomy.", ["other"]),
        ("TITLE OF OPERATION: , Excision of large basal cell carcinoma, right lower lid.", ["other"]),
        # a lung metastasectomy is not the liver's
        ("PROCEDURE:  Left thoracotomy and metastasectomy of metastatic renal cell carcinoma from the lingula, with mediastinal lymph node dissection.", ["other"]),
        # the glucagonoma operations are unchanged
        ("OPERATION:  Distal pancreatectomy and splenectomy for a glucagonoma of the pancreatic tail.", ["distal_pancreatectomy", "splenectomy"]),
        ("Operation: laparotomy, excision of tumour of the pancreas.", ["other"]),
        ("She underwent PPD for a glucagonoma of the head.", ["pylorus_preserving_pancreaticoduodenectomy"]),
    ],
)
def test_surgery_is_the_tumours(record_of: Record, note: str, surgery: list[str]) -> None:
    assert record_of(note).surgery == surgery


def test_borderline_diabetes_is_impaired_glucose_tolerance(record_of: Record) -> None:
    findings = record_of("He has a history of therapy-controlled hypertension, borderline diabetes, and obesity.").findings
    assert (findings.diabetes, findings.igt) == (None, "present")


@pytest.mark.parametrize(
    ("note", "department"),
    [
        ("HISTORY OF PRESENT ILLNESS: , The patient is a 25-year-old female who presented to the emergency department with sudden onset of headache.", "emergency medicine"),
        # earlier care for the complaint, or an earlier visit: the emergency room was not the first contact
        ("HISTORY OF PRESENT ILLNESS: , She had an EGD and colonoscopy a few days prior to this admission.  Biopsies were done.  The patient presented to our emergency room for worsening abdominal pain.", None),
        ("HISTORY OF PRESENT ILLNESS: , She was evaluated in the emergency department recently, when she developed this recurrent pain.", None),
        ("She was seen in the emergency room for chest pain one month ago.", None),
        ("The patient was last seen in rheumatology clinic approximately 4 months ago for hand discomfort.", None),
        # a case report's note title says where the patient first consulted
        ("Date: 2003-09-15\n\nSERVICE OF DERMATOLOGY - consult\n\nWoman of 58 years remitted to the dermatology consult for erythematous lesions of some weeks of evolution.", "dermatology"),
        ("Date: 2009-09-28\n\nSERVICE OF ENDOCRINOLOGY AND NUTRITION - first visit\n\nWoman of 44 years, valued for the first time in endocrinology for hyperglycaemia.", "endocrinology"),
        ("The patient presents with chest pain and shortness of breath.", None),
        # an earlier visit told after the emergency presentation
        ("A 47-year-old man presented to the emergency room after being told to come in for a high potassium value.  He had gone to an outside clinic the day prior complaining of weakness and fatigue.", None),
        # who manages a disease is not where it began
        ("ASSESSMENT: , 4.  Pancreatitis, which has been managed by his gastroenterologist.", None),
        ("She was initially managed by her GP for the rash.", "general practice"),
        # first seen at a hospital the note names: the specialist named later came after
        ("BRIEF HISTORY:  A 34-year-old woman who presented to Mercy General Hospital on 03/02/2011 with right upper quadrant pain.  She was seen by the gastroenterologist and underwent ERCP.", None),
        ("She presented to Mercy General Hospital Emergency Department with right upper quadrant pain.  She was evaluated in the emergency department by the surgical team.", "emergency medicine"),
        # the family doctor seen before the emergency visit was the first contact
        ("A 6-year-old boy brought to the emergency department for wheezing.  Before coming in, they saw their primary medical doctor, who started a nebulizer.", "general practice"),
        # admitted from a clinic or the emergency room: where the patient came from
        ("DERMATOLOGY WARD - ADMISSION NOTE\n\nFemale patient admitted to the dermatology ward from the skin clinic\nfor work-up of an extensive erosive eruption.", "dermatology"),
        ("HISTORY: , 38-year-old male admitted from the emergency room 04/18/2009, decreased mental status.", "emergency medicine"),
        # the primary care visit told after the emergency presentation came first
        ("HISTORY OF PRESENT ILLNESS:, The patient is a 45yo man who presents to the emergency room with epigastric pain for the last 14 days.  "
         "The pain was initially crampy and burning in character and was relieved with food intake.  He also reports a sour taste in his mouth.  "
         "He went to his primary care physician who prescribed cimetidine; however, this did not relieve his symptoms.", "general practice"),
        # a specialist seen after a hospital stay and other care is a later step, not the first contact
        ("HISTORY OF PRESENT ILLNESS:, She has had recurrent abscesses for 2 years and was hospitalized for 6 weeks.  She was treated with multiple "
         "courses of antibiotics.  She had been seen by a dermatologist who said that she had a problem with her sweat glands.", None),
        ("HISTORY OF PRESENT ILLNESS:, She noticed an itchy rash on her legs in March.  She was seen by a dermatologist, who took a punch biopsy.", "dermatology"),
        # came or was brought to the emergency room for the complaint, no earlier care told
        ("HISTORY OF PRESENT ILLNESS: , At about 7 p.m., the patient began vomiting and was short of breath.  She came to the emergency room, "
         "where an EKG showed an inferior ST-elevation MI.", "emergency medicine"),
        ("HISTORY OF PRESENT ILLNESS: , 80-year-old man brought in the Emergency Room following an episode of syncope at home.", "emergency medicine"),
        ("HISTORY OF PRESENT ILLNESS: , He reports slipping on a grape that was on the floor.  The patient states he went to the emergency room "
         "and then followed up with his primary care physician.", "emergency medicine"),
        ("HISTORY OF PRESENT ILLNESS:, The patient is a 69-year-old male transferred from an outlying facility with diagnosis of a stroke.  "
         "When asked why he came to the emergency room, the patient replies that it started about 2 PM yesterday.", None),
        ("HISTORY OF PRESENT ILLNESS: , He was seen by his primary care physician for the cough, who prescribed an inhaler.  He came to the emergency room "
         "when it worsened.", "general practice"),
        ("DERMATOLOGY CLINIC - NEW PATIENT CONSULT\n\n62 yo F sent for rash.\nHPI: 2.5 yr hx of intermittent itchy rash of the groin and legs.  "
         "Rash first seen and treated by her PCP: topical steroids, no response.", "general practice"),
        ("ENDOCRINOLOGY CONSULT NOTE\n\nReason for referral: biopsy-proven necrolytic migratory erythema, new diabetes.\n\n"
         "HPI: 38-year-old woman seen by Dermatology on 9/12 with a rash of the groins.", "dermatology"),
        # a referral for a second opinion: someone gave the first one, so this contact was not the first
        ("HISTORY: , After she lost her job she saw her family doctor, who referred her to us for a second opinion "
         "about her memory complaints.", None),
        # a treatment the writer started before the emergency visit is earlier care
        ("PAST CARDIAC HISTORY: , The exercise test was equivocal and she preferred medical therapy, so we put her on "
         "a beta-blocker.  However, her chest pain got worse and she presented to the emergency room.", None),
        # the ambulance crew's care on the way is part of the emergency presentation
        ("HISTORY: , After the collision the paramedics placed him on a backboard and he was brought to the emergency "
         "department for mid back pain.", "emergency medicine"),
    ],
)
def test_first_department(record_of: Record, note: str, department: str | None) -> None:
    assert record_of(note).first_department == department


@pytest.mark.parametrize(
    ("note", "age", "sex"),
    [
        # an id before the age, an isotope label: not ages
        ("Re: Mr T002, 67-year-old man with a pancreatic glucagonoma.", 67, "male"),
        ("18F-FDG PET was negative; 68Ga-DOTATATE PET/CT showed an avid tail lesion in this 55-year-old woman with a glucagonoma.", 55, "female"),
        # the age at the diagnosis of something else is not the tumour's
        ("She was diagnosed with bursitis at age 23.  She is now 45 and a glucagonoma was found this year.", None, "female"),
        ("PMH: Juvenile rheumatoid arthritis diagnosed at age 10 years.", None, None),
        # non-native and case-report wording
        ("SERVICE OF ENDOCRINOLOGY - first visit\n\nWoman of 44 years, with a glucagonoma of the pancreatic tail.", 44, "female"),
        ("Patient male, 63 years, referred to Dermatology.  Pancreatic neuroendocrine tumour on CT.", 63, "male"),
        # a note written at the diagnosis of another malignancy
        ("HISTORY OF PRESENT ILLNESS: , The patient is a very pleasant 61-year-old gentleman who was recently diagnosed with squamous cell carcinoma of the base of the tongue.", 61, "male"),
        ("The patient is a 70-year-old female with prior history of lung cancer.  She was recently diagnosed with recurrent pneumonia.", None, "female"),
        # a note written just after the biopsy that found the malignancy
        ("INDICATION FOR THE PROCEDURE:  ,The patient is a 52-year-old female who recently underwent a left breast biopsy and was found to have "
         "invasive carcinoma of the left breast.  The patient was elected to have a left modified radical mastectomy.", 52, "female"),
        ("The patient is a 52-year-old female who recently underwent a left breast biopsy which showed a fibroadenoma.", None, "female"),
    ],
)
def test_age_at_the_tumours_diagnosis(record_of: Record, note: str, age: int | None, sex: str | None) -> None:
    record = record_of(note)
    assert (record.age_at_diagnosis, record.sex) == (age, sex)


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # tracer avidity on imaging is not treatment
        ("CT showed an octreotide-avid lesion in the pancreatic tail.", {"somatostatin_analogue": [], "prrt": None}),
        ("Post-therapy scan: Lu-177 DOTATATE avid liver lesions, unchanged.", {"prrt": None}),
        # a biopsy that does not show NME does not make NME present; one read as NME does
        ("The skin biopsy was not diagnostic of NME.", {"nme": None, "skin_biopsy_diagnostic": False}),
        ("Skin biopsy: negative for NME; spongiotic dermatitis.", {"nme": "absent", "skin_biopsy_diagnostic": False}),
        ("Punch biopsy of the rash was suggestive of NME.", {"nme": "present", "skin_biopsy_diagnostic": True}),
        ("1. Necrolytic migratory erythema (NME) - glucagonoma syndrome suspected given glucagon.", {"nme": "present"}),
    ],
)
def test_known_false_triggers(record_of: Record, note: str, expected: dict) -> None:
    record = record_of(note)
    got = {key: (record.findings.nme if key == "nme" else getattr(record, key)) for key in expected}
    if "prrt" in got and got["prrt"] is not None:
        got["prrt"] = got["prrt"].model_dump()
    assert got == expected


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        (("SURGICAL PATHOLOGY - skin biopsy\n\nEpidermis with tall cells and necrosis of the upper epidermis.\n\nDiagnosis: necrolytic migratory erythema.",), True),
        (("SERVICE OF PATHOLOGICAL ANATOMY\n\nSample: skin biopsy, anterior face of the leg.\nDiagnosis: findings compatible with chronic eczema.",), False),
        (("DERMATOLOGY - NEW PT VISIT\n\nBx hx: multiple bx over the yrs -> subacute spongiotic or psoriasiform dermatitis.",), False),
        # "c/w" is "consistent with"; necrolytic acral erythema (hepatitis C) is another disease than NME
        (("DERM F/U\n\nGlucagonoma work-up.  Bx c/w NME.",), True),
        (("derm f/u: bx c/w necrolytic acral erythema (HCV-associated). Dx NAE.",), False),
        (("DERMATOPATHOLOGY\n\nSpecimen: skin, punch biopsy of a plaque.\nDiagnosis: necrolytic acral erythema.",), False),
        # a diagnosis line of a report that is not a skin biopsy says nothing of one
        (("SURGICAL PATHOLOGY REPORT\n\nSpecimen: distal pancreas.\nDiagnosis: well-differentiated neuroendocrine tumour; background pancreatitis and dermatitis of the abdominal wall skin.",), None),
    ],
)
def test_skin_biopsy_reports(record_of: Record, notes: tuple[str, ...], expected: bool | None) -> None:
    assert record_of(*notes).skin_biopsy_diagnostic is expected


@pytest.mark.parametrize(
    ("note", "months"),
    [
        ("We are admitting a 53-years old woman with a glucagonoma.  Since three years she is having chronic migrating erythema of the skin.", 36.0),
        ("Glucagonoma.  Time from the first symptoms until the diagnosis was three years.", 36.0),
        ("Glucagonoma found.  52 yo M, c/o recalcitrant dermatitis x 6 yrs.", 72.0),
        ("Glucagonoma found.  He is on insulin since 2 years and has been married since 10 years.", None),
        # an insulinoma's presenting symptom is hypoglycaemia; "6/12" is the British shorthand for six months
        ("Middle-aged woman.  Recurrent hypoglycaemia for 6 years, never explained.  Liver biopsy: metastatic insulinoma.", 72.0),
        ("63M.  6/12 hx of hypoglycaemic episodes after meals.  EUS: insulinoma of the pancreatic body.", 6.0),
        # a date is not the shorthand
        ("Insulinoma of the pancreatic body.  Seen on 6/12/2016 with a history of diabetes.", None),
        # the rash's site between the rash and its duration
        ("Male, 41 years old.  Glucagonoma.\nChief complaint: erythema with erosion on both lower limbs for 3 years, aggravated\nand spread to whole body 1 month.", 36.0),
        ("Glucagonoma of the tail.  Symptoms of hypertension treated for 10 years.", None),
        # episodes of another complaint are not the tumour's
        ("Insulinoma of the pancreatic body.  He presented after coughing episodes for about two weeks.", None),
    ],
)
def test_months_from_first_symptom(record_of: Record, note: str, months: float | None) -> None:
    assert record_of(note).months_symptoms_to_diagnosis == months


@pytest.mark.parametrize(
    ("notes", "improved", "days"),
    [
        (("Glucagonoma syndrome.  Today: patient is feeling well, the cutaneous lesions are in complete resolution with the lanreotide.",), True, None),
        (("Glucagonoma removed by distal pancreatectomy.", "Marked relief of all his symptoms for about a year after the pancreatectomy."), True, None),
        (("Metastatic insulinoma.  Post-op everolimus added to SSA (Sandostatin) -> hypoglycaemic episodes dramatically abolished.",), True, None),
        (("Glucagonoma, Whipple procedure on 3 March.  The NME lesions crusted and healed by post-operative day 5.",), True, 5.0),
        # another disease's symptoms; an active crusting rash
        (("Pancreatic NET in MEN-1.  W/u showed a pituitary adenoma, treated with cabergoline w/ resolution of symptoms.",), None, None),
        (("Glucagonoma.  Exam: erythematous plaques with peripheral crusting on the shins.",), None, None),
    ],
)
def test_improvement_of_the_syndrome(record_of: Record, notes: tuple[str, ...], improved: bool | None, days: float | None) -> None:
    record = record_of(*notes)
    assert (record.symptoms_improved, record.days_to_improvement) == (improved, days)


@pytest.mark.parametrize(
    ("notes", "surgery"),
    [
        (("56M, s/p body-caudal pancreatectomy + splenectomy 08/2011 for glucagonoma.",), ["distal_pancreatectomy", "splenectomy"]),
        (("Glucagonoma of the tail: pancreatic tail resection with splenectomy.",), ["distal_pancreatectomy", "splenectomy"]),
        (("Metastatic glucagonoma: right hepatic lobectomy for liver metastases.",), ["hepatic_metastasectomy"]),
        (("Female, 69 years.  1 year after surgical resection of pancreatic gastrinoma (G1).",), ["other"]),
        (("SURGICAL PATHOLOGY\n\nSpecimen: subtotal pancreatectomy with regional lymph nodes.  Insulinoma.",), ["other"]),
        # a later "pancreatectomy" is the typed operation done before, not another one
        (("The primary glucagonoma was removed by distal pancreatectomy on 14 March.", "Marked relief of all his symptoms for a year after the pancreatectomy."), ["distal_pancreatectomy"]),
    ],
)
def test_surgery_wording(record_of: Record, notes: tuple[str, ...], surgery: list[str]) -> None:
    assert record_of(*notes).surgery == surgery


def test_a_duration_keeps_the_finding_it_times(record_of: Record) -> None:
    record = record_of("Glucagonoma.  She has had diarrhoea for 3 months.  Two months of evolution of weight loss, polydipsia.")
    assert (record.findings.diarrhea, record.findings.weight_loss) == ("present", "present")
    assert record.months_symptoms_to_diagnosis == 3.0


@pytest.mark.parametrize(
    ("note", "field", "expected"),
    [
        ("He was admitted with the dermatitis of the glucagonoma syndrome together with glucose intolerance.", "igt", "present"),
        ("Personal antecedents: hydrocarbonated intolerance of recent beginning (carbohydrate intolerance).", "igt", "present"),
        ("Metastatic glucagonoma.  3 months of DTIC.  Rash has gone.", "systemic_therapy", ["dacarbazine"]),
        ("Recs: serum zinc, alkaline phosphatase, glucagon level; zinc replacement once level drawn.", "zinc_supplementation", None),
        ("Somatostatin-receptor scintigraphy with radio-labelled octreotide confirmed the tumours.  Therapy with long-acting octreotide (octreotide LAR) was started.", "somatostatin_analogue", ["octreotide_lar"]),
        ("CLINICA DE LA PIEL - first consultation\n\nWoman, 45 years old, consulting to our skin clinic.", "first_department", "dermatology"),
    ],
)
def test_case_report_wording(record_of: Record, note: str, field: str, expected: object) -> None:
    record = record_of(note)
    if field == "igt":
        got: object = record.findings.igt
    elif field == "somatostatin_analogue":
        got = [a.drug for a in record.somatostatin_analogue]
    else:
        got = getattr(record, field)
    assert got == expected


@pytest.mark.parametrize(
    ("note", "drugs"),
    [
        ("Peritoneal mesothelioma.  On the last hospitalization for IP chemo, she was switched to Taxol.", ["paclitaxel"]),
        ("Diffuse large cell lymphoma.  Chemotherapy with rituximab plus cyclophosphamide, vincristine and prednisone was started.", ["cyclophosphamide", "rituximab", "vincristine"]),
        # the same drugs for other diseases are not anticancer therapy
        ("Rheumatoid arthritis, on methotrexate 15 mg weekly and folic acid.", []),
        ("Chronic hepatitis C, treated with interferon and ribavirin in 2005.", []),
        ("Lupus nephritis treated with intravenous cyclophosphamide.", []),
        # a regimen the oncologist would use is a plan
        ("ASSESSMENT:  Stage IIIA adenocarcinoma of the lung.  I would use cisplatin and etoposide with concurrent radiation.", []),
        # what trials used, and the benefit a regimen would have, are counselling
        ("Anaplastic astrocytoma, status post resection.  We reviewed the published studies that have used temozolomide in this setting.", []),
        ("Stage II colon cancer, resected.  Adjuvant capecitabine would have a modest benefit of about 3% in survival.", []),
        # the schedule of the regimen a plan proposes
        ("ASSESSMENT:  Stage IV lung cancer.  I would likely use carboplatin and gemcitabine.  This would be both medications given on day 1 with a dose of gemcitabine on day 8.", []),
        # a regimen given, and its schedule
        ("Stage IV lung cancer.  She received carboplatin and gemcitabine, both given on day 1 with a dose of gemcitabine on day 8.", ["carboplatin", "gemcitabine"]),
    ],
)
def test_systemic_therapy_is_for_a_neoplasm(record_of: Record, note: str, drugs: list[str]) -> None:
    assert record_of(note).systemic_therapy == drugs


def test_a_lymph_node_biopsy_is_not_a_skin_biopsy(record_of: Record) -> None:
    note = "Given the previous negative biopsies, surgery performed an excisional biopsy of the right groin lymph node, which revealed no evidence of carcinoma."
    assert record_of(note).skin_biopsy_diagnostic is None


def test_carcinomatosis_is_a_malignancy(record_of: Record) -> None:
    note = (
        "DATE OF ADMISSION: , MM/DD/YYYY.,ADMITTING DIAGNOSIS:, Peritoneal carcinomatosis from appendiceal primary.,"
        "PROCEDURES DURING THIS HOSPITALIZATION:,  1.  Exploratory laparotomy, right hemicolectomy, cholecystectomy, splenectomy, omentectomy."
    )
    assert record_of(note).surgery == ["splenectomy", "exploration", "other"]


@pytest.mark.parametrize(
    ("note", "key", "status"),
    [
        ("HEENT:  She denies any ulcerations in her mouth, eye problems, or lumps.", "stomatitis", "absent"),
        ("Ears:  Tympanic membranes pearly gray.  Mouth:  No erythema, ulcers, vesicles, or exudate noted.", "stomatitis", "absent"),
        ("CHIEF COMPLAINT:,1.  Chronic lymphocytic leukemia.,2.  Oral ulcer.", "stomatitis", "present"),
        ("A very pleasant 63-year-old hypertensive, nondiabetic woman with peritoneal mesothelioma.", "diabetes", "absent"),
        ("Ultrasound on the right neck demonstrated a complete thrombosis of the right internal jugular vein.", "dvt", "present"),
        ("PMH:  Portal vein thrombosis in 2015.", "dvt", None),
        ("PAST MEDICAL HISTORY:  Dementia, asthma, hypothyroidism, schizophrenia.", "depression", "present"),
        ("The colonoscopy showed a few scattered aphthous ulcers in the ascending and descending colon, consistent with Crohn's disease.", "stomatitis", None),
        ("She has had recurrent aphthous ulcers of the tongue and glossitis.", "stomatitis", "present"),
        ("He thinks he has lost a few pounds but has not been weighing himself to determine the exact amount of weight loss.", "weight_loss", "present"),
        ("She is at increased risk for future complications given her history, and weight loss will be a good option.", "weight_loss", None),
        # weight lost and regained is a diet's, not the finding
        ("He has dieted many times; his largest weight loss was 40 pounds, and he gained it all back within a year.", "weight_loss", None),
        ("Complications such as gallstones from rapid weight loss were also discussed with her.", "weight_loss", None),
        ("Follow-up visit: she reports feeling much better since she has lost weight.", "weight_loss", None),
        ("PAST MEDICAL/BIRTH HISTORY: , Born at term.  There were no complications during pregnancy such as diabetes or hypertension.", "diabetes", None),
        # "otherwise negative" covers the systems not named, not the ones just listed
        ("REVIEW OF SYSTEMS:  Has had poor feeding, has had loose stools and diarrhea, otherwise negative on the 10 systems reviewed.", "diarrhea", "present"),
        ("REVIEW OF SYSTEMS:  At present he is negative any fevers, chills, nausea or diarrhea.", "diarrhea", "absent"),
        # the block of a disease's signs ends at the next heading
        ("SIGNS AND SYMPTOMS:,*  Itchy feet.,*  Diarrhea.,HISTORY OF PRESENT ILLNESS:,  She has had diarrhea for two weeks.", "diarrhea", "present"),
        # "in regards to symptoms of X" names the topic the next words answer
        ("In regards to symptoms of depression, she denied symptoms of depression, noting that she is unhappy only on school days.", "depression", "absent"),
        ("With regard to signs of anemia, she denies fatigue and her hemoglobin was normal.", "anemia", None),
    ],
)
def test_finding_wording_of_general_notes(record_of: Record, note: str, key: str, status: str | None) -> None:
    assert getattr(record_of(note).findings, key) == status


@pytest.mark.parametrize(
    ("note", "key"),
    [
        ("There is concern for diabetes given her weight gain.", "diabetes"),
        ("She is on a weight loss medication, phentermine, since March.", "weight_loss"),
        ("Watch for CNS depression with the opioid; bone marrow depression from chemotherapy.", "depression"),
        # a sleep study's recommendations, a patient-information sheet's symptom list
        ("SUMMARY: , Weight loss, PFTs if not done and CPAP with nasal mask at 11 cm H2O.", "weight_loss"),
        ("OTITIS MEDIA is an infection of the middle ear space.,SIGNS AND SYMPTOMS:,*  Ear pain.,*  Fever.,*  Vomiting.,*  Diarrhea.,TREATMENT:,*  Pain relievers.", "diarrhea"),
        # a dent in the skull, a newborn's poor tone at birth
        ("The old reservoir was removed; a right subtemporal depression was noted over the craniotomy site.", "depression"),
        ("Apgars were 4 and 8; initial neonatal depression responded to bag-mask ventilation.", "depression"),
    ],
)
def test_not_the_finding(record_of: Record, note: str, key: str) -> None:
    assert getattr(record_of(note).findings, key) is None


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
    # the operation restaged the tumour: every part from the postoperative staging
    assert record.tnm is not None and (record.tnm.t, record.tnm.n, record.tnm.m) == ("T4a", "N3", "M1")


def test_a_single_staging_keeps_its_parts_and_a_stage_named_later_fills_in(record_of: Record) -> None:
    record = record_of(
        "PREOPERATIVE DIAGNOSIS:  Carcinoma of the sigmoid colon, T3 N1 M0.,POSTOPERATIVE DIAGNOSIS:  Same.,"
        "PATHOLOGY:  Adenocarcinoma, stage IIIB."
    )
    assert record.tnm is not None and (record.tnm.t, record.tnm.n, record.tnm.m, record.tnm.stage) == ("T3", "N1", "M0", "IIIB")


def test_stage_iv_disease_is_not_no_metastasis(record_of: Record) -> None:
    record = record_of(
        "He has now been diagnosed with a new non-small cell lung cancer stage IV metastatic disease.  "
        "MRI of the brain: there is no evidence of cerebral metastasis."
    )
    assert record.metastasis_sites is None


def test_bone_metastases_named_by_the_bone_outweigh_a_clear_scan(record_of: Record) -> None:
    # femurs, spine and ribs are bones; a later "no recurrent metastatic disease" on one scan
    # does not undo metastases the note states
    note = (
        "HISTORY:  Breast cancer diagnosed in 2009 with metastasis in both femurs and her upper thoracic spine.  "
        "INVESTIGATIONS:  CT of the chest showed no evidence of recurrent metastatic disease."
    )
    assert record_of(note).metastasis_sites == ["bone"]


def test_a_suspected_metastasis_beside_a_negated_one_is_not_none(record_of: Record) -> None:
    # no local spread, but distant spread suspected: the note does not state "no metastasis"
    note = (
        "HISTORY:  Papillary thyroid carcinoma, status post total thyroidectomy.  "
        "FINDINGS:  No evidence of locoregional metastasis.  Uptake in the right lung base is suspicious for distant metastasis."
    )
    assert record_of(note).metastasis_sites is None
    # a node count still states none
    assert record_of(note + "  Neck dissection: 0/14 lymph nodes positive.").metastasis_sites == []


def test_a_cystic_pancreatic_lesion_is_not_the_tumour(record_of: Record) -> None:
    # the lesion is called cystic in the findings and, by "this", in the impression
    note = (
        "CT ABDOMEN AND PELVIS:,FINDINGS:,A 2.2 x 1.8 cm low attenuation cystic lesion appears to be originating off of the tail of the pancreas.  "
        "No pancreatic ductal dilatation is seen.,IMPRESSION:,1.  A 2.2 cm low attenuation lesion is seen at the pancreatic tail.  "
        "This is felt to be originating from the pancreas, a cystic pancreatic neoplasm must be considered and close interval followup is advised."
    )
    record = record_of(note)
    assert (record.tumor_location, record.tumor_size_cm) == ([], None)
    solid = record_of("CT ABDOMEN:,FINDINGS:,A 3.5 cm hypervascular mass is seen in the pancreatic tail.,IMPRESSION:,Pancreatic neuroendocrine tumour.")
    assert (solid.tumor_location, solid.tumor_size_cm) == (["tail"], [3.5])
