"""Clinical values: findings, age/sex, first department, skin biopsy, durations, outcome."""

from spacy.language import Language

from extractor.components._common import ParsedValues
from extractor.fields import labels_valued_by


class ClinicalValues(ParsedValues):
    labels = labels_valued_by("clinical")


@Language.factory("extractor_clinical")
def make_clinical(nlp: Language, name: str) -> ClinicalValues:
    return ClinicalValues(nlp, name)
