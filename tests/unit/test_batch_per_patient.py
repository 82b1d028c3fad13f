"""The per-patient function every batch driver shares, and the on-disk grouping."""

from __future__ import annotations

import json
import time
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from extractor.batch.workdir import NoteSpill, ResultStore
from extractor.batch.items import problem
from extractor.batch.per_patient import (
    PatientGroup,
    NoteCounts,
    NoteWatch,
    PatientOutput,
    dedupe,
    failed_patient,
    mark_timeouts,
    run_patient,
)
from extractor.core import PatientResult
from extractor.notes import NoteInput
from extractor.schema import CohortRecord, ErrorRow, Mention


def note(doc: str, text: str = "text", patient: str = "p", date: str | None = None) -> NoteInput:
    return NoteInput(patient_id=patient, doc_id=doc, text=text, date=date, source=f"{patient}__{doc}.txt")


def fake_process(nlp: Any, patient_id: str, notes: list[NoteInput], watch: Any = None) -> PatientResult:
    """One mention per note, a failure for notes whose text is 'bad'."""
    mentions, errors, processed, failed = [], [], 0, 0
    for n in notes:
        if n.text == "bad":
            failed += 1
            errors.append(ErrorRow(source=n.source, patient_id=patient_id, doc_id=n.doc_id, kind="error",
                                   reason="processing failed in x: ValueError", fatal=True))
            continue
        processed += 1
        mentions.append(Mention(label="nme", value="present", doc_id=n.doc_id, start=0, end=4, text=n.text[:4]))
    return PatientResult(patient_id, CohortRecord(patient_id=patient_id, sex="female"), mentions, errors,
                         processed, failed, 0)


def test_dedupe_counts_an_exact_duplicate_once() -> None:
    """Same doc id and text twice: one is kept, the other gets a non-fatal duplicate row."""
    # Arrange
    notes = [note("a", "same"), note("a", "same"), note("b")]
    # Act
    kept, rows = dedupe(notes)
    # Assert
    assert [n.doc_id for n in kept] == ["a", "b"]
    assert [(r.kind, r.fatal) for r in rows] == [("duplicate", False)]


def test_dedupe_renames_a_reused_doc_id_whatever_the_input_order() -> None:
    """Same doc id, other text: kept as `<id>~2`, the same way for any input order."""
    # Arrange
    first, second = note("a", "one"), note("a", "two")
    # Act
    kept_1, _ = dedupe([first, second])
    kept_2, _ = dedupe([second, first])
    # Assert
    assert [(n.doc_id, n.text) for n in kept_1] == [(n.doc_id, n.text) for n in kept_2]
    assert sorted(n.doc_id for n in kept_1) == ["a", "a~2"]


def test_dedupe_never_gives_a_real_id_to_another_note() -> None:
    """`a` twice with other texts beside a real `a~2`: the renamed note becomes `a~3`; `a~2` keeps its text."""
    # Arrange
    notes = [note("a", "one"), note("a", "two"), note("a~2", "real")]
    # Act
    kept, rows = dedupe(list(reversed(notes)))
    # Assert
    by_id = {n.doc_id: n.text for n in kept}
    assert by_id["a~2"] == "real" and set(by_id) == {"a", "a~2", "a~3"}
    assert [(r.kind, r.doc_id) for r in rows] == [("duplicate_id", "a~3")]


def test_run_patient_flattens_to_canonical_json_and_counts_add_up() -> None:
    """Record, mentions, errors and documents are JSON strings; read = processed + failed."""
    # Arrange
    failed_on_read = problem("p__scan.pdf", "binary", "looks binary", patient_id="p", doc_id="scan").row
    group = PatientGroup("p", [note("a", "good"), note("b", "bad"), note("a", "good")], [failed_on_read])
    # Act
    out = run_patient(None, group, process=fake_process)
    # Assert
    assert out.counts.notes_read == 4
    assert (out.counts.notes_processed, out.counts.notes_failed, out.counts.notes_duplicate) == (2, 2, 1)
    assert out.counts.add_up
    assert json.loads(out.record)["sex"] == "female"
    assert json.loads(out.mentions[0])["patient_id"] == "p"
    statuses = sorted(json.loads(d)["status"] for d in out.documents)
    assert statuses == ["duplicate", "failed", "failed", "processed"]
    assert PatientOutput.from_json(out.to_json()) == out


def test_failed_patient_still_has_a_record_and_error_rows() -> None:
    """A patient whose notes could not be run appears with an empty record and every note failed."""
    # Arrange
    group = PatientGroup("p", [note("a"), note("b")])
    # Act
    out = failed_patient(group, "worker_crash", "crashed twice")
    # Assert
    assert json.loads(out.record)["patient_id"] == "p"
    assert (out.counts.notes_read, out.counts.notes_processed, out.counts.notes_failed) == (2, 0, 2)
    assert {json.loads(e)["kind"] for e in out.errors} == {"worker_crash"}


def test_mark_timeouts_turns_alarm_failures_into_timeout_rows() -> None:
    """An error row caused by NoteTimeout becomes kind `timeout`."""
    # Arrange
    row = ErrorRow(source="s", kind="error", reason="processing failed in extractor: NoteTimeout", fatal=True)
    out = PatientOutput("p", "{}", [], [json.dumps(row.model_dump())], [], NoteCounts(1, 0, 1, 0, 0))
    # Act
    fixed = mark_timeouts(out, 5)
    # Assert
    assert json.loads(fixed.errors[0])["kind"] == "timeout"


def test_note_watch_budget_covers_every_chunk_of_a_note() -> None:
    """A note cut into chunks that each take little is still stopped when the whole note runs past its budget."""
    # Arrange
    import signal

    import spacy

    from extractor.core import process_patient
    from extractor.batch.per_patient import NoteTimeout

    blank = spacy.blank("en")

    class SlowChunks:  # 0.05 s a chunk of at most 999 characters
        max_length = 1_000

        def __call__(self, text: str) -> Any:
            time.sleep(0.05)
            return blank(text)

    def on_alarm(signum: int, frame: Any) -> None:
        raise NoteTimeout

    long_note = "\n\n".join("word " * 170 for _ in range(20))  # 20 chunks: about 1 s in all
    notes = [NoteInput(patient_id="p", doc_id="long", text=long_note), NoteInput(patient_id="p", doc_id="short",
                                                                                   text="short note")]
    previous = signal.signal(signal.SIGALRM, on_alarm)
    # Act
    try:
        result = process_patient(SlowChunks(), "p", notes, NoteWatch(alarm=0.4))  # type: ignore[arg-type]
    finally:
        signal.signal(signal.SIGALRM, previous)
    # Assert
    assert (result.notes_processed, result.notes_failed) == (1, 1)
    assert [e.doc_id for e in result.errors if e.fatal] == ["long"]
    assert result.errors[0].reason.endswith("NoteTimeout")


def test_note_watch_stamps_the_heartbeat_once_a_note() -> None:
    """The local engine's watchdog reads the time the current note started."""
    # Arrange
    class Beat:
        value = 0.0

    beat = Beat()
    # Act
    with NoteWatch(beat):
        stamped = beat.value
    # Assert
    assert stamped > 0


def test_spill_groups_scattered_notes_by_patient_in_sorted_order(tmp_path: Path) -> None:
    """Notes of one patient anywhere in the input come back together, patients sorted."""
    # Arrange
    items = [note("1", patient="b"), note("1", patient="a"), problem("x", "binary", "b", patient_id="b"),
             note("2", patient="b"), problem("y.csv:3", "malformed", "bad row")]
    spill = NoteSpill(tmp_path / "notes.sqlite")
    # Act
    spill.fill(items, "fp")
    groups = list(spill.patients())
    # Assert
    assert [(g.patient_id, [n.doc_id for n in g.notes], len(g.failed)) for g in groups] == [
        ("a", ["1"], 0), ("b", ["1", "2"], 1)
    ]
    assert spill.patient_totals() == (2, 4)  # the failed note of b counts among b's notes
    assert [e["source"] for e in spill.input_errors()] == ["y.csv:3"]
    assert spill.is_complete("fp") and not spill.is_complete("other")


def test_spill_of_an_older_layout_is_not_resumed_but_redone(tmp_path: Path) -> None:
    """A work folder left by a version that kept the text inside the JSON payload."""
    # Arrange
    path = tmp_path / "notes.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE notes (seq INTEGER PRIMARY KEY, patient_id TEXT NOT NULL, chars INTEGER NOT NULL,
                            payload TEXT NOT NULL);
        INSERT INTO meta VALUES ('fingerprint', 'fp'), ('complete', '1');
        """
    )
    old.commit()
    old.close()
    spill = NoteSpill(path)
    # Act
    complete = spill.is_complete("fp")
    spill.fill([note("1", text="Glucagon 410 pg/mL", patient="a")], "fp")
    # Assert
    assert not complete
    assert [n.text for g in spill.patients() for n in g.notes] == ["Glucagon 410 pg/mL"]
    assert spill.is_complete("fp")


@pytest.mark.parametrize("times", [1, 2])
def test_result_store_never_holds_a_patient_twice(tmp_path: Path, times: int) -> None:
    """Adding the same patient again is ignored (a resumed run cannot duplicate)."""
    # Arrange
    store = ResultStore(tmp_path / "results.sqlite")
    out = PatientOutput("p", "{}", [], [], [], NoteCounts(1, 1, 0, 0, 0))
    # Act
    stored = [store.add(out) for _ in range(times)]
    store.commit()
    # Assert
    assert stored == [True] + [False] * (times - 1)
    assert store.count() == 1


def test_patients_reach_the_writer_in_sorted_order_whatever_order_they_finish(tmp_path: Path) -> None:
    """Results come back from workers in any order; each is written once every patient before it is."""
    from extractor.batch.run import _InOrder

    # Arrange
    class Writer:
        def __init__(self) -> None:
            self.written: list[str] = []

        def write(self, out: PatientOutput) -> None:
            self.written.append(out.patient_id)

    store, writer = ResultStore(tmp_path / "results.sqlite"), Writer()
    store.add(PatientOutput("a", "{}", [], [], [], NoteCounts(1, 1, 0, 0, 0)))  # finished by a run this one resumes
    in_order = _InOrder(writer, store, iter(["a", "b", "c", "d"]))  # type: ignore[arg-type]
    in_order.catch_up()
    seen = [list(writer.written)]
    # Act
    for pid in ("c", "b", "d"):
        out = PatientOutput(pid, "{}", [], [], [], NoteCounts(1, 1, 0, 0, 0))
        store.add(out)
        in_order.catch_up(out)
        seen.append(list(writer.written))
    # Assert
    assert seen == [["a"], ["a"], ["a", "b", "c"], ["a", "b", "c", "d"]]
    assert in_order.finished
