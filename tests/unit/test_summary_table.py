"""Table 1: the paper's row order, values as a reader writes them, Markdown that renders
as a table, a CSV that stays text in a spreadsheet, per-patient columns only in the CSV
beyond the layout's limit."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from markdown_it import MarkdownIt

from extractor.summary.layout import load_layout
from extractor.summary.summarize import summarize
from extractor.summary.table1 import csv_safe, md_escape, table1_csv, table1_markdown

LAYOUT = load_layout()


def record(patient_id: str, **values: Any) -> dict[str, Any]:
    from extractor.schema import CohortRecord

    return CohortRecord(patient_id=patient_id, **values).model_dump(mode="json")


P1 = record(
    "P1", sex="female", age_at_diagnosis=44, findings={"nme": "present", "diabetes": "absent"},
    glucagon=[{"value": 800, "comparator": ">", "timing": "preoperative"},
              {"value": 233.01, "timing": "postoperative"}],
    glucagon_peak_pg_ml=800, glucagon_post_surgery_pg_ml=233.01,
    ihc={"glucagon": "positive", "sstr2": "equivocal", "gastrin": "not_done", "insulin": "negative"},
    ki67_percent=8, tumor_location=["tail", "body"], tumor_size_cm=[5.0, 3.8], metastasis_sites=[],
    tnm={"t": "T2", "n": "N0", "m": "M0", "stage": "IIA"},
    surgery=["splenectomy", "distal_pancreatectomy", "laparoscopic"],
    somatostatin_analogue=[{"drug": "octreotide_lar", "dose": 30, "unit": "mg", "frequency": "monthly"}],
    symptoms_improved=True, days_to_improvement=1, vital_status="deceased", survival_months_from_diagnosis=63,
)
P2 = record("P2", sex="male", metastasis_sites=["liver", "lymph_nodes"],
            somatostatin_analogue=[{"drug": "octreotide", "dose": 100, "unit": "ug",
                                    "frequency": "three_times_daily"}])


def cells(records: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    table = summarize(records).table
    return {row.field: row.cells for section in table.sections for row in section.rows}


def test_rows_follow_the_papers_order() -> None:
    order = [row.field for row in LAYOUT.rows]
    expected = ["sex", "age_at_diagnosis", "findings.nme", "first_department", "skin_biopsy_diagnostic",
                "glucagon_peak_pg_ml", "ihc.glucagon", "serum_markers.chromogranin_a", "ki67_percent",
                "months_symptoms_to_diagnosis", "tumor_location", "tumor_size_cm", "metastasis_sites", "tnm.stage",
                "surgery", "somatostatin_analogue", "amino_acid_infusion", "zinc_supplementation",
                "systemic_therapy", "prrt", "locoregional_therapy", "glucagon_post_surgery_pg_ml",
                "symptoms_improved", "vital_status", "survival_months_from_diagnosis"]
    positions = [order.index(field) for field in expected]
    assert positions == sorted(positions)


def test_values_read_as_a_reader_writes_them() -> None:
    table = cells([P1, P2])
    assert table["sex"] == ("F", "M")
    assert table["findings.nme"] == ("Y", "NA") and table["findings.diabetes"] == ("N", "NA")
    assert table["glucagon_peak_pg_ml"] == (">800", "NA")
    assert table["glucagon_post_surgery_pg_ml"][0] == "233"
    assert table["ihc.glucagon"][0] == "+" and table["ihc.sstr2"][0] == "±"
    assert table["ihc.gastrin"][0] == "ND" and table["ihc.insulin"][0] == "-"
    assert table["ki67_percent"][0] == "8%"
    assert table["tumor_location"][0] == "Body and tail"
    assert table["tumor_size_cm"][0] == "5.0 x 3.8"
    assert table["metastasis_sites"] == ("None", "Liver, lymph nodes")
    assert table["tnm.stage"][0] == "IIA (T2, N0, M0)"
    assert table["surgery"] == ("Laparoscopic distal pancreatectomy + splenectomy", "–")
    assert table["somatostatin_analogue"] == ("Octreotide LAR 30 mg monthly", "Octreotide 100 µg three times daily")
    assert table["symptoms_improved"][0] == "Y, 1 day after surgery"
    assert table["vital_status"][0] == "Died" and table["survival_months_from_diagnosis"][0] == "63"


def test_the_cohort_column_states_its_denominator() -> None:
    table = summarize([P1, P2]).table
    figures = {row.field: row.figure for section in table.sections for row in section.rows}
    assert table.figure_header == "Cohort (n=2)"
    assert figures["findings.nme"] == "1/1 (100%); NA 1"
    assert figures["sex"] == "F 1/2 (50%), M 1/2 (50%)"
    assert figures["somatostatin_analogue"].startswith("2/2 (100%)")


def _markdown_tables(text: str) -> list[list[list[str]]]:
    """Render with a CommonMark + GFM-table parser and read back each table's cell texts."""
    html = MarkdownIt("commonmark").enable("table").render(text)
    tables = re.findall(r"<table>(.*?)</table>", html, flags=re.S)
    return [[re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
             for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)] for table in tables]


def test_table1_md_renders_as_one_table_with_a_column_per_patient() -> None:
    hostile = record("P|3", first_department="derm | <b>skin</b> *clinic*",
                     somatostatin_analogue=[{"drug": "lanreotide", "dose": 120, "unit": "mg",
                                             "frequency": "every 6 weeks | prn"}])
    text = table1_markdown(summarize([P1, P2, hostile]).table)
    (table,) = _markdown_tables(text)
    header, *rows = table
    assert header == ["", "P1", "P2", "P|3", "Cohort (n=3)"]
    assert all(len(row) == len(header) for row in rows)
    by_label = {row[0]: row for row in rows}
    assert by_label["Male/female"][1:4] == ["F", "M", "NA"]
    assert by_label["The first department visited"][3] == "Derm | &lt;b&gt;skin&lt;/b&gt; *clinic*"
    assert "Lanreotide 120 mg every 6 weeks | prn" in by_label["Somatostatin analogue"][3]
    assert "<b>" not in text


def test_rows_without_any_value_are_named_under_the_markdown_table_and_kept_in_the_csv() -> None:
    table = summarize([P1, P2]).table
    text = table1_markdown(table)
    assert "| Depression |" not in text
    (named,) = [line for line in text.splitlines() if line.startswith("Not stated for any patient: ")]
    assert "Depression" in named and "NME" not in named
    rows = list(csv.reader(io.StringIO(table1_csv(table))))
    assert ["Depression", "NA", "NA", "NA 2"] in rows


def test_beyond_the_column_limit_per_patient_values_go_to_the_csv_only() -> None:
    many = [record(f"P{i:03d}", sex="female" if i % 3 else "male", age_at_diagnosis=30 + i)
            for i in range(LAYOUT.max_patient_columns + 1)]
    table = summarize(many).table
    assert not table.per_patient_columns
    (md,) = _markdown_tables(table1_markdown(table))
    assert md[0] == ["", f"Cohort (n={len(many)})"]
    assert "table1.csv" in table1_markdown(table)
    header = next(csv.reader(io.StringIO(table1_csv(table))))
    assert header[1:-1] == [r["patient_id"] for r in many]
    few = summarize(many[: LAYOUT.max_patient_columns]).table
    assert few.per_patient_columns


@pytest.mark.parametrize(("text", "safe"), [("-", "-"), ("+", "+"), ("=SUM(A1)", "'=SUM(A1)"),
                                            ("-3", "-3"), ("@cmd", "'@cmd"), (">800", ">800")])
def test_csv_cells_cannot_run_as_formulas(text: str, safe: str) -> None:
    assert csv_safe(text) == safe


def test_markdown_escape_keeps_cells_in_their_column() -> None:
    assert md_escape("a|b") == "a\\|b" and md_escape("<x>") == "&lt;x>" and md_escape("a\nb") == "a b"


def test_the_layout_places_every_scored_field_in_exactly_one_row() -> None:
    from pydantic import ValidationError

    from extractor.summary.layout import SummaryLayout

    data = LAYOUT.model_dump(mode="json")
    data["sections"][0]["rows"] = data["sections"][0]["rows"][1:]  # drop the sex row
    with pytest.raises(ValidationError, match="fields without a row: sex"):
        SummaryLayout.model_validate(data)
    data = LAYOUT.model_dump(mode="json")
    data["sections"][0]["rows"].append({"field": "ki67_percent", "label": "again"})
    with pytest.raises(ValidationError, match="more than one row: ki67_percent"):
        SummaryLayout.model_validate(data)
