"""The pure function every driver shares: one patient's notes -> plain output rows.

``run_patient(nlp, group)`` wraps ``extractor.core.process_patient`` with what a
batch needs around it: the duplicate policy, notes that already failed while
being read (binary files, bad rows of a known patient), document status rows and
canonical JSON strings, so that a worker process or a Spark task can ship the
result as plain text and any driver writes byte-identical files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from extractor.batch.config import timeout_reason
from extractor.notes import NoteInput
from extractor.schema import CohortRecord, ErrorRow


def canonical(obj: Any) -> str:
    """The one JSON form of every output line: compact, UTF-8, key order as built."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


@dataclass
class PatientGroup:
    """All inputs of one patient: notes to run and notes that already failed when read."""

    patient_id: str
    notes: list[NoteInput] = field(default_factory=list)
    failed: list[ErrorRow] = field(default_factory=list)

    def n_notes(self) -> int:
        """Notes read for this patient (run or already failed)."""
        return len(self.notes) + len(self.failed)

    def n_chars(self) -> int:
        """Characters of text to run."""
        return sum(len(n.text) for n in self.notes)


@dataclass
class NoteCounts:
    """How notes fared: the one definition of the count columns of every output and summary.

    ``notes_read == notes_processed + notes_failed``; empty notes and exact
    duplicates count as processed (and are counted again on their own).
    """

    notes_read: int = 0
    notes_processed: int = 0
    notes_failed: int = 0
    notes_empty: int = 0
    notes_duplicate: int = 0

    def add(self, other: NoteCounts) -> None:
        """Add ``other`` into these counts."""
        for name in COUNT_COLUMNS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def values(self) -> tuple[int, ...]:
        """The counts in column order."""
        return tuple(getattr(self, name) for name in COUNT_COLUMNS)

    def as_dict(self) -> dict[str, int]:
        """Column name -> count, in column order."""
        return dict(zip(COUNT_COLUMNS, self.values(), strict=True))

    @property
    def add_up(self) -> bool:
        """Every note read was processed or failed."""
        return self.notes_read == self.notes_processed + self.notes_failed


COUNT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(NoteCounts))


@dataclass
class PatientOutput:
    """One patient's result as canonical JSON strings (cheap to pickle, to store, to compare)."""

    patient_id: str
    record: str
    mentions: list[str]
    errors: list[str]
    documents: list[str]
    counts: NoteCounts

    def to_json(self) -> str:
        """The whole output as one JSON text (the staging format)."""
        return canonical({**_fields(self), "counts": self.counts.as_dict()})

    @classmethod
    def from_json(cls, text: str) -> PatientOutput:
        """Inverse of ``to_json``."""
        data = json.loads(text)
        return cls(**{**data, "counts": NoteCounts(**data["counts"])})


def _fields(obj: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, not copied: ``asdict`` deep-copies every list
    (1.7 of the driver's 12 CPU seconds on 20,000 notes); the dict is serialised at once."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def note_to_dict(note: NoteInput) -> dict[str, Any]:
    """A NoteInput as a plain dict (for spilling and shipping)."""
    data = _fields(note)
    data["flags"] = list(note.flags)
    return data


def note_from_dict(data: dict[str, Any]) -> NoteInput:
    """Inverse of ``note_to_dict``."""
    return NoteInput(**{**data, "flags": tuple(data.get("flags") or ())})


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def dedupe(notes: list[NoteInput]) -> tuple[list[NoteInput], list[ErrorRow]]:
    """The duplicate policy, independent of input order.

    Notes are ordered by (doc_id, text digest, source). A note with the same
    doc_id and the same text as one before it is a duplicate: it is counted as
    processed (its content is in the record through its twin) and reported as a
    non-fatal ``duplicate`` row. A note with the same doc_id but other text is
    kept under ``<doc_id>~2``, ``~3``, ... so offsets stay unambiguous; an id that
    a note of the input really has (``a~2`` itself) is never given to another.
    """
    keyed = sorted(((n.doc_id, _digest(n.text), n.source), n) for n in notes)
    taken = {n.doc_id for n in notes}
    kept: list[NoteInput] = []
    rows: list[ErrorRow] = []
    seen: dict[str, set[str]] = {}
    for (doc_id, digest, _), note in keyed:
        digests = seen.setdefault(doc_id, set())
        if digest in digests:
            rows.append(ErrorRow(source=note.source, patient_id=note.patient_id, doc_id=doc_id, kind="duplicate",
                                 reason="same document id and text as another note; counted once", fatal=False))
            continue
        digests.add(digest)
        if len(digests) > 1:
            suffix = 2
            while f"{doc_id}~{suffix}" in taken:
                suffix += 1
            new_id = f"{doc_id}~{suffix}"
            taken.add(new_id)
            rows.append(ErrorRow(source=note.source, patient_id=note.patient_id, doc_id=new_id, kind="duplicate_id",
                                 reason=f"document id used by another note with other text; kept as {new_id}",
                                 fatal=False))
            note = dataclasses.replace(note, doc_id=new_id)
        kept.append(note)
    return kept, rows


def _row(error: ErrorRow) -> dict[str, Any]:
    return error.model_dump(mode="json")


def run_patient(nlp: Any, group: PatientGroup, process: Callable[..., Any] | None = None,
                watch: NoteWatch | None = None) -> PatientOutput:
    """Run one patient's notes through ``process_patient`` (each note under ``watch``) and
    flatten the result."""
    if process is None:
        from extractor.core import process_patient as process

    notes, dup_rows = dedupe(group.notes)
    result = process(nlp, group.patient_id, notes, watch)
    record: CohortRecord = result.record
    fatal_docs = {(e.doc_id, e.source) for e in result.errors if e.fatal}
    empty_docs = {(e.doc_id, e.source) for e in result.errors if e.kind == "empty"}
    documents: list[dict[str, Any]] = []
    for note in sorted(notes, key=lambda n: (n.date or "", n.doc_id)):
        key = (note.doc_id, note.source)
        status = "failed" if key in fatal_docs else "empty" if key in empty_docs else "processed"
        documents.append(_document(group.patient_id, note.doc_id, note.source, status, note))
    for row in sorted(dup_rows, key=lambda r: (r.doc_id or "", r.source)):
        if row.kind == "duplicate":
            documents.append(_document(group.patient_id, row.doc_id, row.source, "duplicate"))
    failed_before = sorted(group.failed, key=lambda r: (r.source, r.doc_id or ""))
    for row in failed_before:
        documents.append(_document(group.patient_id, row.doc_id, row.source, "failed"))
    errors = [*failed_before, *sorted(dup_rows, key=lambda r: (r.doc_id or "", r.source)), *result.errors]
    mentions = [canonical({"patient_id": group.patient_id, **m.model_dump(mode="json")}) for m in result.mentions]
    n_dup = sum(1 for r in dup_rows if r.kind == "duplicate")
    return PatientOutput(
        patient_id=group.patient_id,
        record=canonical(record.model_dump(mode="json")),
        mentions=mentions,
        errors=[canonical(_row(e)) for e in errors],
        documents=[canonical(d) for d in documents],
        counts=NoteCounts(
            notes_read=group.n_notes(),
            notes_processed=result.notes_processed + n_dup,
            notes_failed=result.notes_failed + len(group.failed),
            notes_empty=result.notes_empty,
            notes_duplicate=n_dup,
        ),
    )


def _document(patient_id: str, doc_id: str | None, source: str, status: str,
              note: NoteInput | None = None) -> dict[str, Any]:
    """A ``documents.jsonl`` row; without the note (a duplicate, a note that failed when read) its
    date, type, length and codec are unknown."""
    return {"patient_id": patient_id, "doc_id": doc_id, "date": note.date if note else None,
            "note_type": note.note_type if note else None, "source": source,
            "chars": len(note.text) if note else None, "decoded_with": note.decoded_with if note else None,
            "status": status}


def failed_patient(group: PatientGroup, kind: str, reason: str) -> PatientOutput:
    """The output of a patient whose notes could not be run at all: empty record, all notes failed."""
    rows = [ErrorRow(source=n.source, patient_id=group.patient_id, doc_id=n.doc_id, kind=kind, reason=reason,
                     fatal=True) for n in group.notes]
    all_failed = PatientGroup(group.patient_id, [], [*group.failed, *rows])
    return run_patient(None, all_failed)  # no notes to run: the pipeline is never called


class NoteWatch:
    """The per-note wall-clock budget, entered once a note however the core chunks it.

    ``beat`` is anything with a ``value`` attribute (a shared ``multiprocessing``
    double) stamped when a note starts, which a supervising process watches (the local
    engine); ``alarm`` (seconds) arms ``SIGALRM`` for the note instead, for engines
    without a supervisor (Spark): ``NoteTimeout`` is raised in the note.
    """

    def __init__(self, beat: Any = None, alarm: float | None = None) -> None:
        self._beat = beat
        self._alarm = alarm

    def __enter__(self) -> NoteWatch:
        if self._beat is not None:
            self._beat.value = time.monotonic()
        if self._alarm:
            import signal

            signal.setitimer(signal.ITIMER_REAL, self._alarm)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._alarm:
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0)


class NoteTimeout(Exception):
    """Raised by the alarm of ``NoteWatch`` when one note runs past its budget."""


def mark_timeouts(output: PatientOutput, budget: float) -> PatientOutput:
    """Error rows of notes stopped by ``NoteTimeout`` get kind ``timeout``."""
    fixed = []
    for line in output.errors:
        row = json.loads(line)
        if row["kind"] == "error" and row["reason"].endswith(": NoteTimeout"):
            row["kind"] = "timeout"
            row["reason"] = timeout_reason(budget, "stopped")
            line = canonical(row)
        fixed.append(line)
    output.errors = fixed
    return output
