"""``extractor batch``: a thin typer wrapper over ``extractor.batch.run.run_batch``."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from extractor.batch.config import DEFAULT_PIPELINE, BatchOptions, Columns, Engine, InputFormat, Limits
from extractor.notes import printable


def _say(message: str) -> None:
    typer.echo(message, err=True)


def batch_cli(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="Folders of .txt notes, JSONL/CSV/Parquet files, zip or tar(.gz) archives."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    fmt: Annotated[
        InputFormat, typer.Option("--format", help="How to read the inputs (auto: from each name, then its first bytes).")
    ] = InputFormat.auto,
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
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes (0 = the machine's cores).")] = 0,
    engine: Annotated[Engine, typer.Option("--engine", help="Our own worker processes, or Apache Spark.")] = Engine.local,
    master: Annotated[
        str | None, typer.Option("--master", help="Spark master URL (default local[*]).")
    ] = None,
    parquet: Annotated[bool, typer.Option("--parquet", help="Also write the tables as Parquet.")] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run in the same --out (skips finished patients).")
    ] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the outputs of a previous run.")] = False,
    note_timeout: Annotated[
        float, typer.Option("--note-timeout", help="Seconds one note may take before its worker is stopped.")
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
    pipeline: Annotated[
        str, typer.Option("--pipeline", hidden=True, help="module:function building the pipeline.")
    ] = DEFAULT_PIPELINE,
) -> None:
    """Run the pipeline over note archives: one cohort record per patient, every note accounted for."""
    from extractor.batch.run import run_batch

    missing = [path for path in inputs if not path.exists()]
    if len(missing) == len(inputs):  # a typo, not an archive with a bad entry: say so, run nothing
        for path in missing:
            _say(f"extractor batch: {printable(str(path))}: no such file or folder")
        raise typer.Exit(code=2)
    options = BatchOptions(
        fmt=fmt.value,
        columns=Columns(patient=patient_col, doc=doc_col, date=date_col, note_type=type_col, text=text_col),
        limits=Limits(max_note_bytes=int(max_note_mb * 1024 * 1024),
                      max_archive_bytes=int(max_archive_gb * 1024**3), max_ratio=max_ratio),
        workers=workers,
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
        summary = run_batch(inputs, out, options)
    except KeyboardInterrupt:
        _say(f"extractor batch: interrupted; finished patients are kept in {shown}. "
             "Run the same command with --resume to continue.")
        raise typer.Exit(code=130) from None
    except Exception as exc:
        if debug:
            raise
        message, code = failure_line(exc, shown)
        _say(f"extractor batch: {message}")
        raise typer.Exit(code=code) from None
    counts = summary.counts
    _say(
        f"extractor batch: {summary.patients} patients, {counts.notes_read} notes read = "
        f"{counts.notes_processed} processed + {counts.notes_failed} failed "
        f"({counts.notes_empty} empty, {counts.notes_duplicate} duplicate); "
        f"{summary.error_rows} error rows; {summary.seconds:.1f} s"
        + (f"; {summary.patients_resumed} patients kept from the interrupted run" if summary.patients_resumed else "")
    )
    typer.echo(f"records:  {shown}/records.jsonl")
    typer.echo(f"cohort:   {shown}/cohort.csv")
    typer.echo(f"database: {shown}/cohort.sqlite")
    typer.echo(f"errors:   {shown}/errors.jsonl")
    typer.echo(f"manifest: {shown}/manifest.json")


def failure_line(exc: BaseException, out: str) -> tuple[str, int]:
    """One line and the exit code for a run that stopped: 2 for what the user or the machine can
    fix (bad folder, folder in use, read-only, disk full), 1 for a fault of ours. Only error
    classes, OS reasons and paths: never a message that could quote a note."""
    from extractor.errors import BatchError

    resume = "; finished patients are kept: rerun with --resume once it is fixed"
    if isinstance(exc, BatchError):
        return str(exc), 2
    if isinstance(exc, OSError):
        where = printable(str(exc.filename)) if exc.filename else out
        reason = exc.strerror or type(exc).__name__
        if exc.errno == errno.ENOSPC:
            return f"{where}: no space left on the device{resume}", 2
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"{where}: cannot write there ({reason}); choose another --out", 2
        if exc.errno == errno.ENOTDIR:
            return f"{where}: not a folder ({reason})", 2
        return f"{where}: {reason}{resume}", 2
    if isinstance(exc, sqlite3.Error):  # the work folder's databases: disk full, read-only, I/O error
        text = str(exc)
        known = ("database or disk is full", "attempt to write a readonly database", "disk I/O error",
                 "unable to open database file", "database is locked")
        reason = text if text in known else type(exc).__name__
        return f"{out}/.extractor-work: {reason}{resume}", 2
    return (f"stopped by an internal error ({type(exc).__name__}); nothing was written as finished. "
            "Run again with --debug for the traceback, and report it"), 1


__all__ = ["batch_cli", "failure_line"]
