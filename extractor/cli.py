"""The ``extractor`` command: thin typer wrappers over plain functions.

Heavy imports (spaCy, medspaCy) happen inside the commands so ``--help`` is fast.
Messages name files and reasons, never note text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from extractor.batch.cli import batch_cli
from extractor.evaluate import evaluate_cli
from extractor.review.cli import review_cli
from extractor.summary.cli import summarize_cli

app = typer.Typer(
    name="extractor",
    help="Fill glucagonoma / pNET cohort records from clinical and pathology notes.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _say(message: str) -> None:
    typer.echo(message, err=True)


def read_cli_notes(paths: list[str], patient_id: str | None) -> tuple[list, list[str]]:
    """Read note files (``-`` = standard input); return (notes, problem lines)."""
    from extractor.errors import InputError
    from extractor.notes import note_from_bytes, read_note_file

    notes = []
    problems: list[str] = []
    for index, raw in enumerate(paths):
        try:
            if raw == "-":
                note = note_from_bytes(
                    sys.stdin.buffer.read(),
                    source="<stdin>",
                    patient_id=patient_id or "stdin",
                    doc_id=f"stdin-{index + 1}" if len(paths) > 1 else "stdin",
                )
            else:
                note = read_note_file(Path(raw), patient_id=patient_id)
        except InputError as exc:
            problems.append(f"{exc.source}: {exc.reason}")
            continue
        if note.decoded_with and note.decoded_with != "utf-16":
            problems.append(
                f"{note.source}: not valid UTF-8; decoded as {note.decoded_with} (processed, flagged)"
            )
        if not note.text.strip():
            problems.append(f"{note.source}: empty note (nothing to extract)")
        notes.append(note)
    return notes, problems


@app.command("extract")
def extract_cli(
    notes: Annotated[
        list[str], typer.Argument(help="Note files of ONE patient ('-' reads standard input).")
    ],
    patient_id: Annotated[
        str | None, typer.Option("--patient-id", help="Patient id (default: from the file names).")
    ] = None,
    mentions: Annotated[
        bool, typer.Option("--mentions", help="Also print a table of mentions and their context flags.")
    ] = False,
    compact: Annotated[bool, typer.Option("--compact", help="One-line JSON.")] = False,
) -> None:
    """Extract one patient's cohort record from their notes and print it as JSON."""
    inputs, problems = read_cli_notes(notes, patient_id)
    for line in problems:
        _say(line)
    if not inputs:
        _say("extractor: nothing could be read; no record written")
        raise typer.Exit(code=2)
    patient_ids = sorted({n.patient_id for n in inputs})
    chosen = patient_id or inputs[0].patient_id
    if len(patient_ids) > 1 and patient_id is None:
        _say(f"extractor: notes name several patients ({', '.join(patient_ids)}); treated as one: {chosen}")

    from extractor.core import process_patient
    from extractor.pipeline import load_pipeline

    nlp = load_pipeline()
    result = process_patient(nlp, chosen, inputs)
    for row in result.errors:
        if row.fatal:
            _say(f"{row.source}: {row.reason}")
    if mentions:
        typer.echo(format_mentions(result.mentions))
        typer.echo("")
    typer.echo(result.record.model_dump_json(indent=None if compact else 2))
    if result.notes_processed == 0:
        raise typer.Exit(code=2)


def format_mentions(mentions: list) -> str:
    """A fixed-width table of mentions with their ConText flags and sections."""
    header = ("doc", "span", "label", "value", "flags", "section", "text")
    rows = [header]
    for m in mentions:
        flags = ",".join(k for k, v in m.assertion.model_dump().items() if v) or "-"
        value = json.dumps(m.value, ensure_ascii=False, sort_keys=True) if m.value is not None else "-"
        text = " ".join(m.text.split())
        rows.append((m.doc_id, f"{m.start}-{m.end}", m.label, value, flags, m.section or "-", text))
    widths = [min(max(len(r[i]) for r in rows), 40) for i in range(len(header) - 1)]
    lines = []
    for r in rows:
        cells = [c if len(c) <= w else c[: w - 1] + "…" for c, w in zip(r[:-1], widths, strict=True)]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + r[-1])
    return "\n".join(lines)


@app.command("schema")
def schema_cli() -> None:
    """Print the JSON Schema of the cohort record (generated from the pydantic models)."""
    from extractor.schema import record_json_schema

    typer.echo(json.dumps(record_json_schema(), indent=2, sort_keys=True))


@app.command("audit")
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

    Examples:
      extractor audit ../shared/data/mtsamples/mtsamples.csv --patient-col note_id --doc-col note_id --text-col transcription --out audit-mtsamples.md
      extractor audit ../shared/data/tcga-pathology-reports/tcga_pathology_reports_subset.csv --patient-col report_id --doc-col report_id --text-col ocr_text --exclude-ids ../shared/eval/reserved.md --out audit-tcga.json
    """
    from extractor.audit import audit_notes, read_exclusions, write_report
    from extractor.batch.config import BatchOptions, Columns
    from extractor.batch.readers import Problem, read_inputs
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
            yield item

    report = audit_notes(load_pipeline(), notes(), exclude=exclude)
    if report.notes == 0:
        _say("extractor audit: no note was read (for a table, name its columns with --patient-col/--text-col)")
        raise typer.Exit(code=2)
    write_report(report, out, top=top)
    _say(f"extractor audit: {report.notes} notes ({report.excluded} excluded, {problems} unreadable); report: {out}")


app.command("evaluate")(evaluate_cli)
app.command("batch")(batch_cli)
app.command("summarize")(summarize_cli)
app.command("review")(review_cli)


def main() -> None:
    """Console-script entry point."""
    app()
