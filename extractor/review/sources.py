"""What a review reads: the records, their mentions and documents, and the note texts.

A batch output folder holds ``records.jsonl``, ``mentions.jsonl`` and
``documents.jsonl`` but not the notes: the review re-reads the inputs that
``manifest.json`` names, with the run's format and columns (or the inputs given
with ``--notes``), through the batch's own readers, and gives each note the
document id the run gave it (``documents.jsonl`` maps a note's source to its id,
``<doc_id>~2`` included). Without a batch folder, notes and a records file (and
optionally a mentions file) are read directly.

Notes and mentions are spilled to an SQLite file in the review's own work folder
(inside ``--out``, removed when the pages are written) and read back one patient
at a time, so memory stays bounded by the largest patient.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from extractor.errors import ExtractorError
from extractor.schema import Mention


class ReviewError(ExtractorError):
    """A review that cannot be built (no records, unreadable inputs); one line, no note text."""


@dataclass(frozen=True)
class NoteText:
    """One document of a patient as the review shows it."""

    doc_id: str
    date: str | None
    note_type: str | None
    status: str  # processed / empty / failed as the run says; "read" without a run
    text: str | None  # None: the run lists it but its text was not found


@dataclass
class Loaded:
    """Counts and messages of what was read (no note text)."""

    notes: int = 0
    mentions: int = 0
    problems: list[str] = field(default_factory=list)


class PatientStore:
    """Notes and mentions by patient, in an SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con = sqlite3.connect(path, isolation_level=None)
        self._con.execute("PRAGMA journal_mode=OFF")
        self._con.execute("PRAGMA synchronous=OFF")
        self._con.execute("CREATE TABLE notes (patient_id TEXT, doc_id TEXT, date TEXT, note_type TEXT, "
                          "status TEXT, body TEXT, UNIQUE (patient_id, doc_id))")
        self._con.execute("CREATE TABLE mentions (patient_id TEXT, seq INTEGER, line TEXT)")
        self._con.execute("BEGIN")

    def add_note(self, patient_id: str, note: NoteText) -> bool:
        """False when the patient already has a note of this id (the first one is kept)."""
        cursor = self._con.execute("INSERT OR IGNORE INTO notes VALUES (?, ?, ?, ?, ?, ?)",
                                   (patient_id, note.doc_id, note.date, note.note_type, note.status, note.text))
        return cursor.rowcount == 1

    def fill_missing(self, patient_id: str, note: NoteText) -> None:
        """A document the run lists whose text the inputs no longer hold."""
        self._con.execute("INSERT OR IGNORE INTO notes VALUES (?, ?, ?, ?, ?, NULL)",
                          (patient_id, note.doc_id, note.date, note.note_type, note.status))

    def add_mentions(self, rows: Iterable[tuple[str, int, str]]) -> None:
        self._con.executemany("INSERT INTO mentions VALUES (?, ?, ?)", rows)

    def finish(self) -> None:
        self._con.execute("CREATE INDEX notes_patient ON notes (patient_id)")
        self._con.execute("CREATE INDEX mentions_patient ON mentions (patient_id, seq)")
        self._con.execute("COMMIT")

    def notes(self, patient_id: str) -> list[NoteText]:
        """The patient's notes in date order (undated first), as the record was built."""
        rows = self._con.execute("SELECT doc_id, date, note_type, status, body FROM notes WHERE patient_id = ?",
                                 (patient_id,)).fetchall()
        notes = [NoteText(*row) for row in rows]
        return sorted(notes, key=lambda n: (n.date or "", n.doc_id))

    def mentions(self, patient_id: str) -> list[Mention]:
        rows = self._con.execute("SELECT line FROM mentions WHERE patient_id = ? ORDER BY seq",
                                 (patient_id,)).fetchall()
        out = []
        for (line,) in rows:
            data = json.loads(line)
            data.pop("patient_id", None)
            out.append(Mention.model_validate(data))
        return out

    def has_mentions(self) -> bool:
        return self._con.execute("SELECT 1 FROM mentions LIMIT 1").fetchone() is not None

    def close(self) -> None:
        self._con.close()


# --------------------------------------------------------------------------- reading


def read_mentions(path: Path, store: PatientStore, loaded: Loaded) -> None:
    """``mentions.jsonl`` lines into the store; a bad line is named (``file:line: reason``) and left out."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ReviewError(f"{path}: cannot be read ({exc.strerror or exc.__class__.__name__})") from None

    def rows() -> Iterator[tuple[str, int, str]]:
        with handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    data = json.loads(raw.decode("utf-8"))
                    Mention.model_validate({k: v for k, v in data.items() if k != "patient_id"})
                    patient_id = data["patient_id"]
                    if not isinstance(patient_id, str):
                        raise TypeError
                except UnicodeDecodeError:
                    loaded.problems.append(f"{where}: not UTF-8; mention left out")
                    continue
                except (ValueError, TypeError, KeyError, AttributeError):
                    loaded.problems.append(f"{where}: not a mention of the schema; left out")
                    continue
                loaded.mentions += 1
                yield patient_id, number, raw.decode("utf-8")

    store.add_mentions(rows())


def read_documents(path: Path) -> list[dict[str, Any]]:
    """``documents.jsonl``: one row per note the run read."""
    rows = []
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    rows.append(json.loads(line))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReviewError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
    return rows


def options_from_manifest(manifest: dict[str, Any], overrides: dict[str, str | None]) -> Any:
    from extractor.batch.config import BatchOptions, Columns, Limits

    options = manifest.get("options") or {}
    columns = {**(options.get("columns") or {}), **{k: v for k, v in overrides.items() if v}}
    known_columns = {f.name for f in fields(Columns)}
    known_limits = {f.name for f in fields(Limits)}
    return BatchOptions(
        fmt=options.get("format") or "auto",
        columns=Columns(**{k: v for k, v in columns.items() if k in known_columns}),
        limits=Limits(**{k: v for k, v in (options.get("limits") or {}).items() if k in known_limits}),
    )


def manifest_inputs(folder: Path) -> tuple[list[Path], dict[str, Any]]:
    """The inputs a finished run read (paths as the run was given them) and its manifest."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except OSError:
        raise ReviewError(f"{folder}: no manifest.json (a batch run that has not finished?); "
                          "give the notes with --notes") from None
    except ValueError:
        raise ReviewError(f"{folder / 'manifest.json'}: not JSON") from None
    return [Path(i["path"]) for i in manifest.get("inputs") or [] if i.get("path")], manifest


def spill_notes(paths: list[Path], options: Any, store: PatientStore, loaded: Loaded,
                documents: list[dict[str, Any]] | None, patients: set[str]) -> None:
    """Read the notes and store those of the reviewed patients.

    With the run's ``documents`` each note takes the id the run gave it (matched
    by its source, else by patient and id); documents the run counted as
    duplicates are its twins' and are not shown twice.
    """
    from extractor.batch.readers import Problem, read_inputs
    from extractor.notes import NoteInput

    by_source: dict[tuple[str, str], dict[str, Any]] = {}
    by_id: dict[tuple[str, str], dict[str, Any]] = {}
    for row in documents or []:
        if row.get("status") == "duplicate" or row.get("doc_id") is None:
            continue
        by_source.setdefault((row["patient_id"], str(row.get("source"))), row)
        by_id.setdefault((row["patient_id"], row["doc_id"]), row)
    for item in read_inputs(paths, options):
        if isinstance(item, Problem):
            if item.row.patient_id is None or item.row.patient_id in patients:
                loaded.problems.append(f"{item.row.source}: {item.row.reason}")
            continue
        if not isinstance(item, NoteInput):
            continue  # an input's account of bytes read (for the manifest), not a note
        if item.patient_id not in patients:
            continue
        if documents is None:
            note = NoteText(item.doc_id, item.date, item.note_type, "read", item.text)
        else:
            row = by_source.get((item.patient_id, item.source)) or by_id.get((item.patient_id, item.doc_id))
            if row is None:
                loaded.problems.append(f"{item.source}: not among the run's documents; not shown")
                continue
            note = NoteText(row["doc_id"], row.get("date"), row.get("note_type"), row.get("status") or "processed",
                            item.text)
        if store.add_note(item.patient_id, note):
            loaded.notes += 1
        else:
            loaded.problems.append(f"{item.source}: a second note {note.doc_id!r} of patient "
                                   f"{item.patient_id!r}; the first is shown")
    for row in documents or []:  # listed by the run, text not found: shown as missing
        if row.get("status") != "duplicate" and row.get("doc_id") is not None and row["patient_id"] in patients:
            store.fill_missing(row["patient_id"], NoteText(row["doc_id"], row.get("date"), row.get("note_type"),
                                                          row.get("status") or "processed", None))
