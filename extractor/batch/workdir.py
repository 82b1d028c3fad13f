"""The run's work folder: notes grouped by patient on disk, finished patients as the resume checkpoint.

Notes of one patient may be anywhere in the input, so they are spilled to an
SQLite file (``<out>/.extractor-work/notes.sqlite``) as they are read and
read back one patient at a time in sorted patient order: memory is bounded by
the largest patient, not by the archive.

Finished patients go to a second SQLite file (``results.sqlite``), one row per
patient (primary key), committed as they arrive: after a crash or Ctrl-C a rerun
with ``--resume`` skips them, and no patient can be written twice. The final
output files are emitted from it in sorted patient order, so they are
byte-identical whatever the number of workers or the order results came back.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from extractor.batch.items import InputRead, Item, Problem
from extractor.batch.per_patient import PatientGroup, PatientOutput, canonical, note_from_dict, note_to_dict
from extractor.notes import NoteInput
from extractor.schema import ErrorRow

WORK_DIR = ".extractor-work"
# How notes are laid out in the spill; a work folder from another layout is spilled again.
_LAYOUT = "3"


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    return con


class _WorkDatabase:
    """An SQLite file of the work folder with a ``meta`` table of small values."""

    def __init__(self, path: Path, tables: str) -> None:
        self.path = path
        self.con = _connect(path)
        self.con.executescript("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                               + tables)

    def meta(self, key: str) -> str | None:
        """A value stored with ``set_meta``."""
        row = self.con.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a small value (fingerprint, completion marker, ...)."""
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


class NoteSpill(_WorkDatabase):
    """The on-disk spill of all notes, keyed by patient."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "CREATE TABLE IF NOT EXISTS input_errors (seq INTEGER PRIMARY KEY, row TEXT NOT NULL);")

    def is_complete(self, fingerprint: str) -> bool:
        """True when a previous spill of the same inputs, in this layout, finished."""
        return (
            self.meta("fingerprint") == fingerprint and self.meta("complete") == "1" and self.meta("layout") == _LAYOUT
        )

    def reset(self) -> None:
        """Forget a previous (partial) spill, whatever its layout."""
        self.con.executescript(
            f"""
            DROP TABLE IF EXISTS notes; DELETE FROM input_errors; DELETE FROM meta;
            CREATE TABLE notes (seq INTEGER PRIMARY KEY, patient_id TEXT NOT NULL, chars INTEGER NOT NULL,
                                payload TEXT NOT NULL, text TEXT);
            INSERT INTO meta VALUES ('layout', '{_LAYOUT}');
            """
        )

    def fill(self, items: Iterable[Item], fingerprint: str, batch: int = 2000) -> None:
        """Spill every item: notes and failed notes by patient, problems of whole inputs apart."""
        self.reset()
        # a note's text in its own column: serialising it into the JSON payload
        # (and parsing it back) was a third of the time to spill
        note_rows: list[tuple[str, int, str, str | None]] = []
        error_rows: list[tuple[str]] = []
        inputs: list[dict] = []
        self.con.execute("BEGIN")
        for item in items:
            if isinstance(item, NoteInput):
                fields = note_to_dict(item)
                text = fields.pop("text")
                note_rows.append((item.patient_id, len(text), canonical({"note": fields}), text))
            elif isinstance(item, Problem):
                row = item.row
                if item.is_note and row.patient_id:
                    note_rows.append((row.patient_id, 0, canonical({"failed": row.model_dump(mode="json")}), None))
                else:
                    error_rows.append((canonical(item.as_input_error()),))
            elif isinstance(item, InputRead):
                inputs.append(item.as_dict())
            if len(note_rows) >= batch:
                self.con.executemany("INSERT INTO notes (patient_id, chars, payload, text) VALUES (?, ?, ?, ?)", note_rows)
                note_rows.clear()
            if len(error_rows) >= batch:
                self.con.executemany("INSERT INTO input_errors (row) VALUES (?)", error_rows)
                error_rows.clear()
        self.con.executemany("INSERT INTO notes (patient_id, chars, payload, text) VALUES (?, ?, ?, ?)", note_rows)
        self.con.executemany("INSERT INTO input_errors (row) VALUES (?)", error_rows)
        self.con.execute("CREATE INDEX notes_patient ON notes (patient_id, seq)")
        self.set_meta("inputs", canonical(inputs))
        self.set_meta("fingerprint", fingerprint)
        self.set_meta("complete", "1")
        self.con.execute("COMMIT")

    def inputs(self) -> list[dict]:
        """Each input as it was read (``InputRead.as_dict``), in order."""
        return json.loads(self.meta("inputs") or "[]")

    def patient_ids(self) -> Iterator[str]:
        """Every patient id, in the order ``patients`` and the result store sort them."""
        for (pid,) in self.con.execute("SELECT DISTINCT patient_id FROM notes ORDER BY patient_id"):
            yield pid

    def patient_totals(self, skip: set[str] | None = None) -> tuple[int, int]:
        """(patients, notes) still to run, ``skip`` excluded."""
        patients = notes = 0
        for pid, n in self.con.execute("SELECT patient_id, COUNT(*) FROM notes GROUP BY patient_id"):
            if skip and pid in skip:
                continue
            patients += 1
            notes += n
        return patients, notes

    def patients(self, skip: set[str] | None = None) -> Iterator[PatientGroup]:
        """Patient groups in sorted patient-id order, one patient in memory at a time."""
        cur = self.con.cursor()
        cur.execute("SELECT patient_id, payload, text FROM notes ORDER BY patient_id, seq")
        group: PatientGroup | None = None
        for pid, payload, text in cur:
            if skip and pid in skip:
                continue
            if group is None or group.patient_id != pid:
                if group is not None:
                    yield group
                group = PatientGroup(pid)
            data = json.loads(payload)
            if "note" in data:
                group.notes.append(note_from_dict({**data["note"], "text": text}))
            else:
                group.failed.append(ErrorRow(**data["failed"]))
        if group is not None:
            yield group

    def input_errors(self) -> Iterator[dict]:
        """Problems not tied to a patient, in read order."""
        for (row,) in self.con.execute("SELECT row FROM input_errors ORDER BY seq"):
            yield json.loads(row)

    def close(self) -> None:
        """Close the database."""
        self.con.close()


class ResultStore(_WorkDatabase):
    """Finished patients, one row each; the resume checkpoint."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "CREATE TABLE IF NOT EXISTS results (patient_id TEXT PRIMARY KEY, payload TEXT NOT NULL);")
        self._pending = 0
        self._committed = time.monotonic()

    def clear(self) -> None:
        """Forget every result (a fresh run)."""
        self.con.executescript("DELETE FROM results; DELETE FROM meta;")

    def done(self) -> set[str]:
        """Patient ids already finished."""
        return {pid for (pid,) in self.con.execute("SELECT patient_id FROM results")}

    def add(self, output: PatientOutput) -> bool:
        """Store one patient unless already there; True when stored."""
        if not self.con.in_transaction:
            self.con.execute("BEGIN")
        cur = self.con.execute("INSERT OR IGNORE INTO results VALUES (?, ?)", (output.patient_id, output.to_json()))
        self._pending += 1
        if self._pending >= 200 or time.monotonic() - self._committed > 1.0:
            self.commit()
        return cur.rowcount == 1

    def commit(self) -> None:
        """Make stored patients durable."""
        if self.con.in_transaction:
            self.con.execute("COMMIT")
        self._pending = 0
        self._committed = time.monotonic()

    def get(self, patient_id: str) -> PatientOutput | None:
        """One patient's result, if stored."""
        row = self.con.execute("SELECT payload FROM results WHERE patient_id=?", (patient_id,)).fetchone()
        return PatientOutput.from_json(row[0]) if row else None

    def outputs(self) -> Iterator[PatientOutput]:
        """All results in sorted patient-id order."""
        for (payload,) in self.con.execute("SELECT payload FROM results ORDER BY patient_id"):
            yield PatientOutput.from_json(payload)

    def count(self) -> int:
        """Number of finished patients."""
        return self.con.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        """Commit and close."""
        self.commit()
        self.con.close()
