"""Batch outputs: flat cohort columns, spreadsheet safety, SQLite and Parquet tables."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from extractor.batch.per_patient import NoteCounts, PatientOutput
from extractor.batch.writers import FLAT_NAMES, OutputWriter, csv_cell, flat_values
from extractor.schema import CohortRecord


def output(patient: str) -> PatientOutput:
    record = CohortRecord(patient_id=patient, sex="male", ki67_percent=4.0, tumor_location=["tail", "body"],
                          zinc_supplementation=True)
    mention = {"patient_id": patient, "label": "nme", "value": "present", "assertion": {"negated": True},
               "section": None, "doc_id": "d", "start": 0, "end": 3, "text": "NME", "rule": "r1"}
    document = {"patient_id": patient, "doc_id": "d", "date": None, "note_type": None, "source": "s", "chars": 3,
                "decoded_with": None, "status": "processed"}
    error = {"source": "s", "patient_id": patient, "doc_id": "d", "kind": "empty", "reason": "r", "fatal": False}
    return PatientOutput(patient, json.dumps(record.model_dump(mode="json")), [json.dumps(mention)],
                         [json.dumps(error)], [json.dumps(document)], NoteCounts(1, 1, 0, 0, 0))


def write_outputs(out: Path, outputs: list[PatientOutput], input_errors: list[dict], *, parquet: bool = False) -> None:
    with OutputWriter(out, parquet=parquet) as writer:
        writer.write_input_errors(input_errors)
        for patient in outputs:
            writer.write(patient)


def test_flat_columns_follow_the_schema() -> None:
    """Nested keys are flattened with `_`, evidence is left out, lists are joined with `;`."""
    # Arrange
    record = json.loads(output("p").record)
    # Act
    values = dict(zip(FLAT_NAMES, flat_values(record), strict=True))
    # Assert
    assert FLAT_NAMES[0] == "patient_id" and "evidence" not in FLAT_NAMES
    assert "findings_nme" in FLAT_NAMES and "serum_markers_gastrin_value" in FLAT_NAMES
    assert values["tumor_location"] == "tail;body"
    assert values["zinc_supplementation"] is True


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        pytest.param(None, "", id="null"),
        pytest.param(True, "true", id="bool"),
        pytest.param(-3.5, "-3.5", id="negative-number"),
        pytest.param("=HYPERLINK(1)", "'=HYPERLINK(1)", id="formula"),
        pytest.param("-1", "-1", id="numeric-text"),
        pytest.param("@SUM", "'@SUM", id="at"),
    ],
)
def test_csv_cells_cannot_run_as_formulas(value: object, cell: str) -> None:
    """Text starting like a formula is quoted; numbers are left alone."""
    # Act
    result = csv_cell(value)
    # Assert
    assert result == cell


def test_sqlite_has_the_five_tables_indexed_by_patient(tmp_path: Path) -> None:
    """patients, records, mentions, documents and errors, one index on patient_id each."""
    # Arrange
    outputs = [output("a"), output("b")]
    path = tmp_path / "cohort.sqlite"
    # Act
    write_outputs(tmp_path, outputs, [{"source": "x.csv:2", "kind": "malformed", "reason": "r", "fatal": True}])
    # Assert
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"patients", "records", "mentions", "documents", "errors"}
    assert con.execute("SELECT patient_id, sex, ki67_percent, notes_read FROM patients").fetchall() == [
        ("a", "male", 4.0, 1), ("b", "male", 4.0, 1)
    ]
    assert con.execute("SELECT COUNT(*) FROM errors").fetchone() == (3,)
    plan = con.execute("EXPLAIN QUERY PLAN SELECT * FROM mentions WHERE patient_id='a'").fetchall()
    assert "mentions_patient" in str(plan)


def test_parquet_tables_match_the_sqlite_tables(tmp_path: Path) -> None:
    """`--parquet` writes one file per table with the same rows."""
    # Arrange
    outputs = [output("a"), output("b")]
    # Act
    write_outputs(tmp_path, outputs, [], parquet=True)
    # Assert
    assert sorted(p.name for p in (tmp_path / "parquet").iterdir()) == [
        "documents.parquet", "errors.parquet", "mentions.parquet", "patients.parquet", "records.parquet"
    ]
    mentions = pq.read_table(tmp_path / "parquet" / "mentions.parquet").to_pylist()
    assert [(m["patient_id"], m["negated"], m["start"]) for m in mentions] == [("a", True, 0), ("b", True, 0)]
