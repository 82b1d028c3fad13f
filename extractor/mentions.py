"""Doc -> Mention rows: one per entity (one per reading for lab values)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from spacy.tokens import Doc, Span

from extractor.components._common import section_of, text_of
from extractor.parsing.clinical import pronoun_sex
from extractor.components.sections import section_at
from extractor.lexicon import concepts_of, forms_regex
from extractor.parsing.context import in_risk_discussion
from extractor.reading import VIEW_KEY, ReadingView
from extractor.schema import Assertion, Mention


_HEADING_LINE = re.compile(
    r"\n[ \t]*\n|\n[ \t]*(?!(?:Mother|Father|Sister|Brother|Maternal|Paternal|Sibling|Siblings|Children|Son|Daughter|Aunt|Uncle|Grand\w*|Parents?|Cousin)\b)[A-Z][A-Za-z /&()-]{2,40}:"
)


def in_section_block(span: Span, section: str | None, category: str) -> bool:
    """True inside a ``category`` block: from its heading to a blank line or the next heading.

    A heading the section rules do not know ("LABORATORY:") must not leave the
    rest of the note inside a family history or a differential diagnosis.
    """
    if section != category:
        return False
    section_found = section_at(span.doc, span.start)
    if section_found is None:
        return False
    _, title_end = section_found.title_span  # token offsets
    title_end_char = span.doc[title_end - 1].idx + len(span.doc[title_end - 1]) if title_end > 0 else 0
    between = text_of(span.doc)[title_end_char : span.start_char]
    return _HEADING_LINE.search(between) is None


def _risk_discussed(span: Span) -> bool:
    sentence = span.sent
    text = text_of(span.doc)
    return in_risk_discussion(
        text[sentence.start_char : sentence.end_char],
        span.start_char - sentence.start_char,
        span.end_char - sentence.start_char,
        text[max(0, sentence.start_char - 600) : sentence.start_char],
    )


def assertion_of(span: Span, section: str | None) -> Assertion:
    """ConText flags of a span; family-history and differential blocks add family / uncertain,
    consent and counselling paragraphs (risks of a procedure) and a disease's "signs and
    symptoms" block of a patient-information sheet add hypothetical."""
    return Assertion(
        # a word that is its own negation ("nondiabetic"): the rule's value says so
        negated=bool(getattr(span._, "is_negated", False)) or span._.extractor_value == "absent",
        historical=bool(getattr(span._, "is_historical", False)),
        # a patient-information sheet lists what a disease may cause, in no one
        hypothetical=bool(getattr(span._, "is_hypothetical", False))
        or _risk_discussed(span)
        or in_section_block(span, section, "disease_information"),
        # a baby's birth history tells the mother's pregnancy ("Pregnancy was not complicated by diabetes")
        family=bool(getattr(span._, "is_family", False))
        or in_section_block(span, section, "family_history")
        or in_section_block(span, section, "birth_history"),
        uncertain=bool(getattr(span._, "is_uncertain", False)) or in_section_block(span, section, "differential"),
    )


@cache
def _pancreas_part_words() -> re.Pattern[str]:
    """Any part of the pancreas the lexicon names, as a whole word."""
    return re.compile(rf"\b{forms_regex(concepts_of('pancreas_part'))}\b", re.IGNORECASE)


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
    if span.label_ == "tumor_location" and isinstance(value, list):
        # one mention per site word: "body and tail of the pancreas" -> "body", "tail"
        pieces = [
            (span.start_char + m.start(), span.start_char + m.end(), [m.group(0).lower()])
            for m in _pancreas_part_words().finditer(span.text)
        ]
        return [p for p in pieces if p[2][0] in value] or [(span.start_char, span.end_char, value)]
    return [(span.start_char, span.end_char, value)]


def doc_to_mentions(
    doc: Doc, doc_id: str, *, offset: int = 0, original_text: str | None = None
) -> list[Mention]:
    """The mentions of one processed Doc; offsets shifted by ``offset`` (chunked notes).

    ``original_text`` is the note as read (the Doc may be a guarded copy of a
    chunk); evidence text is cut from it so it matches the file byte for byte.
    """
    view: ReadingView | None = doc.user_data.get(VIEW_KEY)
    if original_text is not None:
        source = original_text
    else:
        source = view.original if view is not None else text_of(doc)
    mentions: list[Mention] = []
    for span in doc.ents:
        section = section_of(span)
        assertion = assertion_of(span, section)
        for start, end, value in _value_pieces(span):
            if view is not None:
                start, end = view.to_original(start, end)
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
    # a note that never calls the patient woman/man/Mr/Ms may still say she or he throughout
    stated = any(
        isinstance(m.value, dict) and m.value.get("sex") and not (m.assertion.family or m.assertion.hypothetical)
        for m in mentions
    )
    pronouns = None if stated else pronoun_sex(text_of(doc))
    if pronouns is not None:
        sex, start, end = pronouns
        if view is not None:
            start, end = view.to_original(start, end)
        mentions.append(
            Mention(
                label="sex",
                value={"age": None, "sex": sex, "at_diagnosis": False},
                doc_id=doc_id,
                start=start + offset,
                end=end + offset,
                text=source[start + offset : end + offset],
                rule="sex.pronouns",
            )
        )
    return mentions
