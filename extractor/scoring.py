"""Record-level scoring: gold cohort records against predicted ones, unit by unit.

The units are exactly the spec's "Scoring units", read from the field catalogue
(:mod:`extractor.fields`, each field's ``scoring`` kind), so that the micro
figures compare with any other scorer that follows the spec.

Units
-----
Every unit counts at most once per patient; a unit null or absent on both sides
is not counted. For the union of gold and predicted patients:

- *one unit each* (``value``, ``sub_keys``, ``marker_value_status``, ``parts``,
  ``largest``): ``sex``, ``findings.nme``, ``serum_markers.nse.value`` and
  ``.status``, ``tnm.t``, ``prrt.agent``, ``tumor_size_cm.max`` (the largest
  dimension) ...: the same value on both sides is a TP, a value on one side only
  an FP or an FN, two different values an FP and an FN;
- *one unit per distinct item* (``items``): ``tumor_location``, ``surgery``,
  ``systemic_therapy``, ``locoregional_therapy``, ``metastasis_sites``
  (``[]`` is the item "none"); items on both sides are TPs, items only
  predicted FPs, items only in gold FNs;
- ``glucagon`` (``measurements``): each measurement's value (converted to
  pg/mL: pmol/L x 3.485, ng/L x 1, ng/mL x 1000, pg/L x 0.001), gold and
  predicted values paired one to one when within 1% of gold + 0.5 pg/mL;
  paired values are TPs, the rest FPs and FNs; comparator and timing are not
  scored;
- ``somatostatin_analogue`` (``regimens``): each distinct drug, each distinct
  (drug, dose) (doses in mg/ug/mcg/g converted to ug, paired within 1%) and
  each distinct (drug, frequency).

Same value
----------
Numbers within 1% of the gold value, or within 0.5 absolute for the fields the
catalogue marks (``ki67_percent``, ``age_at_diagnosis``,
``months_symptoms_to_diagnosis``, ``days_to_improvement``,
``survival_months_from_diagnosis``); strings case-insensitively, with runs of
white space and hyphens as underscores (``"5-fluorouracil"`` =
``"5 Fluorouracil"``), and the catalogue's aliases (``sulfatinib`` =
``surufatinib``); booleans exactly (``false`` is a value, never nothing);
values of different types never match. "Nothing" is ``null``, a missing key,
``""`` and (except for ``metastasis_sites``) ``[]``.

Rates
-----
``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)``,
``f1 = 2 P R / (P + R)``; each is 0.0 when its denominator is 0. Micro figures
sum tp, fp and fn over all units and patients first.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from extractor.fields import FIELDS, Field as CatalogueField, scoring_units
from extractor.metrics import Counts, maximum_matching, total

RELATIVE_TOLERANCE = 0.01
ABSOLUTE_TOLERANCE = 0.5
GLUCAGON_SLACK_PG_ML = 0.5
"""Glucagon values pair within 1% of gold plus this (the spec's 1% + 0.5 pg/mL)."""
_FLOAT_SLACK = 1e-9
NONE_ITEM = "none"
"""The item ``[]`` stands for where ``[]`` is a value (``metastasis_sites``)."""

GLUCAGON_TO_PG_ML: dict[str, float] = {"pg/ml": 1.0, "ng/l": 1.0, "pmol/l": 3.485, "ng/ml": 1000.0, "pg/l": 0.001}
DOSE_TO_UG: dict[str, float] = {"ug": 1.0, "mcg": 1.0, "mg": 1000.0, "g": 1_000_000.0}

SCORED_UNITS: tuple[str, ...] = tuple(unit for _, unit in scoring_units())
"""Every scoring unit of the record, in record order (the rows of the report)."""


class EvidenceRef(BaseModel):
    """One evidence span of a predicted value, with the evidence key it was filed under."""

    model_config = ConfigDict(extra="forbid")

    key: str
    doc_id: str | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None


class Disagreement(BaseModel):
    """One scoring unit of one patient on which gold and prediction differ.

    ``kind`` is ``"fp"`` (the prediction holds a value or item gold lacks),
    ``"fn"`` (gold holds one the prediction lacks) or ``"mismatch"`` (both). For a unit of one
    value ``gold`` and ``predicted`` are the values as written; for item units
    the normalised items of each side.
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
    """The record-level result: per-unit and micro counts, and every disagreement."""

    model_config = ConfigDict(extra="forbid")

    micro: Counts
    fields: dict[str, Counts] = Field(description="counts per scoring unit name, in record order")
    patients: PatientCounts
    disagreements: list[Disagreement] = Field(default_factory=list)


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def normalize_text(value: str) -> str | None:
    """Case folded, runs of white space and hyphens as underscores; None when empty."""
    text = "_".join(value.split()).lower().replace("-", "_")
    return text or None


def normalize_value(value: Any) -> Any:
    """The canonical form of one unit's value: None (nothing), a bool, a float, a string.

    Lists and objects where one value is expected are compared as written
    (canonical JSON), so they match only an identical value.
    """
    if value is None or isinstance(value, bool):
        return value
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        return normalize_text(value)
    if isinstance(value, list | tuple | Mapping) and not value:
        return None
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def numbers_match(gold: float, pred: float, *, absolute: bool = False, slack: float = 0.0) -> bool:
    """Whether two numbers are the same value: within 1% of gold (plus ``slack``), or 0.5 absolute."""
    if math.isnan(gold) or math.isnan(pred):
        return False
    limit = ABSOLUTE_TOLERANCE if absolute else RELATIVE_TOLERANCE * abs(gold) + slack
    return abs(pred - gold) <= limit + _FLOAT_SLACK


def values_match(gold: Any, pred: Any, *, absolute: bool = False) -> bool:
    """Whether two canonical values (see :func:`normalize_value`) are the same value."""
    if isinstance(gold, bool) or isinstance(pred, bool):
        return type(gold) is type(pred) and gold == pred
    if isinstance(gold, float) and isinstance(pred, float):
        return numbers_match(gold, pred, absolute=absolute)
    return type(gold) is type(pred) and gold == pred


def field_value(record: Mapping[str, Any] | None, path: str) -> Any:
    """The raw value at a dotted path of a record (``"serum_markers.nse.value"``); None where absent."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _scaled(value: Any, unit: Any, table: Mapping[str, float]) -> float | None:
    """A number in the table's base unit when its unit is known, else as written; None if no number."""
    if not _is_number(value):
        return None
    key = re.sub(r"\s+", "", unit).lower().replace("\u00b5", "u").replace("\u03bc", "u") if isinstance(unit, str) else None
    return float(value) * table[key] if key in table else float(value)


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------

Compared = tuple[str, Counts, Any, Any]
"""(unit name, counts, gold shown, predicted shown) of one unit of one patient."""


def _one_value(unit: str, gold: Any, pred: Any, *, absolute: bool = False) -> Compared:
    g, p = normalize_value(gold), normalize_value(pred)
    if g is None and p is None:
        counts = Counts()
    elif g is None:
        counts = Counts(fp=1)
    elif p is None:
        counts = Counts(fn=1)
    elif values_match(g, p, absolute=absolute):
        counts = Counts(tp=1)
    else:
        counts = Counts(fp=1, fn=1)
    return unit, counts, gold, pred


def _items(field: CatalogueField, value: Any) -> set[Any]:
    """The distinct normalised items of a list field (``[]`` is "none" where it is a value)."""
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        if not value:
            return {NONE_ITEM} if field.empty_list_is_value else set()
        items = {normalize_value(v) for v in value} - {None}
    else:
        items = {normalize_value(value)} - {None}
    aliases = {normalize_text(a): normalize_text(c) for a, c in field.aliases.items()}
    return {aliases.get(item, item) for item in items}


def _sorted(items: Collection[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:  # mixed types (a malformed record): any stable order
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))


def _distinct_items(unit: str, gold: set[Any], pred: set[Any]) -> Compared:
    tp = len(gold & pred)
    return unit, Counts(tp=tp, fp=len(pred) - tp, fn=len(gold) - tp), _sorted(gold), _sorted(pred)


def _paired(
    unit: str, gold: list[Any], pred: list[Any], same: Any, distance: Any
) -> Compared:
    """Items paired one to one (a maximum matching, closest first): pairs TP, the rest FP/FN."""
    pairs = maximum_matching(
        len(gold),
        len(pred),
        lambda i, j: same(gold[i], pred[j]),
        lambda i: sorted(range(len(pred)), key=lambda j: (distance(gold[i], pred[j]), j)),
    )
    tp = len(pairs)
    return unit, Counts(tp=tp, fp=len(pred) - tp, fn=len(gold) - tp), _sorted(gold), _sorted(pred)


def _glucagon_values(value: Any) -> list[float]:
    values = []
    for item in value if isinstance(value, list | tuple) else []:
        number = _scaled(item.get("value"), item.get("unit") or "pg/mL", GLUCAGON_TO_PG_ML) if isinstance(item, Mapping) else _scaled(item, "pg/mL", GLUCAGON_TO_PG_ML)
        if number is not None:
            values.append(round(number, 6))
    return values


def _regimens(value: Any) -> list[tuple[Any, float | None, Any]]:
    regimens = []
    for item in value if isinstance(value, list | tuple) else []:
        if isinstance(item, Mapping) and normalize_value(item.get("drug")) is not None:
            dose = _scaled(item.get("dose"), item.get("unit"), DOSE_TO_UG)
            regimens.append((normalize_value(item.get("drug")), dose, normalize_value(item.get("frequency"))))
    return regimens


def compare_field(field: CatalogueField, gold: Mapping[str, Any] | None, pred: Mapping[str, Any] | None) -> Iterator[Compared]:
    """Every scoring unit of one field of one patient, compared.

    Parameters
    ----------
    field
        A row of the field catalogue (its ``scoring`` kind says how).
    gold, pred
        The patient's gold and predicted records (None for a side that lacks the patient).

    Yields
    ------
    (unit name, counts, gold shown, predicted shown)
        In the order of ``field.scoring_units``.
    """
    key, kind, absolute = field.key, field.scoring, field.absolute_tolerance
    g, p = field_value(gold, key), field_value(pred, key)
    if kind == "value":
        yield _one_value(key, g, p, absolute=absolute)
    elif kind in ("sub_keys", "marker_value_status", "parts"):
        for unit in field.scoring_units:
            path = unit[len(key) + 1 :]
            yield _one_value(unit, field_value(g, path), field_value(p, path), absolute=absolute)
    elif kind == "largest":
        largest = [max((v for v in x if _is_number(v)), default=None) if isinstance(x, list | tuple) else x for x in (g, p)]
        yield _one_value(f"{key}.max", largest[0], largest[1], absolute=absolute)
    elif kind == "items":
        unit, counts, gold_items, pred_items = _distinct_items(key, _items(field, g), _items(field, p))
        # shown as the record has it: a null is not the empty list, which for
        # metastasis_sites is the item "none"
        yield unit, counts, None if g is None else gold_items, None if p is None else pred_items
    elif kind == "measurements":
        yield _paired(
            key,
            _glucagon_values(g),
            _glucagon_values(p),
            lambda a, b: numbers_match(a, b, slack=GLUCAGON_SLACK_PG_ML),
            lambda a, b: abs(a - b),
        )
    elif kind == "regimens":
        gold_regimens, pred_regimens = _regimens(g), _regimens(p)
        yield _distinct_items(f"{key}.drug", {r[0] for r in gold_regimens}, {r[0] for r in pred_regimens})
        doses = [sorted({(r[0], r[1]) for r in side if r[1] is not None}, key=str) for side in (gold_regimens, pred_regimens)]
        yield _paired(
            f"{key}.dose",
            doses[0],
            doses[1],
            lambda a, b: a[0] == b[0] and numbers_match(a[1], b[1]),
            lambda a, b: abs(a[1] - b[1]),
        )
        yield _distinct_items(
            f"{key}.frequency",
            {(r[0], r[2]) for r in gold_regimens if r[2] is not None},
            {(r[0], r[2]) for r in pred_regimens if r[2] is not None},
        )
    else:  # pragma: no cover - the catalogue's ScoringKind is closed
        raise ValueError(f"unknown scoring kind {kind!r} of {key}")


# ---------------------------------------------------------------------------
# Evidence and records
# ---------------------------------------------------------------------------


def evidence_for(record: Mapping[str, Any] | None, unit: str) -> list[EvidenceRef]:
    """The evidence spans a predicted record files under a unit (or the nearest field holding it).

    Keys equal to the unit, or starting with ``unit + "."`` or ``unit + "["``
    (``glucagon[0]``, ...) are taken; a unit without evidence of its own
    (``tnm.t``, ``serum_markers.nse.value``, ``somatostatin_analogue.dose``)
    takes that of the nearest path above it. Malformed evidence items are skipped.
    """
    evidence = record.get("evidence") if isinstance(record, Mapping) else None
    if not isinstance(evidence, Mapping):
        return []

    def _under(path: str) -> list[str]:
        return sorted(
            (k for k in evidence if k == path or k.startswith((path + ".", path + "["))),
            key=_evidence_key_order,
        )

    path = unit
    keys = _under(path)
    while not keys and "." in path:
        path = path.rsplit(".", 1)[0]
        keys = _under(path)
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
    """Score predicted records against gold records, per scoring unit and micro.

    Parameters
    ----------
    gold
        Gold records (parsed JSON objects) by patient id.
    pred
        Predicted records by patient id; their ``evidence`` is used only for
        the disagreement listing.
    keys
        The top-level record keys to score, with their units (default: every
        field; a gold set's ``scope.json`` narrows it).

    Returns
    -------
    Report
        Counts per unit (record order), micro counts over all units, patient
        counts and every disagreement (patients sorted, then units in order).
    """
    fields = [f for f in FIELDS if keys is None or f.key in keys]
    per_unit = {unit: Counts() for f in fields for unit in f.scoring_units}
    disagreements: list[Disagreement] = []
    for patient_id in sorted(set(gold) | set(pred)):
        g_record, p_record = gold.get(patient_id), pred.get(patient_id)
        for field in fields:
            for unit, counts, g_value, p_value in compare_field(field, g_record, p_record):
                per_unit[unit] = total((per_unit[unit], counts))
                if counts.fp or counts.fn:
                    kind: Literal["fp", "fn", "mismatch"] = (
                        "mismatch" if counts.fp and counts.fn else "fp" if counts.fp else "fn"
                    )
                    disagreements.append(
                        Disagreement(
                            patient_id=patient_id,
                            field=unit,
                            kind=kind,
                            gold=g_value,
                            predicted=p_value,
                            evidence=evidence_for(p_record, unit) if counts.fp else [],
                        )
                    )
    patients = PatientCounts(
        gold=len(gold),
        predicted=len(pred),
        gold_only=sorted(set(gold) - set(pred)),
        predicted_only=sorted(set(pred) - set(gold)),
    )
    return Report(micro=total(per_unit.values()), fields=per_unit, patients=patients, disagreements=disagreements)


def format_value(value: Any) -> str:
    """A value as compact JSON for listings (``null`` for None), sorted keys, non-ASCII kept."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "), default=list)
