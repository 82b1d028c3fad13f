"""A fast clinical sentence splitter (replaces PyRuSH, which is ~80% of medspaCy's time).

Boundaries: sentence punctuation followed by a capital/digit (not after common
abbreviations or inside decimals), semicolons, blank lines, and line breaks
before a heading, a list item, a table row or a capitalised line. Wrapped lines
that continue in lower case stay together. Sentences are capped at
``max_tokens`` so ConText scope and matcher cost stay bounded on run-on text.
"""


import re

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from extractor.components._common import text_of
from extractor.regex_tools import matches_from_openers, opener_table
from extractor.focus import UNREAD_KEY

# The leading lookaheads change nothing matched: every alternative starts with one
# of those characters, so a position without one fails at once instead of trying
# six alternatives (3x faster); "(?=[.!?])" does the same for the eleven lookbehinds.
_BOUNDARY = re.compile(
    r"(?=[.!?;\n\"')\],])(?:"
    r"(?=[.!?])(?<!\b[A-Z])(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\bapprox)(?<!\bNo)(?<!\bSt)(?<!\bFig)"
    r"[.!?]+[\"')\]]*\s+(?=[A-Z0-9\"'(\[•\-*])"
    r"|;\s+"
    # OCR and some exports set the full stop apart from its word: "of the cervix .The mass"
    r"|(?=\.)(?<=\w )\.(?=[A-Z][a-z])"
    # a line end that a scrape or an export turned into a comma: "...in time.,PAST MEDICAL HISTORY:"
    r"|(?<=[.!?])[\"')\]]*,\s*(?=[A-Z0-9(\[])"
    r"|\n[ \t]*\n\s*"
    r"|\n(?=[ \t]*(?:[-*•·>]|\d{1,2}[.)]\s|\(?[A-Z][.)]\s|[A-Z][A-Za-z /&()-]{0,40}:|[A-Z]{2,}|[A-Z][a-z]))"
    r")"
)


BOUNDARIES_KEY = "extractor_sentence_boundaries"


# every match opens with one of these characters (the pattern's leading lookahead)
_BOUNDARY_OPENERS = ".!?;\n\"')],"
_OPENERS = opener_table(_BOUNDARY_OPENERS)


def sentence_boundaries(text: str) -> list[int]:
    """Character offsets where a sentence may start (a token at or after one starts it).
    The pattern is tried only where one of its opening characters stands: re would try its
    leading lookahead at every character, which cost 4 % of the pipeline."""
    return [match.end() for match in matches_from_openers(_BOUNDARY, text, _OPENERS)]


def boundaries_of(doc: Doc) -> list[int]:
    """The note's boundaries, as found before tokenization (pipeline.NotePipeline) or now."""
    found = doc.user_data.get(BOUNDARIES_KEY)
    return found if found is not None else sentence_boundaries(text_of(doc))


class ClinicalSentencizer:
    """Sets ``token.is_sent_start`` from character boundaries found by one regex pass."""

    def __init__(self, nlp: Language, name: str, *, max_tokens: int) -> None:
        self.name = name
        self.max_tokens = max_tokens

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        if doc.user_data.get(UNREAD_KEY):
            doc[0].is_sent_start = True  # one sentence: nothing in it is read
            return doc
        boundaries = numpy.array(boundaries_of(doc), dtype=numpy.int64)
        token_starts = doc.to_array(IDX).astype(numpy.int64)
        # a token starts a sentence when a boundary lies after the previous token's start
        previous = numpy.concatenate(([-1], token_starts[:-1]))
        starts = numpy.searchsorted(boundaries, token_starts, side="right") > numpy.searchsorted(
            boundaries, previous, side="right"
        )
        starts[0] = True
        # cap run-on sentences so ConText scope and matcher cost stay bounded
        positions = numpy.flatnonzero(starts)
        lengths = numpy.diff(positions, append=len(doc))
        capped = starts.copy()
        for first, length in zip(positions[lengths > self.max_tokens].tolist(), lengths[lengths > self.max_tokens].tolist()):
            capped[first + self.max_tokens : first + length : self.max_tokens] = True
        values = numpy.where(capped, 1, -1).astype(numpy.uint64).reshape(-1, 1)
        doc.from_array([SENT_START], values)
        return doc


@Language.factory("extractor_sentences", default_config={"max_tokens": 120})
def make_sentences(nlp: Language, name: str, max_tokens: int) -> ClinicalSentencizer:
    return ClinicalSentencizer(nlp, name, max_tokens=max_tokens)
