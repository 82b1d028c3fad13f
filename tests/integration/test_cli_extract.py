"""``extractor extract`` and ``extractor schema`` as a clinician uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app

NOTE = (
    "Date: 2016-05-02\n\nENDOCRINOLOGY CONSULT\n"
    "A 47-year-old woman was referred from dermatology with necrolytic migratory erythema.\n"
    "Plasma glucagon 3155 pg/mL (normal < 200 pg/mL). She denies diarrhoea.\n"
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def note_file(tmp_path: Path) -> Path:
    path = tmp_path / "P03__02-endo.txt"
    path.write_text(NOTE, encoding="utf-8")
    return path


def test_extract_prints_a_valid_record(runner: CliRunner, note_file: Path) -> None:
    result = runner.invoke(app, ["extract", str(note_file)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["patient_id"] == "P03"
    assert (record["sex"], record["findings"]["nme"], record["findings"]["diarrhea"]) == ("female", "present", "absent")
    assert record["glucagon"][0]["value"] == 3155.0
    assert record["first_department"] == "dermatology"


def test_extract_reads_standard_input(runner: CliRunner) -> None:
    result = runner.invoke(app, ["extract", "-", "--patient-id", "X1", "--compact"], input=NOTE)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["patient_id"] == "X1"


def test_mentions_table_shows_flags_on_stderr_and_stdout_stays_json(runner: CliRunner, note_file: Path) -> None:
    result = runner.invoke(app, ["extract", str(note_file), "--mentions"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["patient_id"] == "P03"  # what `| jq` reads
    table = result.stderr
    assert "diarrhea" in table and "negated" in table and "glucagon" in table


def test_bad_inputs_get_one_line_each_and_the_rest_is_used(runner: CliRunner, note_file: Path, tmp_path: Path) -> None:
    empty = tmp_path / "P03__03-empty.txt"
    empty.write_text("")
    latin = tmp_path / "P03__04-latin.txt"
    latin.write_bytes("Anaemia \u2013 normocytic.".encode("cp1252"))
    result = runner.invoke(app, ["extract", str(note_file), str(tmp_path / "P03__nope.txt"), str(tmp_path), str(empty), str(latin)])
    assert result.exit_code == 1  # two named inputs could not be read: counted, not dropped
    assert "P03__nope.txt: no such file" in result.stderr
    assert "a folder; give its note files" in result.stderr
    assert "2 of 5 named input(s) could not be read" in result.stderr
    assert "empty note" in result.stderr
    assert "decoded as cp1252" in result.stderr
    assert json.loads(result.stdout)["findings"]["anemia"] == "present"
    assert "Traceback" not in result.output


def test_nothing_readable_exits_non_zero(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    assert "nothing could be read" in result.stderr


def test_schema_is_generated_from_the_models(runner: CliRunner) -> None:
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    assert {"patient_id", "findings", "glucagon", "evidence"} <= set(schema["properties"])


def test_schema_describes_every_field(runner: CliRunner) -> None:
    """Readable on its own: every property of the record and of its parts says what it holds."""
    # Act
    schema = json.loads(runner.invoke(app, ["schema"]).stdout)
    objects = [("record", schema), *schema["$defs"].items()]
    # Assert
    missing = [f"{name}.{key}" for name, obj in objects for key, prop in obj.get("properties", {}).items() if not prop.get("description")]
    assert missing == []
    assert "pg/mL" in schema["$defs"]["GlucagonValue"]["properties"]["value"]["description"]
    assert "enum" in json.dumps(schema["properties"]["surgery"])
