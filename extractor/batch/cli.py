"""``extractor batch``: a thin typer wrapper over ``extractor.batch.run.run_batch``."""

from __future__ import annotations

import errno
import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from extractor.batch.config import (
    COLUMN_PRESETS,
    DEFAULT_PIPELINE,
    BatchOptions,
    Columns,
    Engine,
    InputFormat,
    Limits,
)
from extractor.notes import printable

BATCH_EXAMPLES = (
    "Examples:\n\n\b\n"
    "  extractor batch corpora/seed-cohort/notes --out out/demo\n"
    "  extractor batch NOTEEVENTS.csv.gz --input-format mimic-iii --out out/mimic --omop\n"
    "  extractor batch ../shared/data/mtsamples/mtsamples.csv --patient-col note_id --doc-col note_id "
    "--text-col transcription --out out/mtsamples"
)

_PRESET_HELP = "; ".join(
    f"{name}: {', '.join(f'{role}={column}' for role, column in columns.items())}"
    for name, columns in COLUMN_PRESETS.items()
)

# What to do about notes that all failed for one reason (error row kind -> hint).
_HINTS = {
    "binary": "the tool reads text notes: convert PDF, Word or image files to text first",
    "too_large": "raise --max-note-mb if these notes are meant to be read",
    "timeout": "raise --note-timeout if the notes are just long",
    "malformed": "check the table's quoting and line ends",
    "schema": "name the table's columns with --input-format or --patient-col/--text-col",
    "empty": "the notes hold no text",
}


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _positive(name: str, value: float) -> None:
    if not value > 0:
        _say(f"extractor batch: {name} must be greater than 0, not {value:g}")
        raise typer.Exit(code=2)


def batch_cli(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="Folders of .txt notes, JSONL/CSV/Parquet files, zip or tar(.gz) archives."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    fmt: Annotated[
        InputFormat, typer.Option("--format", help="Kind of every input file (default auto: from each name and "
                                  "first bytes).")
    ] = InputFormat.auto,
    input_format: Annotated[
        Literal["auto", "mimic-iii", "mimic-iv", "omop"],
        typer.Option("--input-format", help=f"Column preset of a note table: {_PRESET_HELP} (the OMOP CDM NOTE "
                     "table). auto tries SUBJECT_ID/patient_id, ROW_ID/doc_id/note_id, CHARTDATE/date/note_date, "
                     "CATEGORY/note_type, TEXT/text. --patient-col etc. override one column."),
    ] = "auto",
    patient_col: Annotated[
        str | None, typer.Option("--patient-col", help="Patient id column/key (default SUBJECT_ID or patient_id).")
    ] = None,
    doc_col: Annotated[
        str | None, typer.Option("--doc-col", help="Document id column/key (default ROW_ID, doc_id or note_id).")
    ] = None,
    date_col: Annotated[
        str | None, typer.Option("--date-col", help="Note date column/key (default CHARTDATE or date).")
    ] = None,
    type_col: Annotated[
        str | None, typer.Option("--type-col", help="Note type column/key (default CATEGORY or note_type).")
    ] = None,
    text_col: Annotated[
        str | None, typer.Option("--text-col", help="Note text column/key (default TEXT or text).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=1, help="Worker processes (default: the machine's cores).")
    ] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="Where the pipeline runs.")] = Engine.local,
    master: Annotated[
        str | None, typer.Option("--master", help="Spark master URL (default local[*]).")
    ] = None,
    parquet: Annotated[bool, typer.Option("--parquet", help="Also write the tables as Parquet.")] = False,
    omop: Annotated[
        bool, typer.Option("--omop", help="Also write note_nlp.csv (OMOP CDM v5.4 NOTE_NLP, one row per mention) "
                           "and note_map.csv; note_nlp.parquet with --parquet.")
    ] = False,
    omop_text: Annotated[
        bool, typer.Option("--omop-text", help="Put each mention's text in NOTE_NLP lexical_variant "
                           "(note text: off by default).")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run in the same --out (skips finished patients).")
    ] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the outputs of a previous run.")] = False,
    note_timeout: Annotated[
        float, typer.Option("--note-timeout", help="Seconds one note may take before its worker is stopped "
                     "(a guard against a runaway note; raise it for very long notes).")
    ] = 120.0,
    max_archive_gb: Annotated[
        float, typer.Option("--max-archive-gb", help="Stop reading an archive past this many uncompressed GB.")
    ] = 64.0,
    max_note_mb: Annotated[float, typer.Option("--max-note-mb", help="Skip notes larger than this (MB).")] = 64.0,
    max_ratio: Annotated[
        float, typer.Option("--max-ratio", help="Stop a compressed input that expands more than this many times.")
    ] = 200.0,
    follow_links: Annotated[
        bool, typer.Option("--follow-links", help="Follow symbolic links inside input folders (never by default).")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="On a failure, print the traceback (it may quote a note).")
    ] = False,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress line (default: when on a terminal).")
    ] = None,
    review: Annotated[
        bool, typer.Option("--review", help="Also write the review pages (OUT/review/index.html): they hold note text.")
    ] = False,
    pipeline: Annotated[
        str, typer.Option("--pipeline", hidden=True, help="module:function building the pipeline.")
    ] = DEFAULT_PIPELINE,
) -> None:
    """Run the pipeline over note archives: one cohort record per patient, every note accounted for.

    Exit code 0 when notes were processed; 1 when the run finished but a named
    input could not be read; 2 when nothing was processed (one line says why and
    what to do) or the run could not start or finish (the output folder is not a
    folder, is read-only, full or in use; an internal error: --debug shows its
    traceback); 130 when interrupted.
    """
    from extractor.batch.lock import output_lock
    from extractor.batch.run import run_batch

    if str(out) == "-":
        _say("extractor batch: --out names the output folder; '-' (standard output) is not possible: "
             "batch writes several files. Give a folder, e.g. --out out/")
        raise typer.Exit(code=2)
    _positive("--note-timeout", note_timeout)
    _positive("--max-note-mb", max_note_mb)
    _positive("--max-archive-gb", max_archive_gb)
    _positive("--max-ratio", max_ratio)
    if omop_text and not omop:
        _say("extractor batch: --omop-text fills the NOTE_NLP export; give it with --omop")
        raise typer.Exit(code=2)
    missing = [path for path in inputs if not path.exists()]
    if len(missing) == len(inputs):  # a typo, not an archive with a bad entry: say so, run nothing
        for path in missing:
            _say(f"extractor batch: {printable(str(path))}: no such file or folder")
        raise typer.Exit(code=2)
    preset = COLUMN_PRESETS.get(input_format, {})
    named = {"patient": patient_col, "doc": doc_col, "date": date_col, "note_type": type_col, "text": text_col}
    columns = Columns(**{role: named[role] or preset.get(role) for role in named})
    options = BatchOptions(
        fmt=fmt.value,
        columns=columns,
        limits=Limits(max_note_bytes=int(max_note_mb * 1024 * 1024),
                      max_archive_bytes=int(max_archive_gb * 1024**3), max_ratio=max_ratio),
        workers=workers or 0,
        engine=engine.value,
        master=master,
        parquet=parquet,
        resume=resume,
        overwrite=overwrite,
        follow_links=follow_links,
        note_timeout=note_timeout,
        pipeline=pipeline,
        progress=progress,
    )
    shown = printable(str(out))
    try:
        # the lock covers the whole command: the OMOP export of a previous run is removed, and
        # this run's written, only while no other run can use the folder
        with output_lock(out) as left_behind:
            if left_behind:
                _say(f"extractor batch: {shown}: a run that did not finish left its lock ({left_behind}); "
                     "taken over")
            if overwrite and not resume:
                from extractor.batch.omop import remove_outputs

                remove_outputs(out)  # a previous run's export must not stand beside this run's outputs
            summary = run_batch(inputs, out, options, lock=False)
            counts = summary.counts
            _say(
                f"extractor batch: {summary.patients} patients, {counts.notes_read} notes read = "
                f"{counts.notes_processed} processed + {counts.notes_failed} failed "
                f"({counts.notes_empty} empty, {counts.notes_duplicate} duplicate); "
                f"{summary.error_rows} error rows; {summary.seconds:.1f} s"
                + (f"; {summary.patients_resumed} patients kept from the interrupted run"
                   if summary.patients_resumed else "")
            )
            typer.echo(f"records:  {shown}/records.jsonl")
            typer.echo(f"cohort:   {shown}/cohort.csv")
            typer.echo(f"database: {shown}/cohort.sqlite")
            typer.echo(f"errors:   {shown}/errors.jsonl")
            typer.echo(f"manifest: {shown}/manifest.json")
            if "summary" in summary.outputs:
                typer.echo(f"summary:  {summary.outputs['summary']}")
            if review:
                import sys

                from extractor.review.build import write_batch_review

                written = write_batch_review(out, sys.stderr)
                if written:
                    typer.echo(f"review:   {written}")
            _after_run(out, summary, inputs, missing, omop=omop, omop_text=omop_text, parquet=parquet)
    except KeyboardInterrupt:
        _say(f"extractor batch: interrupted; finished patients are kept in {shown}. "
             "Run the same command with --resume to continue.")
        raise typer.Exit(code=130) from None
    except typer.Exit:
        raise
    except Exception as exc:
        if debug:
            raise
        _say(f"extractor batch: {failure_line(exc, shown)}")
        raise typer.Exit(code=2) from None


def _after_run(out: Path, summary: Any, inputs: list[Path], missing: list[Path], *,
               omop: bool, omop_text: bool, parquet: bool) -> None:
    """The OMOP export, then what the exit code says: nothing processed (2), a named input missing (1)."""
    if omop:
        from extractor.batch.omop import write_note_nlp

        export = write_note_nlp(out, with_text=omop_text, parquet=parquet)
        typer.echo(f"note_nlp: {export.csv}")
        typer.echo(f"note_map: {export.note_map}")
        if export.parquet is not None:
            typer.echo(f"note_nlp: {export.parquet}")
    timeouts = _manifest_faults(out).get("timeouts", 0)
    if timeouts:
        _say(f"extractor batch: {timeouts} note(s) stopped at --note-timeout (errors.jsonl, kind timeout); "
             "if they are just long, rerun with a larger --note-timeout")
    counts = summary.counts
    useful = counts.notes_processed - counts.notes_empty - counts.notes_duplicate
    if useful <= 0:
        _say(f"extractor batch: nothing was processed: {nothing_processed_reason(out, summary, inputs)}")
        raise typer.Exit(code=2)
    if missing:
        _say(f"extractor batch: {len(missing)} of {len(inputs)} named input(s) could not be read: "
             f"{', '.join(printable(str(p)) for p in missing)} (the outputs cover the rest)")
        raise typer.Exit(code=1)


def _manifest_faults(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / "manifest.json").read_text(encoding="utf-8")).get("faults") or {}
    except (OSError, ValueError):
        return {}


def nothing_processed_reason(out: Path, summary: Any, inputs: list[Path]) -> str:
    """Why a finished run processed no note and what to do, from its error rows (no note text)."""
    kinds: Counter[str] = Counter()
    first: dict[str, str] = {}
    try:
        with (out / "errors.jsonl").open(encoding="utf-8") as rows:
            for line in rows:
                row = json.loads(line)
                if not row.get("fatal") and row.get("kind") != "empty":
                    continue
                kinds[row["kind"]] += 1
                first.setdefault(row["kind"], f"{row['source']}: {row['reason']}")
    except (OSError, ValueError):
        pass
    names = ", ".join(printable(str(p)) for p in inputs)
    read = summary.counts.notes_read
    if read == 0 and not kinds:
        return (f"no note was found in {names}. Give folders of note files (.txt; hidden files, .ann and .md "
                "are skipped), JSONL/CSV/Parquet tables or zip/tar archives")
    if not kinds:
        return f"{read} note(s) read, none with text to extract (see {out / 'errors.jsonl'})"
    kind = kinds.most_common(1)[0][0]
    hint = _HINTS.get(kind, f"see {out / 'errors.jsonl'}")
    more = sum(kinds.values()) - 1
    detail = f"{first[kind]}" + (f" (and {more} more problem row(s) in {out / 'errors.jsonl'})" if more else "")
    if read == 0:
        return f"no note could be read: {detail}"
    counts = ", ".join(f"{k} {n}" for k, n in kinds.most_common())
    return f"all {read} note(s) failed or were empty ({counts}), e.g. {detail}; {hint}"


def failure_line(exc: BaseException, out: str) -> str:
    """One line for a run that stopped (exit 2): what the user or the machine can fix (bad
    folder, folder in use, read-only, disk full), or an internal error. Only error classes,
    OS reasons and paths: never a message that could quote a note."""
    from extractor.errors import BatchError

    resume = "; finished patients are kept: rerun with --resume once it is fixed"
    if isinstance(exc, BatchError):
        return str(exc)
    if isinstance(exc, OSError):
        where = printable(str(exc.filename)) if exc.filename else out
        reason = exc.strerror or type(exc).__name__
        if exc.errno == errno.ENOSPC:
            return f"{where}: no space left on the device{resume}"
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"{where}: cannot write there ({reason}); choose another --out"
        if exc.errno == errno.ENOTDIR:
            return f"{where}: not a folder ({reason})"
        return f"{where}: {reason}{resume}"
    if isinstance(exc, sqlite3.Error):  # the work folder's databases: disk full, read-only, I/O error
        text = str(exc)
        known = ("database or disk is full", "attempt to write a readonly database", "disk I/O error",
                 "unable to open database file", "database is locked")
        reason = text if text in known else type(exc).__name__
        return f"{out}/.extractor-work: {reason}{resume}"
    return (f"stopped by an internal error ({type(exc).__name__}); nothing was written as finished. "
            "Run again with --debug for the traceback, and report it")


__all__ = ["BATCH_EXAMPLES", "batch_cli", "failure_line"]
