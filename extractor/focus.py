"""Tokenize only the sentences a mention can come from and the words of section
headings; the rest of a note is kept as placeholder tokens per stretch between
them ("gaps").

Every entity descends from a target-rule match (a regex over the text) or from a
use of an abbreviation the note defines, and everything our components read
around an entity is its sentence (ConText scope, value parsers) or the text
itself. A section heading is read only as the tokens its match covers (where the
section starts). So a Doc whose tokens are spaCy's own in the sentences holding
a target match and in the words of each heading match, and coarse elsewhere,
gives the same mentions as the fully tokenized note. About 80% of a general
clinical note is in gaps.

Why the result is the same, piece by piece:

- spaCy's tokenizer splits the text into whitespace and non-whitespace runs and
  tokenizes each run on its own, so a piece cut at the start of a non-whitespace
  run tokenizes exactly as it does inside the whole note. Pieces are cut only at
  sentence boundaries that are such run starts ("clean cuts"); a cut is then the
  first token of a sentence in both Docs, and every focused sentence keeps its
  tokens (the sentence splitter's token cap counts the same tokens).
- Matches are mapped to tokens by the characters they cover, and every piece a
  match overlaps is tokenized. A heading's piece runs from its start, when a
  word starts there (else from the clean cut before it), to the start of the
  first word after it: word starts follow whitespace, so they are clean cuts too
  (they split the heading's sentence, which holds no target match, or its tokens
  would all be there).
- scispaCy's abbreviation detector reads up to 33 tokens before a "(" (the long
  form) and up to 8 after it: the pieces around every "(" covering 34 words before
  it and 10 after are tokenized, so it finds the same definitions. It also finds
  every later use of a short form: when one defined for an extracted concept also
  occurs in a gap, the resolver flags the Doc (``NEEDS_FULL_KEY``) and the
  pipeline redoes that note fully tokenized.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence

from spacy.tokens import Doc

# The character ranges of the gaps of a focused Doc.
GAPS_KEY = "extractor_gaps"
# Set by a component when the focused Doc cannot give the full Doc's mentions.
NEEDS_FULL_KEY = "extractor_needs_full"
# Set on the Doc of a note no target rule matches: it has no mentions, nothing of it
# is tokenized, and the sentence splitter and sectionizer leave it as one untitled
# sentence and section (its headings would be placeholder tokens anyway).
UNREAD_KEY = "extractor_unread"
# Tokenize the whole note when the focus would cover more than this share of it.
MAX_FOCUSED_SHARE = 0.8
# scispaCy reads at most 32 + 1 tokens before "(" and 8 inside the brackets.
WORDS_BEFORE_BRACKET = 34
WORDS_AFTER_BRACKET = 10

_WORD = re.compile(r"\S+")
_WORD_START = re.compile(r"(?<!\S)\S")
_OPENING = re.compile(r"\(")
_PLACEHOLDER_BLOCK = "\x00" * 63 + " "

Piece = tuple[int, int, bool]


def clean_cuts(text: str, boundaries: Iterable[int]) -> list[int]:
    """0, the sentence boundaries that start a non-whitespace run after whitespace, len(text)."""
    size = len(text)
    cuts = [0]
    for position in boundaries:
        if 0 < position < size and text[position - 1].isspace() and not text[position].isspace():
            cuts.append(position)
    cuts.append(size)
    return cuts


def bracket_windows(text: str) -> list[tuple[int, int]]:
    """Around every "(": from the start of the 34th word before it to the end of the 10th after."""
    if "(" not in text:
        return []
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    starts = [start for start, _ in words]
    windows = []
    for bracket in _OPENING.finditer(text):
        position = bracket.start()
        here = bisect_right(starts, position) - 1  # the word holding the bracket
        first = max(here - WORDS_BEFORE_BRACKET, 0)
        last = min(max(here, 0) + WORDS_AFTER_BRACKET, len(words) - 1)
        windows.append((words[first][0], words[last][1]))
    return windows


def word_ranges(text: str, cuts: Sequence[int], needed: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each of the ``needed`` character ranges widened to clean cuts: from its start
    if a word starts there (else from the clean cut before it) to the start of the
    first word at or after its end (else, when none is near, the clean cut after it)."""
    ranges = []
    for start, end in needed:
        if start == 0 or text[start - 1].isspace() and not text[start].isspace():
            first = start
        else:
            first = cuts[bisect_right(cuts, start) - 1]
        # bounded look-ahead: a run-on "word" of thousands of characters is not scanned per heading
        after = _WORD_START.search(text, end, end + 200)
        ranges.append((first, after.start() if after else cuts[bisect_left(cuts, end)]))
    return ranges


def focus_pieces(
    text: str,
    cuts: Sequence[int],
    needed: Iterable[tuple[int, int]],
    words_needed: Iterable[tuple[int, int]] = (),
) -> list[Piece]:
    """(start, end, focused) pieces covering ``text``: a piece between two cuts is
    focused when one of the ``needed`` character ranges overlaps it; the words of
    the ``words_needed`` ranges are focused too (see ``word_ranges``)."""
    focused = [False] * (len(cuts) - 1)
    for start, end in needed:
        first = max(bisect_right(cuts, start) - 1, 0)
        last = min(bisect_left(cuts, max(end, start + 1)), len(focused))
        for position in range(first, last):
            focused[position] = True
    ranges = [(cuts[position], cuts[position + 1]) for position, is_focused in enumerate(focused) if is_focused]
    ranges += word_ranges(text, cuts, words_needed)
    pieces: list[Piece] = []
    covered = 0
    for start, end in sorted(ranges):
        if end <= max(start, covered):
            continue
        if start > covered:
            pieces.append((covered, start, False))
        if pieces and pieces[-1][2] and pieces[-1][1] >= start:
            pieces[-1] = (pieces[-1][0], end, True)
        else:
            pieces.append((max(start, covered), end, True))
        covered = end
    if covered < len(text) or not pieces:
        pieces.append((covered, len(text), False))
    return pieces


def focused_share(pieces: Sequence[Piece]) -> float:
    total = pieces[-1][1] if pieces else 0
    return sum(end - start for start, end, focused in pieces if focused) / total if total else 1.0


def placeholder(gap: str) -> str:
    """What the tokenizer sees for a gap: its trailing whitespace as written, the rest
    "\\x00" runs of at most 64 (so spaCy's StringStore, which keeps every token
    string forever, gains at most 64 strings however many notes go through); it
    starts where the gap starts, so the gap's first token starts the sentence there."""
    core = gap.rstrip()
    size = len(core)
    if size == 0:
        return gap
    masked = (_PLACEHOLDER_BLOCK * (size // len(_PLACEHOLDER_BLOCK) + 1))[:size]
    if masked[-1] == " ":
        masked = masked[:-1] + "\x00"
    return masked + gap[size:]


def focused_doc(tokenize: Callable[[str], Doc], text: str, pieces: Sequence[Piece]) -> Doc:
    """The Doc of ``text`` tokenized in its focused pieces, each gap a few placeholder
    tokens (same length, so every offset is the note's). ``doc.text`` shows the gaps
    masked; the note is ``text_of(doc)``."""
    masked = "".join(text[start:end] if is_focused else placeholder(text[start:end]) for start, end, is_focused in pieces)
    doc = tokenize(masked)
    doc.user_data[GAPS_KEY] = [(start, end) for start, end, is_focused in pieces if not is_focused]
    return doc


def occurs_in_gaps(doc: Doc, text: str, word: str) -> bool:
    """Whether ``word`` occurs in a gap of a focused Doc (never for a fully tokenized one)."""
    return any(word in text[start:end] for start, end in doc.user_data.get(GAPS_KEY, ()))
