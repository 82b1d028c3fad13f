"""Our ConText (target sentences only, token patterns as phrases) gives medspaCy's ConText results."""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language

from extractor.components.context import lower_sequences
from extractor.pipeline import _context_rules, build_pipeline


SENTENCES = [
    "CLINICAL INDICATION:\nBiopsy-proven NME, glucagon 1240 pg/mL. ?glucagonoma\n",
    "Query glucagonoma. No evidence of metastatic disease in the liver.",
    "CT was requested to exclude glucagonoma; she denies diarrhoea or weight loss.",
    "Suspicious for a pancreatic neuroendocrine tumour, cannot be excluded.",
    "Her mother had type 2 diabetes mellitus. Negative for deep vein thrombosis.",
]


def test_lower_sequences_expands_sets_and_optional_tokens() -> None:
    pattern = [{"LOWER": {"IN": ["no", "without"]}}, {"LOWER": "evidence"}, {"LOWER": "of", "OP": "?"}]
    assert lower_sequences(pattern) == {
        ("no", "evidence", "of"): False,
        ("no", "evidence"): True,  # could have gone on with "of": reported later by spaCy
        ("without", "evidence", "of"): False,
        ("without", "evidence"): True,
    }
    # TEXT of strings without letter case is the same test as LOWER
    assert lower_sequences([{"TEXT": {"IN": [":", "-"]}}, {"LOWER": "negative"}]) == {
        (":", "negative"): False,
        ("-", "negative"): False,
    }
    # TEXT of a cased word, or any other attribute, stays a token pattern
    assert lower_sequences([{"TEXT": "No"}, {"LOWER": "rash"}]) is None
    assert lower_sequences([{"LOWER": {"REGEX": "^neg"}}]) is None


def _stock_context_pipeline() -> Language:
    """Our pipeline with medspaCy's own ConText (same rules) in place of ours."""
    nlp = build_pipeline()
    ours = nlp.get_pipe("extractor_context")
    nlp.remove_pipe("extractor_context")
    stock = nlp.add_pipe("medspacy_context", config={"rules": None})
    stock.add(_context_rules(ours))
    return nlp


def _modifiers(nlp: Language, text: str) -> list[tuple]:
    doc = nlp(text)
    return [
        (ent.start, ent.end, ent.label_, sorted((m.category, m.modifier_span) for m in ent._.modifiers))
        for ent in doc.ents
    ]



def test_same_modifiers_as_medspacy_context(nlp: Language, mtsamples: Callable[[int], list[str]]) -> None:
    stock = _stock_context_pipeline()
    texts = SENTENCES + mtsamples(60)
    assert [_modifiers(nlp, t) for t in texts] == [_modifiers(stock, t) for t in texts]
    # the sentences above do exercise ConText
    assert any(mods for t in SENTENCES for *_, mods in _modifiers(nlp, t))
