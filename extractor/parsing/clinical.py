"""Clinical values: age and sex, first department, skin biopsy, durations, outcome."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import cache
from typing import Any

from extractor.parsing.context import SpanContext, folded_regex, vocab_regex, vocab_regexes
from extractor.parsing.numbers import duration_in_days, duration_in_months
from extractor.lexicon import concept_finder
from extractor.parsing.treatment import names_tumour
from extractor.regex_tools import finditer_each, matches_from_openers, opener_table
from extractor.resources import vocabulary

_FEMALE = re.compile(r"\b(?:woman|female|lady|girl|f|mrs|ms|miss|[rl]hf)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(?:man|male|gentleman|boy|m|mr|[rl]hm)\b", re.IGNORECASE)
# necrolytic acral erythema (hepatitis C) is another disease, not NME; a faxed report may
# print its short word with a digit ("acra1"), which the reading layer leaves as written
_NECROLYTIC = r"necrolytic(?!\s+acra[l1]\b)"
_NME_TERMS = re.compile(rf"{_NECROLYTIC}|\bNME\b|glucagonoma", re.IGNORECASE)
_NME_POSITIVE = re.compile(
    r"consistent\s+with|c/w|compatible\s+with|diagnostic\s+of|typical\s+of|characteristic\s+of|confirm\w*|showed|shows|demonstrat\w*|reveal\w*|in\s+keeping\s+with|suggestive\s+of|supportive\s+of|features\s+of|:",
    re.IGNORECASE,
)
_IMPROVED_NOT = re.compile(
    r"did\s+not|\bnot\b|n't\b|failed\s+to|never|no\s+(?:\w+\s+)?(?:improvement|response)|without\s+(?:\w+\s+)?(?:improvement|response)|persist|worsen|progress|remained\s+(?:active|unchanged)",
    re.IGNORECASE,
)


def parse_age_sex(ctx: SpanContext) -> dict[str, Any] | None:
    """{"age": int|None, "sex": "female"|"male"|None, "at_diagnosis": bool}."""
    text = ctx.text
    if ctx.rule_value == "noun" and not (vocab_regex("sex_noun_before").search(ctx.before) or vocab_regex("sex_noun_after").match(ctx.after)):
        return None  # "a pleasant gentleman", "Pregnant female", "Female patient": not "male genitalia", "woman's husband"
    if re.fullmatch(r"\d{1,3}[\s-]*(?:years?|yrs?|months?|mos?|weeks?|days?)", text.strip(), re.IGNORECASE):
        return None  # "diagnosed 2 years ago": a duration, not an age
    age_match = re.search(r"(?<![A-Za-z0-9])\d{1,3}(?!\d)", text)  # not the digits of an id ("Mr T002")
    age = int(age_match.group()) if age_match else None
    if age is not None and re.match(r"\s*-?\s*(?:months?|mos?|weeks?|days?)\b", text[age_match.end() :], re.IGNORECASE):
        age = None  # an infant's age in months or days: no age in years to report
    if age is not None and not 0 < age < 110:
        age = None
    rest = text[age_match.end() :] if age_match else text
    sex = None
    if re.search(r"sex|gender", text, re.IGNORECASE):
        rest = re.split(r"[:=]", text, maxsplit=1)[-1]
    # "63-year-old man" names the sex after the age, "Woman of 44 years" before it
    for words in (rest, text[: age_match.start()] if age_match else ""):
        if _FEMALE.search(words):
            sex = "female"
        elif _MALE.search(words):
            sex = "male"
        if sex:
            break
    if re.fullmatch(r"\s*\d{1,3}\s*", rest) and age is None:
        return None
    if age is None and sex is None:
        return None
    reading = {"age": age, "sex": sex, "at_diagnosis": False}
    lead = ctx.before[-60:] + text
    diagnosed = None
    for diagnosed in re.finditer(r"diagnos", lead, re.IGNORECASE):
        pass
    if diagnosed is not None and age is not None:
        # "glucagonoma diagnosed at the age of 44" is the tumour's; "diagnosed with bursitis
        # at age 23" another disease's, and that age is no age at the tumour's diagnosis
        clause = re.split(r"[.;]", lead[max(0, diagnosed.start() - 50) :])[-1]
        if names_tumour(clause):
            reading["at_diagnosis"] = True
        else:
            reading["other_diagnosis"] = True
    return reading


def parse_weight_loss(ctx: SpanContext) -> bool | None:
    """True for the finding (unintended weight loss); None for weight loss that is advised,
    intended or the aim of a diet, drug or bariatric operation ("encouraged weight loss",
    "Medifast induced weight loss", "multiple weight loss programs", "lost 200 pounds after
    gastric bypass")."""
    rules = vocab_regexes("weight_loss")
    if rules["unintended"].search(ctx.sentence):
        return True
    if rules["intended"].search(ctx.sentence) or rules["bariatric_before"].search(ctx.preceding[-200:]):
        return None
    return True


# the punctuation first, so the scan is a character search; titles do not end a sentence
_UNIT_END = re.compile(r"[.!?;](?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)(?<!\bmrs\.)(?<!\bvs\.)(?:\s+|,(?=\S))|\n")
# every unit end opens with one of these (re tries a pattern opening with a character class
# at every character of the note)
_UNIT_END_OPENERS = opener_table(".!?;\n")


def _unit_ends(text: str) -> list[int]:
    """Where each ``_UNIT_END`` match starts."""
    return [match.start() for match in matches_from_openers(_UNIT_END, text, _UNIT_END_OPENERS)]


@cache
def _pronoun_rules() -> tuple[tuple[re.Pattern[str], ...], dict[str, str], re.Pattern[str], int, int]:
    rules = vocabulary()["sex_pronouns"]
    sex_of = {word: sex for sex in ("female", "male") for word in rules[sex]}
    # "he/she", "his/her", "s/he": a template's wording, no one's sex. The patterns run on
    # the lower-cased note (without IGNORECASE, several times faster), one a first letter:
    # led by the letter, re scans for it fast; led by the lookbehind that starts a word, it
    # was tried at every character (half of this function's cost). Each pattern keeps
    # the longest-first order, and matches are whole words, so none overlaps another's.
    longest_first = sorted(sex_of, key=len, reverse=True)
    words = tuple(
        folded_regex(
            rf"{re.escape(letter)}(?<![/\w]{re.escape(letter)})"
            rf"(?:{'|'.join(re.escape(word[1:]) for word in longest_first if word[0] == letter)})\b(?!\s*/)"
        )
        for letter in sorted({word[0] for word in longest_first})
    )
    others = folded_regex(rf"{vocabulary()['other_people']}|{rules['other_person']}")
    return words, sex_of, others, int(rules["majority"]), int(rules["min_count"])


def pronoun_sex(text: str) -> tuple[str, int, int] | None:
    """The patient's sex from the pronouns of a note, with the span of the first one counted.

    Only sentences that name no other person (relative, baby, doctor, nurse) are
    counted, and "he/she" template forms never; one sex must be used ``min_count``
    times and be the only one used or outnumber the other ``majority`` to one.
    """
    words, sex_of, others, majority, min_count = _pronoun_rules()
    text = text.lower()
    hits = finditer_each(words, text)
    if not hits:
        return None
    ends = _unit_ends(text)
    counts = {"female": 0, "male": 0}
    first: dict[str, tuple[int, int]] = {}
    about_others: dict[int, bool] = {}
    for hit in hits:
        unit = bisect_left(ends, hit.start())
        if unit not in about_others:
            start = ends[unit - 1] + 1 if unit > 0 else 0
            stop = ends[unit] if unit < len(ends) else len(text)
            about_others[unit] = others.search(text, start, stop) is not None
        if about_others[unit]:
            continue
        sex = sex_of[hit.group(0).lower()]
        counts[sex] += 1
        first.setdefault(sex, (hit.start(), hit.end()))
    female, male = counts["female"], counts["male"]
    if female >= min_count and female > male * majority:
        return "female", *first["female"]
    if male >= min_count and male > female * majority:
        return "male", *first["male"]
    return None


def parse_new_malignancy(ctx: SpanContext) -> bool | None:
    """True for a malignancy the note says was newly diagnosed ("recently diagnosed squamous
    cell carcinoma"): the note was written at the tumour's diagnosis. None for anything
    else newly diagnosed (diabetes, a fracture)."""
    diagnosed = re.split(r"[.;,(]", ctx.after, maxsplit=1)[0][:100]
    # "recently diagnosed with recurrent pneumonia and does have a cancer on the CT": a
    # second verb starts another statement; what was diagnosed ends before it
    diagnosed = _NEXT_CLAUSE.split(diagnosed, maxsplit=1)[0]
    return True if names_tumour(diagnosed) else None


_NEXT_CLAUSE = re.compile(
    r"\b(?:and|but)\s+(?:also\s+)?(?:does|did|do|has|had|have|is|was|were|now|then|presents?|presented|underwent|developed|reports?|states?)\b",
    re.IGNORECASE,
)


# A first contact the note tells without naming a department (a hospital, "their doctor").
ELSEWHERE = "elsewhere"


def parse_department(ctx: SpanContext) -> str | None:
    """The specialty a referral/presentation phrase names as the first one seen."""
    if ctx.rule_value == "self":
        # "this is his first visit for the rash": the department writing the note
        return _department_named(ctx.doc_head)
    if ctx.rule_value == "title":
        return _department_of_title(ctx)
    if ctx.rule_value == "elsewhere":
        # "presented to ABC General Hospital", "saw their primary doctor": care before any
        # department the note names later, so those were not the first (the record drops this value)
        return ELSEWHERE
    if re.match(r"(?:has\s+been\s+|been\s+|is\s+|being\s+)?managed\b", ctx.text, re.IGNORECASE):
        return None  # "pancreatitis, which has been managed by his gastroenterologist": ongoing care, not where it began
    # "referred to endocrinology by dermatology": the 'by/from' side came first
    source = re.split(r"\b(?:by|from)\b", ctx.text, flags=re.IGNORECASE)
    department = _department_named(source[-1] if len(source) > 1 else ctx.text)
    if department is None:
        return None
    if department == "emergency medicine" and not _first_emergency_visit(ctx):
        return None
    first = re.compile(r"\b(?:first|initially|originally)\b", re.IGNORECASE)
    if first.search(ctx.text):
        return department
    if len(source) == 1 and vocab_regex("department_sent_for_treatment_after").match(ctx.after):
        return None  # "is presented to surgery team for resection": sent on for treatment once diagnosed, not the first contact
    if _emergency_rules()["not_this_visit"].search(ctx.sentence):
        return None  # "last seen in rheumatology clinic 4 months ago": a visit, not the first contact
    if _emergency_rules()["visit_verb"].match(ctx.text) and not first.search(ctx.before) and _earlier_care_told(ctx, same_paragraph=True):
        return None  # "hospitalised, biopsied ... She had been seen by a dermatologist": a later step, not the first contact
    return department


def _department_named(text: str) -> str | None:
    """The first department of the lexicon (its order) that ``text`` names."""
    for concept, search in concept_finder("department", "word_start"):
        if search.search(text):
            return concept.record_value
    return None


_TITLE_WORDS = re.compile(r"\b(?:clinic|department|service|ambulatory|consult\w*|outpatients?|unit|opd)\b", re.IGNORECASE)


def _department_of_title(ctx: SpanContext) -> str | None:
    """A note whose title names a department and whose opening says this is the first
    consultation, or how the patient presents or was sent there ("SERVICE OF
    DERMATOLOGY - consult" / "remitted to the dermatology consult for ..."): that
    department is the one first consulted for the complaint."""
    if ctx.sentence.strip()[:40] not in ctx.doc_head:
        return None  # only the opening of the note speaks of the presentation
    lines = [line.strip() for line in ctx.doc_head.splitlines() if line.strip() and not line.startswith("Date:")]
    if not lines:
        return None
    title = lines[0]
    if len(title) > 90 or not (title.isupper() or _TITLE_WORDS.search(title)) or title.rstrip().endswith("."):
        return None
    # the title, or the note's opening ("consulting to our skin clinic")
    department = _department_named(title) or _department_named(ctx.sentence)
    if department == "emergency medicine" and not _first_emergency_visit(ctx):
        return None
    return department


@cache
def _emergency_rules() -> dict[str, re.Pattern[str]]:
    return {key: re.compile(pattern, re.IGNORECASE if key != "heading" else 0) for key, pattern in vocabulary()["emergency_presentation"].items()}


def _first_emergency_visit(ctx: SpanContext) -> bool:
    """An emergency department visit is the first contact for the complaint only when
    the history before it (in the same section) and the sentence itself name no earlier
    care for it, and the visit is not an earlier or repeated one ("seen in the ER one
    month ago", "evaluated in the emergency department recently")."""
    rules = _emergency_rules()
    if _earlier_care_told(ctx):
        return False
    if rules["earlier_care_after"].search(ctx.after + " " + ctx.following):
        return False  # "presented to the ER ... He had gone to an outside clinic the day prior"
    return not rules["not_this_visit"].search(ctx.sentence)


def _earlier_care_told(ctx: SpanContext, *, same_paragraph: bool = False) -> bool:
    """The history before the mention (in the same section, or paragraph) tells care for
    the complaint (seen, treated, hospitalised, biopsied ...) before this visit."""
    rules = _emergency_rules()
    history = ctx.preceding + ctx.before
    if same_paragraph:
        history = history[history.rfind("\n") + 1 :]  # not a heading line such as "Reason for referral: biopsy-proven NME"
    headings = list(rules["heading"].finditer(history))
    if headings:
        history = history[headings[-1].end() :]
    return rules["earlier_care"].search(history) is not None


_SKIN_WORDS = re.compile(
    r"skin|rash|NME|necroly|erythema|lesion|dermat|epiderm|keratinocyt|parakeratosis|spongio|shin|buttock|thigh|groin|perioral|punch",
    re.IGNORECASE,
)


_OTHER_BIOPSY_SITES = re.compile(
    r"\b(?:lymph|nodes?|liver|hepatic|marrow|pancrea\w*|breast|lung|kidney|renal|prostate|bone|colon\w*|gastric|duoden\w*|"
    r"endoscop\w*|needle|FNA|cervi\w+|muscle|nerve|brain|thyroid|rectal|bladder|testi\w+|ovar\w+|endometri\w+|mass)\b",
    re.IGNORECASE,
)
_SKIN_TUMOUR = re.compile(
    r"carcinoma|melanoma|na?evus|nevi|mole|mass|nodule|cyst|tumou?r|malignan|neoplas|keratos|lipoma|lymphoma|sarcoma|dysplas",
    re.IGNORECASE,
)
_RASH_WORDS = re.compile(r"rash|erupt|erythema|dermatitis|dermatos|NME|necroly|plaques|psoria|eczema|spongiotic|pellagra", re.IGNORECASE)
_SKIN_BIOPSY_REPORT = re.compile(r"\b(?:skin|cutaneous|punch|shave|incisional)\s+biops(?:y|ies)\b|\bdermatopatholog", re.IGNORECASE)


def _skin_biopsy_report(ctx: SpanContext) -> bool | None:
    """The diagnosis line of a skin biopsy's pathology report (the report's opening names
    the specimen): NME, or another reading of the rash."""
    if not _SKIN_BIOPSY_REPORT.search(ctx.doc_head):
        return None
    conclusion = ctx.text + ctx.after
    if not re.search(r"[A-Za-z]", ctx.after):
        # "Diagnosis:" alone on its line, the reading on the next: "  Consistent with NME."
        conclusion += " " + re.split(r"\.(?:\s|$)|\n[ \t]*\n", ctx.following, maxsplit=1)[0][:200]
    if re.search(r"not\s+(?:consistent|compatible|diagnostic|typical)|no\s+features\s+of|negative\s+for", conclusion, re.IGNORECASE):
        return False
    if _NME_TERMS.search(conclusion):
        return True
    return False


def parse_skin_biopsy(ctx: SpanContext) -> bool | None:
    """True when the biopsy was read as NME, False when read as something else / non-diagnostic.

    A plain "biopsy" (rule value ``generic``) only counts in a sentence about the skin.
    """
    sentence = ctx.sentence
    after = ctx.after
    if ctx.rule_value == "report":
        return _skin_biopsy_report(ctx)
    if ctx.rule_value == "generic" and not _SKIN_WORDS.search(sentence):
        return None
    if ctx.rule_value == "generic" and _OTHER_BIOPSY_SITES.search(sentence) and not re.search(
        r"skin|rash|NME|necroly|erythema|dermat|epiderm|cutaneous", sentence, re.IGNORECASE
    ):
        return None  # "excisional biopsy of the right groin lymph node": not a skin biopsy
    if re.search(rf"(?:(?:consistent|compatible|in\s+keeping)\s+with|c/w)\s+(?:a\s+|the\s+)?(?:{_NECROLYTIC}|NME)|(?:confirm\w*|prov\w*|diagnostic\s+of)\s+(?:the\s+)?(?:{_NECROLYTIC}|NME)", sentence, re.IGNORECASE) or re.search(
        r"(?:NME|necrolytic\s+migratory\s+erythema)[^.;]{0,20}?biops(?:y|ies)[- ](?:proven|confirmed)|biops(?:y|ies)[- ](?:proven|confirmed)\s+(?:NME|necrolytic)|(?:confirmed|proven)\s+(?:on|by)\s+(?:skin\s+|punch\s+)?biopsy", sentence, re.IGNORECASE
    ):
        if not re.search(r"not\s+(?:consistent|compatible|diagnostic)|no\s+features\s+of", sentence, re.IGNORECASE):
            return True
    if vocab_regex("skin_biopsy_read_as_other").search(after) and not re.search(rf"(?:consistent\s+with|c/w)\s+(?:{_NECROLYTIC}|NME)", after, re.IGNORECASE):
        # a biopsy of the rash read as something else; a biopsy of a skin tumour, mole or
        # nodule ("negative for malignancy") is not the rash's and is not coded
        if _SKIN_TUMOUR.search(sentence) and not _RASH_WORDS.search(sentence):
            return None
        return False
    if _NME_TERMS.search(after) and _NME_POSITIVE.search(after):
        return True
    if _NME_TERMS.search(sentence) and re.search(r"confirm|consistent|diagnos|compatible|typical", sentence, re.IGNORECASE):
        return True
    return None


def parse_duration(ctx: SpanContext) -> float | None:
    """Months from first symptom, from "an 8-month history" / "rash for 2 years"."""
    months = duration_in_months(ctx.text)
    if months is None or months <= 0 or months > 600:
        return None
    if re.search(r"\b(?:diabet|smok|hypertens|alcohol|drink)", ctx.after[:40], re.IGNORECASE):
        return None
    if ctx.rule_value == "for" and not vocab_regex("duration_symptom_before").search(ctx.before):
        return None  # "present for 2 years" of something other than the symptoms
    if ctx.rule_value == "for" and _negated_symptom_before().search(ctx.before):
        return None  # "no diarrhoea for 2 years now", "free of NME for 3 years": time without the symptom
    if ctx.rule_value == "since" and not (vocab_regex("duration_symptom_words").search(ctx.sentence) and not re.search(r"\b(?:diabet|smok|hypertens|alcohol|drink|insulin|metformin|married|work)", ctx.sentence, re.IGNORECASE)):
        return None  # "since two years" (non-native "for two years") of the rash, not of anything else
    return months


@cache
def _negated_symptom_before() -> re.Pattern[str]:
    words = vocabulary()
    return re.compile(f"(?:{words['duration_negation_before']})(?:{words['duration_symptom_before']})", re.IGNORECASE)


_TUMOUR_TREATMENT = re.compile(
    r"surg\w*|resect\w*|operat\w*|pancreatectom\w*|whipple|enucleat\w*|metastasectom\w*|octreotide|lanreotide|sandostatin|"
    r"somatuline|pasireotide|somatostatin|\bSSAs?\b|everolimus|sunitinib|streptozo\w*|dacarbazine|\bDTIC\b|temozolomide|"
    r"capecitabine|chemotherap\w*|\bPRRT\b|lutetium|embolis\w*|emboliz\w*|ablation|glucagonoma|insulinoma|gastrinoma|"
    r"neuroendocrine|\bp?NET\b|islet|tumou?r",
    re.IGNORECASE,
)


_LATER_CHANGE = re.compile(
    r"\b(?:and|then|but)\s+(?:(?:was|were|had|has|is|became)\s+)?(?:(?:been|then)\s+)?(?:completely|fully|totally|entirely)\s+"
    r"(?:resolv\w*|clear\w*|heal\w*|disappear\w*|gone)",
    re.IGNORECASE,
)
_UNTIMED_ONSET = re.compile(r"\b(?:soon|shortly|immediately|promptly|rapidly|quickly|within\s+(?:days|hours))\b", re.IGNORECASE)


@cache
def _ordinal_day_pattern() -> re.Pattern[str]:
    words = "|".join(sorted(vocabulary()["ordinal_words"], key=len, reverse=True))
    return re.compile(rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)|({words}))\s+post-?op(?:erative)?\s+day\b", re.IGNORECASE)


def _ordinal_day(text: str) -> float | None:
    """"on the fourth postoperative day", "the 3rd post-op day": the day's number."""
    match = _ordinal_day_pattern().search(text)
    if match is None:
        return None
    return float(match.group(1)) if match.group(1) else float(vocabulary()["ordinal_words"][match.group(2).lower()])


def parse_improvement(ctx: SpanContext) -> dict[str, Any] | None:
    """{"improved": bool, "days": days after surgery or None}.

    The rash or NME speaks for itself; other symptoms ("symptoms", "episodes",
    "diarrhoea") count only beside the tumour or its treatment in the sentence:
    "treated with cabergoline with resolution of symptoms" is a pituitary adenoma's."""
    if not re.search(r"rash|NME|skin|erythema|eruption|lesion|plaque|erosion|necrolytic|cutaneous", ctx.text, re.IGNORECASE):
        # the treatment may be told in the sentence before ("TACE, then streptozotocin. Hypoglycemia relieved.")
        if not (_TUMOUR_TREATMENT.search(ctx.sentence) or vocab_regex("tumour_treatment_told_before").search(ctx.preceding[-160:])):
            return None
    if re.search(r"\bsince\s+(?:the\s+|his\s+|her\s+)?\w+$", ctx.text) and not vocab_regex("none_since_before").search(ctx.before):
        return None  # "no further hypoglycaemia since the operation" says it stopped; "had hypoglycaemia since ..." does not
    improved = not _IMPROVED_NOT.search(ctx.text)
    if not improved and vocab_regex("skin_disease_treatment").search(ctx.sentence) and not _TUMOUR_TREATMENT.search(ctx.sentence):
        return None  # "an eruption that has not responded to steroids": a failed treatment of a mistaken skin diagnosis says nothing of the syndrome's response
    days = None
    # days_to_improvement is about the rash; diarrhoea settling is not timed here
    skin = re.search(r"rash|NME|skin|erythema|eruption|lesion|plaque|erosion|necrolytic", ctx.text, re.IGNORECASE)
    if improved and skin:
        tail = ctx.sentence[ctx.end : ctx.end + 80]
        later = _LATER_CHANGE.search(tail)
        if later and _UNTIMED_ONSET.search(tail[: later.start()]):
            # "began to abate soon after surgery and was completely resolved 3 months later":
            # the first improvement has no number; the number times the complete clearing
            return {"improved": improved, "days": None}
        lead = ctx.sentence[max(0, ctx.start - 60) : ctx.start]
        # "Glucagonoma removed; within a week ...", "resected; the rash settled over the following 10 days"
        if re.search(r"surgery|resect\w*|excis\w*|removed|enucleat\w*|operation|procedure|whipple|pancreatectomy|operative|postop|post-op|POD", tail + lead, re.IGNORECASE):
            pod = re.search(
                r"(?:POD|post-?operative\s+day|post-?op\s+day|(?:by|on|at)\s+day)\s*#?\s*(\d+)", tail + " " + lead, re.IGNORECASE
            )
            days = float(pod.group(1)) if pod else _ordinal_day(tail + " " + lead) or duration_in_days(tail) or duration_in_days(lead)
    return {"improved": improved, "days": days}


_AUXILIARIES = re.compile(
    r"(?:\b(?:is|are|was|were|has|have|had|been|be|being|continues?|continued|to|seems?|seemed|appears?|appeared|remains?|"
    r"remained|looks?|feels?|felt|says?|said|states?|stated|reports?|reported|doing|done|does|also|all|both|still|now|"
    r"currently|otherwise|overall|generally|clinically|apparently|reportedly|really|quite|very|fairly|pretty|"
    r"relatively|reasonably|extremely|remarkably|so|like|that|later|then|soon|thereafter|afterwards|\w+ly)\b[\s,]*)+$",
    re.IGNORECASE,
)
_FIRST_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|remains?|remained|continues?|stays?|now|currently)\b", re.IGNORECASE)
_SENTENCE_OPENERS = {"the", "a", "an", "this", "overall", "currently", "today", "now", "at", "in", "since", "clinically", "otherwise", "generally"}


@cache
def _vital_rules() -> dict[str, Any]:
    rules = vocabulary()["vital_status"]
    compiled: dict[str, Any] = {k: re.compile(v, re.IGNORECASE) for k, v in rules.items() if isinstance(v, str)}
    compiled["pronouns"] = rules["pronouns"]
    compiled["other_people"] = re.compile(vocabulary()["other_people"], re.IGNORECASE)
    return compiled


def _subject(before: str) -> str | None:
    """The subject word of the verb that ends ``before`` (lower case), "" when the
    sentence starts with the verb ("Doing well."), None when it cannot be told."""
    stripped = _AUXILIARIES.sub("", before).rstrip(" ,")
    words = re.findall(r"[A-Za-z][A-Za-z'.]*", stripped)
    if not words:
        return ""
    listed = re.fullmatch(r"\W*(?:\d+[.)]\s*)?([A-Za-z][\w'-]*(?:\s+[\w'-]+){0,3}),\s*", before)
    if listed and listed.group(1).split()[0].lower() not in _SENTENCE_OPENERS | {"otherwise", "overall"}:
        return listed.group(1).split()[-1].lower()  # "2.  Depression, doing well.": the condition is
    last = words[-1].rstrip(".").lower().removesuffix("'s")
    if last in ("and", "but", "or"):
        # "He was seen in clinic and is doing well": the subject of the sentence's first verb
        verb = _FIRST_VERB.search(before)
        head = [w.rstrip(".").lower() for w in re.findall(r"[A-Za-z][A-Za-z'.]*", before[: verb.start()] if verb else before)]
        head = [w for w in head if w not in _SENTENCE_OPENERS]
        if not head:
            return ""
        return head[-1] if verb else head[0]
    if last in ("who", "that", "which") and len(words) > 1:
        return words[-2].rstrip(".").lower()
    if len(words[-1]) == 1 and words[-1].isupper():
        return "x"  # an anonymised name ("A has been doing well")
    return last


def _first_clause(before: str) -> str:
    """The words up to the first verb of ``before``: "He remains on lanreotide" -> "He remains"."""
    verb = _FIRST_VERB.search(before)
    return before[: verb.end()] if verb else before


def _about_the_patient(before: str, rules: dict[str, Any]) -> tuple[bool, str | None]:
    """(the verb ending ``before`` has the patient for its subject, the subject's sex when
    it is a pronoun). Another person named earlier in the sentence makes a pronoun theirs
    ("His mother ..., but she died"), unless that person only reports ("Mom says he ...")."""
    # "Followed up since then: remains free of recurrence": a follow-up lead-in, then the verb
    subject = "" if rules["state_lead_in"].search(before) else _subject(before)
    if subject is None:
        return False, None
    other = None
    for other in rules["other_people"].finditer(before):
        pass
    if other is not None:
        reporting = re.match(r"\W*(?:\w+\W+){0,2}?(?:says|said|reports?|reported|states?|stated|notes?|noted|feels|felt|thinks|tells|told)\b", before[other.end():], re.IGNORECASE)
        if not reporting or subject in ("", "x"):
            return False, None
    if subject in ("", "x"):
        return True, None
    if rules["patient_subject"].match(subject):
        return True, rules["pronouns"].get(subject)
    # a name ("Ms. Smith is doing well"): a capitalised word that is not a thing
    words = re.findall(r"[A-Za-z]+", before)
    if words and words[-1][0].isupper() and not rules["not_the_patient_state"].search(before[-40:]):
        return True, None
    # "The patient since her last visit has done well": the patient named earlier in the clause
    named = None
    for named in re.finditer(r"\b(?:the\s+patient|patient|pt|he|she)\b", before, re.IGNORECASE):
        pass
    if named is not None:
        rest = _AUXILIARIES.sub("", before[named.end() :])
        if re.fullmatch(r"[\s,]*(?:(?:since|in|at|after|during|for|over|from|on|until)\b[^,;]{0,40})?[\s,]*", rest):
            return True, rules["pronouns"].get(named.group(0).lower())
    return False, None


def _before_an_event(ctx: SpanContext, rules: dict[str, Any]) -> bool:
    """The state is told as it was before something happened ("doing well until two days
    ago", "... However, last night ...")."""
    return bool(
        rules["before_event"].search(ctx.after[:60])
        or rules["next_sentence_event"].search(ctx.following)
        # "She has been doing well.  They put her on ointment.  However today, ...": two sentences on
        or rules["later_sentence_event"].search(ctx.following)
    )


def _alive_value(pronoun: str | None) -> dict[str, Any]:
    return {"status": "alive", "survival_months": None, "pronoun": pronoun}


def _alive(ctx: SpanContext, rules: dict[str, Any]) -> dict[str, Any] | None:
    """A statement of the patient's state at a follow-up, or None.

    Not "well known / developed / healed / controlled"; not a state before an event
    ("doing well until two days ago", "was doing well", "However, last night ...");
    not a discharge or in-hospital condition; not another person's or a thing's state.
    """
    if re.search(r"\bwell$", ctx.text, re.IGNORECASE) and not rules["well_followed_by"].search(ctx.after):
        return None
    if _before_an_event(ctx, rules):
        return None
    if rules["past_state"].search(ctx.before[-40:] + ctx.text) or rules["past_state_clause"].search(ctx.before):
        # "had been on medical therapy at home and generally doing well": the state before this illness
        return None
    if ctx.section == "physical_exam" and rules["exam_appearance"].search(ctx.before[-25:] + ctx.text):
        return None  # "appears pale, but otherwise looks well": the examiner's impression, not a follow-up
    how_doing = re.search(r"(?:\bwell|\bcondition\b.*)$", ctx.text, re.IGNORECASE)
    if rules["in_hospital"].search(ctx.sentence) or (how_doing and rules["inpatient_note"].search(ctx.doc_head)):
        # a discharge summary's or operative note's "doing well" is the hospital stay, not a follow-up
        return None
    if how_doing and rules["consult_note"].search(ctx.doc_head) and not rules["follow_up_note"].search(ctx.doc_head):
        return None  # a first consultation's "she is feeling well today": no follow-up yet, the state before care
    if re.match(r"\s*(?:in|at)\s+(?:school|work|class|college|kindergarten|sports?)\b", ctx.after, re.IGNORECASE):
        return None  # how the patient is doing at school, not the patient's health
    if rules["tumour_state_on_treatment"].match(ctx.text) and not rules["other_people"].search(ctx.before):
        # "glucagonoma, stable disease on octreotide": the tumour's state is the subject, told of a
        # patient followed up on treatment
        return _alive_value(None)
    if re.search(r"(?:\bwell|\balive|\bcondition\b.*)$", ctx.text, re.IGNORECASE):
        patient, pronoun = _about_the_patient(ctx.before, rules)
    else:
        # "remains on lanreotide with stable disease", "now symptom-free": the sentence's subject
        patient, pronoun = _about_the_patient(_first_clause(ctx.before), rules)
    if not patient:
        return None
    return _alive_value(pronoun)


_NOT_NOW_SECTIONS = frozenset({"pmh", "psh", "family_history", "social_history", "ros"})


def _titled_as_report(doc_head: str) -> bool:
    """The note's title line (after a "Date:" line) names an imaging or pathology report."""
    title = next((line for line in doc_head.splitlines() if line.strip() and not line.startswith("Date:")), "").lower()
    return bool(folded_regex(vocabulary()["imaging_doc_words"]).search(title) or folded_regex(vocabulary()["pathology_doc_words"]).search(title))


def _follow_up_state(ctx: SpanContext, rules: dict[str, Any]) -> dict[str, Any] | None:
    """"No recurrence found", "the patient is asymptomatic": the patient's state only when
    said at a follow-up (the note is one, or the sentence says when: "5 yrs post op",
    "Control November 2001:"); never a history line ("breast cancer 1992, no recurrence"),
    an imaging or pathology report's finding, or a state before a later event."""
    if ctx.section in _NOT_NOW_SECTIONS:
        return None
    follow_up_note = rules["follow_up_note"].search(ctx.doc_head) is not None
    if ctx.report_kind in ("imaging", "pathology") and (_titled_as_report(ctx.doc_head) or not follow_up_note):
        # a report's finding; a follow-up visit's note that only quotes a CT ("Hx: ... CT: mass") is no report
        return None
    if not (follow_up_note or rules["follow_up_when"].search(ctx.sentence)):
        return None
    if _before_an_event(ctx, rules):
        return None
    pronoun = None
    if not ctx.text.lower().startswith(("no", "without")):
        # "no recurrence", "imaging without signs of recurrence" say the patient's state themselves
        patient, pronoun = _about_the_patient(ctx.before, rules)
        if not patient:
            return None
    return _alive_value(pronoun)


def _deceased(ctx: SpanContext, rules: dict[str, Any]) -> dict[str, Any] | None:
    """A stated death of the patient, or None (a risk, a statistic, another person's death)."""
    word = ctx.text.lower()
    sentence = ctx.sentence
    if re.search(r"\bleading\s+cause|\bdeath\s+rates?\b|\bmortality\b", sentence, re.IGNORECASE) and not re.search(r"\bdied\b|passed\s+away", sentence, re.IGNORECASE):
        return None
    pronoun: str | None = None
    if word.startswith("death") or word.startswith("demise"):
        # the noun: only the patient's own death (autopsy wording, "her death", "death occurred")
        if not (rules["death_noun_allowed"].search(sentence) or rules["death_noun_allowed"].search(ctx.doc_head)):
            return None
        whose = re.match(r"\s+of\s+(?:his|her|their|the|a|an|one)?\s*(?:\w+\s+){0,2}?(\w+)", ctx.after)
        if whose and rules["other_people"].fullmatch(whose.group(1)):
            return None  # "the death of her husband", "death of baby"
    elif not word.startswith("pronounced") and not word.startswith("deceased"):
        # died / expired / passed away: the subject is the patient, not a relative or a thing
        patient, pronoun = _about_the_patient(ctx.before, rules)
        if not patient and not re.search(r"(?:subsequently|later|unfortunately|eventually|then|pronounced)\s*$", ctx.before, re.IGNORECASE):
            return None
        if rules["other_people"].search(ctx.before) and not patient:
            return None
        if word.startswith("expired") and (
            re.search(r"\b(?:been|has|have|had)\s*$", ctx.before)
            or re.match(r"\s+(?:medication|drug|license|prescription|card|product|insurance)", ctx.after, re.IGNORECASE)
        ):
            return None
    survival = None
    match = re.search(
        r"(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen)\s*(?:-|\s)?(months?|years?)\s*(?:\([^)]{0,30}\)\s*)?(?:after|from|following|since)\s+(?:the\s+|her\s+|his\s+|initial\s+)*(?:diagnosis|being\s+diagnosed|(?:[\w-]+\s+){0,2}(?:was|were)\s+diagnosed)",
        sentence,
        re.IGNORECASE,
    ) or re.search(r"(?:overall\s+)?survival\s+(?:time\s+)?(?:of|was)\s+(\d+(?:\.\d+)?)\s*(months?|years?)", sentence, re.IGNORECASE)
    if match:
        survival = duration_in_months(f"{match.group(1)} {match.group(2)}")
    return {"status": "deceased", "survival_months": survival, "pronoun": pronoun}


def parse_vital(ctx: SpanContext) -> dict[str, Any] | None:
    """{"status": "deceased"|"alive", "survival_months": number or None, "pronoun": the
    subject's sex when the subject is he/she (the record drops it when it is not the
    patient's sex)}, or None when the words are not about the patient's vital status."""
    rules = _vital_rules()
    if ctx.rule_value == "deceased":
        return _deceased(ctx, rules)
    if ctx.rule_value == "follow_up":
        return _follow_up_state(ctx, rules)
    return _alive(ctx, rules)


def visit_to_own_doctor(text: str) -> bool:
    """A department mention told as the patient's own visit ("saw their primary medical
    doctor", "went to his primary care physician"): in a note that also tells an emergency
    presentation, that visit came before it, whatever the order of the telling."""
    return _emergency_rules()["own_doctor_visit"].match(text) is not None
