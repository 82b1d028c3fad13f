"""Cohort figures: for every summary field, how many patients have data and what they hold.

Pure functions over records (dicts in the schema's JSON shape). The denominator
of every share is ``known`` -- the patients whose value is not null -- never
silently the whole cohort. Numbers keep their comparator: ``>800`` sorts above
800, and a minimum, maximum, median or mean that rests on a bound says so.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from extractor.summary.catalogue import FIELD_KINDS, SUMMARY_FIELDS, number_of, value_of
from extractor.summary.criteria import FieldTest, evaluate
from extractor.summary.catalogue import EMPTY_LIST_IS_VALUE

Number = tuple[float, str]  # (value, comparator "=", ">" or "<")
_RANK = {"<": 0, "=": 1, ">": 2}
NONE_ITEM = "none"
"""The count key of patients whose list is ``[]`` where ``[]`` is a value (metastasis_sites)."""


def plain(number: float) -> float | int:
    """A number for JSON: two decimals at most, integral values as integers."""
    rounded = round(number, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def percent(count: int, of: int) -> float:
    return round(100.0 * count / of, 1) if of else 0.0


def _sorted_counts(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _shares(counts: dict[str, int], known: int) -> dict[str, float]:
    return {key: percent(n, known) for key, n in counts.items()}


# --------------------------------------------------------------------------- numbers


def _quantile(ordered: Sequence[Number], p: float) -> Number:
    """Linear interpolation between order statistics (the 'inclusive' method);
    the result carries a comparator when a bound it rests on does."""
    position = p * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    fraction = position - low
    value = ordered[low][0] + (ordered[high][0] - ordered[low][0]) * fraction
    used = [ordered[low]] if fraction == 0 else [ordered[low], ordered[high]]
    return value, _joint_comparator(c for _, c in used)


def _joint_comparator(comparators: Iterable[str]) -> str:
    bounds = {c for c in comparators if c != "="}
    if not bounds:
        return "="
    return bounds.pop() if len(bounds) == 1 else "~"


def number_figures(numbers: Sequence[Number]) -> dict[str, Any]:
    """mean, median, min, max, q1, q3; ``<stat>_comparator`` where a stat rests on a bound."""
    if not numbers:
        return {}
    ordered = sorted(numbers, key=lambda n: (n[0], _RANK.get(n[1], 1)))
    stats: dict[str, Number] = {
        "mean": (sum(v for v, _ in ordered) / len(ordered), _joint_comparator(c for _, c in ordered)),
        "median": _quantile(ordered, 0.5),
        "min": ordered[0],
        "max": ordered[-1],
        "q1": _quantile(ordered, 0.25),
        "q3": _quantile(ordered, 0.75),
    }
    out: dict[str, Any] = {}
    for name, (value, comparator) in stats.items():
        out[name] = plain(value)
        if comparator != "=":
            out[f"{name}_comparator"] = comparator
    bounded = sum(1 for _, c in ordered if c != "=")
    if bounded:
        out["bounded_values"] = bounded
    return out


# --------------------------------------------------------------------------- one field


def field_figures(field: str, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The figures of one field over ``records``."""
    kind = FIELD_KINDS[field]
    values = [value_of(r, field) for r in records]
    known_values = [v for v in values if v is not None]
    out: dict[str, Any] = {"known": len(known_values)}
    if kind in ("category", "yes_no"):
        counts = _sorted_counts(Counter(_key(v) for v in known_values))
        out.update(counts=counts, percent=_shares(counts, len(known_values)))
    elif kind == "number":
        numbers = [n for r in records if (n := number_of(r, field)) is not None]
        out.update(number_figures(numbers))
        out.update(_bounded_patients(field, records))
    elif kind == "items":
        out.update(_item_figures(field, known_values))
    elif kind == "dimensions":
        largest = [(float(max(v)), "=") for v in known_values if v]
        out.update(number_figures(largest))
        out["of"] = "largest dimension (cm)"
    elif kind == "measurements":
        out.update(_measurement_figures(known_values))
    elif kind == "regimens":
        out.update(_regimen_figures(known_values))
    elif kind == "marker":
        out.update(_marker_figures(known_values))
    elif kind == "prrt":
        counts = _sorted_counts(Counter(str(v.get("agent")) for v in known_values))
        out.update(counts=counts, percent=_shares(counts, len(known_values)))
        cycles = [(float(v["cycles"]), "=") for v in known_values if isinstance(v.get("cycles"), int | float)]
        if cycles:
            out["cycles"] = {"known": len(cycles), **number_figures(cycles)}
    return out


def _key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _bounded_patients(field: str, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    bounds = {
        str(r.get("patient_id")): f"{n[1]}{plain(n[0])}"
        for r in records
        if (n := number_of(r, field)) is not None and n[1] != "="
    }
    return {"bounds": bounds} if bounds else {}


def _item_figures(field: str, lists: list[Any]) -> dict[str, Any]:
    per_patient = [sorted({str(i) for i in items}) for items in lists]
    counts: Counter[str] = Counter(i for items in per_patient for i in items)
    if field in EMPTY_LIST_IS_VALUE:
        counts[NONE_ITEM] = sum(1 for items in per_patient if not items)
    ordered = _sorted_counts(counts)
    combos = _sorted_counts(Counter("+".join(items) for items in per_patient if items))
    return {
        "counts": ordered,
        "percent": _shares(ordered, len(lists)),
        "any": sum(1 for items in per_patient if items),
        "combinations": combos,
    }


def _measurement_figures(lists: list[Any]) -> dict[str, Any]:
    items = [i for values in lists for i in values if isinstance(i, dict)]
    timings = Counter(t for values in lists for t in sorted({str(i.get("timing")) for i in values}))
    numbers = [(float(i["value"]), i.get("comparator") or "=")
               for i in items if isinstance(i.get("value"), int | float)]
    counts = _sorted_counts(timings)
    return {
        "counts": counts,
        "percent": _shares(counts, len(lists)),
        "any": sum(1 for values in lists if values),
        "measurements": len(items),
        "values": number_figures(numbers),
    }


def regimen_key(item: dict[str, Any]) -> str:
    """``octreotide_lar 30 mg monthly``: the drug and whatever of dose, unit and frequency is stated."""
    parts = [item.get("drug"), plain(item["dose"]) if isinstance(item.get("dose"), int | float) else None,
             item.get("unit"), item.get("frequency")]
    return " ".join(str(p) for p in parts if p is not None)


def _regimen_figures(lists: list[Any]) -> dict[str, Any]:
    drugs = Counter(d for values in lists for d in sorted({str(i.get("drug")) for i in values}))
    regimens = Counter(k for values in lists for k in sorted({regimen_key(i) for i in values}))
    counts = _sorted_counts(drugs)
    return {
        "counts": counts,
        "percent": _shares(counts, len(lists)),
        "any": sum(1 for values in lists if values),
        "regimens": _sorted_counts(regimens),
    }


def _marker_figures(markers: list[Any]) -> dict[str, Any]:
    statuses = _sorted_counts(Counter(str(m["status"]) for m in markers if m.get("status")))
    out: dict[str, Any] = {"counts": statuses, "percent": _shares(statuses, len(markers))}
    valued = [m for m in markers if isinstance(m.get("value"), int | float)]
    if valued:
        units = _sorted_counts(Counter(str(m.get("unit")) for m in valued))
        values: dict[str, Any] = {"known": len(valued), "units": units}
        if len(units) == 1:  # never averaged across units
            values.update(number_figures([(float(m["value"]), "=") for m in valued]))
        out["values"] = values
    return out


# --------------------------------------------------------------------------- the cohort


def fell_after_surgery(records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Patients with both a preoperative peak and a postoperative glucagon, and those whose value fell."""
    pairs = [
        (peak, post)
        for r in records
        if (peak := number_of(r, "glucagon_peak_pg_ml")) is not None
        and (post := number_of(r, "glucagon_post_surgery_pg_ml")) is not None
    ]
    fell = sum(1 for (pv, pc), (qv, qc) in pairs if qv < pv and qc != ">" and pc != "<")
    return {"n": fell, "of": len(pairs)}


def derived_count(test: FieldTest, records: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Patients for whom a field test holds, of those with the field known."""
    field = test.fields[0]
    known = [r for r in records if value_of(r, field) is not None]
    return {"n": sum(1 for r in known if evaluate(test, r).holds), "of": len(known)}


def cohort_figures(
    records: Sequence[dict[str, Any]],
    derived: Sequence[tuple[str, FieldTest]] = (),
    fields: Sequence[str] = SUMMARY_FIELDS,
) -> dict[str, dict[str, Any]]:
    """Figures of every field; ``derived`` adds named counts (``surgery.resection``) from field tests."""
    figures = {field: field_figures(field, records) for field in fields}
    if "glucagon_post_surgery_pg_ml" in figures:
        figures["glucagon_post_surgery_pg_ml"]["fell_from_peak"] = fell_after_surgery(records)
    for name, test in derived:
        figures[test.fields[0]][name] = derived_count(test, records)
    return figures
