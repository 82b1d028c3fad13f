"""The Results paragraph: the paper's style, every number taken from the computed figures."""

from __future__ import annotations

import re
from typing import Any

from extractor.summary.layout import load_layout
from extractor.summary.reading import number_text, percent_text
from extractor.summary.results_text import _WORDS, results_paragraph
from extractor.summary.summarize import summarize

LAYOUT = load_layout()


def record(patient_id: str, **values: Any) -> dict[str, Any]:
    from extractor.schema import CohortRecord

    return CohortRecord(patient_id=patient_id, **values).model_dump(mode="json")


def patient(pid: str, sex: str, age: int, months: float, peak: float, *, died: bool, liver: bool,
            surgery: list[str], stomatitis: str = "absent") -> dict[str, Any]:
    return record(
        pid, sex=sex, age_at_diagnosis=age, months_symptoms_to_diagnosis=months, first_department="dermatology",
        findings={"nme": "present", "diabetes": "present", "stomatitis": stomatitis, "dvt": "absent"},
        glucagon=[{"value": peak, "timing": "preoperative" if surgery else "unknown"}], glucagon_peak_pg_ml=peak,
        metastasis_sites=["liver"] if liver else [], surgery=surgery,
        somatostatin_analogue=[{"drug": "octreotide"}], symptoms_improved=True,
        vital_status="deceased" if died else "alive",
    )


COHORT = [
    patient("A", "female", 25, 8, 217, died=False, liver=False, surgery=["pancreaticoduodenectomy"]),
    patient("B", "female", 47, 2, 3155, died=True, liver=True, surgery=[], stomatitis="present"),
    patient("C", "male", 42, 36, 920, died=False, liver=True, surgery=["distal_pancreatectomy"]),
    patient("D", "female", 51, 12, 720, died=True, liver=False, surgery=["exploration"]),
]


def _numbers_in(text: str) -> list[str]:
    words = {w: str(i) for i, w in enumerate(_WORDS)}
    tokens = re.findall(r"\d+(?:\.\d+)?|[A-Za-z]+", text)
    return [words.get(t.lower(), t) for t in tokens if t[0].isdigit() or t.lower() in words and t.lower() != "no"]


def _figure_numbers(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        for value in node.values():
            _figure_numbers(value, out)
        counts, known = node.get("counts"), node.get("known")
        if isinstance(counts, dict) and isinstance(known, int):
            out.update(percent_text(n, known).rstrip("%") for n in counts.values())
        if {"n", "of"} <= set(node):
            out.add(percent_text(node["n"], node["of"]).rstrip("%"))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        out.update({number_text(float(node)), number_text(float(node), 0), number_text(float(node), 1)})


def test_every_number_of_the_paragraph_comes_from_the_figures() -> None:
    summary = summarize(COHORT)
    allowed: set[str] = {str(len(COHORT))}
    _figure_numbers(summary.figures, allowed)
    allowed.update(re.findall(r"\d+", " ".join(d.label for d in LAYOUT.derived)))  # the stated threshold
    numbers = _numbers_in(summary.paragraph)
    assert len(numbers) > 15
    assert [n for n in numbers if n not in allowed] == []


def test_the_paragraph_reads_like_the_papers() -> None:
    text = summarize(COHORT).paragraph
    assert text.startswith("The four patients consisted of three females and one male with an average age at "
                           "diagnosis of 41.3 years (range 25-51).")
    assert "The average time from onset of symptoms to diagnosis was 14.5 months (range 2-36 months)." in text
    assert "All the patients first visited dermatology." in text
    assert "stomatitis 1/4 (25%)" in text and "No patient had DVT (0/4)." in text
    assert "(range 217-3155 pg/mL)" in text
    assert "Two of four patients had liver metastasis; two had no metastasis." in text
    assert "Two of four patients received surgical resection, and all four received somatostatin analogue" in text
    assert "Two of four patients died by the time of follow-up." in text


def test_a_denominator_smaller_than_the_cohort_is_said() -> None:
    cohort = [*COHORT, record("E", sex="female")]
    text = summarize(cohort).paragraph
    assert "Two of the four patients whose vital status is stated died" in text
    assert "(range 25-51; stated for 4 of 5)" in text


def test_an_empty_cohort_says_so() -> None:
    assert results_paragraph(LAYOUT, summarize([]).figures, 0) == "No patient records were summarised."
