"""``extractor batch`` fault policy end to end, on the fault-injection pipeline (fast, no real rules)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extractor.batch.config import BatchOptions
from extractor.batch.run import run_batch
from extractor.errors import BatchError

FAULTS = "extractor.batch.faults:fault_pipeline"
CANARY = "ZZCANARY7781"


def options(**kw: object) -> BatchOptions:
    base: dict[str, object] = {"pipeline": FAULTS, "workers": 2, "progress": False}
    base.update(kw)
    return BatchOptions(**base)  # type: ignore[arg-type]


def write_notes(folder: Path, notes: dict[str, bytes | str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in notes.items():
        data = text.encode("utf-8") if isinstance(text, str) else text
        (folder / name).write_bytes(data)
    return folder


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def fault_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "faults"
    folder.mkdir()
    monkeypatch.setenv("EXTRACTOR_FAULT_DIR", str(folder))
    return folder


def test_bad_notes_never_stop_the_batch_and_counts_add_up(tmp_path: Path) -> None:
    """A raising note, a binary file, cp1252 bytes, an empty note and a lone surrogate: all accounted for."""
    # Arrange
    notes = write_notes(tmp_path / "notes", {
        "P1__01.txt": f"Date: 2020-01-01\n\n{CANARY} ZZRAISE glucagon",
        "P1__02.txt": "Date: 2020-01-02\n\nfine note",
        "P2__01.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\x00IHDR",
        "P3__01.txt": b"caf\xe9 \x92quoted\x92",
        "P3__02.txt": "",
        "P4__01.txt": "a:" * 16000,
    })
    extra = tmp_path / "more.jsonl"
    extra.write_text('{"patient_id": "P5", "doc_id": "s", "text": "lone \\udcb2 surrogate"}\n{broken\n')
    out = tmp_path / "out"
    # Act
    summary = run_batch([notes, extra], out, options())
    # Assert
    m = manifest(out)
    assert (m["notes_read"], m["notes_processed"], m["notes_failed"], m["notes_empty"]) == (8, 5, 3, 1)
    assert m["notes_read"] == m["notes_processed"] + m["notes_failed"] and m["counts_add_up"]
    assert summary.patients == m["patients"] == 5
    errors = {(e["source"].rsplit("/", 1)[-1], e["kind"], e["fatal"]) for e in jsonl(out / "errors.jsonl")}
    assert errors == {
        ("P1__01.txt", "error", True), ("P2__01.txt", "binary", True), ("P3__01.txt", "not_utf8", False),
        ("P3__02.txt", "empty", False), ("more.jsonl:2", "malformed", True),
    }
    assert CANARY not in (out / "errors.jsonl").read_text() + (out / "manifest.json").read_text()
    assert [r["patient_id"] for r in jsonl(out / "records.jsonl")] == ["P1", "P2", "P3", "P4", "P5"]


def test_a_note_that_stalls_is_stopped_and_fails_alone(tmp_path: Path) -> None:
    """A note past its time budget gets a `timeout` row; the patient's other notes are still used."""
    # Arrange
    notes = write_notes(tmp_path / "notes", {"P1__a.txt": "ok", "P1__b.txt": "ZZSLEEP", "P1__c.txt": "ok too",
                                             "P2__a.txt": "other patient"})
    out = tmp_path / "out"
    # Act
    run_batch([notes], out, options(note_timeout=1.5))
    # Assert
    rows = jsonl(out / "errors.jsonl")
    assert [(r["doc_id"], r["kind"]) for r in rows] == [("b", "timeout")]
    # the row says which limit fired, why it exists and what to do
    assert "--note-timeout (1.5 s)" in rows[0]["reason"] and "larger --note-timeout" in rows[0]["reason"]
    assert manifest(out)["notes_processed"] == 3
    docs = {(d["patient_id"], d["doc_id"]): d["status"] for d in jsonl(out / "documents.jsonl")}
    assert docs == {("P1", "a"): "processed", ("P1", "b"): "failed", ("P1", "c"): "processed",
                    ("P2", "a"): "processed"}


def test_a_note_that_kills_workers_is_quarantined_and_a_flaky_one_retried(tmp_path: Path, fault_dir: Path) -> None:
    """Killed twice -> `worker_crash` row; killed once -> retried and processed."""
    # Arrange
    notes = write_notes(tmp_path / "notes", {"P1__a.txt": "ok", "P1__b.txt": "ZZCRASH", "P2__a.txt": "ZZCRASHONCE",
                                             "P2__b.txt": "ok", "P3__a.txt": "ok"})
    out = tmp_path / "out"
    # Act
    run_batch([notes], out, options())
    # Assert
    rows = jsonl(out / "errors.jsonl")
    assert [(r["patient_id"], r["doc_id"], r["kind"]) for r in rows] == [("P1", "b", "worker_crash")]
    m = manifest(out)
    assert (m["notes_read"], m["notes_processed"], m["notes_failed"]) == (5, 4, 1)
    assert m["faults"]["crashes"] >= 3


def test_outputs_are_byte_identical_whatever_the_workers(tmp_path: Path) -> None:
    """1 and 3 workers give the same bytes in every output file (timestamps only in the manifest)."""
    # Arrange
    notes = write_notes(tmp_path / "notes", {f"P{i % 7}__{i:02d}.txt": f"Date: 2020-01-{i % 28 + 1:02d}\n\nnote {i}"
                                             for i in range(40)})
    # Act
    run_batch([notes], tmp_path / "w1", options(workers=1, parquet=True))
    run_batch([notes], tmp_path / "w3", options(workers=3, parquet=True))
    # Assert
    for name in ("records.jsonl", "mentions.jsonl", "errors.jsonl", "documents.jsonl", "cohort.csv",
                 "cohort.sqlite", "parquet/records.parquet", "parquet/patients.parquet"):
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w3" / name).read_bytes(), name


def test_existing_output_folder_is_not_overwritten_by_accident(tmp_path: Path) -> None:
    """A second run into the same folder needs --resume or --overwrite."""
    # Arrange
    out = tmp_path / "out"
    out.mkdir()
    (out / "records.jsonl").write_text("{}\n")
    # Act / Assert
    with pytest.raises(BatchError, match="--resume"):
        run_batch([tmp_path], out, options())


def test_a_pipeline_that_cannot_be_built_stops_the_run_cleanly(tmp_path: Path) -> None:
    """A broken pipeline is one clear error, not a hang."""
    # Arrange
    notes = write_notes(tmp_path / "notes", {"P1__a.txt": "ok"})
    # Act / Assert
    with pytest.raises(BatchError, match="RuntimeError"):
        run_batch([notes], tmp_path / "out", options(pipeline="extractor.batch.faults:broken_pipeline"))


def test_a_note_longer_than_max_length_is_chunked_not_failed(tmp_path: Path) -> None:
    """A note past spaCy's max_length (E088) is processed in chunks."""
    # Arrange
    long_note = "\n\n".join(f"Paragraph {i} of a long note." for i in range(400))
    notes = write_notes(tmp_path / "notes", {"P1__long.txt": long_note})
    # Act
    run_batch([notes], tmp_path / "out", options(pipeline="extractor.batch.faults:short_pipeline", workers=1))
    # Assert
    m = manifest(tmp_path / "out")
    assert (m["notes_processed"], m["notes_failed"]) == (1, 0)


def _foreground_signals() -> None:
    # a test run started in the background (`make test &`, nohup) ignores SIGINT, and a
    # child inherits that: the CLI would then rightly ignore Ctrl-C as background jobs do
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "extractor", "batch", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
                            preexec_fn=_foreground_signals)


def test_resume_after_a_crash_gives_the_same_outputs_and_no_duplicates(tmp_path: Path) -> None:
    """Kill -9 mid-run, rerun with --resume: finished patients are skipped, outputs equal a clean run."""
    # Arrange
    notes = write_notes(tmp_path / "notes", {f"P{i:02d}__a.txt": f"ZZSLOW note {i}" for i in range(14)})
    common = ["--pipeline", FAULTS, "--workers", "1", "--no-progress"]
    run_batch([notes], tmp_path / "clean", options(workers=1))
    crashed = tmp_path / "crashed"
    # Act
    run = _cli(str(notes), "--out", str(crashed), *common)
    results = crashed / ".extractor-work" / "results.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if sqlite3.connect(results).execute("SELECT COUNT(*) FROM results").fetchone()[0] >= 4:
                break
        except sqlite3.Error:
            pass
        time.sleep(0.1)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert not (crashed / "manifest.json").exists()
    resumed = _cli(str(notes), "--out", str(crashed), "--resume", *common)
    _, err = resumed.communicate(timeout=120)
    # Assert
    assert resumed.returncode == 0, err
    assert manifest(crashed)["patients_resumed"] >= 4
    for name in ("records.jsonl", "documents.jsonl", "cohort.csv", "cohort.sqlite"):
        assert (crashed / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
    assert len(jsonl(crashed / "records.jsonl")) == 14


def test_interrupt_then_resume_and_a_finished_run_is_not_redone(tmp_path: Path) -> None:
    """Ctrl-C exits 130 with a hint; --resume finishes; --resume on a finished run does nothing."""
    # Arrange
    notes = write_notes(tmp_path / "notes", {f"P{i:02d}__a.txt": f"ZZSLOW note {i}" for i in range(20)})
    out = tmp_path / "out"
    common = ["--pipeline", FAULTS, "--workers", "1", "--no-progress"]
    # Act
    run = _cli(str(notes), "--out", str(out), *common)
    time.sleep(4)
    run.send_signal(signal.SIGINT)
    _, interrupted_err = run.communicate(timeout=60)
    finish = _cli(str(notes), "--out", str(out), "--resume", *common)
    finish.communicate(timeout=120)
    again = _cli(str(notes), "--out", str(out), "--resume", *common)
    _, again_err = again.communicate(timeout=60)
    # Assert
    assert run.returncode == 130 and "--resume" in interrupted_err, interrupted_err
    assert "Traceback" not in interrupted_err
    assert finish.returncode == 0 and again.returncode == 0
    assert manifest(out)["patients"] == 20
    assert "20 patients" in again_err


def test_note_text_never_reaches_the_terminal_logs_or_error_rows(tmp_path: Path) -> None:
    """PHI canaries in raising, warning and crashing notes: absent from stdout, stderr and every non-evidence output."""
    # Arrange
    notes = write_notes(tmp_path / "notes", {
        "P1__a.txt": f"{CANARY} ZZRAISE", "P1__b.txt": f"{CANARY} ZZWARN", "P2__a.txt": f"{CANARY} ZZCRASH",
        "P3__a.txt": f"{CANARY} plain",
    })
    out = tmp_path / "out"
    # Act
    run = _cli(str(notes), "--out", str(out), "--pipeline", FAULTS, "--workers", "2", "--progress",
               env={"PYTHONWARNINGS": "always"})
    stdout, stderr = run.communicate(timeout=120)
    # Assert
    assert run.returncode == 0, stderr
    assert "message withheld" in stderr
    logs = stdout + stderr + "".join((out / n).read_text() for n in ("errors.jsonl", "documents.jsonl",
                                                                       "manifest.json", "cohort.csv"))
    assert CANARY not in logs


def test_workers_are_recycled_without_losing_a_note(tmp_path: Path) -> None:
    """A worker restarted after a few notes (vocabulary growth) hands over cleanly."""
    # Arrange
    notes = write_notes(tmp_path / "notes", {f"P{i}__a.txt": f"note {i}" for i in range(8)})
    out = tmp_path / "out"
    # Act
    run_batch([notes], out, options(workers=1, recycle_notes=4))
    # Assert
    m = manifest(out)
    assert (m["notes_read"], m["notes_processed"]) == (8, 8)
    assert m["faults"]["worker_restarts"] >= 1


def test_an_input_that_does_not_exist_is_a_clear_error(tmp_path: Path) -> None:
    """A mistyped path runs nothing and says which path (one of several: an error row, the rest runs)."""
    # Act
    run = _cli(str(tmp_path / "notes-typo"), "--out", str(tmp_path / "out"), "--no-progress")
    _, stderr = run.communicate(timeout=60)
    # Assert
    assert run.returncode == 2, stderr
    assert "notes-typo: no such file or folder" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out" / "records.jsonl").exists()
