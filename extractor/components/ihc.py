"""Immunohistochemistry results for the marker mentions classified as stains."""


from spacy.language import Language
from spacy.tokens import Doc, Span

from extractor.components._common import text_of
from extractor.parsing.ihc import ihc_result, stain_of_a_node


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
        dropped |= _negative_stains_of_a_node(text, [e for e in stains if e.start not in dropped])
        if dropped:
            doc.ents = [e for e in doc.ents if not (e.label_ == "ihc" and e.start in dropped)]
        return doc


# how far before a node's stain statement the same stain's result may stand ("Keratin: Negative." /
# "The negative staining for keratin rules out a lymph node metastasis.")
_NODE_STATEMENT_REACH = 300


def _negative_stains_of_a_node(text: str, stains: list[Span]) -> set[int]:
    """The negative results of stains done on a lymph node: a negative keratin of a node ruling out
    its metastasis says nothing of the primary tumour's keratin. Positive results are kept: a
    metastasis stained in a node is the tumour's."""
    node_statements: dict[str, list[tuple[int, int]]] = {}
    for ent in stains:
        sent = ent.sent
        if "node" in text[sent.start_char : sent.end_char].lower() and stain_of_a_node(text[sent.start_char : sent.end_char]):
            node_statements.setdefault(ent._.extractor_value["marker"], []).append((sent.start_char, sent.end_char))
    if not node_statements:
        return set()
    dropped: set[int] = set()
    for ent in stains:
        value = ent._.extractor_value
        if value.get("result") != "negative":
            continue
        for start, end in node_statements.get(value["marker"], ()):
            # the statement's own sentence, or a result just before it in the same paragraph
            if start - _NODE_STATEMENT_REACH <= ent.start_char < end and "\n\n" not in text[ent.end_char : start]:
                dropped.add(ent.start)
    return dropped


@Language.factory("extractor_ihc")
def make_ihc(nlp: Language, name: str) -> IHCResults:
    return IHCResults(nlp, name)

