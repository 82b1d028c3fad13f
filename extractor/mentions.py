"""Doc -> Mention rows: one per entity (one per reading for lab values)."""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Span

from extractor.components._common import section_of
from extractor.schema import Assertion, Mention


def assertion_of(span: Span, section: str | None) -> Assertion:
    """ConText flags of a span; mentions in a family-history section are family mentions."""
    return Assertion(
        negated=bool(getattr(span._, "is_negated", False)),
        historical=bool(getattr(span._, "is_historical", False)),
        hypothetical=bool(getattr(span._, "is_hypothetical", False)),
        family=bool(getattr(span._, "is_family", False)) or section == "family_history",
        uncertain=bool(getattr(span._, "is_uncertain", False)),
    )


def _value_pieces(span: Span) -> list[tuple[int, int, Any]]:
    """(start, end, value) pieces of an entity; lab entities give one piece per reading."""
    value = span._.extractor_value
    if span.label_ in ("glucagon", "serum_markers") and isinstance(value, dict):
        pieces = []
        for index, reading in enumerate(value["readings"]):
            start = span.start_char if index == 0 or "start" not in reading else reading["start"]
            end = reading.get("end", span.end_char)
            piece = {k: v for k, v in reading.items() if k not in ("start", "end")}
            if span.label_ == "serum_markers":
                piece["marker"] = value["marker"]
            pieces.append((start, max(end, start + 1), piece))
        return pieces
    return [(span.start_char, span.end_char, value)]


def doc_to_mentions(
    doc: Doc, doc_id: str, *, offset: int = 0, original_text: str | None = None
) -> list[Mention]:
    """The mentions of one processed Doc; offsets shifted by ``offset`` (chunked notes).

    ``original_text`` is the note as read (the Doc may be a guarded copy of a
    chunk); evidence text is cut from it so it matches the file byte for byte.
    """
    source = original_text if original_text is not None else doc.text
    mentions: list[Mention] = []
    for span in doc.ents:
        section = section_of(span)
        assertion = assertion_of(span, section)
        for start, end, value in _value_pieces(span):
            mentions.append(
                Mention(
                    label=span.label_,
                    value=value,
                    assertion=assertion,
                    section=section,
                    doc_id=doc_id,
                    start=start + offset,
                    end=end + offset,
                    text=source[start + offset : end + offset],
                    rule=span._.extractor_rule,
                )
            )
    return mentions
