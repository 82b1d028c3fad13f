"""Record-level scoring: gold cohort records against predicted ones, field by field.

The rules are the spec's "Scoring" section made exact (``docs-evaluate.md`` says
the same for users).

Field granularity
-----------------
A *field* is a top-level key of the record, except that the fixed-key objects
``findings``, ``serum_markers``, ``ihc`` and ``tnm`` are scored per sub-key
(``findings.nme``, ``serum_markers.nse``, ``ihc.sstr2``, ``tnm.t``, ...).
``patient_id`` and ``evidence`` are not scored. Every field of every patient
(the union of gold and predicted patients) adds at most one true positive, or
one false positive and/or one false negative:

==========================  =====================================
gold / predicted            counts
==========================  =====================================
nothing / nothing           none
nothing / value             FP
value / nothing             FN
value / same value          TP
value / different value     FP + FN
==========================  =====================================

A patient missing from one side is an all-null record there, so a gold patient
without prediction adds one FN per gold value, a predicted patient without gold
one FP per predicted value.

Nothing and values
------------------
"Nothing" is ``null``, a missing key, an empty string, ``[]`` for every list
except ``metastasis_sites`` and an object whose members are all null (a serum
marker ``{"value": null, "unit": null, "status": null}``). ``metastasis_sites:
[]`` ("no metastasis stated") is a value like any other. ``false`` is a value.

Equality after normalisation
----------------------------
- strings: case-insensitive, runs of white space collapsed, ends stripped;
- booleans: exactly (``false`` never equals ``null``, ``0`` or ``"false"``);
- numbers: within 1% of the gold value (``|pred - gold| <= 0.01 * |gold|``);
  ``ki67_percent``, ``months_symptoms_to_diagnosis`` and
  ``survival_months_from_diagnosis`` instead within 0.5 absolute;
- lists: order ignored, compared as multisets of their items (each item
  matched to exactly one item of the other side), item equality as below;
  ``tumor_size_cm`` is therefore compared sorted, each dimension within 1%;
- ``glucagon``: a multiset of ``{value, comparator, timing}``; values are
  converted to pg/mL first (pmol/L x 3.485, ng/L x 1, ng/mL x 1000,
  pg/L x 0.001), then compared within 1%; a missing comparator is ``"="``,
  a missing timing ``"unknown"``;
- ``somatostatin_analogue``: a multiset of ``{drug, dose, unit, frequency}``;
  a dose in mg, ug, mcg or g is converted to ug before the 1% comparison;
- a serum marker: the whole object ``{value (1%), unit, status}``; units are
  compared case-insensitively, without white space and with micro signs
  folded (``"µg/L" == "ug/l"``), never converted;
- ``prrt``: the whole object ``{agent, activity, cycles}``; ``activity`` is
  compared case-insensitively without white space (``"7.4 GBq" == "7.4gbq"``).

Rates
-----
``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)``,
``f1 = 2 P R / (P + R)``; each is 0.0 when its denominator is 0 (so a field
that neither side ever fills shows 0/0/0 with all counts 0). Micro figures sum
tp, fp and fn over all fields and patients first.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from extractor.metrics import Counts, perfect_matching, total
from extractor.fields import FIELDS
from extractor.schema import SERUM_MARKER_KEYS

NESTED_KEYS: dict[str, tuple[str, ...]] = {f.key: f.sub_keys for f in FIELDS if f.sub_keys}
"""Fixed-key objects scored per sub-key."""

ABSOLUTE_TOLERANCE_FIELDS: frozenset[str] = frozenset(f.key for f in FIELDS if f.absolute_tolerance)
"""Fields whose numbers match within 0.5 absolute instead of 1% (the field catalogue's)."""

RELATIVE_TOLERANCE = 0.01
ABSOLUTE_TOLERANCE = 0.5
_FLOAT_SLACK = 1e-9

EMPTY_LIST_IS_VALUE: frozenset[str] = frozenset(f.key for f in FIELDS if f.empty_list_is_value)
"""Lists for which ``[]`` is a value; for every other list ``[]`` is nothing."""

GLUCAGON_TO_PG_ML: dict[str, float] = {
    "pg/ml": 1.0,
    "ng/l": 1.0,
    "pmol/l": 3.485,
    "ng/ml": 1000.0,
    "pg/l": 0.001,
}
DOSE_TO_UG: dict[str, float] = {"ug": 1.0, "mcg": 1.0, "mg": 1000.0, "g": 1_000_000.0}


def scored_fields() -> tuple[str, ...]:
    """Return the scored fields in record order, fixed-key objects expanded.

    Returns
    -------
    tuple of str
        ``("sex", "age_at_diagnosis", "findings.nme", ..., "survival_months_from_diagnosis")``.
    """
    fields: list[str] = []
    for key in (f.key for f in FIELDS):
        if key in NESTED_KEYS:
            fields.extend(f"{key}.{sub}" for sub in NESTED_KEYS[key])
        else:
            fields.append(key)
    return tuple(fields)


SCORED_FIELDS: tuple[str, ...] = scored_fields()


class EvidenceRef(BaseModel):
    """One evidence span of a predicted value, with the evidence key it was filed under."""

    model_config = ConfigDict(extra="forbid")

    key: str
    doc_id: str | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None


class Disagreement(BaseModel):
    """One field of one patient on which gold and prediction differ.

    ``kind`` is ``"fp"`` (only the prediction holds a value), ``"fn"`` (only
    gold does) or ``"mismatch"`` (both do, differently: one FP and one FN).
    ``gold`` and ``predicted`` are the values as written in the records.
    """

    model_config = ConfigDict(extra="forbid")

    patient_id: str
    field: str
    kind: Literal["fp", "fn", "mismatch"]
    gold: Any = None
    predicted: Any = None
    evidence: list[EvidenceRef] = Field(default_factory=list)


class PatientCounts(BaseModel):
    """How many patients each side holds and how many only one side does."""

    model_config = ConfigDict(extra="forbid")

    gold: int = 0
    predicted: int = 0
    gold_only: list[str] = Field(default_factory=list)
    predicted_only: list[str] = Field(default_factory=list)


class Report(BaseModel):
    """The record-level result: per-field and micro counts, and every disagreement."""

    model_config = ConfigDict(extra="forbid")

    micro: Counts
    fields: dict[str, Counts]
    patients: PatientCounts
    disagreements: list[Disagreement] = Field(default_factory=list)


# ---------------------------------------------------------------------------
# Normalisation: a record value -> a canonical value (None = nothing)
# ---------------------------------------------------------------------------


def _norm_text(value: str) -> str | None:
    text = " ".join(value.split()).lower()
    return text or None


def _norm_unit(value: Any) -> Any:
    """Lower-case a unit, drop white space, fold the micro signs (µ, μ) to ``u``."""
    if not isinstance(value, str):
        return normalize_value(value)
    unit = re.sub(r"\s+", "", value).lower().replace("\u00b5", "u").replace("\u03bc", "u")
    return unit or None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def normalize_value(value: Any) -> Any:
    """Return the canonical form of an arbitrary JSON value (None for nothing).

    Parameters
    ----------
    value
        A JSON value: None, bool, number, string, list or object.

    Returns
    -------
    Any
        None for null / empty string / empty list / all-null object; a bool; a
        float for numbers; a normalised string; a tuple (an unordered multiset)
        for lists; a dict for objects.
    """
    if value is None or isinstance(value, bool):
        return value
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        return _norm_text(value)
    if isinstance(value, list | tuple):
        items = tuple(normalize_value(v) for v in value)
        return items or None
    if isinstance(value, Mapping):
        obj = {str(k): normalize_value(v) for k, v in value.items()}
        return obj if any(v is not None for v in obj.values()) else None
    return _norm_text(str(value))


def _scale(value: Any, unit: Any, table: Mapping[str, float], base: str) -> tuple[Any, Any]:
    """Convert ``value`` in ``unit`` to ``base`` where both are known; else normalise them."""
    canon_unit = _norm_unit(unit)
    if _is_number(value) and isinstance(canon_unit, str) and canon_unit in table:
        return float(value) * table[canon_unit], base
    return normalize_value(value), canon_unit


def _norm_glucagon_item(item: Any) -> Any:
    if not isinstance(item, Mapping):
        return normalize_value(item)
    value, unit = _scale(item.get("value"), item.get("unit") or "pg/mL", GLUCAGON_TO_PG_ML, "pg/ml")
    return {
        "value": value,
        "unit": unit,
        "comparator": normalize_value(item.get("comparator") or "="),
        "timing": normalize_value(item.get("timing") or "unknown"),
    }


def _norm_analogue_item(item: Any) -> Any:
    if not isinstance(item, Mapping):
        return normalize_value(item)
    dose, unit = _scale(item.get("dose"), item.get("unit"), DOSE_TO_UG, "ug")
    return {
        "drug": normalize_value(item.get("drug")),
        "dose": dose,
        "unit": unit,
        "frequency": normalize_value(item.get("frequency")),
    }


def _norm_serum_marker(marker: Any) -> Any:
    if not isinstance(marker, Mapping):
        return normalize_value(marker)
    obj = {
        "value": normalize_value(marker.get("value")),
        "unit": _norm_unit(marker.get("unit")),
        "status": normalize_value(marker.get("status")),
    }
    return obj if any(v is not None for v in obj.values()) else None


def _norm_prrt(prrt: Any) -> Any:
    if not isinstance(prrt, Mapping):
        return normalize_value(prrt)
    obj = {
        "agent": normalize_value(prrt.get("agent")),
        "activity": _norm_unit(prrt.get("activity")),
        "cycles": normalize_value(prrt.get("cycles")),
    }
    return obj if any(v is not None for v in obj.values()) else None


def _list_of(normalize_item: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def _normalize(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return normalize_value(value)
        return tuple(normalize_item(v) for v in value) or None

    return _normalize


def _norm_tnm_part(value: Any) -> Any:
    """``pT2`` / ``ypT2`` / ``cN0`` -> ``t2`` / ``n0``: the prefix says how it was staged, not what."""
    text = normalize_value(value)
    if isinstance(text, str):
        return re.sub(r"^(?:yp|yc|p|c|r|y)(?=[tnm])", "", text)
    return text


_FIELD_NORMALIZERS: dict[str, Callable[[Any], Any]] = {
    **{f"tnm.{part}": _norm_tnm_part for part in ("t", "n", "m")},
    "glucagon": _list_of(_norm_glucagon_item),
    "somatostatin_analogue": _list_of(_norm_analogue_item),
    "prrt": _norm_prrt,
    **{f"serum_markers.{key}": _norm_serum_marker for key in SERUM_MARKER_KEYS},
}


def field_value(record: Mapping[str, Any] | None, field: str) -> Any:
    """Return the raw value of a (dotted) field of a record; None where absent.

    Parameters
    ----------
    record
        A record as parsed from JSON, or None for a patient the side lacks.
    field
        A scored field, e.g. ``"ki67_percent"`` or ``"findings.nme"``.

    Returns
    -------
    Any
        The value as written (a parent that is null or not an object gives None).
    """
    value: Any = record
    for part in field.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def normalize_field(field: str, value: Any) -> Any:
    """Return the canonical value of one field (None when it records nothing).

    Parameters
    ----------
    field
        A scored field name (dotted for sub-keys).
    value
        The raw value of that field.

    Returns
    -------
    Any
        The canonical value; ``[]`` stays a value (an empty tuple) only for
        ``metastasis_sites``.
    """
    if field in EMPTY_LIST_IS_VALUE and isinstance(value, list | tuple) and not value:
        return ()
    normalizer = _FIELD_NORMALIZERS.get(field, normalize_value)
    return normalizer(value)


# ---------------------------------------------------------------------------
# Equality with tolerance
# ---------------------------------------------------------------------------


def numbers_match(gold: float, pred: float, *, absolute: bool = False) -> bool:
    """Return whether two numbers match: within 1% of gold, or 0.5 absolute.

    Parameters
    ----------
    gold, pred
        The gold and predicted numbers.
    absolute
        Use the 0.5 absolute tolerance (percent and month fields).

    Returns
    -------
    bool
        True when the difference is within the tolerance.
    """
    if math.isnan(gold) or math.isnan(pred):
        return False
    limit = ABSOLUTE_TOLERANCE if absolute else RELATIVE_TOLERANCE * abs(gold)
    return abs(pred - gold) <= limit + _FLOAT_SLACK


def values_match(gold: Any, pred: Any, *, absolute: bool = False) -> bool:
    """Return whether two canonical values are the same value.

    Parameters
    ----------
    gold, pred
        Canonical values (see :func:`normalize_field`).
    absolute
        Numbers use the 0.5 absolute tolerance instead of 1%.

    Returns
    -------
    bool
        True when equal: numbers within tolerance, tuples as multisets,
        dicts key by key, anything else exactly and of the same type.
    """
    if isinstance(gold, bool) or isinstance(pred, bool):
        return type(gold) is type(pred) and gold == pred
    if isinstance(gold, float) and isinstance(pred, float):
        return numbers_match(gold, pred, absolute=absolute)
    if isinstance(gold, tuple) and isinstance(pred, tuple):
        same = perfect_matching(gold, pred, lambda g, p: values_match(g, p, absolute=absolute))
        return same is not None
    if isinstance(gold, dict) and isinstance(pred, dict):
        return gold.keys() == pred.keys() and all(
            values_match(gold[k], pred[k], absolute=absolute) for k in gold
        )
    return type(gold) is type(pred) and gold == pred


def compare_field(field: str, gold: Any, pred: Any) -> Counts:
    """Score one field of one patient.

    Parameters
    ----------
    field
        A scored field name (decides normalisation and tolerance).
    gold, pred
        The raw values as written in the gold and predicted records.

    Returns
    -------
    Counts
        One of: nothing, TP, FP, FN, or FP + FN.
    """
    g = normalize_field(field, gold)
    p = normalize_field(field, pred)
    if g is None and p is None:
        return Counts()
    if g is None:
        return Counts(fp=1)
    if p is None:
        return Counts(fn=1)
    if values_match(g, p, absolute=field in ABSOLUTE_TOLERANCE_FIELDS):
        return Counts(tp=1)
    return Counts(fp=1, fn=1)


# ---------------------------------------------------------------------------
# Evidence and records
# ---------------------------------------------------------------------------


def evidence_for(record: Mapping[str, Any] | None, field: str) -> list[EvidenceRef]:
    """Return the evidence spans a predicted record files under a field.

    Keys equal to the field, or starting with ``field + "."`` or ``field + "["``
    (``glucagon[0]``, ``glucagon[1]``, ...) are taken; a sub-key field without
    evidence of its own (``tnm.t``) falls back to its parent's (``tnm``).
    Malformed evidence items are skipped.

    Parameters
    ----------
    record
        The predicted record (its ``evidence`` object), or None.
    field
        A scored field name.

    Returns
    -------
    list of EvidenceRef
        In evidence-key order, then in the order listed.
    """
    evidence = record.get("evidence") if isinstance(record, Mapping) else None
    if not isinstance(evidence, Mapping):
        return []

    def _under(path: str) -> list[str]:
        return sorted(
            (k for k in evidence if k == path or k.startswith((path + ".", path + "["))),
            key=_evidence_key_order,
        )

    keys = _under(field)
    if not keys and "." in field:
        parent = field.rsplit(".", 1)[0]
        keys = [k for k in evidence if k == parent]
    refs: list[EvidenceRef] = []
    for key in keys:
        spans = evidence[key]
        for span in spans if isinstance(spans, list) else []:
            if not isinstance(span, Mapping):
                continue
            refs.append(
                EvidenceRef(
                    key=key,
                    doc_id=_str_or_none(span.get("doc_id")),
                    start=_int_or_none(span.get("start")),
                    end=_int_or_none(span.get("end")),
                    text=_str_or_none(span.get("text")),
                )
            )
    return refs


def _evidence_key_order(key: str) -> tuple[Any, ...]:
    # "glucagon[10]" after "glucagon[2]"
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key))


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def score_records(
    gold: Mapping[str, Mapping[str, Any]],
    pred: Mapping[str, Mapping[str, Any]],
    *,
    keys: Collection[str] | None = None,
) -> Report:
    """Score predicted records against gold records, per field and micro.

    Parameters
    ----------
    gold
        Gold records (parsed JSON objects) by patient id.
    pred
        Predicted records by patient id; their ``evidence`` is used only for
        the disagreement listing.
    keys
        The top-level record keys to score, with their sub-keys (default:
        every field; a gold set's ``scope.json`` narrows it).

    Returns
    -------
    Report
        Counts per field (in ``fields`` order), micro counts over all fields,
        patient counts and every disagreement (patients sorted, then fields
        in order).

    Notes
    -----
    See the module docstring for the exact rules.
    """
    fields = [f for f in SCORED_FIELDS if keys is None or f.split(".")[0] in keys]
    per_field = {field: Counts() for field in fields}
    disagreements: list[Disagreement] = []
    for patient_id in sorted(set(gold) | set(pred)):
        g_record, p_record = gold.get(patient_id), pred.get(patient_id)
        for field in fields:
            g_value, p_value = field_value(g_record, field), field_value(p_record, field)
            counts = compare_field(field, g_value, p_value)
            per_field[field] = total((per_field[field], counts))
            if counts.fp or counts.fn:
                kind: Literal["fp", "fn", "mismatch"] = (
                    "mismatch" if counts.fp and counts.fn else "fp" if counts.fp else "fn"
                )
                disagreements.append(
                    Disagreement(
                        patient_id=patient_id,
                        field=field,
                        kind=kind,
                        gold=g_value,
                        predicted=p_value,
                        evidence=evidence_for(p_record, field) if counts.fp else [],
                    )
                )
    micro = total(per_field.values())
    patients = PatientCounts(
        gold=len(gold),
        predicted=len(pred),
        gold_only=sorted(set(gold) - set(pred)),
        predicted_only=sorted(set(pred) - set(gold)),
    )
    return Report(micro=micro, fields=per_field, patients=patients, disagreements=disagreements)


def format_value(value: Any) -> str:
    """Return a value as compact JSON for listings (``null`` for None).

    Parameters
    ----------
    value
        A raw record value.

    Returns
    -------
    str
        Compact JSON with sorted keys, non-ASCII kept.
    """
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
