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


def document_kind(text: str) -> str | None:
    """"pathology" or "imaging" from the words of a report's opening lines."""
    head = text[:600]
    if vocab_regex("pathology_doc_words").search(head):
        return "pathology"
    if vocab_regex("imaging_doc_words").search(head):
        return "imaging"
    return None
