"""``extractor batch``: a thin typer wrapper over ``extractor.batch.run.run_batch``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from extractor.batch.config import DEFAULT_PIPELINE, BatchOptions, Columns, Engine, InputFormat, Limits


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
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress line (default: when on a terminal).")
    ] = None,
    pipeline: Annotated[
        str, typer.Option("--pipeline", hidden=True, help="module:function building the pipeline.")
    ] = DEFAULT_PIPELINE,
) -> None:
    """Run the pipeline over note archives: one cohort record per patient, every note accounted for."""
    from extractor.batch.run import run_batch
    from extractor.errors import BatchError

    missing = [path for path in inputs if not path.exists()]
    if len(missing) == len(inputs):  # a typo, not an archive with a bad entry: say so, run nothing
        for path in missing:
            _say(f"extractor batch: {path}: no such file or folder")
        raise typer.Exit(code=2)
    options = BatchOptions(
        fmt=fmt.value,
        columns=Columns(patient=patient_col, doc=doc_col, date=date_col, note_type=type_col, text=text_col),
        limits=Limits(max_note_bytes=int(max_note_mb * 1024 * 1024),
                      max_archive_bytes=int(max_archive_gb * 1024**3)),
        workers=workers,
        engine=engine.value,
        master=master,
        parquet=parquet,
        resume=resume,
        overwrite=overwrite,
        note_timeout=note_timeout,
        pipeline=pipeline,
        progress=progress,
    )
    try:
        summary = run_batch(inputs, out, options)
    except BatchError as exc:
        _say(f"extractor batch: {exc}")
        raise typer.Exit(code=2) from None
    except KeyboardInterrupt:
        _say(f"extractor batch: interrupted; finished patients are kept in {out}. "
             "Run the same command with --resume to continue.")
        raise typer.Exit(code=130) from None
    counts = summary.counts
    _say(
        f"extractor batch: {summary.patients} patients, {counts.notes_read} notes read = "
        f"{counts.notes_processed} processed + {counts.notes_failed} failed "
        f"({counts.notes_empty} empty, {counts.notes_duplicate} duplicate); "
        f"{summary.error_rows} error rows; {summary.seconds:.1f} s"
        + (f"; {summary.patients_resumed} patients kept from the interrupted run" if summary.patients_resumed else "")
    )
    typer.echo(f"records:  {out / 'records.jsonl'}")
    typer.echo(f"cohort:   {out / 'cohort.csv'}")
    typer.echo(f"database: {out / 'cohort.sqlite'}")
    typer.echo(f"errors:   {out / 'errors.jsonl'}")
    typer.echo(f"manifest: {out / 'manifest.json'}")


__all__ = ["batch_cli"]
