"""Abbreviations a note defines ("chromogranin A (CgA)") resolve to the long form's concept.

scispaCy's AbbreviationDetector (Schwartz-Hearst) finds the definitions; this
component then (1) gives every later use of a defined short form the label and
rule of the entity on its long form, and (2) drops entities on a short form the
note defines as something else (e.g. "DM" defined as dermatomyositis).
"""


from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extractor.components._common import rule_metadata


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
            if concept is None:
                # a short form defined as something we do not extract: drop our reading of it
                stale = by_start.get(short.start)
                if stale is not None and stale.end == short.end and stale.label_ != "diagnosis":
                    ents = [e for e in ents if e is not stale and not (e.start == short.start and e.end == short.end)]
                    changed = True
                continue
            if short.start in by_start and by_start[short.start].end == short.end:
                continue
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


__all__ = ["AbbreviationResolver", "make_abbreviations", "rule_metadata"]
