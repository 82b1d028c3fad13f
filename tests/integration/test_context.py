"""Our ConText (target sentences only, token patterns as phrases) gives medspaCy's ConText results."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from spacy.language import Language

from extractor.components.context import lower_sequences
from extractor.pipeline import _context_rules, build_pipeline

MTSAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mtsamples" / "mtsamples.csv"

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
    # other attributes stay token patterns
    assert lower_sequences([{"TEXT": {"IN": [":", "-"]}}, {"LOWER": "negative"}]) is None


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


def _real_notes(limit: int) -> list[str]:
    path = MTSAMPLES
    if not path.exists():
        pytest.skip("../shared/data/mtsamples not beside the repository")
    csv.field_size_limit(10**9)
    with path.open(encoding="utf-8") as handle:
        texts = [row["transcription"] for row in csv.DictReader(handle) if row["transcription"]]
    return texts[:: max(1, len(texts) // limit)][:limit]


def test_same_modifiers_as_medspacy_context(nlp: Language) -> None:
    stock = _stock_context_pipeline()
    texts = SENTENCES + _real_notes(60)
    assert [_modifiers(nlp, t) for t in texts] == [_modifiers(stock, t) for t in texts]
    # the sentences above do exercise ConText
    assert any(mods for t in SENTENCES for *_, mods in _modifiers(nlp, t))
