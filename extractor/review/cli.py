"""``extractor review``: a thin typer wrapper over ``extractor.review.build.build_review``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _say(message: str) -> None:
    typer.echo(message, err=True)


def review_cli(
    inputs: Annotated[list[Path], typer.Argument(
        help="A batch output folder (records.jsonl, mentions.jsonl, documents.jsonl, manifest.json); "
             "or, with --records, note files, folders, tables or archives (read as extractor batch reads them).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder the pages are written to (and nowhere else).")],
    records: Annotated[Path | None, typer.Option(
        "--records", help="Records to review (JSONL) when INPUT is notes, not a batch folder.")] = None,
    mentions: Annotated[Path | None, typer.Option(
        "--mentions", help="Mentions (JSONL) of those records, marked in the notes (with --records).")] = None,
    notes: Annotated[list[Path] | None, typer.Option(
        "--notes", help="The notes of a batch folder, when the inputs its manifest names have moved "
                        "(default: re-read them from where the run read them).")] = None,
    gold: Annotated[Path | None, typer.Option(
        "--gold", help="Gold records (JSONL): each field that differs is marked, as extractor evaluate counts it.")] = None,
    criteria: Annotated[Path | None, typer.Option(
        "--criteria", help="Cohort definition (JSON) for the index's status (default: the source series').")] = None,
    fmt: Annotated[str, typer.Option("--format", help="How to read the notes (as for batch; default: the run's).")] = "auto",
    patient_col: Annotated[str | None, typer.Option("--patient-col", help="Patient id column of a table.")] = None,
    doc_col: Annotated[str | None, typer.Option("--doc-col", help="Document id column of a table.")] = None,
    date_col: Annotated[str | None, typer.Option("--date-col", help="Note date column of a table.")] = None,
    type_col: Annotated[str | None, typer.Option("--type-col", help="Note type column of a table.")] = None,
    text_col: Annotated[str | None, typer.Option("--text-col", help="Note text column of a table.")] = None,
) -> None:
    """Write review pages: every record beside its notes, evidence highlighted, corrections exportable as gold.

    The pages hold patient text: they are written only into --out. Open OUT/index.html in a browser
    (offline; nothing is loaded from the network).
    """
    from extractor.errors import ExtractorError
    from extractor.review.build import build_review, sources_for_batch_folder, sources_for_notes

    if str(out) == "-":
        _say("extractor review: --out must name a folder")
        raise typer.Exit(code=2)
    columns = {"patient": patient_col, "doc": doc_col, "date": date_col, "note_type": type_col, "text": text_col}
    try:
        if records is not None:
            sources = sources_for_notes([*inputs, *(notes or [])], records, mentions=mentions, fmt=fmt,
                                        columns=columns)
        elif len(inputs) == 1 and inputs[0].is_dir():
            sources = sources_for_batch_folder(inputs[0], notes=notes or (), fmt=fmt, columns=columns)
        else:
            _say("extractor review: INPUT is one batch output folder, or notes with --records FILE")
            raise typer.Exit(code=2)
        result = build_review(sources, out, gold_file=gold, criteria_file=criteria)
    except ExtractorError as exc:
        _say(f"extractor review: {exc}")
        raise typer.Exit(code=2) from None
    for line in result.problems:
        _say(line)
    _say(f"extractor review: {result.patients} patients, {result.notes} notes, {result.mentions} mentions; "
         f"{result.seconds:.1f} s. The pages contain patient text.")
    typer.echo(f"review:   {result.index}")
    if result.problems:
        raise typer.Exit(code=1)
