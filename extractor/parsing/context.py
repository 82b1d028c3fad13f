"""The plain-text view of a matched span that every value parser receives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from extractor.resources import vocabulary


@dataclass(frozen=True)
class SpanContext:
    """A match, its sentence and where it stands; offsets relative to ``sentence``."""

    text: str
    sentence: str
    start: int
    end: int
    section: str | None = None
    rule_value: Any = None
    report_kind: str | None = None
    doc_head: str = ""
    preceding: str = ""
    following: str = ""

    @property
    def before(self) -> str:
        return self.sentence[: self.start]

    @property
    def after(self) -> str:
        return self.sentence[self.end :]


@cache
def vocab_regex(key: str) -> re.Pattern[str]:
    """A vocabulary entry that holds a regex alternation, compiled case-insensitively."""
    return re.compile(vocabulary()[key], re.IGNORECASE)


@cache
def vocab_regexes(key: str) -> dict[str, re.Pattern[str]]:
    """A vocabulary entry that holds named regexes, each compiled case-insensitively."""
    return {name: re.compile(pattern, re.IGNORECASE) for name, pattern in vocabulary()[key].items()}


@cache
def folded_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` to run on lower-cased text: written in lower case, it finds the same
    there without IGNORECASE, which Python's re runs ~3x slower on an alternation
    of words; otherwise case-insensitive."""
    return re.compile(pattern) if pattern == pattern.lower() else re.compile(pattern, re.IGNORECASE)


def _found(key: str, lowered: str) -> bool:
    return folded_regex(vocabulary()[key]).search(lowered) is not None


def report_kind(text: str) -> str | None:
    """"pathology" or "imaging" from the words of a report's opening lines."""
    lowered = text[:600].lower()
    if _found("pathology_doc_words", lowered):
        return "pathology"
    if _found("imaging_doc_words", lowered):
        return "imaging"
    return None


_HEADING = re.compile(r"[A-Z][A-Z /&()-]{3,}:")
_RISK_WORDS = ("risk", "complication", "side effect", "side-effect", "adverse", "toxicit")


@cache
def _risk_patterns() -> dict[str, Any]:
    rules = vocabulary()["risk_discussion"]
    patterns: dict[str, Any] = {
        key: re.compile(rules[key], re.IGNORECASE) for key in ("opener", "connective", "complication", "after_target", "discussed_before")
    }
    patterns["list_header"] = re.compile(rules["list_header"])
    patterns["list_item_chars"] = int(rules["list_item_chars"])
    return patterns


def in_risk_discussion(sentence: str, start: int, end: int, preceding: str = "") -> bool:
    """True when the span is named as a risk of a procedure or drug, not as the patient's state.

    Consent and counselling paragraphs list what may happen ("risks include
    bleeding, infection, DVT, PE ... and death"; "X and DVT were discussed as
    potential risks"; "risks include but are not limited to:" and a numbered list).
    A risk opener needs a connective (include, such as, discussed, possible ...)
    and, except where the sentence says "discussed as risks", another complication
    word, so that a patient's "ongoing risks including smoking, diabetes" (risk
    factors) stay the patient's.
    """
    lowered = (preceding[-400:] + sentence).lower()
    if not any(word in lowered for word in _RISK_WORDS):
        return False
    p = _risk_patterns()
    before, after = sentence[:start], sentence[end:]
    if p["after_target"].search(after) or p["discussed_before"].search(before):
        # "... discussed as potential risks"; "Toxicities have been discussed with her including ..."
        return True
    others = before + " " + after
    if p["opener"].search(before) and p["connective"].search(sentence) and p["complication"].search(others):
        return True
    # a list under a header: "The risks ... include but are not limited to:" then short items
    tail = preceding[-600:]
    openers = list(p["opener"].finditer(tail))
    if not openers:
        return False
    header_end = tail.find(":", openers[-1].end())
    if header_end < 0 or header_end - openers[-1].end() > 150 or "." in tail[openers[-1].end() : header_end]:
        return False
    if not p["connective"].search(tail[openers[-1].start() : header_end]):
        return False
    between = tail[header_end + 1 :] + before
    if _HEADING.search(between):
        return False
    items = re.split(r"[.;]\s*,?|\n", between)
    return all(len(item.strip()) <= p["list_item_chars"] for item in items)
