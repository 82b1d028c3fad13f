"""Settings of a batch run: input format, column names, size limits, time budgets."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field


class InputFormat(str, enum.Enum):
    """How ``--format`` reads every input: ``auto`` by its name (then its first bytes), ``txt`` every
    file as one note (archives still opened), any other value every input as that kind."""

    auto = "auto"
    txt = "txt"
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"
    zip = "zip"
    tar = "tar"


class Engine(str, enum.Enum):
    """Where the pipeline runs: our own worker processes, or Apache Spark."""

    local = "local"
    spark = "spark"

DEFAULT_PIPELINE = "extractor.pipeline:load_pipeline"

# Candidate column names for each role, tried in order (case-insensitive) when the
# user names none: MIMIC-III NOTEEVENTS first, then our JSONL keys.
PATIENT_COLUMNS = ("SUBJECT_ID", "patient_id")
DOC_COLUMNS = ("ROW_ID", "doc_id", "note_id")
DATE_COLUMNS = ("CHARTDATE", "date", "note_date")
TYPE_COLUMNS = ("CATEGORY", "note_type")
TEXT_COLUMNS = ("TEXT", "text")

# Column presets of well-known note tables (``--input-format``), by each schema's
# own column names: MIMIC-III NOTEEVENTS, MIMIC-IV-Note (discharge.csv,
# radiology.csv) and the OMOP CDM NOTE table.
COLUMN_PRESETS: dict[str, dict[str, str]] = {
    "mimic-iii": {"patient": "SUBJECT_ID", "doc": "ROW_ID", "date": "CHARTDATE", "note_type": "CATEGORY",
                  "text": "TEXT"},
    "mimic-iv": {"patient": "subject_id", "doc": "note_id", "date": "charttime", "note_type": "note_type",
                 "text": "text"},
    "omop": {"patient": "person_id", "doc": "note_id", "date": "note_date", "note_type": "note_title",
             "text": "note_text"},
}

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True)
class Columns:
    """Column (or JSON key) names; ``None`` = the first default candidate present."""

    patient: str | None = None
    doc: str | None = None
    date: str | None = None
    note_type: str | None = None
    text: str | None = None

    def candidates(self, role: str) -> tuple[str, ...]:
        """The names tried for ``role`` (patient, doc, date, note_type, text)."""
        chosen = getattr(self, role)
        if chosen:
            return (chosen,)
        return {
            "patient": PATIENT_COLUMNS,
            "doc": DOC_COLUMNS,
            "date": DATE_COLUMNS,
            "note_type": TYPE_COLUMNS,
            "text": TEXT_COLUMNS,
        }[role]


def timeout_reason(budget: float, stopped: str) -> str:
    """The error row reason of a note stopped by the per-note time budget: the limit, why it exists, the remedy."""
    return (f"note ran past --note-timeout ({budget:g} s), the guard that keeps one runaway note from "
            f"stalling the run; {stopped}. If the note is just long, rerun with a larger --note-timeout")


@dataclass(frozen=True)
class Limits:
    """Hard caps on what one input may cost; past them the input gets an error row.

    ``max_note_bytes`` bounds one note (file, archive member or cell);
    ``max_archive_bytes`` bounds the bytes one archive or compressed file may expand
    to (a bomb stops there, with an error row); ``max_members`` bounds its entries;
    ``max_ratio`` bounds decompressed bytes per compressed byte, for every compressed
    input (clinical text compresses about 4:1; a file of blank lines 1000:1);
    ``max_line_bytes`` bounds one physical line of JSONL.
    """

    max_note_bytes: int = 64 * MiB
    max_line_bytes: int = 128 * MiB
    max_archive_bytes: int = 64 * GiB
    max_members: int = 10_000_000
    max_ratio: float = 200.0
    max_table_member_bytes: int = 2 * GiB  # Parquet inside an archive is read in memory


@dataclass(frozen=True)
class BatchOptions:
    """Everything that shapes a batch run's outputs (and its resume fingerprint)."""

    fmt: str = InputFormat.auto.value
    columns: Columns = field(default_factory=Columns)
    limits: Limits = field(default_factory=Limits)
    workers: int = 0  # 0 = the machine's cores
    engine: str = Engine.local.value
    master: str | None = None
    parquet: bool = False
    resume: bool = False
    overwrite: bool = False
    follow_links: bool = False  # symbolic links inside input folders (inputs named on the command line always)
    note_timeout: float = 120.0
    pipeline: str = DEFAULT_PIPELINE
    task_notes: int = 256  # patients are batched into tasks of about this many notes (64: ~5 % of a run in round trips)
    task_chars: int = 2_000_000
    recycle_notes: int = 100_000  # a worker is restarted after this many notes (vocab growth)
    progress: bool | None = None  # None = when stderr is a terminal

    def worker_count(self) -> int:
        """The number of worker processes to run."""
        if self.workers > 0:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
