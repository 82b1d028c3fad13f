"""``extractor summarize``: a thin typer wrapper over ``extractor.summary.summarize``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def _say(message: str) -> None:
    typer.echo(message, err=True)


def summarize_cli(
    records: Annotated[Path, typer.Argument(help="Cohort records, one JSON object a line (records.jsonl).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default: 'summary' beside the records file).")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures (summary.json) to this file.")
    ] = None,
    criteria: Annotated[
        Path | None, typer.Option("--criteria", help="Cohort definition as JSON (default: the source series').")
    ] = None,
    eligible_only: Annotated[
        bool, typer.Option("--eligible-only", help="Figures over the patients who meet the cohort definition only.")
    ] = False,
) -> None:
    """Table 1, the cohort figures, the Results paragraph, record completeness and eligibility from records."""
    from extractor.summary.criteria import CriteriaError, load_criteria
    from extractor.summary.summarize import SummaryError, read_records, summarize, write_summary

    try:
        definition = load_criteria(criteria)
    except CriteriaError as exc:
        for line in str(exc).splitlines():
            _say(f"extractor summarize: {line}")
        raise typer.Exit(code=2) from None
    try:
        read = read_records(records)
    except SummaryError as exc:
        _say(f"extractor summarize: {exc}")
        raise typer.Exit(code=2) from None
    for line in read.problems:
        _say(line)
    if not read.records:
        _say(f"extractor summarize: {records}: no readable record; nothing written")
        raise typer.Exit(code=2)
    summary = summarize(read.records, definition=definition, eligible_only=eligible_only)
    target = out if out is not None else records.parent / "summary"
    try:
        written = write_summary(summary, target, source=str(records), sha256=read.sha256, problems=read.problems,
                                json_file=json_file)
    except OSError as exc:
        _say(f"extractor summarize: cannot write the summary to {target}: {exc.strerror or exc.__class__.__name__}")
        raise typer.Exit(code=2) from None
    status = {s: sum(1 for e in summary.eligibility if e.status == s) for s in ("meets", "does_not_meet", "unknown")}
    _say(
        f"extractor summarize: {len(read.records)} records read, {len(read.problems)} left out; "
        f"cohort definition: {status['meets']} meet, {status['does_not_meet']} do not, {status['unknown']} unknown; "
        f"figures over {len(summary.population)} patients" + (" (eligible only)" if eligible_only else "")
    )
    typer.echo(summary.paragraph)
    typer.echo("")
    for name in ("table1.md", "table1.csv", "table1.html", "summary.json"):
        typer.echo(f"{name + ':':<14}{written[name]}")
    if json_file is not None:
        typer.echo(f"{'json:':<14}{json_file}")
    if read.problems:
        raise typer.Exit(code=1)
