"""Why the record does not cite a mention: the values that lost a conflict, and why the winner won.

For every field, the mentions of the labels that feed it and that the field's
evidence does not cite are sorted into three kinds:

* ``not_counted``: its ConText flags keep it from counting for the patient
  (family, hypothetical, uncertain where the field needs an assertion, negated
  where a negation does not state the value);
* ``conflict``: it counts and states another value that the record holds
  nowhere; the field's merge rule says why the winner won;
* ``lost``: it counts and states another value that the record holds elsewhere
  (a glucagon value that is not the peak, a mention cited for another field);
  the merge rule says why it is not this field's;
* ``agrees``: it states the record's value; another mention is cited.

Which mentions count is ``extractor.aggregate``'s own test (``counts``,
``asserted``, ``negated``); the words for each merge rule and flag are data
(``rules/review.json``), keyed by the merge names of the field catalogue. The
labels and merge of each field (``FIELD_SOURCES``) restate what
``extractor/fields.py`` will hold: when it lands, that table is the one to
switch to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from extractor.aggregate import asserted, counts, negated
from extractor.errors import RuleFileError
from extractor.ruleset import rules_root
from extractor.schema import Mention
from extractor.fields import FIELDS
from extractor.scoring import compare_field, normalize_value, numbers_match

_FIELD_BY_KEY = {f.key: f for f in FIELDS}


def _same_value(path: str, gold: Any, pred: Any) -> bool:
    """Whether two values of a field (``findings.nme``, ``somatostatin_analogue``) are the same,
    scoring unit by scoring unit as the evaluator compares them."""
    key, _, sub = path.partition(".")
    field = _FIELD_BY_KEY[key]

    def record(value: Any) -> dict[str, Any]:
        return {key: {sub: value}} if sub else {key: value}

    units = [c for c in compare_field(field, record(gold), record(pred)) if not sub or c[0].startswith(path)]
    compared = [c for c in units if c[1].tp or c[1].fp or c[1].fn]
    return bool(compared) and all(c[1].fp == 0 and c[1].fn == 0 for c in compared)
from extractor.summary.catalogue import SUMMARY_FIELDS

REASONS_FILE = "review.json"
NOTHING: Any = object()
"""What a mention says about a field it does not speak to (another marker, a part it lacks)."""

Kind = Literal["conflict", "lost", "agrees", "not_counted"]
Says = Callable[[Mention, str | None, bool], Any]
"""(mention, sub-key, stated as absent) -> the value the mention stands for in the field, or NOTHING."""


# --------------------------------------------------------------------------- what a mention says


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _finding(m: Mention, sub: str | None, absent: bool) -> Any:
    return NOTHING if m.label != sub else ("absent" if absent else "present")


def _plain(m: Mention, sub: str | None, absent: bool) -> Any:
    return NOTHING if m.value is None or isinstance(m.value, dict) else m.value


def _key(name: str) -> Says:
    def says(m: Mention, sub: str | None, absent: bool) -> Any:
        value = m.value.get(name) if isinstance(m.value, dict) else None
        return NOTHING if value is None else value

    return says


def _part(m: Mention, sub: str | None, absent: bool) -> Any:
    return _key(sub or "")(m, sub, absent)


def _stain(m: Mention, sub: str | None, absent: bool) -> Any:
    value = m.value if isinstance(m.value, dict) else {}
    return value.get("result", NOTHING) if value.get("marker") == sub else NOTHING


def _serum_marker(m: Mention, sub: str | None, absent: bool) -> Any:
    value = m.value if isinstance(m.value, dict) else {}
    if value.get("marker") != sub:
        return NOTHING
    return {"value": value.get("value"), "unit": value.get("unit"), "status": value.get("status")}


def _measurement(m: Mention, sub: str | None, absent: bool) -> Any:
    value = m.value if isinstance(m.value, dict) else {}
    if value.get("pg_ml") is None:
        return NOTHING
    return {"value": value["pg_ml"], "comparator": value.get("comparator") or "="}


def _items(m: Mention, sub: str | None, absent: bool) -> Any:
    return _as_list(m.value) or NOTHING


def _sites(m: Mention, sub: str | None, absent: bool) -> Any:
    """Sites named, or ``{"no": sites}``: "no liver metastases", "0/12 nodes", "no metastasis" (``[]``)."""
    value = m.value if isinstance(m.value, dict) else {}
    sites = list(value.get("sites") or [])
    if absent:
        return {"no": sites}
    if sites:
        return sites
    scope = value.get("scope")
    if scope == "any":  # "metastatic disease": metastasis, no site named
        return NOTHING
    return {"no": [scope] if scope and scope != "none" else []}


def _given(m: Mention, sub: str | None, absent: bool) -> Any:
    return not absent


def _regimen(m: Mention, sub: str | None, absent: bool) -> Any:
    value = m.value if isinstance(m.value, dict) else {}
    if not value.get("drug"):
        return NOTHING
    return {k: value.get(k) for k in ("drug", "dose", "unit", "frequency")}


def _prrt(m: Mention, sub: str | None, absent: bool) -> Any:
    value = m.value if isinstance(m.value, dict) else {}
    return {k: value.get(k) for k in ("agent", "activity", "cycles")} if value.get("agent") else NOTHING


@dataclass(frozen=True)
class Source:
    """The labels that feed a record key, its merge (the catalogue's name) and what a mention says."""

    labels: tuple[str, ...]
    merge: str
    says: Says
    reads_negation: bool = False  # a negated mention that counts states absence ("absent", False, [])
    within: str | None = None  # the field this one is chosen from (a peak from the glucagon values)


FIELD_SOURCES: dict[str, Source] = {
    "sex": Source(("age_at_diagnosis", "sex"), "first_sex_stated", _key("sex")),
    "age_at_diagnosis": Source(("age_at_diagnosis", "sex"), "age_at_diagnosis", _key("age")),
    "findings": Source(
        ("nme", "diabetes", "igt", "stomatitis", "weight_loss", "anemia", "diarrhea", "dvt", "depression"),
        "findings_present_absent", _finding, reads_negation=True,
    ),
    "first_department": Source(("first_department",), "first_department", _plain),
    "skin_biopsy_diagnostic": Source(("skin_biopsy_diagnostic",), "skin_biopsy", _plain),
    "months_symptoms_to_diagnosis": Source(
        ("months_symptoms_to_diagnosis",), "symptom_duration_before_diagnosis", _plain
    ),
    "glucagon": Source(("glucagon",), "glucagon_measurements", _measurement),
    "glucagon_peak_pg_ml": Source(("glucagon",), "glucagon_peak", _key("pg_ml"), within="glucagon"),
    "glucagon_post_surgery_pg_ml": Source(("glucagon",), "glucagon_after_surgery", _key("pg_ml"), within="glucagon"),
    "serum_markers": Source(("serum_markers",), "serum_marker_first_preoperative", _serum_marker),
    "ihc": Source(("ihc",), "ihc_strongest_result", _stain),
    "ki67_percent": Source(("ki67_percent",), "highest", _plain),
    "who_grade": Source(("who_grade",), "who_grade", _plain),
    "tumor_location": Source(("tumor_location",), "ordered_set", _items),
    "tumor_size_cm": Source(("tumor_size_cm",), "tumour_size", _key("dims")),
    "metastasis_sites": Source(("metastasis_sites",), "metastasis_sites", _sites, reads_negation=True),
    "tnm": Source(("tnm",), "tnm_first_parts", _part),
    "surgery": Source(("surgery",), "tumour_operations", _items),
    "somatostatin_analogue": Source(("somatostatin_analogue",), "analogue_regimens", _regimen),
    "amino_acid_infusion": Source(("amino_acid_infusion",), "given_or_negated", _given, reads_negation=True),
    "zinc_supplementation": Source(("zinc_supplementation",), "given_or_negated", _given, reads_negation=True),
    "systemic_therapy": Source(("systemic_therapy",), "ordered_set", _items),
    "prrt": Source(("prrt",), "prrt_first_named", _prrt),
    "locoregional_therapy": Source(("locoregional_therapy",), "ordered_set", _items),
    "symptoms_improved": Source(("symptoms_improved",), "syndrome_improved", _key("improved")),
    "days_to_improvement": Source(("symptoms_improved",), "days_to_rash_improvement", _key("days")),
    "vital_status": Source(("vital_status",), "vital_status", _key("status")),
    "survival_months_from_diagnosis": Source(("vital_status",), "survival_if_deceased", _key("survival_months")),
}


def source_of(field: str) -> tuple[Source, str | None]:
    """The source of a scored field (``findings.nme`` -> findings' source, sub-key ``nme``)."""
    key, _, sub = field.partition(".")
    return FIELD_SOURCES[key], sub or None


# --------------------------------------------------------------------------- the reasons (data)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotCounted(_Strict):
    family: str
    hypothetical: str
    uncertain: str
    negated: str


class Reasons(_Strict):
    about: str
    merges: dict[str, str]
    not_counted: NotCounted
    agrees: str
    cited_elsewhere: str


@cache
def load_reasons() -> Reasons:
    """``rules/review.json``, validated: every merge of ``FIELD_SOURCES`` has its words."""
    text = rules_root().joinpath(REASONS_FILE).read_text(encoding="utf-8")
    try:
        reasons = Reasons.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise RuleFileError(f"{REASONS_FILE}:{exc.lineno} [json] {exc.msg}") from None
    except ValidationError as exc:
        raise RuleFileError("\n".join(
            f"{REASONS_FILE} [{' -> '.join(str(p) for p in err['loc'])}] {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        )) from None
    missing = sorted({s.merge for s in FIELD_SOURCES.values()} - set(reasons.merges))
    if missing:
        raise RuleFileError(f"{REASONS_FILE} [merges] no words for: {', '.join(missing)}")
    return reasons


# --------------------------------------------------------------------------- agreement


def _same_items(field: str, said: list[Any], recorded: Any) -> bool:
    have = {normalize_value(v) for v in recorded or [] if not isinstance(v, dict)}
    return all(normalize_value(v) in have for v in said) and (bool(said) or recorded == [])


def _same_measurement(said: dict[str, Any], recorded: Any) -> bool:
    return any(
        isinstance(item, dict) and isinstance(item.get("value"), int | float)
        and numbers_match(float(item["value"]), float(said["value"]))
        and (item.get("comparator") or "=") == said["comparator"]
        for item in recorded or []
    )


def _same_regimen(said: dict[str, Any], recorded: Any) -> bool:
    """A partial statement ("octreotide LAR" without a dose) agrees with a regimen it does not contradict."""
    for item in recorded or []:
        if not isinstance(item, dict) or item.get("drug") != said["drug"]:
            continue
        if all(said.get(k) is None or _same_value("somatostatin_analogue",
                                                  [{"drug": said["drug"], k: said[k]}],
                                                  [{"drug": item["drug"], k: item.get(k)}])
               for k in ("dose", "frequency")):
            return True
    return False


def _same_marker(said: dict[str, Any], recorded: Any) -> bool:
    if not isinstance(recorded, dict):
        return False
    if isinstance(said.get("value"), int | float):
        return isinstance(recorded.get("value"), int | float) and numbers_match(
            float(recorded["value"]), float(said["value"]))
    return said.get("status") is None or said.get("status") == recorded.get("status")


def _same_sites(said: Any, recorded: Any) -> bool:
    if isinstance(said, dict):  # a statement of no metastasis (at these sites)
        if not said["no"]:
            return recorded == []
        return isinstance(recorded, list) and not set(said["no"]) & set(recorded)
    return _same_items("metastasis_sites", said, recorded)


def _same_size(said: list[Any], recorded: Any) -> bool:
    """Every stated dimension is one of the record's: "3.1 cm" of the tumour measured 3.1 x 2.3 x 1.6."""
    left = [float(v) for v in recorded or [] if isinstance(v, int | float)]
    for dim in said:
        match = next((i for i, v in enumerate(left) if numbers_match(v, float(dim))), None)
        if match is None:
            return False
        left.pop(match)
    return bool(said)


def agrees(field: str, recorded: Any, said: Any) -> bool:
    """Whether what a mention says is the record's value (as the evaluator compares values)."""
    key = field.partition(".")[0]
    if key == "metastasis_sites":
        return _same_sites(said, recorded)
    if key == "tumor_size_cm":
        return _same_size(said, recorded)
    if key == "glucagon":
        return _same_measurement(said, recorded)
    if key == "somatostatin_analogue":
        return _same_regimen(said, recorded)
    if key == "serum_markers":
        return _same_marker(said, recorded)
    if key == "prrt":
        return isinstance(recorded, dict) and normalize_value(recorded.get("agent")) == normalize_value(said["agent"])
    if isinstance(said, list):
        return _same_items(field, said, recorded)
    return _same_value(field, recorded, said)


# --------------------------------------------------------------------------- per patient


@dataclass(frozen=True)
class Loser:
    """A mention of a field's labels that the field's evidence does not cite."""

    mention: int  # index into the patient's mentions
    kind: Kind
    says: Any
    reason: str
    cited_for: tuple[str, ...] = ()  # other fields whose evidence cites it


def _span_key(doc_id: Any, start: Any, end: Any) -> tuple[str, int, int]:
    return str(doc_id), int(start) if isinstance(start, int) else -1, int(end) if isinstance(end, int) else -1


def _flag_reason(m: Mention, reasons: Reasons) -> str:
    flags = m.assertion
    if flags.family:
        return reasons.not_counted.family
    if flags.hypothetical:
        return reasons.not_counted.hypothetical
    return reasons.not_counted.uncertain


def losers_of_patient(record: dict[str, Any], mentions: Sequence[Mention],
                      field_spans: Callable[[dict[str, Any], str], list[dict[str, Any]]],
                      value_of: Callable[[dict[str, Any], str], Any],
                      fields: Sequence[str] = SUMMARY_FIELDS) -> dict[str, list[Loser]]:
    """Per field, the mentions of its labels it does not cite, each with its kind and reason."""
    reasons = load_reasons()
    cited: dict[str, set[tuple[str, int, int]]] = {
        f: {_span_key(s.get("doc_id"), s.get("start"), s.get("end")) for s in field_spans(record, f)} for f in fields
    }
    by_label: dict[str, list[str]] = {}
    for field in fields:
        for label in source_of(field)[0].labels:
            by_label.setdefault(label, []).append(field)
    out: dict[str, list[Loser]] = {f: [] for f in fields}
    for index, m in enumerate(mentions):
        key = _span_key(m.doc_id, m.start, m.end)
        own_fields = by_label.get(m.label, ())
        for field in own_fields:
            if key in cited[field]:
                continue
            source, sub = source_of(field)
            counted = counts(m)
            stated_absent = counted and negated(m)
            said = source.says(m, sub, stated_absent and source.reads_negation)
            if said is NOTHING:
                continue
            elsewhere = tuple(f for f in own_fields if f != field and key in cited[f])
            if not counted:
                out[field].append(Loser(index, "not_counted", said, _flag_reason(m, reasons), elsewhere))
            elif not asserted(m) and not (stated_absent and source.reads_negation):
                out[field].append(Loser(index, "not_counted", said, reasons.not_counted.negated, elsewhere))
            elif agrees(field, value_of(record, field), said):
                out[field].append(Loser(index, "agrees", said, reasons.agrees, elsewhere))
            else:
                held = bool(elsewhere) or (source.within is not None and agrees(
                    source.within, value_of(record, source.within), FIELD_SOURCES[source.within].says(m, None, False)))
                out[field].append(Loser(index, "lost" if held else "conflict", said, reasons.merges[source.merge],
                                        elsewhere))
    return out


def conflicting_fields(losers: dict[str, list[Loser]]) -> list[str]:
    """Fields where a mention that counts states a value the record holds nowhere."""
    return [f for f, items in losers.items() if any(i.kind == "conflict" for i in items)]
