"""Pathology values: Ki-67, WHO grade, tumour size, site, metastases, TNM.

Each parser takes a SpanContext and returns the normalised value, or None when
the match is not what the field means here (the mention is then dropped).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from extractor.lexicon import concept_finder
from extractor.parsing.context import SpanContext, folded_regex, vocab_regex
from extractor.parsing.numbers import NUMBER, parse_number
from extractor.resources import vocabulary

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "one": 1, "two": 2, "three": 3}
# The WHO grade of a neuroendocrine neoplasm: other tumours' grades (breast, prostate,
# glioma, "high-grade dysplasia") are not this field.
_NET_CONTEXT = re.compile(
    r"neuroendocrine|\bNETs?\b|\bNENs?\b|\bNEC\b|glucagonoma|insulinoma|gastrinoma|somatostatinoma|VIPoma|islet|ki-?67|mib-?1|\bENETS\b",
    re.IGNORECASE,
)
def parse_ki67(ctx: SpanContext) -> float | None:
    """Ki-67 percent: a range gives its upper bound, "<2%" gives 2."""
    tail = ctx.text
    numbers = re.findall(rf"({NUMBER})\s*(?:%|per\s*cent|percent)?", re.sub(r"(?i)ki[- ]?67|mib[- ]?1", " ", tail))
    values = [v for v in (parse_number(n) for n in numbers) if v is not None and v <= 100]
    return max(values) if values else None


def parse_grade(ctx: SpanContext) -> str | None:
    """G1/G2/G3 as stated; only in a neuroendocrine/tumour context (not "grade 2/6 murmur")."""
    if not _NET_CONTEXT.search(ctx.preceding[-200:] + ctx.sentence):
        return None
    text = ctx.text.lower()
    if "low" in text:
        return "G1"
    if "intermediate" in text:
        return "G2"
    if "high" in text:
        return None if re.search(r"high[- ]grade\s+dysplasia", ctx.sentence, re.IGNORECASE) else "G3"
    digit = re.search(r"[123]", text)
    if digit:
        return f"G{digit.group()}"
    word = re.search(r"(?:grade|gr\.?)\s*(iii|ii|i|one|two|three)\b", text)
    return f"G{_ROMAN[word.group(1)]}" if word else None


_PANCREATIC_SITE = re.compile(r"pancrea\w*\s+(?:head|neck|body|tail)|\b(?:head|neck|body|tail|uncinate)\b", re.IGNORECASE)
_DISTANCE_AFTER = re.compile(r"[\s,]*(?:from|away|to\s+the\s+(?:\w+\s+)?margin|clear\s+of|proximal\s+to|distal\s+to|beyond)\b", re.IGNORECASE)
_DISTANCE_BEFORE = re.compile(r"(?:margin|closest|clearance|distance|within)\W*$", re.IGNORECASE)


def _last(pattern: re.Pattern[str], text: str) -> int:
    matches = list(pattern.finditer(text))
    return matches[-1].end() if matches else -1


@cache
def _qualified_tumour() -> str:
    """A tumour word qualified by another organ ("liver lesions", "nodal mass")."""
    return rf"(?:{vocabulary()['size_exclusions']})\w*\s+(?:[\w-]+\s+)?(?:{vocabulary()['tumour_words']})\w*"


def _lead_regex(pattern: str, folded: bool) -> re.Pattern[str]:
    """``pattern`` for the lead: run on it lower-cased when ``folded`` (faster), else case-insensitive."""
    return folded_regex(pattern) if folded else re.compile(pattern, re.IGNORECASE)


@cache
def _tumour_just_after() -> re.Pattern[str]:
    """A tumour word at most three words after a size ("6.2 x 5.0 cm heterogeneous mass")."""
    return re.compile(
        rf"[\s,]*(?:(?!(?:with|containing|including|and|in|of|from)\b)[\w-]+,?\s+){{0,3}}?(?:{vocab_regex('tumour_words').pattern})",
        re.IGNORECASE,
    )


def parse_size(ctx: SpanContext) -> dict[str, Any] | None:
    """Dimensions in cm, largest first, of a pancreatic tumour.

    What is measured is named just before the number ("nodule in the body, 2.4 x
    2.0 cm", "Head: 3.3 x 2.8 cm", "Tumour size: ...") or just after it ("a 42 mm
    tumour"). An organ, specimen or margin word nearer than any tumour/site word
    means something else is measured; "1.1 cm from the margin" is a distance.
    """
    sentence = ctx.sentence
    clause_start = max(sentence.rfind(";", 0, ctx.start), sentence.rfind("\n", 0, ctx.start)) + 1
    lead = sentence[max(clause_start, ctx.start - 60) : ctx.start]
    trail = sentence[ctx.end : ctx.end + 40]
    trail = trail[: re.search(r"\d", trail).start()] if re.search(r"\d", trail) else trail
    if _DISTANCE_AFTER.match(trail) or _DISTANCE_BEFORE.search(lead):
        return None
    # the lead's words are looked up lower-cased (faster), unless that moves offsets
    lowered = lead.lower()
    folded = len(lowered) == len(lead)
    words = lowered if folded else lead
    # "liver lesions", "nodal mass": a tumour word qualified by another organ is about that organ
    qualified = _lead_regex(_qualified_tumour(), folded).sub(lambda m: "~" * len(m.group(0)), words)
    tumour_before = max(
        _last(_lead_regex(vocabulary()["tumour_words"], folded), qualified), _last(_PANCREATIC_SITE, qualified)
    )
    if re.search(r"tumou?r\s+size|size\s*:|greatest\s+(?:dimension|diameter)", lead, re.IGNORECASE):
        tumour_before = max(tumour_before, len(lead))
    # "a 42 mm tumour", "6.2 x 5.0 cm heterogeneous, hypervascular mass"; not "8 cm with a nodule"
    tumour_after = _tumour_just_after().match(trail)
    excluded_before = _last(_lead_regex(vocabulary()["size_exclusions"], folded), words)
    if tumour_after is None and (tumour_before < 0 or excluded_before > tumour_before):
        return None
    if tumour_after is not None and excluded_before > max(tumour_before, 0) and not re.search(r"pancrea", lead, re.IGNORECASE):
        return None
    numbers = [parse_number(n) for n in re.findall(NUMBER, ctx.text)]
    dims = [n for n in numbers if n is not None]
    if not dims:
        return None
    unit_mm = re.search(r"mm\b", ctx.text, re.IGNORECASE) is not None and not re.search(r"cm\b", ctx.text, re.IGNORECASE)
    if unit_mm:
        dims = [round(d / 10, 2) for d in dims]
    if max(dims) > 30 or min(dims) <= 0:
        return None
    return {"dims": sorted(dims, reverse=True), "source": ctx.report_kind or "other"}


def parse_location(ctx: SpanContext) -> list[str] | None:
    """Parts of the pancreas named for a tumour ("body and tail of the pancreas")."""
    if not vocab_regex("tumour_words").search(ctx.sentence):
        return None
    if re.match(r"[\s,]*(?:resection\s+|surgical\s+|transection\s+|parenchymal\s+)?margin", ctx.after, re.IGNORECASE):
        return None  # "9 mm from the pancreatic neck margin" names a margin, not the tumour's site
    sites = [part.record_value for part, search in concept_finder("pancreas_part") if search.search(ctx.text)]
    return sites or None


def parse_metastasis(ctx: SpanContext) -> dict[str, Any] | None:
    """Metastatic sites named; "0/12 nodes" and "no metastasis" give ``sites: []`` statements."""
    text = ctx.text.lower()
    ratio = re.match(r"\s*(\d{1,2})\s*(?:/|of|out\s+of)\s*(\d{1,2})", text)
    if ratio:
        involved = int(ratio.group(1))
        if re.search(r"negative|free", text) or involved == 0:
            return {"sites": [], "scope": "lymph_nodes"}
        if re.search(r"positive|involved|metasta|tumou?r", text + ctx.after[:40].lower()):
            return {"sites": ["lymph_nodes"], "scope": "lymph_nodes"}
        return None
    if ctx.rule_value == "any":
        return {"sites": [], "scope": "any"}
    sites = [site.record_value for site, search in concept_finder("metastatic_site", "anywhere") if search.search(text)]
    return {"sites": sites, "scope": sites[0] if len(sites) == 1 else "any"} if sites else None


def parse_tnm(ctx: SpanContext) -> dict[str, str | None] | None:
    """``pT2 pN0 M0`` / ``stage IIA`` -> {"t": "T2", "n": "N0", "m": "M0", "stage": "IIA"}."""
    text = ctx.text
    result: dict[str, str | None] = {"t": None, "n": None, "m": None, "stage": None}
    stage = re.search(r"stage\s*(?:group(?:ing)?\s*)?:?\s*(IV|III|II|I)\s*([ABC])?\b", text, re.IGNORECASE)
    if stage:
        # an oncological stage: tumour words in its sentence or just before it
        if not re.search(
            r"\bT[0-4x]|neuroendocrine|tumou?r|glucagonoma|\bNET\b|pancrea|AJCC|ENETS|TNM|carcinoma|disease|metasta",
            ctx.preceding[-150:] + ctx.sentence,
            re.IGNORECASE,
        ):
            return None
        result["stage"] = stage.group(1).upper() + (stage.group(2) or "").upper()
        text = text[stage.end() :]  # "Stage IV (M1)": parts may follow in brackets
    t = re.search(r"(?<![A-Za-z])[ypcr]{0,2}T([0-4][a-d]?|x|is)(?!\d)", text, re.IGNORECASE)
    n = re.search(r"(?<![A-Za-z])[ypc]{0,2}N([0-3][a-c]?|x)(?!\d)", text, re.IGNORECASE)
    m = re.search(r"(?<![A-Za-z])[pc]?M([01][a-c]?|x)(?!\d)", text, re.IGNORECASE)
    if t:
        result["t"] = "T" + (t.group(1).lower() if t.group(1).lower() == "is" else t.group(1).upper())
    if n:
        result["n"] = "N" + n.group(1).upper()
    if m:
        result["m"] = "M" + m.group(1).upper()
    if result["stage"] is not None:
        return result
    if result["t"] is None:
        return None
    if result["n"] is None and result["m"] is None and not re.match(r"p", text):
        return None
    return result
