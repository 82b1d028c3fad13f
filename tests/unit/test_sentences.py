"""The clinical sentence splitter on its own."""

from __future__ import annotations

import spacy

from extractor.components.sentences import ClinicalSentencizer


def test_run_on_sentences_are_capped_at_max_tokens() -> None:
    """ConText scope and matcher cost stay bounded on text without punctuation."""
    nlp = spacy.blank("en")
    run_on = " ".join(["word"] * 300) + ". Next sentence here."
    doc = ClinicalSentencizer(nlp, "s", max_tokens=120)(nlp.make_doc(run_on))
    starts = [t.i for t in doc if t.is_sent_start]
    assert starts == [0, 120, 240, 301]  # 300 words and the full stop, then "Next"
