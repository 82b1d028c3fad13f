"""Cohort figures: stated denominators, comparators counted right, list counts and any."""

from __future__ import annotations

from typing import Any

from extractor.fields import FIELDS
from extractor.summary.catalogue import SUMMARY_FIELDS
from extractor.summary.figures import cohort_figures, number_figures
from extractor.summary.layout import load_layout


def record(patient_id: str, **values: Any) -> dict[str, Any]:
    from extractor.schema import CohortRecord

    return CohortRecord(patient_id=patient_id, **values).model_dump(mode="json")


def peak(value: float, comparator: str = "=") -> dict[str, Any]:
    return {"glucagon": [{"value": value, "comparator": comparator, "unit": "pg/mL", "timing": "preoperative"}],
            "glucagon_peak_pg_ml": value}


COHORT = [
    record("P1", sex="female", age_at_diagnosis=30, findings={"nme": "present", "diarrhea": "absent"},
           metastasis_sites=["liver", "lymph_nodes"], surgery=["distal_pancreatectomy", "splenectomy"],
           skin_biopsy_diagnostic=True, **peak(3155)),
    record("P2", sex="female", age_at_diagnosis=50, findings={"nme": "present"}, metastasis_sites=[],
           surgery=["exploration"], skin_biopsy_diagnostic=False, **peak(800, ">")),
    record("P3", sex="male", findings={"nme": "absent"}, metastasis_sites=["liver"], **peak(217)),
    record("P4"),
]


def figures() -> dict[str, dict[str, Any]]:
    return cohort_figures(COHORT, [(d.name, d.test) for d in load_layout().derived])


def test_every_scored_field_has_figures_and_a_known_count() -> None:
    assert {name.split(".")[0] for name in SUMMARY_FIELDS} == {f.key for f in FIELDS}
    result = figures()
    assert list(result) == list(SUMMARY_FIELDS)
    assert all("known" in f for f in result.values())


def test_known_counts_patients_with_a_value_and_shares_use_it() -> None:
    result = figures()
    assert result["sex"] == {"known": 3, "counts": {"female": 2, "male": 1},
                             "percent": {"female": 66.7, "male": 33.3}}
    nme = result["findings.nme"]
    assert nme["known"] == 3 and nme["counts"] == {"present": 2, "absent": 1}
    assert result["findings.diarrhea"]["known"] == 1
    assert result["findings.dvt"] == {"known": 0, "counts": {}, "percent": {}}


def test_yes_no_fields_count_under_true_and_false() -> None:
    assert figures()["skin_biopsy_diagnostic"]["counts"] == {"false": 1, "true": 1}


def test_numbers_give_mean_median_range_and_iqr() -> None:
    age = figures()["age_at_diagnosis"]
    assert age == {"known": 2, "mean": 40, "median": 40, "min": 30, "max": 50, "q1": 35, "q3": 45}


def test_a_lower_bound_sorts_above_its_value_and_flags_what_rests_on_it() -> None:
    glucagon = figures()["glucagon_peak_pg_ml"]
    assert glucagon["min"] == 217 and glucagon["max"] == 3155 and "min_comparator" not in glucagon
    assert glucagon["median"] == 800 and glucagon["median_comparator"] == ">"
    assert glucagon["mean_comparator"] == ">" and glucagon["bounded_values"] == 1
    assert glucagon["bounds"] == {"P2": ">800"}
    top = number_figures([(800.0, ">"), (217.0, "=")])
    assert top["max"] == 800 and top["max_comparator"] == ">"
    tie = number_figures([(800.0, "="), (800.0, ">"), (10.0, "=")])
    assert tie["max_comparator"] == ">"


def test_a_lower_bound_counts_as_elevated() -> None:
    assert figures()["glucagon_peak_pg_ml"]["elevated"] == {"n": 3, "of": 3}


def test_list_fields_count_items_any_and_none() -> None:
    result = figures()
    metastasis = result["metastasis_sites"]
    assert metastasis["known"] == 3  # P4 says nothing (null); P2's [] is "no metastasis"
    assert metastasis["counts"] == {"liver": 2, "lymph_nodes": 1, "none": 1}
    assert metastasis["any"] == 2
    surgery = result["surgery"]
    assert surgery["known"] == 4 and surgery["any"] == 2
    assert surgery["counts"]["distal_pancreatectomy"] == 1
    assert surgery["resection"] == {"n": 1, "of": 4}  # an exploration alone is not a resection
    assert surgery["combinations"] == {"distal_pancreatectomy+splenectomy": 1, "exploration": 1}


def test_regimens_count_drugs_and_regimens() -> None:
    records = [record("a", somatostatin_analogue=[{"drug": "octreotide_lar", "dose": 30, "unit": "mg",
                                                   "frequency": "monthly"}]),
               record("b", somatostatin_analogue=[{"drug": "octreotide", "dose": 100, "unit": "ug",
                                                   "frequency": "three_times_daily"},
                                                  {"drug": "octreotide", "dose": 200, "unit": "ug",
                                                   "frequency": "three_times_daily"}]),
               record("c")]
    ssa = cohort_figures(records)["somatostatin_analogue"]
    assert ssa["any"] == 2 and ssa["counts"] == {"octreotide": 1, "octreotide_lar": 1}
    assert ssa["regimens"]["octreotide_lar 30 mg monthly"] == 1


def test_serum_marker_values_are_never_averaged_across_units() -> None:
    records = [record("a", serum_markers={"chromogranin_a": {"value": 120, "unit": "ng/mL", "status": "elevated"}}),
               record("b", serum_markers={"chromogranin_a": {"value": 3, "unit": "nmol/L", "status": "elevated"}})]
    cga = cohort_figures(records)["serum_markers.chromogranin_a"]
    assert cga["counts"] == {"elevated": 2}
    assert cga["values"]["units"] == {"ng/mL": 1, "nmol/L": 1} and "mean" not in cga["values"]


def test_postoperative_glucagon_fell_from_the_peak() -> None:
    records = [record("a", glucagon=[{"value": 900, "timing": "preoperative"}, {"value": 40, "comparator": "<",
                                                                               "timing": "postoperative"}],
                      glucagon_peak_pg_ml=900, glucagon_post_surgery_pg_ml=40),
               record("b", glucagon_peak_pg_ml=300, glucagon_post_surgery_pg_ml=450)]
    post = cohort_figures(records)["glucagon_post_surgery_pg_ml"]
    assert post["fell_from_peak"] == {"n": 1, "of": 2}
    assert post["min"] == 40 and post["min_comparator"] == "<"
