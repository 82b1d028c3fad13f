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
