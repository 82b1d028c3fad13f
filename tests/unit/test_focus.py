"""Focused tokenization: pieces cut at clean sentence starts tokenize as in the whole note."""

from __future__ import annotations

import re
from collections.abc import Callable

from spacy.language import Language

from extractor.components.sentences import sentence_boundaries
from extractor.focus import GAPS_KEY, bracket_windows, clean_cuts, focus_pieces, focused_doc


def _tokens(doc, start: int, end: int) -> list[tuple[int, str, str]]:
    return [(t.idx, t.text, t.whitespace_) for t in doc if start <= t.idx < end]


def test_clean_cuts_are_sentence_starts_after_whitespace() -> None:
    text = "Glucagon 410 pg/mL. Plan:\n  - repeat scan\nRash on shins; zinc low."
    cuts = clean_cuts(text, sentence_boundaries(text))
    assert cuts[0] == 0 and cuts[-1] == len(text)
    # every cut starts a word right after whitespace ...
    assert all(text[c - 1].isspace() and not text[c].isspace() for c in cuts[1:-1])
    # ... so the indented list item, whose boundary falls before its spaces, is not one
    assert text.index("- repeat") not in cuts
    assert text.index("Plan") in cuts and text.index("zinc") in cuts


def test_focus_pieces_cover_the_text_and_every_needed_range() -> None:
    text = "One. Two glucagon. Three. Four (CgA). Five."
    cuts = clean_cuts(text, sentence_boundaries(text))
    needed = [(text.index("glucagon"), text.index("glucagon") + 8)]
    pieces = focus_pieces(text, cuts, needed)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a[1] == b[0] and a[2] != b[2] for a, b in zip(pieces, pieces[1:]))
    focused = "".join(text[s:e] for s, e, f in pieces if f)
    assert focused == "Two glucagon. "


def test_heading_words_are_focused_without_their_sentence() -> None:
    text = "Seen in clinic today. Plan discussed FAMILY HISTORY: mother well. Rash on shins."
    cuts = clean_cuts(text, sentence_boundaries(text))
    heading = text.index("FAMILY HISTORY:")
    rash = text.index("Rash")
    pieces = focus_pieces(text, cuts, [(rash, rash + 4)], [(heading, heading + len("FAMILY HISTORY:"))])
    assert [text[s:e] for s, e, f in pieces if f] == ["FAMILY HISTORY: ", "Rash on shins."]
    # a match that starts inside a word is widened to the clean cut before it
    inside = text.index("ISTORY:")
    pieces = focus_pieces(text, cuts, [], [(inside, inside + len("ISTORY:"))])
    assert [text[s:e] for s, e, f in pieces if f] == ["Plan discussed FAMILY HISTORY: "]
    # a heading in a sentence that is needed anyway adds nothing
    pieces = focus_pieces(text, cuts, [(heading, heading + 1)], [(heading, heading + len("FAMILY HISTORY:"))])
    assert [text[s:e] for s, e, f in pieces if f] == ["Plan discussed FAMILY HISTORY: mother well. "]


def test_bracket_windows_reach_words_before_and_after() -> None:
    words = [f"w{i}" for i in range(60)]
    text = " ".join(words[:40]) + " (SF) " + " ".join(words[40:])
    (start, end), = bracket_windows(text)
    assert text[start:].startswith("w6 ")  # 34 words before the "(SF)" word
    assert text[:end].endswith("w49")  # 10 words after it


def test_focused_pieces_tokenize_as_in_the_whole_note(nlp: Language, mtsamples: Callable[[int], list[str]]) -> None:
    tokenize = nlp.tokenizer.tokenizer
    compared = 0
    for text in mtsamples(150):
        cuts = clean_cuts(text, sentence_boundaries(text))
        # every other sentence focused: the hardest case for offsets and whitespace;
        # and, as for headings, every ninth word and a stretch inside every ninth other
        needed = [(cuts[i], cuts[i] + 1) for i in range(0, len(cuts) - 1, 2)]
        words = [m.span() for m in re.finditer(r"\S{2,}", text)]
        headings = words[::9] + [(start + 1, end) for start, end in words[4::9]]
        pieces = focus_pieces(text, cuts, needed, headings)
        doc, whole = focused_doc(tokenize, text, pieces), tokenize(text)
        assert len(doc.text) == len(text)
        assert [(s, e) for s, e, f in pieces if not f] == doc.user_data[GAPS_KEY]
        for start, end, is_focused in pieces:
            if is_focused:
                assert _tokens(doc, start, end) == _tokens(whole, start, end)
                compared += 1
            else:  # placeholders only, the first one where the gap starts
                gap_tokens = [t for t in doc if start <= t.idx < end]
                assert gap_tokens[0].idx == start
                assert all(set(t.text) <= {"\x00"} or t.is_space for t in gap_tokens)
    assert compared > 150

