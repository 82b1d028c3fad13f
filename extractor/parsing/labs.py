"""Laboratory values after an analyte name: numbers, comparators, units, reference ranges.

Works on plain strings so it can be tested without spaCy. Offsets returned are
relative to the ``window`` passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extractor.parsing.numbers import COMPARATOR, NUMBER, normalise_comparator, parse_number
from extractor.resources import vocabulary


@dataclass(frozen=True)
class Reading:
    """One numeric lab value found in a window."""

    value: float
    comparator: str
    unit: str | None
    start: int
    end: int


@dataclass(frozen=True)
class ReferenceRange:
    low: float | None
    high: float | None


_REF_WORDS = r"(?:ref(?:erence)?(?:\s+(?:range|interval|value))?|normal(?:\s+(?:range|value|level|limit))?|n(?:ormal)?\s*r(?:ange)?|rr|nr|uln|upper\s+limit(?:\s+of\s+normal)?|nl|range)"
_PAREN = re.compile(r"[\(\[]([^\)\]\n]{0,80})[\)\]]")
_PRE_CUES = re.compile(
    r"\bpre-?\s?op(?:erative(?:ly)?)?\b|\bbefore\s+(?:the\s+)?(?:surgery|resection|operation|whipple|pancreatectomy|surgical)|"
    r"\bprior\s+to\s+(?:the\s+)?(?:surgery|resection|operation)|\bat\s+(?:the\s+time\s+of\s+)?(?:diagnosis|presentation)\b|"
    r"\bon\s+admission\b|\bbaseline\b|\binitial(?:ly)?\b|\bpre-?\s?resection\b|\bpresurgical\b",
    re.IGNORECASE,
)
_POST_CUES = re.compile(
    r"\bpost-?\s?op(?:erative(?:ly)?)?\b|\bafter\s+(?:the\s+)?(?:surgery|resection|operation|whipple|pancreatectomy|surgical|tumou?r\s+removal|pancreaticoduodenectomy)|"
    r"\bfollowing\s+(?:the\s+)?(?:surgery|resection|operation|whipple|pancreatectomy)|\bpost-?\s?(?:resection|surgery|surgical)\b|"
    r"\bPOD\s*#?\s*\d+|\bpostoperative\s+day\b|\bsince\s+(?:the\s+)?(?:surgery|resection|operation)|\b(?:on\s+)?day\s+\d{1,2}\b(?!\s*(?:of|before))",
    re.IGNORECASE,
)
_STATUS = (
    ("normal", re.compile(r"\bnot\s+(?:elevated|raised|increased)\b|\bnormali[sz]ed\b|\bnormal\b|\bwithin\s+(?:the\s+)?(?:normal|reference|ref\b)|\bwnl\b|\bunremarkable\b", re.IGNORECASE)),
    ("elevated", re.compile(r"\belevat\w*|\braised\b|\bhigh\b|\bincreased\b|↑|\(H\)|(?-i:\bH\b)(?=\s|$)", re.IGNORECASE)),
    ("low", re.compile(r"\blow\b|\bdecreased\b|\breduced\b|\bundetectable\b|↓", re.IGNORECASE)),
)
# Dates and years are not lab values.
_DATE_AROUND = re.compile(r"\d[/.-]$|^[/.-]\d")


@cache
def _unit_pattern() -> re.Pattern[str]:
    units = sorted(vocabulary()["lab_units"], key=len, reverse=True)
    alternatives = "|".join(re.escape(u).replace("/", r"\s*/\s*") for u in units)
    return re.compile(rf"(?:{alternatives})(?![a-z])", re.IGNORECASE)


@cache
def _value_pattern() -> re.Pattern[str]:
    unit = _unit_pattern().pattern
    return re.compile(
        # an ordinal is not a result: "Glucagon (2nd determination) 655 pg/mL"
        # a lab table's flag column may stand between the result and its unit ("6893   H   pg/mL")
        rf"(?P<cmp>{COMPARATOR})?\s*(?P<num>{NUMBER})(?!(?:st|nd|rd|th)\b)(?:(?:\s+(?-i:[HL]{{1,2}}\b|\([HL]\)|\*))?\s*(?P<unit>{unit}))?",
        re.IGNORECASE,
    )


def normalise_unit(unit: str | None) -> str | None:
    """``"pg / ml"`` -> ``"pg/ml"`` (lower case, no blanks)."""
    if not unit:
        return None
    return re.sub(r"\s+", "", unit).lower().replace("μ", "µ")


def reference_spans(window: str) -> list[tuple[int, int, ReferenceRange]]:
    """Reference ranges in ``window``: parenthesised or introduced by ref/normal/ULN words."""
    found: list[tuple[int, int, ReferenceRange]] = []
    for match in _PAREN.finditer(window):
        inner = match.group(1)
        if re.search(_REF_WORDS, inner, re.IGNORECASE) or re.match(
            rf"\s*(?:{COMPARATOR}|{NUMBER}\s*[-–]\s*{NUMBER})", inner, re.IGNORECASE
        ):
            rng = parse_reference(inner)
            if rng is not None:
                found.append((match.start(), match.end(), rng))
    for match in re.finditer(
        rf"\b{_REF_WORDS}\s*(?:is|of|:|=)?\s*(?:{COMPARATOR}\s*)?{NUMBER}(?:\s*[-–]\s*{NUMBER}|\s+to\s+{NUMBER})?(?:\s*{_unit_pattern().pattern})?",
        window,
        re.IGNORECASE,
    ):
        if any(s <= match.start() < e for s, e, _ in found):
            continue
        rng = parse_reference(match.group(0))
        if rng is not None:
            found.append((match.start(), match.end(), rng))
    # a reference column in a lab table: "286 ng/mL       <98", "6.2 uIU/mL   2.6-24.9"
    for match in re.finditer(
        rf"(?<=[A-Za-z/])[ \t]{{2,}}((?:{COMPARATOR}\s*{NUMBER})|(?:{NUMBER}\s*[-–]\s*{NUMBER}))", window, re.IGNORECASE
    ):
        if any(s <= match.start(1) < e for s, e, _ in found):
            continue
        rng = parse_reference(match.group(1))
        if rng is not None:
            found.append((match.start(1), match.end(1), rng))
    return sorted(found, key=lambda f: f[0])


def parse_reference(text: str) -> ReferenceRange | None:
    """``"normal < 200 pg/mL"`` -> (None, 200); ``"50-150"`` -> (50, 150)."""
    span = re.search(rf"({NUMBER})\s*(?:[-–]|to)\s*({NUMBER})", text)
    if span:
        return ReferenceRange(parse_number(span.group(1)), parse_number(span.group(2)))
    single = re.search(rf"(?P<cmp>{COMPARATOR})?\s*(?P<num>{NUMBER})", text, re.IGNORECASE)
    if not single:
        return None
    value = parse_number(single.group("num"))
    comparator = normalise_comparator(single.group("cmp"))
    if comparator == ">":
        return ReferenceRange(value, None)
    return ReferenceRange(None, value)


def readings_in(window: str, default_unit: str | None = None) -> list[Reading]:
    """Numeric values in ``window`` (reference ranges skipped).

    A number needs a unit, or must share the unit of the next value ("from 1200
    to 95 pg/mL"), or stands in a window that has a reference range or a
    ``default_unit`` (the analyte's usual unit), or follows a heading unit such
    as "Glucagon (pg/mL)  217".
    """
    heading = re.match(rf"\s*[\(\[]\s*({_unit_pattern().pattern})\s*[\)\]]", window, re.IGNORECASE)
    heading_unit = normalise_unit(heading.group(1)) if heading else None
    references = reference_spans(window)
    masked = list(window)
    if heading:
        masked[: heading.end()] = " " * heading.end()
    for start, end, _ in references:
        masked[start:end] = " " * (end - start)
    text = "".join(masked)
    raw: list[tuple[re.Match[str], str | None]] = []
    for match in _value_pattern().finditer(text):
        before = text[max(0, match.start("num") - 2) : match.start("num")]
        after = text[match.end("num") : match.end("num") + 2]
        if _DATE_AROUND.search(before) or _DATE_AROUND.search(after):
            continue
        if re.match(r"\s*(?:years?|yrs?|months?|weeks?|days?|hours?|times?|x\b|mg\b|kg\b|cm\b|mm\b|%)", text[match.end("num") :], re.IGNORECASE):
            continue
        if not match.group("unit") and re.fullmatch(r"(?:19|20)\d\d", match.group("num")):
            continue  # a year ("(April 2023)")
        # "day 5", "POD 3", "cycle 2", "segment 4": counts and labels, not results
        if not match.group("unit") and re.search(
            r"(?:\bday|\bpod|\bweek|\bmonth|\byear|#|\bno\.?|\bgrade|\bstage|\bsegment|\bcycle|\bdose|\bx)\s*$", text[: match.start()], re.IGNORECASE
        ):
            continue
        raw.append((match, normalise_unit(match.group("unit"))))
    readings: list[Reading] = []
    has_reference = bool(references)
    for index, (match, unit) in enumerate(raw):
        if unit is None:
            shared = _shared_unit(text, raw, index)
            unit = shared or heading_unit or (default_unit if has_reference else None)
            if unit is None:
                continue
        value = parse_number(match.group("num"))
        if value is None:
            continue
        start = match.start("cmp") if match.group("cmp") else match.start("num")
        readings.append(Reading(value, normalise_comparator(match.group("cmp")), unit, start, match.end()))
    return readings


def _shared_unit(text: str, raw: list[tuple[re.Match[str], str | None]], index: int) -> str | None:
    """The unit of the next value when only a connective stands between them."""
    if index + 1 >= len(raw):
        return None
    nxt, unit = raw[index + 1]
    between = text[raw[index][0].end() : nxt.start()]
    if unit and re.fullmatch(r"\s*(?:to|and|then|,|->|→|-|–|and\s+then|,\s*then|falling\s+to|rising\s+to|\w+ly\s+to|\w+ly,?\s+(?:and\s+)?)\s*", between, re.IGNORECASE):
        return unit
    return None


_STATUS_BEFORE = re.compile(
    r"\b(?P<word>elevated|raised|high|increased|inappropriately\s+high|normal|low|suppressed)\s+"
    r"(?:(?:levels?|concentrations?|values?)\s+of\s+)?(?:(?:serum|plasma|fasting|circulating|blood)\s+)?(?:immuno-?reactive\s+)?"
    r"(?:[A-Za-z][\w-]*(?:\s+[A-Z])?\s*(?:,|and|&)\s*){0,4}$",
    re.IGNORECASE,
)


def status_before(lead: str) -> str | None:
    """elevated / normal / low from words just before a marker, or a list it belongs to:
    "high levels of serum insulin, C-peptide and proinsulin", "elevated gastrin"."""
    found = _STATUS_BEFORE.search(lead)
    return status_words(found.group("word")) if found else None


def status_words(text: str) -> str | None:
    """elevated / normal / low from the words of a result, or None."""
    if "normal" in text.lower() or "uln" in text.lower() or "lln" in text.lower():
        # "3 times the upper limit of normal", "above ULN": a limit of normal named, not a normal result
        for status, key in (("elevated", "status_above_normal"), ("low", "status_below_normal")):
            if re.search(vocabulary()[key], text, re.IGNORECASE):
                return status
    for status, pattern in _STATUS:
        if pattern.search(text):
            return status
    return None


def status_from_reference(value: float, comparator: str, reference: ReferenceRange | None) -> str | None:
    """Compare a value with its reference range."""
    if reference is None:
        return None
    if reference.high is not None and (value > reference.high or (comparator == ">" and value >= reference.high)):
        return "elevated"
    if reference.low is not None and value < reference.low:
        return "low"
    if reference.high is not None or reference.low is not None:
        return "normal"
    return None


def _cues(text: str) -> list[tuple[int, int, str]]:
    cues: list[tuple[int, int, str]] = []
    for pattern, timing in ((_PRE_CUES, "preoperative"), (_POST_CUES, "postoperative")):
        cues.extend((m.start(), m.end(), timing) for m in pattern.finditer(text))
    return sorted(cues)


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    if a[1] <= b[0]:
        return b[0] - a[1]
    if b[1] <= a[0]:
        return a[0] - b[1]
    return 0


def timing_cues(text: str, values: list[tuple[int, int]]) -> list[str | None]:
    """"preoperative"/"postoperative" for each value span in ``text`` (or None).

    A cue belongs to the nearest value of its clause (clauses end at ";" and line
    breaks), so in "fell from 1,650 ng/L before surgery to 52 ng/L on day 4" each
    value gets its own cue. A value that owns no cue takes the nearest earlier cue
    that no value owns ("Postoperative:" heading over a table row).
    """
    cues = _cues(text)
    if not cues:
        return [None] * len(values)
    boundaries = [m.start() for m in re.finditer(r"[;\n]", text)]

    def clause(position: int) -> int:
        return sum(1 for b in boundaries if b < position)

    owner: dict[int, int | None] = {}
    for index, (start, end, _) in enumerate(cues):
        same = [i for i, v in enumerate(values) if clause(v[0]) == clause(start)]
        owner[index] = min(same, key=lambda i: (_gap((start, end), values[i]), i)) if same else None
    timings: list[str | None] = []
    for i, value in enumerate(values):
        owned = [cues[c] for c, o in owner.items() if o == i]
        if owned:
            timings.append(min(owned, key=lambda c: _gap((c[0], c[1]), value))[2])
            continue
        free = [cues[c] for c, o in owner.items() if o is None and cues[c][1] <= value[0]]
        timings.append(max(free, key=lambda c: c[1])[2] if free else None)
    return timings


def timing_cue(text: str, value_start: int, value_end: int) -> str | None:
    """The timing cue of one value (see ``timing_cues``)."""
    return timing_cues(text, [(value_start, value_end)])[0]


def to_pg_per_ml(value: float, unit: str | None) -> float | None:
    """Convert a glucagon value to pg/mL (1 pmol/L = 3.485 pg/mL; 1 ng/L = 1 pg/mL)."""
    factors = vocabulary()["glucagon_units_to_pg_ml"]
    key = normalise_unit(unit) or "pg/ml"
    factor = factors.get(key)
    if factor is None:
        return None
    return round(value * factor, 2)
