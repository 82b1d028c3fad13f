"""The value parsers by name: what a target rule's ``parser`` field may say.

A rule names its parser (``"parser": "ki67"``); the rule loader refuses a name
that is not here, and the value components look the function up here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from extractor.parsing import clinical, pathology, treatment
from extractor.parsing.context import SpanContext

Parser = Callable[[SpanContext], Any]
"""A value parser: the match in its sentence -> the value, or None to drop the mention."""

PARSERS: Mapping[str, Parser] = MappingProxyType(
    {
        "age_sex": clinical.parse_age_sex,
        "department": clinical.parse_department,
        "skin_biopsy": clinical.parse_skin_biopsy,
        "duration": clinical.parse_duration,
        "improvement": clinical.parse_improvement,
        "vital": clinical.parse_vital,
        "weight_loss": clinical.parse_weight_loss,
        "new_malignancy": clinical.parse_new_malignancy,
        "ki67": pathology.parse_ki67,
        "grade": pathology.parse_grade,
        "size": pathology.parse_size,
        "location": pathology.parse_location,
        "metastasis": pathology.parse_metastasis,
        "tnm": pathology.parse_tnm,
        "surgery": treatment.parse_surgery,
        "regimen": treatment.parse_regimen,
        "prrt": treatment.parse_prrt,
        "systemic": treatment.parse_systemic,
        "chemotherapy": treatment.parse_chemotherapy,
        "systemic_chemotherapy": treatment.parse_systemic_chemotherapy,
    }
)
