"""Numbers, comparators, durations: the small pieces every value parser uses."""

from __future__ import annotations

import re

from extractor.resources import vocabulary

NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
COMPARATOR = (
    r"(?:>=|<=|≥|≤|>|<|greater\s+than|more\s+than|higher\s+than|above|over|in\s+excess\s+of|"
    r"exceeding|less\s+than|lower\s+than|below|under|up\s+to)"
)
_COMPARATOR_MAP = {
    ">": ">",
    ">=": ">",
    "≥": ">",
    "greater than": ">",
    "more than": ">",
    "higher than": ">",
    "above": ">",
    "over": ">",
    "in excess of": ">",
    "exceeding": ">",
    "<": "<",
    "<=": "<",
    "≤": "<",
    "less than": "<",
    "lower than": "<",
    "below": "<",
    "under": "<",
    # a measured value "up to" N is the highest reading, N itself ("glucagon is up to
    # 6,000 pg/ml"); as a reference limit ("normal up to 150") it is still the upper bound
    "up to": "=",
}
_DURATION = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|[a-z]+(?:-[a-z]+)?)[- ](?P<unit>months?|mos?\b|years?|yrs?|weeks?|wks?\b|days?)",
    re.IGNORECASE,
)


def parse_number(text: str) -> float | None:
    """``"1,720"`` -> 1720.0, ``"three"`` -> 3.0; None when not a number."""
    cleaned = text.strip().lower()
    try:
        return float(cleaned.replace(",", ""))
    except ValueError:
        word = vocabulary()["number_words"].get(cleaned)
        return float(word) if word is not None else None


def normalise_comparator(text: str | None) -> str:
    """Comparator words and signs -> ``"="``, ``">"`` or ``"<"``."""
    if not text:
        return "="
    return _COMPARATOR_MAP.get(" ".join(text.lower().split()), "=")


# the British clinical shorthand: "6/12" six months, "3/52" three weeks (not a date: no third part)
_FRACTION_DURATION = re.compile(r"(?<![\d/])(?P<num>\d{1,2})/(?P<base>12|52)(?![\d/])")


def duration_in_months(text: str) -> float | None:
    """The first duration in ``text`` in months: "8-month" -> 8, "2 years" -> 24, "6 weeks" -> 1.5,
    "6/12" -> 6, "3/52" -> 0.7."""
    fraction = _FRACTION_DURATION.search(text)
    if fraction and not _DURATION.search(text, 0, fraction.start()):
        amount = int(fraction.group("num"))
        return float(amount) if fraction.group("base") == "12" else round(amount * 7 / 30.4375, 1)
    for match in _DURATION.finditer(text):
        amount = parse_number(match.group("num"))
        if amount is None:
            continue
        unit = match.group("unit").lower()
        if unit.startswith(("year", "yr")):
            return amount * 12
        if unit.startswith(("week", "wk")):
            return round(amount * 7 / 30.4375, 1)
        if unit.startswith("day"):
            return round(amount / 30.4375, 1)
        return amount
    return None


def duration_in_days(text: str) -> float | None:
    """The first duration in ``text`` in days: "3 days" -> 3, "one week" -> 7, "24 hours" -> 1."""
    match = re.search(
        r"(?P<num>\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|ten|fourteen)\s*[- ]?"
        r"(?P<unit>days?|weeks?|hours?|months?)",
        text,
        re.IGNORECASE,
    )
    if match is None:
        if re.search(r"\b(?:the\s+)?(?:next|following)\s+day\b|\bday\s+after\b", text, re.IGNORECASE):
            return 1.0
        return None
    amount = parse_number(match.group("num"))
    if amount is None:
        return None
    unit = match.group("unit").lower()
    if unit.startswith("week"):
        return amount * 7
    if unit.startswith("hour"):
        return max(1.0, round(amount / 24))
    if unit.startswith("month"):
        return amount * 30
    return amount
