"""medspaCy's Sectionizer without the per-token section attribute.

medspaCy 1.3.1 sets ``token._.section`` on every token of the note, one
extension write each: ~0.6 ms of a 3 KB note, more than finding the headings.
Our components only ask which section a span starts in, which ``section_at``
answers by bisection over ``doc._.sections``. Everything else (``doc._.sections``,
heading sentence boundaries, parent sections, scopes, assertion attributes) is
medspaCy's; ``token._.section`` stays unset in this pipeline.
"""

from bisect import bisect_right
from collections.abc import Iterable

from medspacy.section_detection import Sectionizer
from medspacy.section_detection.section import Section
from spacy.language import Language
from spacy.tokens import Doc, Span

from extractor.focus import UNREAD_KEY
from extractor.medspacy_internals import applies_sentence_boundary, component_matcher, parent_sections


def section_at(doc: Doc, token_index: int) -> Section | None:
    """The section whose span holds token ``token_index`` (None before any or in a gap)."""
    sections = doc._.sections or []
    position = bisect_right([s.section_span[0] for s in sections], token_index) - 1
    if position < 0:
        return None
    section = sections[position]
    return section if token_index < section.section_span[1] else None


class SpanSectionizer(Sectionizer):
    def set_assertion_attributes(self, spans: Iterable[Span]) -> None:  # noqa: D102
        for span in spans:
            section = section_at(span.doc, span.start)
            if section is not None and section.category in self.assertion_attributes_mapping:
                for name, value in self.assertion_attributes_mapping[section.category].items():
                    setattr(span._, name, value)

    def __call__(self, doc: Doc) -> Doc:  # noqa: D102  medspaCy's __call__ minus the token loop
        if doc.user_data.get(UNREAD_KEY):
            doc._.sections = [Section(None, 0, 0, 0, len(doc))]  # as for a note without headings
            return doc
        matcher = component_matcher(self)
        matches = matcher(doc)
        if self.require_start_line:
            matches = self.filter_start_lines(doc, matches)
        if self.require_end_line:
            matches = self.filter_end_lines(doc, matches)
        if parent_sections(self):
            matches = self.set_parent_sections(matches)
        doc._.sections = []
        if not matches:
            doc._.sections.append(Section(None, 0, 0, 0, len(doc)))
            return doc
        sections: list[Section] = []
        heading_starts_sentence = applies_sentence_boundary(self)
        if matches[0][1] != 0:
            sections.append(Section(None, 0, 0, 0, matches[0][1]))
        for i, match in enumerate(matches):
            parent = None
            if len(match) == 4:
                match_id, start, end, parent_index = match
                if parent_index is not None:
                    parent = sections[parent_index]
            else:
                match_id, start, end = match
            if heading_starts_sentence:
                doc[start].sent_start = True
                if end < len(doc):
                    doc[end].sent_start = True
            rule = matcher.rule_map[self.nlp.vocab.strings[match_id]]
            limit = rule.max_scope if rule.max_scope is not None else self.max_section_length
            next_start = matches[i + 1][1] if i + 1 < len(matches) else len(doc)
            if limit is not None:
                next_start = min(end + limit, next_start if i + 1 < len(matches) else doc[-1].i + 1)
            sections.append(Section(rule.category, start, end, end, next_start, parent, rule))
        doc._.sections.extend(sections)
        if self.assertion_attributes_mapping:
            if self.input_span_type.lower() == "ents":
                self.set_assertion_attributes(doc.ents)
            elif self.input_span_type.lower() == "group":
                self.set_assertion_attributes(doc.spans[self.span_group_name])
        return doc


@Language.factory(
    "extractor_sections",
    default_config={"rules": None, "max_section_length": None, "apply_sentence_boundary": False},
)
def make_sections(
    nlp: Language, name: str, rules: str | None, max_section_length: int | None, apply_sentence_boundary: bool
) -> SpanSectionizer:
    return SpanSectionizer(
        nlp,
        name=name,
        rules=rules,
        max_section_length=max_section_length,
        apply_sentence_boundary=apply_sentence_boundary,
    )
