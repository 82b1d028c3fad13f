"""Record-level scoring counts exactly the spec's scoring units, kind by kind."""

from __future__ import annotations

from typing import Any

import pytest

from extractor.fields import FIELDS_BY_KEY
from extractor.metrics import Counts
from extractor.schema import CohortRecord
from extractor.scoring import SCORED_UNITS, compare_field, evidence_for, score_records

NOTHING = Counts()
TP = Counts(tp=1)
FP = Counts(fp=1)
FN = Counts(fn=1)
BOTH = Counts(fp=1, fn=1)


def _record(patient_id: str = "P01", **values: Any) -> dict[str, Any]:
    """A complete record as the spec writes it (every key), with some values set; ``a__b`` sets a sub-key."""
    record = CohortRecord(patient_id=patient_id).model_dump(mode="json", exclude={"evidence"})
    for key, value in values.items():
        if "__" in key:
            parent, sub = key.split("__")
            record[parent] = dict(record[parent] or {}, **{sub: value})
        else:
            record[key] = value
    return record


def _units(key: str, gold: Any, pred: Any) -> dict[str, Counts]:
    """The counts of every unit of one field, gold and prediction holding the given values."""
    field = FIELDS_BY_KEY[key]
    return {unit: counts for unit, counts, _, _ in compare_field(field, _record(**{key: gold}), _record(**{key: pred}))}


def _glucagon(value: float, unit: str = "pg/mL", comparator: str = "=", timing: str = "preoperative") -> dict:
    return {"value": value, "comparator": comparator, "unit": unit, "timing": timing}


def _analogue(drug: str, dose: float | None = None, unit: str | None = None, frequency: str | None = None) -> dict:
    return {"drug": drug, "dose": dose, "unit": unit, "frequency": frequency}


def test_the_units_are_the_catalogues_sixty() -> None:
    # 15 single fields + 9 findings + 10 stains + 10 marker values/statuses + 4 TNM + 2 PRRT + size
    # + 5 item lists + glucagon + 3 analogue units
    assert len(SCORED_UNITS) == 60
    assert {"serum_markers.nse.value", "serum_markers.nse.status", "tumor_size_cm.max", "prrt.cycles"} <= set(SCORED_UNITS)
    assert not {"prrt.activity", "serum_markers.nse.unit", "tumor_size_cm", "findings", "patient_id"} & set(SCORED_UNITS)


# -- one unit each ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "gold", "pred", "expected"),
    [
        pytest.param("sex", None, None, NOTHING, id="null-both"),
        pytest.param("sex", "female", None, FN, id="gold-only"),
        pytest.param("sex", None, "male", FP, id="pred-only"),
        pytest.param("sex", "female", "male", BOTH, id="different"),
        pytest.param("first_department", "General Practice", "general_practice", TP, id="space-as-underscore"),
        pytest.param("first_department", "internal-medicine", "Internal  Medicine", TP, id="hyphen-and-spaces"),
        pytest.param("first_department", "", None, NOTHING, id="empty-string-is-nothing"),
        pytest.param("skin_biopsy_diagnostic", False, None, FN, id="false-is-a-value"),
        pytest.param("skin_biopsy_diagnostic", False, True, BOTH, id="false-vs-true"),
        pytest.param("skin_biopsy_diagnostic", True, 1, BOTH, id="true-is-not-1"),
    ],
)
def test_one_value_units(key: str, gold: Any, pred: Any, expected: Counts) -> None:
    assert _units(key, gold, pred) == {key: expected}


@pytest.mark.parametrize(
    ("key", "gold", "pred", "expected"),
    [
        pytest.param("glucagon_peak_pg_ml", 1000, 1010, TP, id="1%"),
        pytest.param("glucagon_peak_pg_ml", 1000, 1011, BOTH, id="past-1%"),
        pytest.param("ki67_percent", 2, 2.5, TP, id="ki67-0.5-absolute"),
        pytest.param("ki67_percent", 2, 2.6, BOTH, id="ki67-past-0.5"),
        pytest.param("age_at_diagnosis", 47, 47.5, TP, id="age-0.5-absolute"),
        pytest.param("age_at_diagnosis", 47, 48, BOTH, id="age-one-year-off"),
        pytest.param("days_to_improvement", 3, 3.5, TP, id="days-0.5-absolute"),
        pytest.param("months_symptoms_to_diagnosis", 24, 24.5, TP, id="months-0.5-absolute"),
        pytest.param("survival_months_from_diagnosis", 11, 12, BOTH, id="survival-past-0.5"),
    ],
)
def test_number_tolerances(key: str, gold: float, pred: float, expected: Counts) -> None:
    assert _units(key, gold, pred) == {key: expected}


def test_sub_key_units_one_per_finding() -> None:
    units = _units("findings", {"nme": "present", "dvt": "absent"}, {"nme": "Present", "diabetes": "absent"})
    assert units["findings.nme"] == TP and units["findings.dvt"] == FN and units["findings.diabetes"] == FP
    assert len(units) == 9 and sum(c.tp + c.fp + c.fn for c in units.values()) == 3


def test_tnm_parts_compare_as_written() -> None:
    # the spec compares strings case-insensitively and nothing more: a prefix is a different value
    units = _units("tnm", {"t": "T2", "n": "N0", "m": None, "stage": "iia"}, {"t": "t2", "n": "pN0", "m": None, "stage": "IIA"})
    assert units == {"tnm.t": TP, "tnm.n": BOTH, "tnm.m": NOTHING, "tnm.stage": TP}


def test_serum_marker_value_and_status_are_two_units() -> None:
    # Arrange: the same value in another unit spelling, a different status
    gold = {"chromogranin_a": {"value": 286, "unit": "ng/mL", "status": "elevated"}}
    pred = {"chromogranin_a": {"value": 287, "unit": "µg/L", "status": "normal"}, "nse": {"value": None, "unit": None, "status": "normal"}}
    # Act
    units = _units("serum_markers", gold, pred)
    # Assert: the unit is not a scoring unit; an all-null status-only marker counts its status
    assert units["serum_markers.chromogranin_a.value"] == TP
    assert units["serum_markers.chromogranin_a.status"] == BOTH
    assert units["serum_markers.nse.value"] == NOTHING and units["serum_markers.nse.status"] == FP


def test_prrt_agent_and_cycles_are_units_and_activity_is_not() -> None:
    units = _units(
        "prrt", {"agent": "177Lu-DOTATATE", "activity": "7.4 GBq", "cycles": 4}, {"agent": "177lu dotatate", "activity": "200 mCi", "cycles": 3}
    )
    assert units == {"prrt.agent": TP, "prrt.cycles": BOTH}


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        pytest.param([3.1, 2.3, 1.6], [1.6, 3.1], TP, id="only-the-largest-counts"),
        pytest.param([4.0, 3.0], [4.05], BOTH, id="past-1%"),
        pytest.param(None, [2.0], FP, id="pred-only"),
    ],
)
def test_tumour_size_is_its_largest_dimension(gold: Any, pred: Any, expected: Counts) -> None:
    assert _units("tumor_size_cm", gold, pred) == {"tumor_size_cm.max": expected}


# -- one unit per distinct item --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "gold", "pred", "expected"),
    [
        pytest.param("surgery", ["distal_pancreatectomy", "splenectomy", "laparoscopic"], ["distal_pancreatectomy", "robotic"], Counts(tp=1, fp=1, fn=2), id="qualifiers-are-items"),
        pytest.param("tumor_location", ["body", "tail"], ["tail", "body", "tail"], Counts(tp=2), id="distinct-order-ignored"),
        pytest.param("systemic_therapy", ["surufatinib", "5-fluorouracil"], ["Sulfatinib", "5 fluorouracil"], Counts(tp=2), id="sulfatinib-is-surufatinib"),
        pytest.param("locoregional_therapy", [], [], NOTHING, id="empty-lists-are-nothing"),
        pytest.param("metastasis_sites", [], None, FN, id="empty-metastasis-is-the-item-none"),
        pytest.param("metastasis_sites", [], ["liver"], BOTH, id="none-vs-liver"),
        pytest.param("metastasis_sites", ["liver", "lymph_nodes"], ["liver"], Counts(tp=1, fn=1), id="one-missed"),
        pytest.param("metastasis_sites", None, None, NOTHING, id="not-stated"),
    ],
)
def test_item_units(key: str, gold: Any, pred: Any, expected: Counts) -> None:
    assert _units(key, gold, pred) == {key: expected}


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        pytest.param([_glucagon(500, "pmol/L")], [_glucagon(1742.5)], TP, id="converted-from-pmol"),
        pytest.param([_glucagon(50)], [_glucagon(51)], TP, id="1%-plus-half-a-pg"),
        pytest.param([_glucagon(50)], [_glucagon(51.1)], BOTH, id="past-1%-plus-half"),
        pytest.param([_glucagon(1240, timing="preoperative")], [_glucagon(1240, ">", "postoperative")], TP, id="timing-and-comparator-not-scored"),
        pytest.param([_glucagon(1240), _glucagon(1240)], [_glucagon(1240)], Counts(tp=1, fn=1), id="paired-one-to-one"),
        pytest.param([_glucagon(1000), _glucagon(1009)], [_glucagon(1005), _glucagon(995)], Counts(tp=2), id="best-pairing"),
        pytest.param([], [_glucagon(60)], FP, id="pred-only"),
    ],
)
def test_glucagon_measurement_units(gold: list, pred: list, expected: Counts) -> None:
    assert _units("glucagon", gold, pred) == {"glucagon": expected}


def test_analogue_units_are_drug_dose_and_frequency() -> None:
    # Arrange
    gold = [_analogue("octreotide_lar", 30, "mg", "monthly"), _analogue("octreotide", 100, "ug", "three_times_daily")]
    pred = [
        _analogue("octreotide_lar", 30000, "ug", "every_28_days"),  # the same dose in ug, another frequency
        _analogue("lanreotide"),  # a drug gold lacks, without dose or frequency
    ]
    # Act
    units = _units("somatostatin_analogue", gold, pred)
    # Assert
    assert units["somatostatin_analogue.drug"] == Counts(tp=1, fp=1, fn=1)
    assert units["somatostatin_analogue.dose"] == Counts(tp=1, fn=1)
    assert units["somatostatin_analogue.frequency"] == Counts(fp=1, fn=2)


def test_an_analogue_drug_counts_once_however_many_regimens() -> None:
    units = _units("somatostatin_analogue", [_analogue("octreotide", 100, "ug"), _analogue("octreotide", 200, "ug")], [_analogue("octreotide", 0.1, "mg")])
    assert units["somatostatin_analogue.drug"] == TP
    assert units["somatostatin_analogue.dose"] == Counts(tp=1, fn=1)


# -- records -----------------------------------------------------------------------------------


def test_score_records_sums_units_over_patients_and_micro_over_units() -> None:
    # Arrange
    gold = {
        "P01": _record("P01", sex="female", ki67_percent=8, findings__nme="present", metastasis_sites=[]),
        "P02": _record("P02", sex="male", surgery=["enucleation", "laparoscopic"]),
    }
    pred = {
        "P01": _record("P01", sex="female", ki67_percent=12, findings__nme="present", findings__dvt="absent"),
        "P02": _record("P02", sex="male", surgery=["enucleation"]),
    }
    # Act
    report = score_records(gold, pred)
    # Assert
    assert report.fields["sex"] == Counts(tp=2)
    assert report.fields["ki67_percent"] == BOTH
    assert report.fields["metastasis_sites"] == FN
    assert report.fields["surgery"] == Counts(tp=1, fn=1)
    # tp: sex x2, nme, enucleation; fp: ki67, dvt; fn: ki67, none, laparoscopic
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (4, 2, 3)
    assert list(report.fields) == list(SCORED_UNITS)


def test_missing_patients_count_all_their_units() -> None:
    gold = {"P01": _record("P01", sex="female", surgery=["enucleation", "robotic"], zinc_supplementation=False)}
    pred = {"P09": _record("P09", sex="male", metastasis_sites=[])}
    report = score_records(gold, pred)
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (0, 2, 4)
    assert (report.patients.gold_only, report.patients.predicted_only) == (["P01"], ["P09"])


def test_scoped_keys_score_only_their_units() -> None:
    gold = {"P01": _record("P01", tnm={"t": "T2", "n": None, "m": None, "stage": None}, sex="female")}
    pred = {"P01": _record("P01", tnm={"t": "T2", "n": "N1", "m": None, "stage": None}, sex="male")}
    report = score_records(gold, pred, keys=["tnm"])
    assert list(report.fields) == ["tnm.t", "tnm.n", "tnm.m", "tnm.stage"]
    assert (report.micro.tp, report.micro.fp, report.micro.fn) == (1, 1, 0)


def test_disagreements_carry_the_unit_its_values_and_evidence() -> None:
    # Arrange
    evidence = {
        "glucagon[1]": [{"doc_id": "02-endo", "start": 40, "end": 58, "text": "glucagon 60 pg/mL"}],
        "glucagon[0]": [{"doc_id": "02-endo", "start": 10, "end": 30, "text": "glucagon 1240 pg/mL"}],
        "serum_markers.nse": [{"doc_id": "03-lab", "start": 0, "end": 9, "text": "NSE 18 ng/mL"}],
    }
    gold = {"P01": _record("P01", glucagon=[_glucagon(1240)])}
    pred = {"P01": _record("P01", glucagon=[_glucagon(1240), _glucagon(60)], serum_markers__nse={"value": 18, "unit": "ng/mL", "status": None})}
    pred["P01"]["evidence"] = evidence
    # Act
    report = score_records(gold, pred)
    # Assert
    by_unit = {d.field: d for d in report.disagreements}
    assert set(by_unit) == {"glucagon", "serum_markers.nse.value"}
    assert (by_unit["glucagon"].kind, by_unit["glucagon"].gold, by_unit["glucagon"].predicted) == ("fp", [1240.0], [60.0, 1240.0])
    assert [e.key for e in by_unit["glucagon"].evidence] == ["glucagon[0]", "glucagon[1]"]
    assert [e.key for e in by_unit["serum_markers.nse.value"].evidence] == ["serum_markers.nse"]


def test_a_missed_no_metastasis_shows_null_not_the_empty_list() -> None:
    gold = {"P01": _record("P01", metastasis_sites=[])}
    pred = {"P01": _record("P01", metastasis_sites=None)}
    (disagreement,) = score_records(gold, pred, keys=["metastasis_sites"]).disagreements
    assert (disagreement.kind, disagreement.gold, disagreement.predicted) == ("fn", ["none"], None)


@pytest.mark.parametrize(
    ("evidence", "unit", "keys"),
    [
        pytest.param({"tnm": [{"doc_id": "d", "start": 0, "end": 9, "text": "pT2 N0 M0"}]}, "tnm.t", ["tnm"], id="parent"),
        pytest.param({"somatostatin_analogue[0]": [{"doc_id": "d", "start": 0, "end": 9, "text": "x"}]}, "somatostatin_analogue.dose", ["somatostatin_analogue[0]"], id="parent-items"),
        pytest.param(
            {"glucagon[10]": [], "glucagon[2]": [{"doc_id": "d", "start": 1, "end": 2, "text": "x"}]}, "glucagon", ["glucagon[2]"], id="numeric-order"
        ),
        pytest.param({"findings.nme": "not a list"}, "findings.nme", [], id="malformed-skipped"),
    ],
)
def test_evidence_for(evidence: dict, unit: str, keys: list[str]) -> None:
    refs = evidence_for({"evidence": evidence}, unit)
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
    assert (counts.precision, counts.recall, counts.f1) == pytest.approx(rates)
