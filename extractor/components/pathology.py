"""Pathology values: Ki-67, grade, size, site, metastases, TNM."""

from spacy.language import Language

from extractor.components._common import ParsedValues
from extractor.fields import labels_valued_by


class PathologyValues(ParsedValues):
    labels = labels_valued_by("pathology")


@Language.factory("extractor_pathology")
def make_pathology(nlp: Language, name: str) -> PathologyValues:
    return PathologyValues(nlp, name)
