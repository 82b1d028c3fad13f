"""Clinical parsers and context helpers on realistic phrases (pure functions, no spaCy)."""

from __future__ import annotations

import pytest

from extractor.parsing import clinical
from extractor.parsing.context import SpanContext, in_risk_discussion


def _risk(sentence: str, target: str, preceding: str = "") -> bool:
    start = sentence.index(target)
    return in_risk_discussion(sentence, start, start + len(target), preceding)


@pytest.mark.parametrize(
    ("sentence", "target", "preceding", "expected"),
    [
        ("The risks include bleeding, infection, DVT, PE and death.", "DVT", "", True),
        ("Risks and benefits were discussed, including infection, nerve damage, paralysis and death.", "death", "", True),
        ("Pain, bleeding and deep vein thrombosis were discussed as possible complications.", "deep vein thrombosis", "", True),
        ("6.  Deep venous thrombosis.", "Deep venous thrombosis",
         "The risks of the procedure include but are not limited to:,1.  Infection.,2.  Bleeding.,", True),
        # risk factors, actual complications and a list that has ended are the patient's
        ("Ongoing risks including current smoking, diabetes, hypertension.", "diabetes", "", False),
        ("Coronary risk factors include diabetes and smoking.", "diabetes", "", False),
        ("COMPLICATIONS:  DVT.", "DVT", "", False),
        ("The patient developed a DVT on day 4 despite mobilisation and stockings.", "DVT",
         "Risks include:,1.  Bleeding.,HOSPITAL COURSE:  Uneventful at first.,", False),
    ],
)
def test_risk_discussion(sentence: str, target: str, preceding: str, expected: bool) -> None:
    assert _risk(sentence, target, preceding) is expected


def _ctx(sentence: str, match: str, value: object = None, following: str = "", section: str | None = None, head: str = "") -> SpanContext:
    start = sentence.index(match)
    return SpanContext(match, sentence, start, start + len(match), section, value, None, head or sentence, "", following)


@pytest.mark.parametrize(
    ("sentence", "match", "following", "expected"),
    [
        ("Overall, he is doing well.", "is doing well", "He has a good energy level.", ("alive", "male")),
        ("In the meantime, she is doing quite well, and she was advised to continue.", "doing quite well", "", ("alive", "female")),
        ("Mom says he has been doing well since last seen.", "doing well", "", ("alive", "male")),
        ("A has been doing well with just Plaquenil alone.", "doing well", "", ("alive", None)),
        ("The patient since her last visit has done relatively well.", "done relatively well", "", ("alive", None)),
        ("The disease is now in the final stage, his general condition is poor.", "general condition is poor", "", ("alive", "male")),
        ("Now symptom-free x 11 months on SSA + everolimus.", "Now symptom-free", "", ("alive", None)),
        ("She remains on lanreotide with stable disease at 18 months.", "with stable disease", "", ("alive", "female")),
        # not the patient's state at a follow-up
        ("The patient is very well known to our service.", "is very well", "", None),
        ("In general, she is well developed, well nourished.", "is well", "", None),
        ("She is well groomed and pleasant.", "is well", "", None),
        ("The abdominal incision is well healed.", "is well", "", None),
        ("This baby was doing well, and then we had an increasing oxygen requirement.", "doing well", "", None),
        ("Baby is doing well.", "is doing well", "", None),
        ("He was doing well until about 2 days prior to admission.", "doing well", "", None),
        ("He was followed in our clinic and has been doing well.", "doing well", "However last night, he woke with chest pain.", None),
        ("Other issues seem to be doing pretty well.", "doing pretty well", "", None),
        ("2.  Depression, doing well.", "doing well", "", None),
        ("The patient is doing well in school.", "doing well", "", None),
        ("She was discharged home in good condition and is doing well.", "is doing well", "", None),
        ("She has taken the quiz and done fairly well.", "done fairly well", "", None),
        ("Her mother is alive and well.", "alive", "", None),
    ],
)
def test_alive_is_the_patients_state_at_a_follow_up(sentence: str, match: str, following: str, expected: tuple | None) -> None:
    value = clinical.parse_vital(_ctx(sentence, match, "alive", following))
    assert (None if value is None else (value["status"], value["pronoun"])) == expected


@pytest.mark.parametrize(
    ("sentence", "match", "expected"),
    [
        ("She died 9/24/92 of cervical cancer.", "died", ("deceased", "female")),
        ("The patient expired on the morning of 12/24/08 from acute respiratory failure.", "expired", ("deceased", None)),
        ("He later expired.", "expired", ("deceased", "male")),
        ("CAUSE OF DEATH: Asphyxia by strangulation.", "DEATH", ("deceased", None)),
        ("Cause of death of this six year old female is asphyxia.", "death", ("deceased", None)),
        # another person's death, a risk, an expired licence
        ("His mother was diagnosed with colon cancer in her 50s, but she died of cancer of the esophagus.", "died", None),
        ("He says a couple of friends of his have had heart attacks and have had died.", "died", None),
        ("She had a nervous breakdown in 1975 after the death of her husband.", "death", None),
        ("Untreated pre-eclampsia can result in a stroke, death of baby and death of mother.", "death", None),
        ("Complications such as death and paralysis are rare.", "death", None),
        ("She discovered that his license had been expired for about a year.", "expired", None),
    ],
)
def test_deceased_is_the_patients_death(sentence: str, match: str, expected: tuple | None) -> None:
    value = clinical.parse_vital(_ctx(sentence, match, "deceased"))
    assert (None if value is None else (value["status"], value["pronoun"])) == expected


@pytest.mark.parametrize(
    ("sentence", "match", "preceding", "expected"),
    [
        ("He has lost about 20 pounds of weight over the past two months.", "lost about 20 pounds", "", True),
        ("ASSESSMENT:  1.  Unintentional weight loss despite a good diet.", "Unintentional weight loss", "", True),
        ("She denies weight loss.", "weight loss", "", True),
        # advised, intended or the aim of a diet, a drug or an operation
        ("Encouraged weight loss.", "weight loss", "", None),
        ("Underwent preop Medifast induced weight loss in anticipation of elective bariatric surgery.", "weight loss", "", None),
        ("He has tried multiple different weight loss diets and programs.", "weight loss", "", None),
        ("She is on the diet and has lost several pounds in the last several months.", "lost several pounds", "", None),
        ("He has lost about 200 pounds and was otherwise doing well until yesterday.", "lost about 200 pounds",
         "The patient is a 28-year-old, who is status post gastric bypass surgery nearly one year ago.  ", None),
    ],
)
def test_weight_loss_is_unintended(sentence: str, match: str, preceding: str, expected: bool | None) -> None:
    start = sentence.index(match)
    ctx = SpanContext(match, sentence, start, start + len(match), None, None, None, "", preceding)
    assert clinical.parse_weight_loss(ctx) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This patient presents today because he has not been feeling well.  He was in for a physical.", "male"),
        ("She has pain in her right hand.  She is worried about carpal tunnel.", "female"),
        # relatives, babies and clinicians are other people; template wording is no one
        ("He has knee pain.  His mother says she has arthritis too.  He plays football.", "male"),
        ("Her father was seen.  Dr. X examined him and he was fine.", None),
        ("Please ask him/her to return.  S/he should bring his/her films.", None),
        # one pronoun is not enough; mixed use without a clear majority decides nothing
        ("The tendon was resected from his osseous attachments.", None),
        ("She says it hurts.  She walks daily.  He drove her here.  He waits outside.", None),
        ("She reports pain.  She has fever.  She has a cough.  She is tired.  He is her husband's friend.", "female"),
    ],
)
def test_pronoun_sex(text: str, expected: str | None) -> None:
    found = clinical.pronoun_sex(text)
    assert (found[0] if found else None) == expected
    if found:
        assert text[found[1] : found[2]].lower() in ("he", "she", "his", "her", "him", "hers")


def test_a_discharge_summarys_doing_well_is_the_hospital_stay() -> None:
    sentence = "Postoperatively, the patient has done well."
    head = "DISCHARGE SUMMARY\nADMISSION DATE: 04/01/2007\nHOSPITAL COURSE: Total vaginal hysterectomy."
    assert clinical.parse_vital(_ctx(sentence, "done well", "alive", head=head)) is None
    # a lasting state stated in an operative note is still the patient's
    sentence = "He underwent therapy 18 years ago and he was declared free of disease since that time."
    head = "PREOPERATIVE DIAGNOSIS: Bilateral axillary masses.  PROCEDURE PERFORMED: Left axillary dissection."
    assert clinical.parse_vital(_ctx(sentence, "declared free", "alive", head=head)) is not None


@pytest.mark.parametrize(
    ("sentence", "word", "sex"),
    [
        ("This is a pleasant gentleman who presents with abdominal pain.", "gentleman", "male"),
        ("She is a well-developed, well-nourished, elderly female in no distress.", "female", "female"),
        ("Pregnant female with nausea, vomiting, and diarrhea.", "female", "female"),
        # the organ, a relative or the clinician: no sex of the patient
        ("GU:  Normal male external genitalia.", "male", None),
        ("The woman's husband reports the rash began in May.", "woman", None),
        ("Tattoos: the Holy Bible; the naked torso of a woman.", "woman", None),
    ],
)
def test_sex_words_need_a_determiner_or_an_adjective_of_the_patient(sentence: str, word: str, sex: str | None) -> None:
    value = clinical.parse_age_sex(_ctx(sentence, word, "noun"))
    assert (value["sex"] if value else None) == sex


def test_a_skin_tumours_biopsy_is_not_the_rashs() -> None:
    sentence = "Punch biopsy of the pigmented lesion on the back was negative for malignancy (compound nevus)."
    assert clinical.parse_skin_biopsy(_ctx(sentence, "Punch biopsy")) is None
    sentence = "Punch biopsy of the rash was negative for NME; spongiotic dermatitis."
    assert clinical.parse_skin_biopsy(_ctx(sentence, "Punch biopsy")) is False
