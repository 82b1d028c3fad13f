"""Our Sectionizer (no per-token attribute) finds medspaCy's sections; section_at answers per token."""

from __future__ import annotations

from collections.abc import Callable

import spacy
from medspacy.section_detection import SectionRule

from extractor.search.matcher import speed_up
from extractor.components.sections import section_at
from extractor.pipeline import split_inner_brackets
from extractor.ruleset import section_rules

NOTES = [
    "HISTORY OF PRESENT ILLNESS: 52-year-old with a rash.\nFAMILY HISTORY: Mother with diabetes.\n"
    "PLAN: CT pancreas.",
    "Seen today. No headings in this letter at all.",
    "Impression: 3.2 cm mass in the pancreatic tail.\n\nRecommendation: MDT discussion.",
]


def _sectionizer(factory: str) -> spacy.language.Language:
    import medspacy  # noqa: F401  registers medspacy_sectionizer

    nlp = spacy.blank("en")
    split_inner_brackets(nlp)
    sectionizer = nlp.add_pipe(factory, config={"rules": None})
    sectionizer.add([SectionRule(literal=r.literal, category=r.category, pattern=r.pattern) for r in section_rules()])
    speed_up(sectionizer)
    return nlp



def test_same_sections_as_medspacy_and_per_token_lookup(mtsamples: Callable[[int], list[str]]) -> None:
    ours, stock = _sectionizer("extractor_sections"), _sectionizer("medspacy_sectionizer")
    checked = 0
    for text in NOTES + mtsamples(60):
        ours_doc, stock_doc = ours(text), stock(text)
        assert [(s.category, s.section_span) for s in ours_doc._.sections] == [
            (s.category, s.section_span) for s in stock_doc._.sections
        ]
        for token in stock_doc:
            expected = token._.section.category if token._.section is not None else None
            found = section_at(ours_doc, token.i)
            assert (found.category if found is not None else None) == expected
            checked += expected is not None
    assert checked > 1000  # headings were found, not only the no-heading case


def test_a_heading_starts_a_word() -> None:
    """"PE:" or "SH:" at the end of another word is no heading: "Specimen type:" is not the
    physical examination, and "Mesh:" or "rash:" is not the social history."""
    nlp = _sectionizer("extractor_sections")
    doc = nlp(
        "Specimen type: pancreatic tail resection.\nHistologic type: well differentiated neuroendocrine "
        "tumour.\nMesh: polypropylene.\nPE: abdomen soft.\nSH: ex-smoker.\nOn examination: scaly rash:"
        " crusted.\nCECT abdomen: 3 cm tail mass."
    )
    headings = [(s.category, doc[s.title_span[0] : s.title_span[1]].text) for s in doc._.sections if s.category]
    assert headings == [
        ("physical_exam", "PE:"),
        ("social_history", "SH:"),
        ("physical_exam", "On examination:"),
        ("imaging", "CECT abdomen:"),  # contrast-enhanced CT
    ]
