"""The bracket finder gives scispaCy's abbreviation detector the candidates its Matcher gave."""

from __future__ import annotations

from collections.abc import Callable

import spacy
from scispacy.abbreviation import filter_matches
from spacy.matcher import Matcher

from extractor.components.abbreviations import BracketPairs
from extractor.pipeline import split_inner_brackets

TEXTS = [
    "Necrolytic migratory erythema (NME) on the shins; chromogranin A (CgA) 310 (ref < 100).",
    "CgA (chromogranin A) raised ( see letter ( enclosed ) ) and (( nested )).",
    "Trailing bracket ) first, then ( an open one without a close",
]


def _candidates(doc: spacy.tokens.Doc, matches: list[tuple[int, int, int]]) -> list[tuple[int, ...]]:
    """What scispaCy keeps of the bracket matches, as token offsets, in order."""
    inner = [(m, start + 1, end - 1) for m, start, end in matches]
    return [(lf.start, lf.end, sf.start, sf.end) for lf, sf in filter_matches(inner, doc)]



def test_same_candidates_as_scispacy_matcher(mtsamples: Callable[[int], list[str]]) -> None:
    nlp = spacy.blank("en")
    split_inner_brackets(nlp)
    matcher = Matcher(nlp.vocab)
    matcher.add("parenthesis", [[{"ORTH": "("}, {"OP": "+"}, {"ORTH": ")"}]])
    brackets = BracketPairs(nlp.vocab)
    found = 0
    for text in TEXTS + mtsamples(300):
        doc = nlp.make_doc(text)
        expected = _candidates(doc, matcher(doc))
        assert _candidates(doc, brackets(doc)) == expected
        found += len(expected)
    assert found > 20  # definitions were found, not only notes without any
