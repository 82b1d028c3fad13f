"""The ``extractor`` command: thin typer wrappers over plain functions.

Heavy imports (spaCy, medspaCy) happen inside the commands so ``--help`` is fast.
Messages name files and reasons, never note text. Standard output carries only
what a script reads (JSON, JSON Lines); tables for people and every problem go
to standard error.

Exit codes, the same for every command: ``0`` all went well; ``1`` output was
written but some named input could not be read or processed (each one reported);
``2`` nothing useful happened (nothing could be read, a refused request, a bad
option value).
"""

from __future__ import annotations

import json
import shlex
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from extractor.batch.cli import BATCH_EXAMPLES, batch_cli
from extractor.evaluate import evaluate_cli
from extractor.review.cli import review_cli
from extractor.summary.cli import summarize_cli

if TYPE_CHECKING:
    from extractor.core import PatientResult
    from extractor.notes import NoteInput

app = typer.Typer(
    name="extractor",
    help="Fill glucagonoma / pNET cohort records from clinical and pathology notes.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Above this many characters of note text for one patient, extract says so and,
# on a terminal, shows how far it got (a 20 MB note takes minutes).
LARGE_TEXT_CHARS = 1_000_000


def examples(*lines: str) -> str:
    """A help epilog of example command lines, printed as written (``\\b`` stops rewrapping)."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _version(value: bool) -> None:
    if value:
        from extractor import __version__

        typer.echo(f"extractor {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Fill glucagonoma / pNET cohort records from clinical and pathology notes."""


# --------------------------------------------------------------------------- extract: reading


@dataclass
class CliNotes:
    """What the named inputs of ``extract`` gave: notes, their file-name patient prefixes, problems."""

    notes: list[NoteInput] = field(default_factory=list)
    prefixes: list[str | None] = field(default_factory=list)  # the ``<patient_id>__`` of each note's file name
    problems: list[str] = field(default_factory=list)  # one line each, shown on stderr
    unreadable: int = 0  # named inputs that gave no note


def not_a_note_file(raw: str) -> str | None:
    """Why an existing named input is not a note file ``extract`` reads (a folder, table, archive), else None."""
    path = Path(raw)
    quoted = shlex.quote(raw)
    if path.is_dir():
        return (f"{raw}: a folder; give its note files ({shlex.quote(raw.rstrip('/') + '/')}*.txt) "
                f"or run: extractor batch {quoted} --out DIR")
    if not path.exists():
        return None
    from extractor.batch.readers import entry_kind

    kind = entry_kind(path.name)
    if kind in ("jsonl", "csv", "tsv", "parquet"):
        return (f"{raw}: a {kind.upper() if kind != 'parquet' else 'Parquet'} table, not a note; "
                f"run: extractor batch {quoted} --out DIR (name its columns with --input-format or "
                "--patient-col/--text-col)")
    if kind in ("zip", "tar", "compressed"):
        return f"{raw}: an archive, not a note; run: extractor batch {quoted} --out DIR"
    return None


def read_cli_notes(paths: list[str], patient_id: str | None) -> CliNotes:
    """Read note files (``-`` = standard input); every input that gives no note is a problem line."""
    from extractor.errors import InputError
    from extractor.notes import ids_from_filename, note_from_bytes, read_note_file

    found = CliNotes()
    for index, raw in enumerate(paths):
        refusal = None if raw == "-" else not_a_note_file(raw)
        if refusal:
            found.problems.append(refusal)
            found.unreadable += 1
            continue
        try:
            if raw == "-":
                note = note_from_bytes(
                    sys.stdin.buffer.read(),
                    source="<stdin>",
                    patient_id=patient_id or "stdin",
                    doc_id=f"stdin-{index + 1}" if len(paths) > 1 else "stdin",
                )
                prefix = None
            else:
                note = read_note_file(Path(raw), patient_id=patient_id)
                stem = Path(raw).stem
                file_patient, doc_id = ids_from_filename(Path(raw))
                prefix = None if (file_patient, doc_id) == (stem, stem) else file_patient
        except InputError as exc:
            found.problems.append(f"{exc.source}: {exc.reason}")
            found.unreadable += 1
            continue
        if note.decoded_with and note.decoded_with != "utf-16":
            found.problems.append(
                f"{note.source}: not valid UTF-8; decoded as {note.decoded_with} (processed, flagged)"
            )
        if not note.text.strip():
            found.problems.append(f"{note.source}: empty note (nothing to extract)")
        found.notes.append(note)
        found.prefixes.append(prefix)
    return found


def group_notes(found: CliNotes, patient_id: str | None) -> dict[str, list[NoteInput]] | str:
    """The notes of each patient (sorted by patient id), or why the request is refused.

    Notes are grouped by the ``<patient_id>__`` prefix of their file names. With
    ``--patient-id`` all notes are that one patient, so notes naming several
    patients are refused; notes without a prefix beside notes with one are
    refused too (which patient they belong to is a guess).
    """
    named = sorted({p for p in found.prefixes if p})
    bare = [n.source for n, p in zip(found.notes, found.prefixes, strict=True) if p is None]
    if patient_id is not None:
        if len(named) > 1:
            return (f"--patient-id {patient_id} names one patient, but the file names name {len(named)} "
                    f"({', '.join(named)}); drop --patient-id to get one record per patient")
        return {patient_id: list(found.notes)}
    if named and bare:
        return (f"{bare[0]} has no <patient_id>__ prefix while other notes name patient(s) "
                f"{', '.join(named)}; rename it (e.g. {named[0]}__{Path(bare[0]).name}) or give --patient-id "
                "to read all notes as one patient")
    if not named:
        chosen = found.notes[0].patient_id
        if len(found.notes) > 1:
            _say(f"extractor extract: {len(found.notes)} notes without a <patient_id>__ prefix are read as one "
                 f"patient, {chosen!r} (name it with --patient-id)")
        return {chosen: list(found.notes)}
    groups: dict[str, list[NoteInput]] = {}
    for note in found.notes:
        groups.setdefault(note.patient_id, []).append(note)
    return dict(sorted(groups.items()))


# --------------------------------------------------------------------------- extract: long notes


class TextProgress:
    """Wraps the pipeline to show how much of a large text is done (the core calls it once per chunk).

    On a terminal a ``\\r`` line with the share done and the seconds spent, redrawn
    at most twice a second; elsewhere nothing (the caller printed one line).
    """

    def __init__(self, nlp: Any, label: str, total_chars: int, *, live: bool) -> None:
        self._nlp = nlp
        self._label = label
        self._total = max(total_chars, 1)
        self._done = 0
        self._live = live
        self._started = time.monotonic()
        self._drawn = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._nlp, name)

    def __call__(self, text: str, *args: Any, **kwargs: Any) -> Any:
        doc = self._nlp(text, *args, **kwargs)
        self._done += len(text)
        self._draw()
        return doc

    def _draw(self) -> None:
        now = time.monotonic()
        if not self._live or now - self._drawn < 0.5:
            return
        self._drawn = now
        share = min(self._done / self._total, 1.0)
        elapsed = now - self._started
        eta = f", about {elapsed / share - elapsed:.0f} s left" if share > 0.02 else ""
        sys.stderr.write(f"\rextractor extract: {self._label}: {share:.0%} done, {elapsed:.0f} s{eta}   ")
        sys.stderr.flush()

    def finish(self) -> None:
        if self._live and self._drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


def run_patient_notes(nlp: Any, patient_id: str, notes: list[NoteInput]) -> PatientResult:
    """``process_patient``, with a line (and on a terminal, progress) when the text is large."""
    from extractor.core import process_patient

    total = sum(len(n.text) for n in notes)
    if total < LARGE_TEXT_CHARS:
        return process_patient(nlp, patient_id, notes)
    largest = max(notes, key=lambda n: len(n.text))
    _say(f"extractor extract: patient {patient_id}: {total / 1e6:.1f} million characters of notes "
         f"(largest {largest.source}, {len(largest.text) / 1e6:.1f} million); this can take minutes")
    progress = TextProgress(nlp, f"patient {patient_id}", total, live=sys.stderr.isatty())
    try:
        return process_patient(progress, patient_id, notes)  # type: ignore[arg-type]
    finally:
        progress.finish()


# --------------------------------------------------------------------------- extract


EXTRACT_EXAMPLES = examples(
    "extractor extract corpora/seed-cohort/notes/P03__*.txt",
    "extractor extract corpora/seed-cohort/notes/*.txt > records.jsonl     # one JSON line per patient",
    "extractor extract corpora/seed-cohort/notes/P03__01-derm.txt --mentions 2> mentions.txt",
)


@app.command("extract", epilog=EXTRACT_EXAMPLES)
def extract_cli(
    notes: Annotated[
        list[str],
        typer.Argument(help="Note files, named <patient_id>__<doc_id>.txt for several patients ('-' reads "
                            "standard input). Tables and archives go to 'extractor batch'."),
    ],
    patient_id: Annotated[
        str | None,
        typer.Option("--patient-id", help="Read all notes as this one patient (default: from the file names)."),
    ] = None,
    mentions: Annotated[
        bool,
        typer.Option("--mentions", help="Also print a table of mentions and their context flags, on standard error."),
    ] = False,
    compact: Annotated[bool, typer.Option("--compact", help="One-line JSON for a single patient.")] = False,
) -> None:
    """Extract the cohort record of each patient from their notes and print it as JSON.

    One patient: one JSON object. Notes of several patients (grouped by the
    <patient_id>__ prefix of the file names): one JSON line per patient, sorted
    by patient id. Exit code 1 when a named input could not be read (each is
    reported), 2 when nothing could be.
    """
    found = read_cli_notes(notes, patient_id)
    for line in found.problems:
        _say(line)
    if not found.notes:
        _say("extractor extract: nothing could be read; no record written")
        raise typer.Exit(code=2)
    groups = group_notes(found, patient_id)
    if isinstance(groups, str):
        _say(f"extractor extract: {groups}")
        raise typer.Exit(code=2)
    if not any(n.text.strip() for n in found.notes):
        _say("extractor extract: every note read is empty; nothing to extract")
        raise typer.Exit(code=2)

    from extractor.pipeline import load_pipeline

    nlp = load_pipeline()
    failed = 0
    for pid, patient_notes in groups.items():
        result = run_patient_notes(nlp, pid, patient_notes)
        for row in result.errors:
            if row.fatal:
                _say(f"{row.source}: {row.reason}")
        failed += result.notes_failed
        if mentions:
            _say(format_mentions(result.mentions, patient_id=pid if len(groups) > 1 else None))
        typer.echo(result.record.model_dump_json(indent=None if compact or len(groups) > 1 else 2))
    if failed == len(found.notes):
        _say("extractor extract: no note could be processed")
        raise typer.Exit(code=2)
    if found.unreadable or failed:
        _say(f"extractor extract: {found.unreadable + failed} of {len(notes)} named input(s) could not be "
             "read or processed (see above); the record(s) cover the rest")
        raise typer.Exit(code=1)


def format_mentions(mentions: list, patient_id: str | None = None) -> str:
    """A fixed-width table of mentions with their ConText flags and sections (a patient column when given)."""
    header = ("doc", "span", "label", "value", "flags", "section", "text")
    rows = [header]
    for m in mentions:
        flags = ",".join(k for k, v in m.assertion.model_dump().items() if v) or "-"
        value = json.dumps(m.value, ensure_ascii=False, sort_keys=True) if m.value is not None else "-"
        text = " ".join(m.text.split())
        rows.append((m.doc_id, f"{m.start}-{m.end}", m.label, value, flags, m.section or "-", text))
    if patient_id is not None:
        rows = [("patient", *rows[0]), *((patient_id, *r) for r in rows[1:])]
    widths = [min(max(len(r[i]) for r in rows), 40) for i in range(len(rows[0]) - 1)]
    lines = []
    for r in rows:
        cells = [c if len(c) <= w else c[: w - 1] + "…" for c, w in zip(r[:-1], widths, strict=True)]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + r[-1])
    return "\n".join(lines)


# --------------------------------------------------------------------------- schema, audit


@app.command("schema", epilog=examples(
    "extractor schema",
    "extractor schema > cohort-record.schema.json",
))
def schema_cli() -> None:
    """Print the JSON Schema of the cohort record (generated from the pydantic models)."""
    from extractor.schema import record_json_schema

    typer.echo(json.dumps(record_json_schema(), indent=2, sort_keys=True))


@app.command("audit", epilog=examples(
    "extractor audit ../shared/data/mtsamples/mtsamples.csv --patient-col note_id --doc-col note_id "
    "--text-col transcription --out audit-mtsamples.md",
    "extractor audit ../shared/data/tcga-pathology-reports/tcga_pathology_reports_subset.csv "
    "--patient-col report_id --doc-col report_id --text-col ocr_text --exclude-ids ../shared/eval/reserved.md "
    "--out audit-tcga.json",
))
def audit_cli(
    inputs: Annotated[list[Path], typer.Argument(help="Note files, folders or tables (as for batch).", exists=True)],
    out: Annotated[Path, typer.Option("--out", help="Report file (.md or .json). It quotes note text.")],
    exclude_ids: Annotated[
        Path | None,
        typer.Option("--exclude-ids", help="Ids to leave out, one a line (a Markdown list such as reserved.md works).", exists=True),
    ] = None,
    patient_col: Annotated[str | None, typer.Option("--patient-col", help="Patient id column of a table.")] = None,
    doc_col: Annotated[str | None, typer.Option("--doc-col", help="Document id column of a table.")] = None,
    text_col: Annotated[str | None, typer.Option("--text-col", help="Note text column of a table.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Patterns listed per field.")] = 25,
) -> None:
    """Find what the rules miss in text without gold: per field, the sentences that hold its
    cue words but gave no mention (most frequent patterns first), and each rule's hits.

    The report quotes notes, so it goes only to the --out file you name.
    """
    from extractor.audit import audit_notes, read_exclusions, write_report
    from extractor.batch.config import BatchOptions, Columns
    from extractor.batch.items import InputRead, Problem
    from extractor.batch.readers import read_inputs
    from extractor.pipeline import load_pipeline

    if str(out) == "-" or out.is_dir():
        _say(f"extractor audit: --out must name a file, not {out}")
        raise typer.Exit(code=2)
    exclude = read_exclusions(exclude_ids) if exclude_ids else frozenset()
    options = BatchOptions(columns=Columns(patient=patient_col, doc=doc_col, text=text_col))
    problems = 0

    def notes():  # type: ignore[no-untyped-def]
        nonlocal problems
        for item in read_inputs(inputs, options):
            if isinstance(item, Problem):
                problems += 1
                _say(f"{item.row.source}: {item.row.reason}")
                continue
            if isinstance(item, InputRead):  # how far each input was read: the audit needs only notes
                continue
            yield item

    report = audit_notes(load_pipeline(), notes(), exclude=exclude)
    if report.notes == 0:
        _say("extractor audit: no note was read (for a table, name its columns with --patient-col/--text-col)")
        raise typer.Exit(code=2)
    write_report(report, out, top=top)
    _say(f"extractor audit: {report.notes} notes ({report.excluded} excluded, {problems} unreadable); report: {out}")


app.command("evaluate", epilog=examples(
    "extractor evaluate corpora/seed-cohort",
    "extractor evaluate corpora/dev --json dev-report.json --errors > dev-errors.txt",
    "extractor evaluate corpora/seed-cohort --pred out/demo/records.jsonl",
))(evaluate_cli)
app.command("batch", epilog=BATCH_EXAMPLES)(batch_cli)
app.command("summarize", epilog=examples(
    "extractor summarize out/demo/records.jsonl --out out/demo/summary",
    "extractor summarize out/demo/records.jsonl --json figures.json --eligible-only",
    "extractor summarize records.jsonl --criteria my-criteria.json --out summary",
))(summarize_cli)
app.command("audit", epilog=examples(
    "extractor audit corpora/dev/notes --out audit-dev.md",
    "extractor audit ../shared/data/mtsamples/mtsamples.csv --patient-col note_id --doc-col note_id --text-col transcription --out audit-mtsamples.json",
))(audit_cli)
app.command("review", epilog=examples(
    "extractor batch corpora/seed-cohort/notes --out out/demo --overwrite --review",
    "extractor review out/demo --out out/demo-review",
    "extractor review out/demo --out out/demo-review --gold corpora/seed-cohort/records.jsonl",
))(review_cli)


def main() -> None:
    """Console-script entry point."""
    app()
