"""Clinical values: age and sex, first department, skin biopsy, durations, outcome."""

from __future__ import annotations

import re
from typing import Any

from extractor.parsing.context import SpanContext
from extractor.parsing.numbers import duration_in_days, duration_in_months
from extractor.lexicon import concept_finder

_FEMALE = re.compile(r"\b(?:woman|female|lady|girl|f|mrs|ms|miss)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(?:man|male|gentleman|boy|m|mr)\b", re.IGNORECASE)
_NME_TERMS = re.compile(r"necrolytic|\bNME\b|glucagonoma", re.IGNORECASE)
_NME_POSITIVE = re.compile(
    r"consistent\s+with|compatible\s+with|diagnostic\s+of|typical\s+of|characteristic\s+of|confirm\w*|showed|shows|demonstrat\w*|reveal\w*|in\s+keeping\s+with|suggestive\s+of|supportive\s+of|features\s+of|:",
    re.IGNORECASE,
)
_NON_DIAGNOSTIC = re.compile(
    r"non-?specific|non-?diagnostic|inconclusive|not\s+diagnostic|psoriasi|eczema|spongiotic|dermatitis|lichen|pellagra|acrodermatitis|not\s+(?:consistent|typical)|did\s+not\s+(?:show|confirm)|without\s+(?:features|evidence)",
    re.IGNORECASE,
)
_IMPROVED_NOT = re.compile(
    r"did\s+not|\bnot\b|n't\b|failed\s+to|never|no\s+(?:\w+\s+)?(?:improvement|response)|without\s+(?:\w+\s+)?(?:improvement|response)|persist|worsen|progress|remained\s+(?:active|unchanged)",
    re.IGNORECASE,
)


def parse_age_sex(ctx: SpanContext) -> dict[str, Any] | None:
    """{"age": int|None, "sex": "female"|"male"|None, "at_diagnosis": bool}."""
    text = ctx.text
    if re.fullmatch(r"\d{1,3}[\s-]*(?:years?|yrs?)", text.strip(), re.IGNORECASE):
        return None  # "diagnosed 2 years ago": a duration, not an age
    age_match = re.search(r"\d{1,3}", text)
    age = int(age_match.group()) if age_match else None
    if age is not None and not 0 < age < 110:
        age = None
    rest = text[age_match.end() :] if age_match else text
    sex = None
    if re.search(r"sex|gender", text, re.IGNORECASE):
        rest = re.split(r"[:=]", text, maxsplit=1)[-1]
    if _FEMALE.search(rest):
        sex = "female"
    elif _MALE.search(rest):
        sex = "male"
    if re.fullmatch(r"\s*\d{1,3}\s*", rest) and age is None:
        return None
    at_diagnosis = bool(re.search(r"diagnos", text + ctx.before[-40:], re.IGNORECASE))
    if age is None and sex is None:
        return None
    return {"age": age, "sex": sex, "at_diagnosis": at_diagnosis}


def parse_department(ctx: SpanContext) -> str | None:
    """The specialty a referral/presentation phrase names as the first one seen."""
    if ctx.rule_value == "self":
        # "this is his first visit for the rash": the department writing the note
        return _department_named(ctx.doc_head)
    # "referred to endocrinology by dermatology": the 'by/from' side came first
    source = re.split(r"\b(?:by|from)\b", ctx.text, flags=re.IGNORECASE)
    return _department_named(source[-1] if len(source) > 1 else ctx.text)


def _department_named(text: str) -> str | None:
    """The first department of the lexicon (its order) that ``text`` names."""
    for concept, search in concept_finder("department", "word_start"):
        if search.search(text):
            return concept.record_value
    return None


_SKIN_WORDS = re.compile(
    r"skin|rash|NME|necroly|erythema|lesion|dermat|epiderm|keratinocyt|parakeratosis|spongio|shin|buttock|thigh|groin|perioral|punch",
    re.IGNORECASE,
)


def parse_skin_biopsy(ctx: SpanContext) -> bool | None:
    """True when the biopsy was read as NME, False when read as something else / non-diagnostic.

    A plain "biopsy" (rule value ``generic``) only counts in a sentence about the skin.
    """
    sentence = ctx.sentence
    after = ctx.after
    if ctx.rule_value == "generic" and not _SKIN_WORDS.search(sentence):
        return None
    if re.search(r"(?:consistent|compatible|in\s+keeping)\s+with\s+(?:a\s+|the\s+)?(?:necrolytic|NME)|(?:confirm\w*|prov\w*|diagnostic\s+of)\s+(?:the\s+)?(?:necrolytic|NME)", sentence, re.IGNORECASE) or re.search(
        r"(?:NME|necrolytic\s+migratory\s+erythema)[^.;]{0,20}?biops(?:y|ies)[- ](?:proven|confirmed)|biops(?:y|ies)[- ](?:proven|confirmed)\s+(?:NME|necrolytic)|(?:confirmed|proven)\s+(?:on|by)\s+(?:skin\s+|punch\s+)?biopsy", sentence, re.IGNORECASE
    ):
        if not re.search(r"not\s+(?:consistent|compatible|diagnostic)|no\s+features\s+of", sentence, re.IGNORECASE):
            return True
    if _NON_DIAGNOSTIC.search(after) and not re.search(r"consistent\s+with\s+(?:necrolytic|NME)", after, re.IGNORECASE):
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
    return months


def parse_improvement(ctx: SpanContext) -> dict[str, Any]:
    """{"improved": bool, "days": days after surgery or None}."""
    improved = not _IMPROVED_NOT.search(ctx.text)
    days = None
    # days_to_improvement is about the rash; diarrhoea settling is not timed here
    skin = re.search(r"rash|NME|skin|erythema|eruption|lesion|plaque|erosion|necrolytic", ctx.text, re.IGNORECASE)
    if improved and skin:
        tail = ctx.sentence[ctx.end : ctx.end + 80]
        lead = ctx.sentence[max(0, ctx.start - 60) : ctx.start]
        if re.search(r"surgery|resection|operation|procedure|whipple|pancreatectomy|operative|postop|post-op|POD", tail + lead, re.IGNORECASE):
            pod = re.search(
                r"(?:POD|postoperative\s+day|post-?op\s+day|(?:by|on|at)\s+day)\s*#?\s*(\d+)", tail + " " + lead, re.IGNORECASE
            )
            days = float(pod.group(1)) if pod else duration_in_days(tail) or duration_in_days(lead)
    return {"improved": improved, "days": days}


def parse_vital(ctx: SpanContext) -> dict[str, Any] | None:
    """{"status": "deceased"|"alive", "survival_months": number or None}."""
    status = ctx.rule_value
    if status == "deceased":
        if re.search(r"cause\s+of\s+death|risk\s+of\s+death|death\s+rate|mortality", ctx.sentence, re.IGNORECASE) and not re.search(r"\bdied\b|passed\s+away", ctx.sentence, re.IGNORECASE):
            return None
        survival = None
        match = re.search(
            r"(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen)\s*(?:-|\s)?(months?|years?)\s*(?:\([^)]{0,30}\)\s*)?(?:after|from|following|since)\s+(?:the\s+|her\s+|his\s+|initial\s+)*(?:diagnosis|being\s+diagnosed|(?:[\w-]+\s+){0,2}(?:was|were)\s+diagnosed)",
            ctx.sentence,
            re.IGNORECASE,
        ) or re.search(r"(?:overall\s+)?survival\s+(?:of|was)\s+(\d+(?:\.\d+)?)\s*(months?|years?)", ctx.sentence, re.IGNORECASE)
        if match:
            survival = duration_in_months(f"{match.group(1)} {match.group(2)}")
        return {"status": "deceased", "survival_months": survival}
    return {"status": "alive", "survival_months": None}
