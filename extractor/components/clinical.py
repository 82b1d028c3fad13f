"""Clinical values: findings, age/sex, first department, skin biopsy, durations, outcome."""


from spacy.language import Language

from extractor.components._common import ParsedValues
from extractor.parsing import clinical
from extractor.schema import FINDING_KEYS

PARSERS = {
    "age_sex": clinical.parse_age_sex,
    "department": clinical.parse_department,
    "skin_biopsy": clinical.parse_skin_biopsy,
    "duration": clinical.parse_duration,
    "improvement": clinical.parse_improvement,
    "vital": clinical.parse_vital,
    "weight_loss": clinical.parse_weight_loss,
    "new_malignancy": clinical.parse_new_malignancy,
}
LABELS = (
    *FINDING_KEYS,
    "diagnosis",
    "malignancy_diagnosis",
    "age_at_diagnosis",
    "sex",
    "first_department",
    "skin_biopsy_diagnostic",
    "months_symptoms_to_diagnosis",
    "symptoms_improved",
    "vital_status",
)


class ClinicalValues(ParsedValues):
    parsers = PARSERS
    labels = LABELS


@Language.factory("extractor_clinical")
def make_clinical(nlp: Language, name: str) -> ClinicalValues:
    return ClinicalValues(nlp, name)
