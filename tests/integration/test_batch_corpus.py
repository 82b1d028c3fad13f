"""``extractor batch`` with the real pipeline: the demo corpus and a zip of real notes with bad entries."""

from __future__ import annotations

import csv
import json
import random
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.batch.config import BatchOptions
from extractor.batch.run import run_batch
from extractor.cli import app

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "corpora" / "seed-cohort" / "notes"
MTSAMPLES = REPO.parent / "shared" / "data" / "mtsamples" / "mtsamples.csv"


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's main-job command on the demo corpus, through the CLI."""
    if not DEMO.is_dir():
        pytest.skip("demo corpus corpora/seed-cohort/notes is missing")
    out = tmp_path_factory.mktemp("demo") / "out"
    result = CliRunner().invoke(app, ["batch", str(DEMO), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    return out


def test_demo_corpus_cli_prints_where_the_outputs_are(demo_run: Path) -> None:
    """Every output exists, one record per patient, counts add up."""
    # Act
    m = manifest(demo_run)
    # Assert
    names = {p.name for p in demo_run.iterdir()}
    assert {"records.jsonl", "mentions.jsonl", "errors.jsonl", "cohort.csv", "cohort.sqlite",
            "manifest.json"} <= names
    records = jsonl(demo_run / "records.jsonl")
    assert [r["patient_id"] for r in records] == sorted({p.name.split("__")[0] for p in DEMO.glob("*.txt")})
    assert m["notes_read"] == len(list(DEMO.glob("*.txt"))) == m["notes_processed"] + m["notes_failed"]
    assert m["pipeline"]["pipe_names"]


def test_demo_corpus_as_shuffled_jsonl_gives_the_same_records(demo_run: Path, tmp_path: Path) -> None:
    """The same notes in another container and order, on one worker: identical records and mentions."""
    # Arrange
    rows = [{"patient_id": p.name.split("__")[0], "doc_id": p.stem.split("__")[1],
             "text": p.read_text(encoding="utf-8")} for p in sorted(DEMO.glob("*.txt"))]
    random.Random(7).shuffle(rows)
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    # Act
    run_batch([path], tmp_path / "out", BatchOptions(workers=1, progress=False))
    # Assert
    for name in ("records.jsonl", "mentions.jsonl", "cohort.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (demo_run / name).read_bytes(), name


def _real_notes(n: int) -> list[tuple[str, str]]:
    csv.field_size_limit(1 << 27)
    with MTSAMPLES.open(encoding="utf-8", newline="") as f:
        seen: set[str] = set()
        notes = []
        for row in csv.DictReader(f):
            text = row["transcription"].strip()
            if text and text not in seen:
                seen.add(text)
                notes.append((row["note_id"], text))
            if len(notes) == n:
                return notes
    return notes


def test_zip_of_real_notes_with_bad_entries_accounts_for_every_note(tmp_path: Path) -> None:
    """Real notes (MTSamples) plus traversal, binary, nested, cp1252 and empty entries: nothing lost, no traceback."""
    if not MTSAMPLES.is_file():
        pytest.skip("shared MTSamples corpus is missing")
    # Arrange
    real = _real_notes(40)
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (note_id, text) in enumerate(real):
            zf.writestr(f"export/MT{i % 13:02d}__{note_id}.txt", text)
        zf.writestr("../../escape__x.txt", "Necrolytic migratory erythema.")
        zf.writestr("/abs__x.txt", "text")
        zf.writestr("export/MT01__scan.txt", b"%PDF-1.7\x00\x00\x01\x02binary")
        zf.writestr("export/inner.zip", b"PK\x03\x04not followed")
        zf.writestr("export/MT02__cp1252.txt", b"Patient\x92s glucagon 900 pg/mL, caf\xe9.")
        zf.writestr("export/MT03__empty.txt", b"")
        zf.writestr("export/.DS_Store", b"\x00\x00")
    entries = 40 + 6
    # Act
    result = CliRunner().invoke(app, ["batch", str(path), "--out", str(tmp_path / "out"), "--workers", "2"])
    # Assert
    assert result.exit_code == 0 and "Traceback" not in result.output
    m = manifest(tmp_path / "out")
    assert m["notes_read"] == entries == m["notes_processed"] + m["notes_failed"]
    assert m["notes_failed"] == 4
    kinds = sorted(e["kind"] for e in jsonl(tmp_path / "out" / "errors.jsonl"))
    assert kinds == ["binary", "empty", "nested_archive", "not_utf8", "unsafe_path", "unsafe_path"]
    assert m["patients"] == 13
