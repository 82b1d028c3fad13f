"""Candidate spans from the TargetMatcher's span group -> non-overlapping ``doc.ents``.

The TargetMatcher runs with ``result_type="group"``: its "ents" mode adds spans
one by one (quadratic in matches) and warns with the matched text on every
overlap. Here overlaps are resolved once, longest span first.
"""


from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans


class EntityResolver:
    def __init__(self, nlp: Language, name: str, *, span_group: str) -> None:
        self.name = name
        self.span_group = span_group

    def __call__(self, doc: Doc) -> Doc:
        candidates = list(doc.spans.get(self.span_group, []))
        doc.ents = filter_spans(candidates)
        if self.span_group in doc.spans:
            del doc.spans[self.span_group]
        return doc


@Language.factory("extractor_entities", default_config={"span_group": "extractor_candidates"})
def make_entities(nlp: Language, name: str, span_group: str) -> EntityResolver:
    return EntityResolver(nlp, name, span_group=span_group)
