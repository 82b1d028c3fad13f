"""Immunohistochemistry results for the marker mentions classified as stains."""


from spacy.language import Language
from spacy.tokens import Doc

from extractor.components._common import text_of
from extractor.parsing.ihc import ihc_result


class IHCResults:
    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        stains = [e for e in doc.ents if e.label_ == "ihc"]
        if not stains:
            return doc
        dropped: set[int] = set()
        text = text_of(doc)
        for ent in stains:
            sent = ent.sent
            sentence = text[sent.start_char : sent.end_char]
            others = [
                (o.start_char - sent.start_char, o.end_char - sent.start_char)
                for o in stains
                if o is not ent and o.sent.start == sent.start
            ]
            result = ihc_result(sentence, (ent.start_char - sent.start_char, ent.end_char - sent.start_char), others)
            if result is None:
                dropped.add(ent.start)
                continue
            ent._.extractor_value = {"marker": ent._.extractor_value["marker"], "result": result}
        if dropped:
            doc.ents = [e for e in doc.ents if not (e.label_ == "ihc" and e.start in dropped)]
        return doc


@Language.factory("extractor_ihc")
def make_ihc(nlp: Language, name: str) -> IHCResults:
    return IHCResults(nlp, name)

