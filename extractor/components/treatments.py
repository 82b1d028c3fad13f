"""Treatment values: operations, somatostatin analogue regimens, PRRT, other therapies."""

from spacy.language import Language

from extractor.components._common import ParsedValues
from extractor.fields import labels_valued_by


class TreatmentValues(ParsedValues):
    labels = labels_valued_by("treatments")


@Language.factory("extractor_treatments")
def make_treatments(nlp: Language, name: str) -> TreatmentValues:
    return TreatmentValues(nlp, name)
