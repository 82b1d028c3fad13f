"""What the value components share: span extensions and the parse-or-drop loop."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.tokens import Doc, Span

from extractor.components.sections import section_at
from extractor.parsing.context import SpanContext, report_kind
from extractor.parsing.registry import PARSERS

if not Span.has_extension("extractor_value"):
    Span.set_extension("extractor_value", default=None)
if not Span.has_extension("extractor_rule"):
    Span.set_extension("extractor_rule", default=None)
if not Doc.has_extension("extractor_report_kind"):
    Doc.set_extension("extractor_report_kind", getter=lambda doc: report_kind_of(doc))

def report_kind_of(doc: Doc) -> str | None:
    """The note's report kind ("pathology", "imaging" or None), worked out once per Doc."""
    if "extractor_report_kind" not in doc.user_data:
        doc.user_data["extractor_report_kind"] = report_kind(text_of(doc))
    return doc.user_data["extractor_report_kind"]


TEXT_KEY = "extractor_text"


def text_of(doc: Doc) -> str:
    """The note text, kept on the Doc by the pipeline's tokenizer (or built once):
    spaCy rebuilds ``doc.text`` from every token on each access, ~0.5 ms a note."""
    cached = doc.user_data.get(TEXT_KEY)
    if cached is None:
        cached = doc.text
        doc.user_data[TEXT_KEY] = cached
    return cached


def rule_metadata(span: Span) -> dict[str, Any]:
    """The metadata our loader put on the medspaCy TargetRule that matched ``span``."""
    rule = getattr(span._, "target_rule", None)
    return (rule.metadata or {}) if rule is not None else {}


def span_context(span: Span, *, section: str | None = None, kind: str | None = None) -> SpanContext:
    """A SpanContext over the span's sentence (character offsets relative to it)."""
    sent = span.sent
    doc_text = text_of(span.doc)
    return SpanContext(
        text=span.text,
        sentence=doc_text[sent.start_char : sent.end_char],
        start=span.start_char - sent.start_char,
        end=span.end_char - sent.start_char,
        section=section,
        rule_value=rule_metadata(span).get("value"),
        report_kind=kind,
        doc_head=doc_text[:300],
        preceding=doc_text[max(0, sent.start_char - 300) : sent.start_char],
        following=doc_text[sent.end_char : sent.end_char + 120],
    )


def section_of(span: Span) -> str | None:
    """medspaCy section category of the span's first token (None before any heading)."""
    section = section_at(span.doc, span.start)
    return section.category if section is not None else None


def apply_parsers(doc: Doc, labels: Iterable[str]) -> Doc:
    """Set ``span._.extractor_value`` for entities of ``labels`` by their rule's parser (else
    the rule's value); drop those a parser rejects."""
    wanted = set(labels)
    kind = doc._.extractor_report_kind if any(ent.label_ in wanted for ent in doc.ents) else None
    kept: list[Span] = []
    changed = False
    for ent in doc.ents:
        if ent.label_ not in wanted:
            kept.append(ent)
            continue
        meta = rule_metadata(ent)
        ent._.extractor_rule = meta.get("rule")
        parser = PARSERS.get(meta.get("parser") or "")
        if parser is None:
            ent._.extractor_value = meta.get("value")
            kept.append(ent)
            continue
        value = parser(span_context(ent, section=section_of(ent), kind=kind))
        if value is None:
            changed = True
            continue
        ent._.extractor_value = value
        kept.append(ent)
    if changed:
        doc.ents = kept
    return doc


class ParsedValues:
    """Shell of a value component: parse the entities of the labels the field catalogue
    says it values (``extractor.fields``, ``valued_by``)."""

    labels: tuple[str, ...] = ()

    def __init__(self, nlp: object, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        return apply_parsers(doc, self.labels)
