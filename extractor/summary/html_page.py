"""The summary as one offline HTML page: Table 1, the Results paragraph, the
completeness heat map and the cohort definition with each patient's status.

Self-contained: inline CSS, the heat map as a ``data:`` PNG, no script, no
external URL; a Content-Security-Policy forbids loading anything else. Every
value that comes from the records (and so from notes) is HTML-escaped.
"""

from __future__ import annotations

import base64
from html import escape
from collections.abc import Callable
from typing import Any

from extractor.summary.criteria import CohortDefinition, CriterionResult, Eligibility
from extractor.summary.table1 import Table1

HTML_PATIENT_ROWS = 500
"""Eligibility rows shown in the page at most (eligibility.csv holds every patient)."""

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212529; margin: 0; }
main { margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.meta, .legend, .note { color: #495057; font-size: 13px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 3px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid #e9ecef; }
thead th { border-bottom: 2px solid #212529; border-top: 2px solid #212529; white-space: nowrap; }
tbody tr:last-child th, tbody tr:last-child td { border-bottom: 2px solid #212529; }
th[scope=row] { font-weight: normal; min-width: 12em; }
table.table1 { font-size: 13px; }
tr.section th { font-weight: 600; background: #f1f3f5; }
td { max-width: 11em; }
td.figure { background: #f8f9fa; min-width: 16em; max-width: 28em; }
.status { font-weight: 600; white-space: nowrap; }
.meets { color: #2b8a3e; } .does_not_meet { color: #c92a2a; } .unknown { color: #e67700; }
.because { color: #495057; font-size: 12px; }
img.heatmap { image-rendering: pixelated; max-width: 100%; height: auto; border: 1px solid #dee2e6; }
"""


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def _table1(table: Table1) -> str:
    ids = list(table.patient_ids) if table.per_patient_columns else []
    width = len(ids) + 2
    head = "".join(f'<th scope="col">{_e(pid)}</th>' for pid in ids)
    rows = []
    for section in table.sections:
        shown = [r for r in section.rows if r.has_data]
        if not shown:
            continue
        if section.heading:
            rows.append(f'<tr class="section"><th colspan="{width}">{_e(section.heading)}</th></tr>')
        for row in shown:
            cells = "".join(f"<td>{_e(c)}</td>" for c in row.cells) if table.per_patient_columns else ""
            rows.append(f'<tr data-field="{_e(row.field)}"><th scope="row">{_e(row.label)}</th>{cells}'
                        f'<td class="figure">{_e(row.figure)}</td></tr>')
    notes = []
    if not table.per_patient_columns:
        notes.append(f"Per-patient values of the {len(table.patient_ids)} patients are in table1.csv.")
    notes += list(table.legend)
    if table.empty_rows:
        notes.append("Not stated for any patient: " + ", ".join(table.empty_rows) + ".")
    legend = "".join(f'<p class="legend">{_e(n)}</p>' for n in notes)
    return (f'<section id="table1"><h2>{_e(table.title)}</h2><div class="scroll"><table class="table1">'
            f'<thead><tr><th></th>{head}<th scope="col">{_e(table.figure_header)}</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>{legend}</section>')


Describe = Callable[[str, dict[str, Any]], tuple[str, str]]
"""(field, record) -> (its row label, its value as Table 1 writes it)."""


def _reason(item: CriterionResult, record: dict[str, Any], describe: Describe) -> str:
    """A criterion's status for one patient, its deciding values and a quote of the first span of each."""
    lines = []
    if item.status == "unknown":
        if item.criterion.unknown_means:
            lines.append(item.criterion.unknown_means)
        if item.missing:
            lines.append("not stated: " + ", ".join(describe(f, record)[0] for f in item.missing))
    for field in item.fields:
        label, value = describe(field, record)
        lines.append(f"{label}: {value}")
    if item.not_stated:
        lines.append("not stated: " + ", ".join(describe(f, record)[0] for f in item.not_stated))
    for evidence in item.evidence:
        for span in evidence["spans"][:1]:
            if span.get("text"):
                lines.append(f"{span['doc_id']}: \u201c{span['text']}\u201d")
    return "".join(f"<br>{_e(line)}" if i else _e(line) for i, line in enumerate(lines))


def _eligibility(definition: CohortDefinition, judged: list[tuple[dict[str, Any], Eligibility]],
                 describe: Describe) -> str:
    counts = {s: sum(1 for _, e in judged if e.status == s) for s in ("meets", "does_not_meet", "unknown")}
    criteria = "".join(f"<li><strong>{_e(c.id)}</strong>: {_e(c.label)}</li>" for c in definition.criteria)
    head = "".join(f'<th scope="col">{_e(c.id)}</th>' for c in definition.criteria)
    rows = []
    for record, result in judged[:HTML_PATIENT_ROWS]:
        cells = [
            f'<td><span class="status {item.status}">{_e(item.status.replace("_", " "))}</span>'
            f'<div class="because">{_reason(item, record, describe)}</div></td>'
            for item in result.results
        ]
        status = f'<td class="status {result.status}">{_e(result.status.replace("_", " "))}</td>'
        rows.append(f'<tr><th scope="row">{_e(result.patient_id)}</th>{status}{"".join(cells)}</tr>')
    more = len(judged) - HTML_PATIENT_ROWS
    tail = f'<p class="note">{more} more patients are in eligibility.csv.</p>' if more > 0 else ""
    source = f'<p class="note">{_e(definition.source)}</p>' if definition.source else ""
    return (f'<section id="eligibility"><h2>Cohort definition: {_e(definition.name)}</h2>{source}'
            f"<ol>{criteria}</ol>"
            f'<p>Meets: {counts["meets"]}; does not meet: {counts["does_not_meet"]}; unknown: {counts["unknown"]} '
            f"(of {len(judged)} patients).</p>"
            f'<div class="scroll"><table class="eligibility"><thead><tr><th scope="col">patient</th>'
            f'<th scope="col">status</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>{tail}'
            f"</section>")


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def summary_page(*, title: str, meta: str, table: Table1, paragraph: str, heatmap: bytes,
                 heatmap_note: str, definition: CohortDefinition,
                 judged: list[tuple[dict[str, Any], Eligibility]], describe: Describe) -> str:
    image = base64.b64encode(heatmap).decode("ascii")
    width, height = _png_size(heatmap)
    scale = 2 if width <= 700 else 1  # pixel font: show small maps at twice their size
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" "
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>"
        f'<h1>{_e(title)}</h1><p class="meta">{_e(meta)}</p>'
        f"{_table1(table)}"
        f'<section id="results"><h2>Results</h2><p class="results">{_e(paragraph)}</p></section>'
        f'<section id="completeness"><h2>Record completeness</h2><p class="note">{_e(heatmap_note)}</p>'
        f'<img class="heatmap" id="heatmap" alt="Heat map of filled fields, patients by fields" '
        f'width="{width * scale}" height="{height * scale}" src="data:image/png;base64,{image}"></section>'
        f"{_eligibility(definition, judged, describe)}"
        "</main></body></html>\n"
    )
