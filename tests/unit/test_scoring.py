"""Record-level scoring: normalisation, tolerances, null vs [] and aggregation."""

from __future__ import annotations

from typing import Any

import pytest

from extractor.schema import CohortRecord
from extractor.metrics import Counts
from extractor.scoring import (
    SCORED_FIELDS,
    compare_field,
    evidence_for,
    score_records,
)

NOTHING = Counts()
TP = Counts(tp=1)
FP = Counts(fp=1)
FN = Counts(fn=1)
BOTH = Counts(fp=1, fn=1)


def _record(patient_id: str, **values: Any) -> dict[str, Any]:
    """Build a complete record as the spec writes it (every key), with some values set."""
    record = CohortRecord(patient_id=patient_id).model_dump(mode="json", exclude={"evidence"})
    for key, value in values.items():
        if "__" in key:
            parent, sub = key.split("__")
            record[parent] = dict(record[parent] or {}, **{sub: value})
        else:
            record[key] = value
    return record


def _glucagon(value: float, unit: str = "pg/mL", comparator: str = "=", timing: str = "preoperative") -> dict:
    return {"value": value, "comparator": comparator, "unit": unit, "timing": timing}


def _marker(value: float | None, unit: str | None, status: str | None) -> dict:
    return {"value": value, "unit": unit, "status": status}


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        pytest.param(None, None, NOTHING, id="null-null"),
        pytest.param([], None, FN, id="gold-no-metastasis-pred-unstated"),
        pytest.param(None, [], FP, id="gold-unstated-pred-no-metastasis"),
        pytest.param([], [], TP, id="both-no-metastasis"),
        pytest.param([], ["liver"], BOTH, id="no-metastasis-vs-liver"),
        pytest.param(["liver", "bone"], ["bone", "liver"], TP, id="order-ignored"),
        pytest.param(["liver"], ["Liver"], TP, id="case-ignored"),
        pytest.param(["liver", "bone"], ["liver"], BOTH, id="missing-site"),
    ],
)
def test_metastasis_sites_empty_list_is_a_value(gold: Any, pred: Any, expected: Counts) -> None:
    """metastasis_sites: [] states 'no metastasis' and scores like any value."""
    # Act
    counts = compare_field("metastasis_sites", gold, pred)
    # Assert
    assert counts == expected


@pytest.mark.parametrize(
    ("field", "gold", "pred", "expected"),
    [
        pytest.param("surgery", [], None, NOTHING, id="surgery-empty-vs-null"),
        pytest.param("surgery", None, [], NOTHING, id="surgery-null-vs-empty"),
        pytest.param("surgery", [], [], NOTHING, id="surgery-empty-vs-empty"),
        pytest.param("surgery", ["enucleation"], [], FN, id="surgery-missed"),
        pytest.param("surgery", [], ["enucleation"], FP, id="surgery-invented"),
        pytest.param(
            "surgery",
            ["distal_pancreatectomy", "splenectomy", "laparoscopic"],
            ["laparoscopic", "distal_pancreatectomy", "splenectomy"],
            TP,
            id="surgery-order-ignored",
        ),
        pytest.param("tumor_size_cm", [], None, NOTHING, id="size-empty-is-null"),
        pytest.param("glucagon", [], None, NOTHING, id="glucagon-empty-is-null"),
        pytest.param("systemic_therapy", None, [], NOTHING, id="therapy-null-vs-empty"),
    ],
)
def test_empty_list_counts_like_null_except_metastasis(
    field: str, gold: Any, pred: Any, expected: Counts
) -> None:
    """For every list but metastasis_sites, [] means nothing to record."""
    # Act
    counts = compare_field(field, gold, pred)
    # Assert
    assert counts == expected


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        pytest.param([_glucagon(1742)], [_glucagon(500, "pmol/L")], TP, id="pmol-converted-within-1pct"),
        pytest.param([_glucagon(1742)], [_glucagon(520, "pmol/L")], BOTH, id="pmol-converted-beyond-1pct"),
        pytest.param([_glucagon(217)], [_glucagon(217, "ng/L")], TP, id="ng-per-l-equals-pg-per-ml"),
        pytest.param([_glucagon(1000)], [_glucagon(1010)], TP, id="exactly-1pct"),
        pytest.param([_glucagon(1000)], [_glucagon(1011)], BOTH, id="just-over-1pct"),
        pytest.param([_glucagon(1000)], [_glucagon(1000, comparator=">")], BOTH, id="comparator-differs"),
        pytest.param([_glucagon(1000)], [_glucagon(1000, timing="unknown")], BOTH, id="timing-differs"),
        pytest.param(
            [_glucagon(1240), _glucagon(58, timing="postoperative")],
            [_glucagon(58.2, timing="postoperative"), _glucagon(1245)],
            TP,
            id="order-ignored",
        ),
        pytest.param([_glucagon(100), _glucagon(100)], [_glucagon(100)], BOTH, id="multiset-not-set"),
        pytest.param([_glucagon(100)], [{"value": 100, "timing": "preoperative"}], TP, id="defaults-filled"),
    ],
)
def test_glucagon_is_a_multiset_of_converted_values(gold: list, pred: list, expected: Counts) -> None:
    """Glucagon: value (pg/mL, within 1%), comparator and timing; order ignored."""
    # Act
    counts = compare_field("glucagon", gold, pred)
    # Assert
    assert counts == expected


@pytest.mark.parametrize(
    ("field", "gold", "pred", "expected"),
    [
        pytest.param("ki67_percent", 8, 8.5, TP, id="ki67-within-0.5"),
        pytest.param("ki67_percent", 8, 8.6, BOTH, id="ki67-beyond-0.5"),
        pytest.param("ki67_percent", 100, 100.8, BOTH, id="ki67-absolute-not-1pct"),
        pytest.param("months_symptoms_to_diagnosis", 24, 23.5, TP, id="months-within-0.5"),
        pytest.param("survival_months_from_diagnosis", 120, 121, BOTH, id="survival-beyond-0.5"),
        pytest.param("glucagon_peak_pg_ml", 1240, 1252, TP, id="peak-0.97pct"),
        pytest.param("glucagon_peak_pg_ml", 1240, 1253, BOTH, id="peak-1.05pct"),
        pytest.param("age_at_diagnosis", 54, 55, BOTH, id="age-off-by-one"),
        pytest.param("days_to_improvement", 0, 0, TP, id="zero-is-a-value"),
    ],
)
def test_number_tolerances(field: str, gold: float, pred: float, expected: Counts) -> None:
    """Numbers match within 1% of gold; percents and months within 0.5 absolute."""
    # Act
    counts = compare_field(field, gold, pred)
    # Assert
    assert counts == expected


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        pytest.param(False, None, FN, id="false-missed"),
        pytest.param(None, False, FP, id="false-invented"),
        pytest.param(False, False, TP, id="false-false"),
        pytest.param(True, False, BOTH, id="true-false"),
        pytest.param(True, 1, BOTH, id="true-is-not-one"),
        pytest.param(False, "false", BOTH, id="false-is-not-a-string"),
    ],
)
def test_booleans_false_is_a_value(gold: Any, pred: Any, expected: Counts) -> None:
    """Booleans are compared exactly; false is a value, not null."""
    # Act
    counts = compare_field("skin_biopsy_diagnostic", gold, pred)
    # Assert
    assert counts == expected


@pytest.mark.parametrize(
    ("field", "gold", "pred", "expected"),
    [
        pytest.param("sex", "female", "Female", TP, id="case"),
        pytest.param("first_department", "internal medicine", " Internal  Medicine ", TP, id="white-space"),
        pytest.param("findings.nme", "present", "absent", BOTH, id="present-vs-absent"),
        pytest.param("tnm.stage", "IIA", "iia", TP, id="stage-case"),
        pytest.param("who_grade", "G2", "", FN, id="empty-string-is-null"),
    ],
)
def test_strings_case_insensitive(field: str, gold: str, pred: str, expected: Counts) -> None:
    """Strings are compared case-insensitively with white space collapsed."""
    # Act
    counts = compare_field(field, gold, pred)
    # Assert
    assert counts == expected


@pytest.mark.parametrize(
    ("field", "gold", "pred", "expected"),
    [
        pytest.param("tumor_size_cm", [8.0, 5.0, 3.5], [3.5, 8.0, 5.04], TP, id="size-sorted-1pct"),
        pytest.param("tumor_size_cm", [8.0, 5.0], [8.0, 5.0, 3.5], BOTH, id="size-extra-dimension"),
        pytest.param(
            "serum_markers.chromogranin_a",
            _marker(312, "ng/mL", "elevated"),
            _marker(315, "NG/ML", "elevated"),
            TP,
            id="marker-1pct-unit-case",
        ),
        pytest.param(
            "serum_markers.chromogranin_a",
            _marker(312, "ng/mL", "elevated"),
            _marker(312, "ng/mL", "normal"),
            BOTH,
            id="marker-status-differs",
        ),
        pytest.param(
            "serum_markers.nse",
            _marker(18, "\u00b5g/L", "elevated"),
            _marker(18, "ug/l", "elevated"),
            TP,
            id="marker-micro-sign",
        ),
        pytest.param(
            "serum_markers.nse",
            _marker(18, "ug/L", None),
            _marker(18, None, None),
            BOTH,
            id="marker-unit-missing",
        ),
        pytest.param("serum_markers.gastrin", _marker(None, None, None), None, NOTHING, id="marker-all-null"),
        pytest.param(
            "somatostatin_analogue",
            [
                {"drug": "octreotide", "dose": 100, "unit": "ug", "frequency": "three_times_daily"},
                {"drug": "lanreotide", "dose": 120, "unit": "mg", "frequency": "every_28_days"},
            ],
            [
                {"drug": "lanreotide", "dose": 120, "unit": "mg", "frequency": "every_28_days"},
                {"drug": "octreotide", "dose": 0.1, "unit": "mg", "frequency": "three_times_daily"},
            ],
            TP,
            id="analogue-order-and-dose-unit",
        ),
        pytest.param(
            "somatostatin_analogue",
            [{"drug": "octreotide_lar", "dose": 30, "unit": "mg", "frequency": "monthly"}],
            [{"drug": "octreotide", "dose": 30, "unit": "mg", "frequency": "monthly"}],
            BOTH,
            id="analogue-drug-differs",
        ),
        pytest.param(
            "prrt",
            {"agent": "177Lu-DOTATATE", "activity": "7.4 GBq", "cycles": 4},
            {"agent": "177lu-dotatate", "activity": "7.4GBq", "cycles": 4},
            TP,
            id="prrt-whole-object",
        ),
        pytest.param(
            "prrt",
            {"agent": "177Lu-DOTATATE", "activity": None, "cycles": 4},
            {"agent": "177Lu-DOTATATE", "activity": None, "cycles": 3},
            BOTH,
            id="prrt-cycles-differ",
        ),
    ],
)
def test_structured_values(field: str, gold: Any, pred: Any, expected: Counts) -> None:
    """Sizes, serum markers, analogues and PRRT are compared as whole values."""
    # Act
    counts = compare_field(field, gold, pred)
    # Assert
    assert counts == expected


def test_scored_fields_expand_fixed_key_objects() -> None:
    """findings, serum_markers, ihc and tnm are scored per sub-key; id and evidence never."""
    # Assert
    assert {"findings.nme", "serum_markers.nse", "ihc.sstr2", "tnm.t", "tnm.stage"} <= set(SCORED_FIELDS)
    assert not {"findings", "serum_markers", "ihc", "tnm", "patient_id", "evidence"} & set(SCORED_FIELDS)
    assert len(SCORED_FIELDS) == 52


def test_score_records_micro_aggregation() -> None:
    """Per-field counts add up over patients; micro sums them over fields."""
    # Arrange
    gold = {
        "P01": _record("P01", sex="female", ki67_percent=8, findings__nme="present", metastasis_sites=[]),
        "P02": _record("P02", sex="male", tnm={"t": "T2", "n": "N0", "m": "M0", "stage": "IIA"}),
    }
    pred = {
        "P01": _record("P01", sex="female", ki67_percent=12, findings__nme="present", findings__dvt="absent"),
        "P02": _record("P02", sex="male", tnm={"t": "T2", "n": "N1", "m": None, "stage": None}),
    }
    # Act
    report = score_records(gold, pred)
    # Assert
    assert report.fields["sex"] == Counts(tp=2)
    assert report.fields["ki67_percent"] == Counts(fp=1, fn=1)
    assert report.fields["findings.dvt"] == Counts(fp=1)
    assert report.fields["metastasis_sites"] == Counts(fn=1)
    assert report.fields["tnm.n"] == Counts(fp=1, fn=1)
    assert report.fields["tnm.m"] == Counts(fn=1)
    # tp: sex x2, nme, tnm.t; fp: ki67, dvt, tnm.n; fn: ki67, metastasis, tnm.n, tnm.m, tnm.stage
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (4, 3, 5)
    assert report.micro.precision == pytest.approx(4 / 7)
    assert report.micro.recall == pytest.approx(4 / 9)
    assert report.micro.f1 == pytest.approx(2 * 4 / (2 * 4 + 3 + 5))


def test_missing_patients_count_all_their_values() -> None:
    """A gold patient without prediction is all FN; a predicted patient without gold all FP."""
    # Arrange
    gold = {"P01": _record("P01", sex="female", surgery=["enucleation"], zinc_supplementation=False)}
    pred = {"P09": _record("P09", sex="male", metastasis_sites=[], evidence={})}
    # Act
    report = score_records(gold, pred)
    # Assert
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (0, 2, 3)
    assert report.patients.gold_only == ["P01"]
    assert report.patients.predicted_only == ["P09"]


def test_disagreements_carry_kind_values_and_evidence() -> None:
    """A mismatch lists gold, predicted and the evidence of every list item."""
    # Arrange
    evidence = {
        "glucagon[1]": [{"doc_id": "02-endo", "start": 40, "end": 58, "text": "glucagon 60 pg/mL"}],
        "glucagon[0]": [{"doc_id": "02-endo", "start": 10, "end": 30, "text": "glucagon 1240 pg/mL"}],
        "glucagon_peak_pg_ml": [{"doc_id": "02-endo", "start": 10, "end": 30, "text": "glucagon 1240 pg/mL"}],
    }
    gold = {"P01": _record("P01", glucagon=[_glucagon(1240)])}
    pred = {"P01": _record("P01", glucagon=[_glucagon(1240), _glucagon(60)], evidence=evidence)}
    # Act
    report = score_records(gold, pred)
    # Assert
    (d,) = report.disagreements
    assert (d.patient_id, d.field, d.kind) == ("P01", "glucagon", "mismatch")
    assert d.gold == [_glucagon(1240)]
    assert [e.key for e in d.evidence] == ["glucagon[0]", "glucagon[1]"]


@pytest.mark.parametrize(
    ("evidence", "field", "keys"),
    [
        pytest.param(
            {"tnm": [{"doc_id": "d", "start": 0, "end": 9, "text": "pT2 N0 M0"}]},
            "tnm.t",
            ["tnm"],
            id="parent",
        ),
        pytest.param(
            {"glucagon[10]": [], "glucagon[2]": [{"doc_id": "d", "start": 1, "end": 2, "text": "x"}]},
            "glucagon",
            ["glucagon[2]"],
            id="numeric-order",
        ),
        pytest.param({"findings.nme": "not a list"}, "findings.nme", [], id="malformed-skipped"),
    ],
)
def test_evidence_for(evidence: dict, field: str, keys: list[str]) -> None:
    """Evidence keys are matched by dotted path, list items included, parent as fallback."""
    # Act
    refs = evidence_for({"evidence": evidence}, field)
    # Assert
    assert [r.key for r in refs] == keys


@pytest.mark.parametrize(
    ("counts", "rates"),
    [
        pytest.param(Counts(), (0.0, 0.0, 0.0), id="no-counts"),
        pytest.param(Counts(fn=3), (0.0, 0.0, 0.0), id="only-fn"),
        pytest.param(Counts(fp=2), (0.0, 0.0, 0.0), id="only-fp"),
        pytest.param(Counts(tp=3, fp=1, fn=2), (0.75, 0.6, 2 * 0.75 * 0.6 / 1.35), id="regular"),
    ],
)
def test_rates_with_zero_denominators_are_zero(counts: Counts, rates: tuple[float, float, float]) -> None:
    """P, R and F1 are 0.0 when their denominator is 0."""
    # Assert
    assert (counts.precision, counts.recall, counts.f1) == pytest.approx(rates)


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [("T2", "pT2", (1, 0, 0)), ("N0", "ypN0", (1, 0, 0)), ("T2", "pT3", (0, 1, 1))],
)
def test_tnm_prefix_is_ignored(gold: str, pred: str, expected: tuple[int, int, int]) -> None:
    """pT2 and T2 are the same category; a different T is one FP and one FN."""
    # Arrange
    field = "tnm.t" if gold.startswith("T") else "tnm.n"
    # Act
    counts = compare_field(field, gold, pred)
    # Assert
    assert (counts.tp, counts.fp, counts.fn) == expected
