"""``extractor evaluate`` end to end on tiny temporary gold sets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.brat import SpanAnnotation
from extractor.cli import app
from extractor.evaluate import Prediction, evaluate, load_gold_set, report_json
from extractor.schema import CohortRecord

PATH_NOTE = "Date: 2021-05-02\n\nPATHOLOGY\nWell-differentiated NET. Ki-67 index of 12%.\n"
DERM_NOTE = "Date: 2021-03-04\n\nRash on the legs, biopsy consistent with NME. No diarrhoea.\n"


def _record(patient_id: str, **values: Any) -> dict[str, Any]:
    """Build a complete record (every spec key) with some values set; ``a__b`` sets a sub-key."""
    record = CohortRecord(patient_id=patient_id).model_dump(mode="json", exclude={"evidence"})
    for key, value in values.items():
        if "__" in key:
            parent, sub = key.split("__")
            record[parent][sub] = value
        else:
            record[key] = value
    return record


GOLD = [
    _record(
        "P01",
        sex="female",
        age_at_diagnosis=54,
        findings__nme="present",
        findings__diarrhea="absent",
        ki67_percent=8,
        metastasis_sites=[],
        skin_biopsy_diagnostic=False,
        # the note says 500 pmol/L; the annotator converted and rounded: 1742 pg/mL
        glucagon=[{"value": 1742, "comparator": "=", "unit": "pg/mL", "timing": "preoperative"}],
    ),
    _record("P02", sex="male", surgery=["enucleation"], vital_status="alive"),
]

PRED = [
    _record(
        "P01",
        sex="female",
        age_at_diagnosis=54,
        findings__nme="present",
        findings__dvt="absent",
        ki67_percent=12,
        skin_biopsy_diagnostic=False,
        # 500 pmol/L x 3.485 = 1742.5 pg/mL: within 1% of 1742
        glucagon=[{"value": 1742.5, "comparator": "=", "unit": "pg/mL", "timing": "preoperative"}],
    )
    | {
        "evidence": {
            "ki67_percent": [{"doc_id": "04-path", "start": 43, "end": 61, "text": "Ki-67 index of 12%"}],
            "findings.dvt": [{"doc_id": "02-endo", "start": 5, "end": 12, "text": "no DVT"}],
        }
    },
    _record("P02", sex="male", vital_status="alive"),
]
# TP: sex x2, age, nme, glucagon, skin biopsy, vital status = 7
# FP: ki67, dvt = 2;  FN: diarrhea, ki67, metastasis_sites, surgery = 4
MICRO = (7, 2, 4)


def _write_jsonl(
    path: Path, rows: list[dict[str, Any]], *, extra_lines: dict[int, str] | None = None
) -> Path:
    lines = [json.dumps(row) for row in rows]
    for index, line in sorted((extra_lines or {}).items()):
        lines.insert(index - 1, line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def gold_dir(tmp_path: Path) -> Path:
    """Write a two-patient gold set with notes."""
    # Arrange
    root = tmp_path / "gold"
    (root / "notes").mkdir(parents=True)
    _write_jsonl(root / "records.jsonl", GOLD)
    (root / "notes" / "P01__01-derm.txt").write_text(DERM_NOTE, encoding="utf-8")
    (root / "notes" / "P01__04-path.txt").write_text(PATH_NOTE, encoding="utf-8")
    (root / "notes" / "P02__01-derm.txt").write_text(DERM_NOTE, encoding="utf-8")
    return root


@pytest.fixture
def pred_file(tmp_path: Path) -> Path:
    """Write predicted records for the gold set."""
    # Arrange
    return _write_jsonl(tmp_path / "pred.jsonl", PRED)


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["evaluate", *args])


def test_table_has_every_field_and_the_micro_line(gold_dir: Path, pred_file: Path) -> None:
    """The table lists per-field counts and rates and ends with the micro line."""
    # Act
    result = _run(str(gold_dir), "--pred", str(pred_file))
    # Assert
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert re.search(r"^field\s+tp\s+fp\s+fn\s+P\s+R\s+F1$", out, re.M)
    assert re.search(r"^sex\s+2\s+0\s+0\s+1\.000\s+1\.000\s+1\.000$", out, re.M)
    assert re.search(r"^ki67_percent\s+0\s+1\s+1\s+0\.000\s+0\.000\s+0\.000$", out, re.M)
    assert re.search(r"^metastasis_sites\s+0\s+0\s+1\s", out, re.M)
    assert re.search(r"^findings\.dvt\s+0\s+1\s+0\s", out, re.M)
    assert re.search(r"^micro\s+7\s+2\s+4\s+0\.778\s+0\.636\s+0\.700$", out, re.M)


def test_json_report_keys(gold_dir: Path, pred_file: Path, tmp_path: Path) -> None:
    """--json writes micro and per-field precision, recall, f1, tp, fp, fn."""
    # Arrange
    report_path = tmp_path / "report.json"
    # Act
    result = _run(str(gold_dir), "--pred", str(pred_file), "--json", str(report_path))
    # Assert
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    keys = {"precision", "recall", "f1", "tp", "fp", "fn"}
    assert set(report["micro"]) == keys
    assert (report["micro"]["tp"], report["micro"]["fp"], report["micro"]["fn"]) == MICRO
    assert report["micro"]["f1"] == pytest.approx(0.7)
    assert all(set(v) == keys for v in report["fields"].values())
    assert report["fields"]["glucagon"]["tp"] == 1
    assert "spans" not in report
    assert "disagreements" not in report


def test_errors_lists_disagreements_with_evidence(gold_dir: Path, pred_file: Path) -> None:
    """--errors prints patient, field, gold, predicted and the predicted value's evidence."""
    # Act
    result = _run(str(gold_dir), "--pred", str(pred_file), "--errors")
    # Assert
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "P01  ki67_percent  mismatch  gold: 8  predicted: 12" in out
    assert '    evidence ki67_percent: 04-path 43-61 "Ki-67 index of 12%"' in out
    assert 'P01  findings.diarrhea  fn  gold: "absent"  predicted: null' in out
    assert 'P02  surgery  fn  gold: ["enucleation"]  predicted: []' in out
    assert "disagreements (5)" in out


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        pytest.param('{"patient_id": "P03", "sex": ', "not valid JSON", id="truncated-json"),
        pytest.param('["P03"]', "not a JSON object", id="not-an-object"),
        pytest.param('{"sex": "male"}', "no string patient_id", id="no-patient-id"),
    ],
)
def test_malformed_gold_line_reported_with_line_number(
    gold_dir: Path, pred_file: Path, bad_line: str, reason: str
) -> None:
    """A bad gold line is reported as file:line and skipped; the rest is scored (exit 1)."""
    # Arrange
    records = gold_dir / "records.jsonl"
    _write_jsonl(records, GOLD, extra_lines={2: bad_line})
    # Act
    result = _run(str(gold_dir), "--pred", str(pred_file))
    # Assert
    assert result.exit_code == 1
    assert f"{records}:2: {reason}" in result.stderr
    assert "Traceback" not in result.output
    assert re.search(r"^micro\s+7\s+2\s+4\s", result.stdout, re.M)


def test_duplicate_and_schema_problems_are_reported(gold_dir: Path, pred_file: Path) -> None:
    """A second record of a patient is skipped; a value outside the schema is reported."""
    # Arrange
    records = gold_dir / "records.jsonl"
    _write_jsonl(records, [*GOLD, GOLD[0], _record("P03", sex="Woman")])
    # Act
    result = _run(str(gold_dir), "--pred", str(pred_file))
    # Assert
    assert result.exit_code == 1
    assert f"{records}:3: second record of patient P01 (first on line 1; line skipped)" in result.stderr
    assert f"{records}:4: [sex] Input should be 'female' or 'male' (scored as written)" in result.stderr


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        pytest.param("no-records", "records.jsonl: no such file", id="no-records-file"),
        pytest.param("empty-records", "no gold record could be read", id="empty-records-file"),
    ],
)
def test_nothing_to_score_exits_2(gold_dir: Path, pred_file: Path, setup: str, message: str) -> None:
    """Without a readable gold record the command stops with exit code 2."""
    # Arrange
    records = gold_dir / "records.jsonl"
    if setup == "no-records":
        records.unlink()
    else:
        records.write_text("\n", encoding="utf-8")
    # Act
    result = _run(str(gold_dir), "--pred", str(pred_file))
    # Assert
    assert result.exit_code == 2
    assert message in result.stderr


def test_predicted_patient_not_in_gold_counts_fp(gold_dir: Path, tmp_path: Path) -> None:
    """Records for a patient gold does not have add one FP per value."""
    # Arrange
    pred = _write_jsonl(tmp_path / "pred.jsonl", [*PRED, _record("P09", sex="male", metastasis_sites=[])])
    # Act
    result = _run(str(gold_dir), "--pred", str(pred))
    # Assert
    assert result.exit_code == 0, result.output
    assert re.search(r"^micro\s+7\s+4\s+4\s", result.stdout, re.M)
    assert "1 predicted patient(s) not in gold" in result.stderr


def test_span_scores_in_json_report(gold_dir: Path) -> None:
    """With BRAT gold and predicted spans, the report holds a spans object."""
    # Arrange
    start, other = DERM_NOTE.index("NME"), DERM_NOTE.index("diarrhoea")
    ann = f"T1\tnme {start} {start + 3}\tNME\nT2\tdiarrhea {other} {other + 9}\tdiarrhoea\nA1\tNegated T2\n"
    (gold_dir / "notes" / "P01__01-derm.ann").write_text(ann, encoding="utf-8")
    gold = load_gold_set(gold_dir)
    prediction = Prediction(
        records={r["patient_id"]: r for r in PRED},
        spans={("P01", "01-derm"): [SpanAnnotation("nme", start - 4, start + 3)]},
    )
    # Act
    report = report_json(evaluate(gold, prediction))
    # Assert
    assert gold.problems == []
    spans = report["spans"]
    assert spans["labels"] == ["diarrhea", "nme"]
    assert spans["strict"]["micro"]["fn"] == 2
    assert spans["lenient"]["labels"]["nme"]["tp"] == 1
    assert spans["assertions"]["negated"]["pairs"] == 1


def test_pipeline_smoke(tmp_path: Path) -> None:
    """Without --pred the pipeline runs over the notes and a report is written."""
    # Arrange
    root = tmp_path / "one"
    (root / "notes").mkdir(parents=True)
    _write_jsonl(root / "records.jsonl", [_record("P01", findings__nme="present")])
    (root / "notes" / "P01__01-derm.txt").write_text(DERM_NOTE, encoding="utf-8")
    report_path = tmp_path / "report.json"
    # Act
    result = _run(str(root), "--json", str(report_path))
    # Assert
    assert result.exit_code == 0, result.output
    assert set(json.loads(report_path.read_text(encoding="utf-8"))["micro"]) >= {"precision", "recall", "f1"}


def test_malformed_prediction_line_reported_with_line_number(gold_dir: Path, tmp_path: Path) -> None:
    """A bad predicted line is reported as file:line; its patient counts as unpredicted."""
    # Arrange
    pred = _write_jsonl(tmp_path / "pred.jsonl", PRED[:1], extra_lines={2: "{not json"})
    # Act
    result = _run(str(gold_dir), "--pred", str(pred))
    # Assert
    assert result.exit_code == 1
    assert f"{pred}:2: not valid JSON" in result.stderr
    # P02 unpredicted: sex, surgery, vital_status are FNs instead of TP, FN, TP
    assert re.search(r"^micro\s+5\s+2\s+6\s", result.stdout, re.M)


def test_pipeline_mode_needs_notes(gold_dir: Path) -> None:
    """Without --pred and without notes/ there is nothing to run the pipeline on."""
    # Arrange
    for path in (gold_dir / "notes").iterdir():
        path.unlink()
    (gold_dir / "notes").rmdir()
    # Act
    result = _run(str(gold_dir))
    # Assert
    assert result.exit_code == 2
    assert "no such folder; give --pred" in result.stderr


def _scoped_set(root: Path, scope: dict[str, Any] | None, *, in_parent: bool = False) -> Path:
    """A gold split (``root/dev``) holding only pathology keys, its scope beside it or above it."""
    gold_dir = root / "dev"
    gold_dir.mkdir(parents=True)
    # a pathology-only annotation: the other keys are simply not there
    _write_jsonl(gold_dir / "records.jsonl", [{"patient_id": "R1", "ki67_percent": 8, "tnm": {"t": "T2", "n": "N0", "m": None, "stage": None}}])
    if scope is not None:
        (root if in_parent else gold_dir).joinpath("scope.json").write_text(json.dumps(scope), encoding="utf-8")
    return gold_dir


def _pred_file(tmp_path: Path) -> Path:
    # the prediction fills fields outside the scope too (they must not count as FP)
    pred = [_record("R1", ki67_percent=8, sex="male", findings__nme="present", tnm={"t": "T2", "n": "N1", "m": None, "stage": None})]
    path = tmp_path / "pred.jsonl"
    _write_jsonl(path, pred)
    return path


@pytest.mark.parametrize("in_parent", [False, True], ids=["scope in the set", "scope in its parent"])
def test_a_scoped_gold_set_scores_only_its_fields(tmp_path: Path, in_parent: bool) -> None:
    # Arrange
    gold_dir = _scoped_set(tmp_path / "tcga-path", {"fields": ["tnm", "ki67_percent"], "why": "pathology reports"}, in_parent=in_parent)
    report_path = tmp_path / "report.json"
    # Act
    result = _run(str(gold_dir), "--pred", str(_pred_file(tmp_path)), "--json", str(report_path))
    # Assert: no missing-key problems, no FP for sex or nme, the report says what was scored and why
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["scope"]["fields"] == ["ki67_percent", "tnm"] and report["scope"]["why"] == "pathology reports"
    assert {name.split(".")[0] for name in report["fields"]} == {"ki67_percent", "tnm"}
    assert (report["micro"]["tp"], report["micro"]["fp"], report["micro"]["fn"]) == (2, 1, 1)  # ki67, tnm.t; tnm.n differs
    assert "scope" in result.stdout and "only ki67_percent, tnm scored: pathology reports" in result.stdout


def test_without_a_scope_every_field_is_scored(tmp_path: Path) -> None:
    # Arrange
    gold_dir = _scoped_set(tmp_path / "tcga-path", None)
    report_path = tmp_path / "report.json"
    # Act
    result = _run(str(gold_dir), "--pred", str(_pred_file(tmp_path)), "--json", str(report_path))
    # Assert: the missing keys are reported and the prediction's other values are FP
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert result.exit_code == 1 and report["scope"] is None
    assert report["fields"]["sex"]["fp"] == 1 and report["fields"]["findings.nme"]["fp"] == 1


@pytest.mark.parametrize(
    ("scope", "reason"),
    [
        ({"fields": ["tnm", "ki67"]}, "not fields of the record: ki67"),
        ({"fields": []}, "expected"),
        ({"fields": ["tnm"], "reason": "x"}, "unknown keys reason"),
    ],
)
def test_a_bad_scope_file_stops_with_one_line(tmp_path: Path, scope: dict[str, Any], reason: str) -> None:
    gold_dir = _scoped_set(tmp_path / "set", scope)
    result = _run(str(gold_dir), "--pred", str(_pred_file(tmp_path)))
    assert result.exit_code == 2 and reason in result.output and "Traceback" not in result.output
