"""The cohort definition as data: inclusion criteria, validated, and each patient judged by them.

A criterion holds two conditions on the record: ``meets`` and ``does_not_meet``.
A patient meets a criterion when the first holds, does not meet it when the
second holds, and is ``unknown`` when neither does (the fields it would need
are named). Conditions are field tests combined with ``all`` / ``any`` /
``not``; a field test is two-valued: a value the record does not hold never
passes a test, and a number with a comparator passes only when the bound
decides it (``>800`` is at least 200; ``<210`` is not known to be below 200).
A patient meets the definition when every criterion is met, does not meet it
when any criterion is not met, and is unknown otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from extractor.errors import ExtractorError
from extractor.ruleset import rules_root
from extractor.summary.catalogue import FIELD_KINDS, is_filled, number_of, value_of

DEFAULT_CRITERIA_FILE = "cohort_criteria.json"
Status = Literal["meets", "does_not_meet", "unknown"]
SPANS_PER_FIELD = 1
"""Evidence spans quoted per field in an eligibility reason (the record holds them all;
``more_spans`` counts the rest)."""

_NUMERIC_KINDS = frozenset({"number", "dimensions", "measurements", "marker"})
_VALUE_KINDS = frozenset({"category", "yes_no", "items"})
_ITEM_FILTER_KINDS = frozenset({"measurements", "regimens"})


class CriteriaError(ExtractorError):
    """A criteria file that cannot be read or does not validate: ``file [loc] msg`` lines."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldTest(_Strict):
    """One test on one field, or on several (``field`` a list: passes when any of them passes).

    Exactly one of ``is`` (the value, or any list item, is one of these), ``ge`` /
    ``gt`` / ``le`` / ``lt`` (a number, any list item or measurement), ``filled``
    (the field holds something / holds nothing). ``every_item`` asks every item of a
    list (at least one) to pass; ``where`` keeps only the measurements or regimens
    whose key has one of the listed values (``{"timing": ["preoperative"]}``).
    """

    field: str | list[str]
    is_: list[str | bool] | None = Field(default=None, alias="is")
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    filled: bool | None = None
    every_item: bool = False
    where: dict[str, list[str]] | None = None

    @cached_property
    def fields(self) -> tuple[str, ...]:
        return (self.field,) if isinstance(self.field, str) else tuple(self.field)

    @cached_property
    def numeric(self) -> tuple[str, float] | None:
        for op in ("ge", "gt", "le", "lt"):
            threshold = getattr(self, op)
            if threshold is not None:
                return op, threshold
        return None

    @cached_property
    def allowed(self) -> frozenset[str | bool]:
        return frozenset(self.is_ or ())

    @model_validator(mode="after")
    def _one_test_on_known_fields(self) -> FieldTest:
        given = [name for name in ("is_", "ge", "gt", "le", "lt", "filled") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("exactly one of is, ge, gt, le, lt, filled is required")
        if not self.fields:
            raise ValueError("field names no field")
        for name in self.fields:
            if name not in FIELD_KINDS:
                raise ValueError(f"unknown field {name!r} (a scored field of the record, e.g. 'findings.nme')")
            kind = FIELD_KINDS[name]
            if self.is_ is not None and kind not in _VALUE_KINDS:
                raise ValueError(f"'is' does not apply to {name} ({kind}); use a number test or 'filled'")
            if self.numeric is not None and kind not in _NUMERIC_KINDS:
                raise ValueError(f"a number test does not apply to {name} ({kind})")
            if self.where is not None and kind not in _ITEM_FILTER_KINDS:
                raise ValueError(f"'where' applies to glucagon and somatostatin_analogue, not {name}")
        return self


class AllOf(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Strict):
    not_: Condition = Field(alias="not")


Condition = FieldTest | AllOf | AnyOf | NotOf
AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


class Criterion(_Strict):
    """One inclusion criterion: when it is met, when it is not; anything else is unknown."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    meets: Condition
    does_not_meet: Condition
    unknown_means: str | None = Field(default=None, description="what is missing when neither condition holds")


class CohortDefinition(_Strict):
    """A cohort's inclusion criteria: every criterion must be met."""

    name: str
    source: str | None = None
    criteria: list[Criterion] = Field(min_length=1)

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, criteria: list[Criterion]) -> list[Criterion]:
        ids = [c.id for c in criteria]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate criterion ids: {', '.join(duplicates)}")
        return criteria


# --------------------------------------------------------------------------- loading


def load_criteria(path: Path | None = None) -> CohortDefinition:
    """The cohort definition in ``path``, or the packaged default (the source series' criteria)."""
    if path is None:
        source = DEFAULT_CRITERIA_FILE
        try:
            text = rules_root().joinpath(DEFAULT_CRITERIA_FILE).read_text(encoding="utf-8")
        except OSError as exc:
            raise CriteriaError(f"{source}: cannot be read ({exc.__class__.__name__})") from None
    else:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except IsADirectoryError:
            raise CriteriaError(f"{source}: is a folder, not a criteria file") from None
        except UnicodeDecodeError:
            raise CriteriaError(f"{source}: not UTF-8") from None
        except OSError as exc:
            raise CriteriaError(f"{source}: cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CriteriaError(f"{source}: not JSON (line {exc.lineno}: {exc.msg})") from None
    try:
        return CohortDefinition.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_input=False, include_url=False):
            loc = " -> ".join(str(p) for p in err["loc"]) or "definition"
            lines.append(f"{source} [{loc}] {err['msg']}")
        raise CriteriaError("\n".join(lines)) from None


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Outcome:
    """Whether a condition holds, and the field values that decide it."""

    holds: bool
    witnesses: tuple[str, ...] = ()


def _certain(op: str, threshold: float, value: float, comparator: str) -> bool:
    """The true value certainly passes ``op threshold`` given ``value`` and its comparator."""
    if comparator == ">":  # true value > value
        return op in ("ge", "gt") and value >= threshold
    if comparator == "<":  # true value < value
        return op in ("le", "lt") and value <= threshold
    return {"ge": value >= threshold, "gt": value > threshold,
            "le": value <= threshold, "lt": value < threshold}[op]


def _numbers(record: dict[str, Any], name: str, where: dict[str, list[str]] | None) -> list[tuple[float, str]]:
    kind = FIELD_KINDS[name]
    if kind == "number":
        number = number_of(record, name)
        return [number] if number else []
    value = value_of(record, name)
    if kind == "dimensions":
        return [(float(v), "=") for v in value or [] if isinstance(v, int | float)]
    if kind == "marker":
        number = value.get("value") if isinstance(value, dict) else None
        return [(float(number), "=")] if isinstance(number, int | float) else []
    items = [i for i in value or [] if isinstance(i, dict) and _kept(i, where)]
    return [(float(i["value"]), i.get("comparator") or "=") for i in items if isinstance(i.get("value"), int | float)]


def _kept(item: dict[str, Any], where: dict[str, list[str]] | None) -> bool:
    return not where or all(item.get(key) in allowed for key, allowed in where.items())


def _values(record: dict[str, Any], name: str) -> list[Any]:
    value = value_of(record, name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _test_field(test: FieldTest, record: dict[str, Any], name: str) -> bool:
    if test.filled is not None:
        return is_filled(record, name) == test.filled
    numeric = test.numeric
    if numeric is not None:
        op, threshold = numeric
        passes = [_certain(op, threshold, v, c) for v, c in _numbers(record, name, test.where)]
    else:
        passes = [v in test.allowed for v in _values(record, name)]
    if not passes:
        return False
    return all(passes) if test.every_item else any(passes)


def fields_read(condition: Condition) -> list[str]:
    """Every field a condition reads, in order, once."""
    if isinstance(condition, FieldTest):
        return list(condition.fields)
    if isinstance(condition, NotOf):
        return fields_read(condition.not_)
    children = condition.all if isinstance(condition, AllOf) else condition.any
    seen: dict[str, None] = {}
    for child in children:
        seen.update(dict.fromkeys(fields_read(child)))
    return list(seen)


def evaluate(condition: Condition, record: dict[str, Any]) -> Outcome:
    """Whether ``condition`` holds for ``record``, with the fields that decide it."""
    if isinstance(condition, FieldTest):
        passed = [name for name in condition.fields if _test_field(condition, record, name)]
        return Outcome(bool(passed), tuple(passed))
    if isinstance(condition, NotOf):
        inner = evaluate(condition.not_, record)
        return Outcome(not inner.holds, tuple(fields_read(condition.not_)))
    if isinstance(condition, AllOf):
        outcomes = [evaluate(child, record) for child in condition.all]
        holds = all(o.holds for o in outcomes)
        return Outcome(holds, _merge(o.witnesses for o in outcomes) if holds else ())
    outcomes = [evaluate(child, record) for child in condition.any]
    return Outcome(any(o.holds for o in outcomes), _merge(o.witnesses for o in outcomes if o.holds))


def _merge(groups: Any) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return tuple(seen)


@dataclass(frozen=True)
class CriterionResult:
    """One criterion for one patient: its status, why, and the values and spans behind it."""

    criterion: Criterion
    status: Status
    because: str
    fields: tuple[str, ...] = ()  # the deciding fields that hold a value
    not_stated: tuple[str, ...] = ()  # deciding fields without a value ("no tumour described")
    missing: tuple[str, ...] = ()  # for unknown: the fields the criterion reads that hold nothing
    evidence: tuple[dict[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {  # the criterion's label and needs are in the definition, once
            "criterion": self.criterion.id,
            "status": self.status,
            "because": self.because,
            "evidence": list(self.evidence),
        }
        if self.not_stated:
            out["not_stated"] = list(self.not_stated)
        if self.status == "unknown":
            out["missing"] = list(self.missing)
        return out


def _shown(value: Any) -> str:
    if value is None:
        return "not stated"
    if isinstance(value, list) and not value:
        return "none"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _facts(record: dict[str, Any], names: tuple[str, ...]) -> str:
    return "; ".join(f"{name} = {_shown(value_of(record, name))}" for name in names)


def field_spans(record: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The record's evidence spans of a field: ``name``, then ``name[0]``, ``name[1]`` ... in item order;
    a sub-field without spans of its own (``tnm.t``) takes its parent's (``tnm``)."""
    evidence = record.get("evidence")
    if not isinstance(evidence, dict):
        return []
    spans = list(evidence.get(name) or [])
    item = 0
    while (key := f"{name}[{item}]") in evidence:
        spans.extend(evidence[key] or [])
        item += 1
    if not spans and "." in name:
        spans = list(evidence.get(name.rsplit(".", 1)[0]) or [])
    return [span for span in spans if isinstance(span, dict)]


def _evidence(record: dict[str, Any], name: str) -> dict[str, Any]:
    spans = field_spans(record, name)
    shown = [{k: span.get(k) for k in ("doc_id", "start", "end", "text")} for span in spans[:SPANS_PER_FIELD]]
    item: dict[str, Any] = {"field": name, "value": value_of(record, name), "spans": shown}
    if len(spans) > SPANS_PER_FIELD:
        item["more_spans"] = len(spans) - SPANS_PER_FIELD
    return item


def _decided(criterion: Criterion, status: Status, record: dict[str, Any], witnesses: tuple[str, ...],
             *, contradictory: bool = False) -> CriterionResult:
    filled = tuple(n for n in witnesses if is_filled(record, n))
    empty = tuple(n for n in witnesses if n not in filled)
    because = _facts(record, witnesses)
    if contradictory:
        because = "the record both meets and contradicts this criterion: " + because
    return CriterionResult(criterion, status, because, filled, empty,
                           evidence=tuple(_evidence(record, n) for n in filled))


def judge_criterion(criterion: Criterion, record: dict[str, Any]) -> CriterionResult:
    meets = evaluate(criterion.meets, record)
    fails = evaluate(criterion.does_not_meet, record)
    if meets.holds and fails.holds:
        return _decided(criterion, "unknown", record, _merge([meets.witnesses, fails.witnesses]), contradictory=True)
    if meets.holds:
        return _decided(criterion, "meets", record, meets.witnesses)
    if fails.holds:
        return _decided(criterion, "does_not_meet", record, fails.witnesses)
    read = _merge([fields_read(criterion.meets), fields_read(criterion.does_not_meet)])
    missing = tuple(n for n in read if not is_filled(record, n))
    because = "; ".join(filter(None, [
        criterion.unknown_means,
        "not stated: " + ", ".join(missing) if missing else "the stated values neither meet nor contradict it",
    ]))
    return CriterionResult(criterion, "unknown", because, missing=missing)


@dataclass(frozen=True)
class Eligibility:
    """One patient against the cohort definition."""

    patient_id: str
    status: Status
    results: tuple[CriterionResult, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "reasons": [r.as_json() for r in self.results]}


def judge(definition: CohortDefinition, record: dict[str, Any]) -> Eligibility:
    """The patient's status: does_not_meet if any criterion is not met, meets if all are, else unknown."""
    results = tuple(judge_criterion(c, record) for c in definition.criteria)
    statuses = {r.status for r in results}
    status: Status = (
        "does_not_meet" if "does_not_meet" in statuses else "meets" if statuses == {"meets"} else "unknown"
    )
    return Eligibility(str(record.get("patient_id")), status, results)


__all__ = [
    "CohortDefinition",
    "CriteriaError",
    "Criterion",
    "Eligibility",
    "FieldTest",
    "judge",
    "load_criteria",
]
