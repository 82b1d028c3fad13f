"""The plain-text view of a matched span that every value parser receives."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from extractor.ruleset import vocabulary


@dataclass(frozen=True)
class SpanContext:
    """A match, its sentence and where it stands; offsets relative to ``sentence``."""

    text: str
    sentence: str
    start: int
    end: int
    section: str | None = None
    rule_value: Any = None
    doc_kind: str | None = None
    doc_head: str = ""
    preceding: str = ""

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
def _lower_case_regex(key: str) -> tuple[re.Pattern[str], bool]:
    """A vocabulary regex to run on lower-cased text, and whether it must be: a pattern
    written in lower case finds the same on the lower-cased text without IGNORECASE,
    which Python's re runs ~3x slower on an alternation of words."""
    pattern = vocabulary()[key]
    if pattern == pattern.lower():
        return re.compile(pattern), True
    return vocab_regex(key), False


def _found(key: str, text: str, lowered: str) -> bool:
    regex, on_lowered = _lower_case_regex(key)
    return regex.search(lowered if on_lowered else text) is not None


def document_kind(text: str) -> str | None:
    """"pathology" or "imaging" from the words of a report's opening lines."""
    head = text[:600]
    lowered = head.lower()
    if _found("pathology_doc_words", head, lowered):
        return "pathology"
    if _found("imaging_doc_words", head, lowered):
        return "imaging"
    return None
