"""Treatment values: operations, somatostatin analogue regimens, PRRT, other therapies."""


from spacy.language import Language

from extractor.components._common import ParsedValues
from extractor.parsing import treatment

PARSERS = {
    "surgery": treatment.parse_surgery,
    "regimen": treatment.parse_regimen,
    "prrt": treatment.parse_prrt,
    "systemic": treatment.parse_systemic,
}
LABELS = (
    "surgery",
    "somatostatin_analogue",
    "prrt",
    "systemic_therapy",
    "locoregional_therapy",
    "amino_acid_infusion",
    "zinc_supplementation",
)


class TreatmentValues(ParsedValues):
    parsers = PARSERS
    labels = LABELS


@Language.factory("extractor_treatments")
def make_treatments(nlp: Language, name: str) -> TreatmentValues:
    return TreatmentValues(nlp, name)
