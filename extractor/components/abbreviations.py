"""Abbreviations a note defines ("chromogranin A (CgA)") resolve to the long form's concept.

scispaCy's AbbreviationDetector (Schwartz-Hearst) finds the definitions; this
component then (1) gives every use of a defined short form the label and rule of
the entity on its long form, also where the lexicon read the short form as another
concept, and (2) drops entities on a short form the note defines as something we do
not extract (e.g. "DM" defined as dermatomyositis).
"""


from typing import Any

import numpy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extractor.components._common import rule_metadata, text_of
from extractor.focus import NEEDS_FULL_KEY, occurs_in_gaps


# scispaCy's filter_matches drops bracketed spans of more words than this.
_MAX_BRACKETED_WORDS = 8


class BracketPairs:
    """The matches scispaCy's parenthesis Matcher (``( + )``) gives that its
    ``filter_matches`` can keep, in the Matcher's order (by closing bracket, then
    the latest opening bracket first), found from the token ids. The Matcher's
    ``+`` wildcard kept a state open from every "(" to the end of the note:
    ~0.9 ms of a 3 KB note."""

    def __init__(self, vocab: Any) -> None:
        self.open_id = vocab.strings.add("(")
        self.close_id = vocab.strings.add(")")

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        orths = doc.to_array([ORTH]).reshape(-1)
        opens = numpy.flatnonzero(orths == self.open_id).tolist()
        if not opens:
            return []
        closes = numpy.flatnonzero(orths == self.close_id).tolist()
        matches: list[tuple[int, int, int]] = []
        for close in closes:
            for start in reversed(opens):
                if start >= close - 1:
                    continue
                if close - start - 1 > _MAX_BRACKETED_WORDS:
                    break
                matches.append((0, start, close + 1))
        return matches


def speed_up_detector(detector: Any) -> None:
    """Give scispaCy's AbbreviationDetector the bracket finder in place of its Matcher."""
    detector.matcher = BracketPairs(detector.global_matcher.vocab)


def _looks_like_abbreviation(text: str) -> bool:
    """Short, one token-ish, with a capital or digit: "NME", "CgA", "SSTR2", not "positive"."""
    return 1 < len(text) <= 10 and " " not in text and any(c.isupper() or c.isdigit() for c in text)


class AbbreviationResolver:
    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        abbreviations = getattr(doc._, "abbreviations", None)
        if not abbreviations:
            return doc
        by_start = {ent.start: ent for ent in doc.ents}
        ents = list(doc.ents)
        changed = False
        for short in abbreviations:
            long_form = short._.long_form
            if not _looks_like_abbreviation(short.text):
                continue  # "(positive)", "(diffuse)": a gloss, not an abbreviation
            # the concept must be what the long form names, not a word inside a longer phrase
            concept = next(
                (e for e in doc.ents if e.end == long_form.end and e.start >= long_form.start and len(e) * 2 >= len(long_form)),
                None,
            )
            if concept is not None and occurs_in_gaps(doc, text_of(doc), short[0].text):
                # scispaCy would have found this use in a sentence the focus left untokenized
                doc.user_data[NEEDS_FULL_KEY] = True
            if concept is None:
                # a short form defined as something we do not extract: drop our reading of it
                stale = by_start.get(short.start)
                if stale is not None and stale.end == short.end and stale.label_ != "diagnosis":
                    ents = [e for e in ents if e is not stale and not (e.start == short.start and e.end == short.end)]
                    changed = True
                continue
            existing = by_start.get(short.start)
            if existing is not None and existing.end == short.end:
                if existing.label_ == concept.label_ and rule_metadata(existing).get("value") == rule_metadata(concept).get("value"):
                    continue
                # the note's own definition wins over the lexicon's reading of the short form:
                # "immunoreactive gastrin (IRG)" although IRG is elsewhere immunoreactive glucagon
                ents = [e for e in ents if not (e.start == existing.start and e.end == existing.end)]
            added = Span(doc, short.start, short.end, label=concept.label_)
            added._.target_rule = getattr(concept._, "target_rule", None)
            ents.append(added)
            changed = True
        if changed:
            doc.ents = filter_spans(ents)
        return doc


@Language.factory("extractor_abbreviations", requires=["doc._.abbreviations"])
def make_abbreviations(nlp: Language, name: str) -> AbbreviationResolver:
    return AbbreviationResolver(nlp, name)

