"""The fields the cohort summary reports, and what kind of value each one holds.

``SUMMARY_FIELDS`` is the one place the summary takes its field list from: the
fields of the catalogue
``extractor/fields.py`` (fixed-key objects expanded: ``findings.nme``,
``ihc.sstr2``, ``serum_markers.nse``, ``tnm.stage``).
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

from pydantic import BaseModel

from extractor.fields import FIELDS
from extractor.schema import PRRT, CohortRecord, GlucagonValue, SerumMarker, SomatostatinAnalogue

# the field catalogue's fields, fixed-key objects one row per key (findings.nme, ihc.sstr2,
# serum_markers.nse, tnm.stage): what a reader of Table 1 counts
SUMMARY_FIELDS: tuple[str, ...] = tuple(
    name for f in FIELDS for name in ([f"{f.key}.{sub}" for sub in f.sub_keys] if f.sub_keys else [f.key])
)
EMPTY_LIST_IS_VALUE: frozenset[str] = frozenset(f.key for f in FIELDS if f.empty_list_is_value)

Kind = Literal[
    "category",  # one of a few strings: counts per value
    "yes_no",  # bool: counts under "true" / "false"
    "number",  # int or float: mean, median, min-max, IQR
    "items",  # list of strings: counts per item, any
    "dimensions",  # list of numbers (tumour size): figures of the largest
    "measurements",  # glucagon values with comparator and timing
    "regimens",  # somatostatin analogue regimens
    "marker",  # serum marker object {value, unit, status}
    "prrt",  # PRRT object {agent, activity, cycles}
]

_MODEL_KINDS: dict[type[BaseModel], Kind] = {
    GlucagonValue: "measurements",
    SomatostatinAnalogue: "regimens",
    SerumMarker: "marker",
    PRRT: "prrt",
}


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _annotation(field: str) -> Any:
    model: type[BaseModel] = CohortRecord
    annotation: Any = None
    for part in field.split("."):
        annotation = _unwrap(model.model_fields[part].annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return annotation


def _kind_of(annotation: Any) -> Kind:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _MODEL_KINDS[annotation]
    if annotation is bool:
        return "yes_no"
    if annotation in (int, float):
        return "number"
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        item = _unwrap(item)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return _MODEL_KINDS[item]
        return "dimensions" if item in (int, float) else "items"
    return "category"


FIELD_KINDS: dict[str, Kind] = {field: _kind_of(_annotation(field)) for field in SUMMARY_FIELDS}


_PATHS: dict[str, tuple[str, ...]] = {field: tuple(field.split(".")) for field in SUMMARY_FIELDS}


def value_of(record: dict[str, Any], field: str) -> Any:
    """The raw value of a (dotted) field; an object whose members are all null is None."""
    head, *rest = _PATHS.get(field) or tuple(field.split("."))
    value = record.get(head)
    for part in rest:
        value = value.get(part) if type(value) is dict else None
    if type(value) is dict and all(v is None for v in value.values()):
        return None
    return value


def is_known(record: dict[str, Any], field: str) -> bool:
    """The record holds a value for the field (``[]`` counts: the notes were read and held none)."""
    return value_of(record, field) is not None


def is_filled(record: dict[str, Any], field: str) -> bool:
    """The record holds something for the field: not null and, except where ``[]`` is a value, not empty."""
    value = value_of(record, field)
    if value is None:
        return False
    if isinstance(value, list) and not value:
        return field in EMPTY_LIST_IS_VALUE
    return True


def glucagon_comparator(record: dict[str, Any], field: str) -> str:
    """The comparator of the measurement a derived glucagon figure was taken from.

    ``glucagon_peak_pg_ml`` and ``glucagon_post_surgery_pg_ml`` are plain numbers;
    the ``>800`` they came from lives in ``glucagon``. Peak: a non-postoperative
    value; post: a postoperative one. "=" where nothing matches.
    """
    number = record.get(field)
    if number is None:
        return "="
    postoperative = field == "glucagon_post_surgery_pg_ml"
    found = [
        item.get("comparator") or "="
        for item in record.get("glucagon") or []
        if isinstance(item, dict)
        and isinstance(item.get("value"), int | float)
        and abs(item["value"] - number) < 1e-9
        and (item.get("timing") == "postoperative") == postoperative
    ]
    if not found or "=" in found:
        return "="
    return found[0]


COMPARATOR_FIELDS: frozenset[str] = frozenset({"glucagon_peak_pg_ml", "glucagon_post_surgery_pg_ml"})
"""Numbers whose comparator is recovered from the glucagon measurements."""


def number_of(record: dict[str, Any], field: str) -> tuple[float, str] | None:
    """A number field's value with its comparator ("=" unless it came from a bound)."""
    value = value_of(record, field)
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value), glucagon_comparator(record, field) if field in COMPARATOR_FIELDS else "="
