"""``--engine spark`` in local mode gives the same records as the local engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.batch.config import BatchOptions
from extractor.batch.run import run_batch
from extractor.batch.spark import spark_available

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "corpora" / "seed-cohort" / "notes"

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:distutils Version classes are deprecated:DeprecationWarning"),
    pytest.mark.skipif(spark_available() is not None, reason=f"Spark cannot run here: {spark_available()}"),
    pytest.mark.skipif(not DEMO.is_dir(), reason="demo corpus corpora/seed-cohort/notes is missing"),
]


def test_spark_records_equal_the_local_engine_on_the_demo_corpus(tmp_path: Path) -> None:
    """Folder input (read on the driver) and JSONL input (read by Spark) both match the local run."""
    # Arrange
    rows = [{"patient_id": p.name.split("__")[0], "doc_id": p.stem.split("__")[1],
             "text": p.read_text(encoding="utf-8")} for p in sorted(DEMO.glob("*.txt"))]
    as_jsonl = tmp_path / "demo.jsonl"
    as_jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken line\n", encoding="utf-8")
    local = tmp_path / "local"
    run_batch([DEMO], local, BatchOptions(workers=2, progress=False))
    # Act
    run_batch([DEMO], tmp_path / "spark", BatchOptions(engine="spark", workers=2, progress=False))
    run_batch([as_jsonl], tmp_path / "spark-jsonl", BatchOptions(engine="spark", workers=2, progress=False))
    # Assert
    expected = (local / "records.jsonl").read_bytes()
    assert (tmp_path / "spark" / "records.jsonl").read_bytes() == expected
    assert (tmp_path / "spark-jsonl" / "records.jsonl").read_bytes() == expected
    assert (tmp_path / "spark" / "mentions.jsonl").read_bytes() == (local / "mentions.jsonl").read_bytes()
    parts = sorted((tmp_path / "spark" / "spark" / "results").glob("part-*.parquet"))
    assert parts, "Spark wrote no Parquet part files"
    m = json.loads((tmp_path / "spark-jsonl" / "manifest.json").read_text())
    assert (m["notes_read"], m["notes_failed"]) == (len(rows) + 1, 1)


def test_spark_stops_a_stalling_note_alone(tmp_path: Path) -> None:
    """On Spark the per-note budget is an alarm in the Python worker: a `timeout` row, the rest processed."""
    # Arrange
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in {"P1__a.txt": "fine", "P1__b.txt": "ZZSLEEP", "P2__a.txt": "fine too"}.items():
        (notes / name).write_text(text, encoding="utf-8")
    options = BatchOptions(engine="spark", workers=2, progress=False, note_timeout=2,
                           pipeline="extractor.batch.faults:fault_pipeline")
    # Act
    run_batch([notes], tmp_path / "out", options)
    # Assert
    rows = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert [(r["patient_id"], r["doc_id"], r["kind"]) for r in rows] == [("P1", "b", "timeout")]
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert (m["notes_read"], m["notes_processed"], m["notes_failed"]) == (3, 2, 1)
