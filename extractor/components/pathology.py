"""Pathology values: Ki-67, grade, size, site, metastases, TNM."""


from spacy.language import Language

from extractor.components._common import ParsedValues
from extractor.parsing import pathology

PARSERS = {
    "ki67": pathology.parse_ki67,
    "grade": pathology.parse_grade,
    "size": pathology.parse_size,
    "location": pathology.parse_location,
    "metastasis": pathology.parse_metastasis,
    "tnm": pathology.parse_tnm,
}
LABELS = ("ki67_percent", "who_grade", "tumor_size_cm", "tumor_location", "metastasis_sites", "tnm")


class PathologyValues(ParsedValues):
    parsers = PARSERS
    labels = LABELS


@Language.factory("extractor_pathology")
def make_pathology(nlp: Language, name: str) -> PathologyValues:
    return PathologyValues(nlp, name)
