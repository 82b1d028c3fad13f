"""Table 1 as a paper prints it: rows in the paper's order, one column per patient,
the cohort figure last; written as Markdown, CSV and (in the report page) HTML.

Beyond ``max_patient_columns`` patients the Markdown and HTML tables keep the
row labels and the cohort column; the per-patient columns go to the CSV only.
Rows no patient has a value for are left out of the Markdown and HTML tables
and named under them; the CSV keeps every row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from extractor.summary.catalogue import is_known
from extractor.summary.layout import SummaryLayout
from extractor.summary.reading import cell_text, figure_text


@dataclass(frozen=True)
class TableRow:
    field: str
    label: str
    cells: tuple[str, ...]
    figure: str
    has_data: bool


@dataclass(frozen=True)
class TableSection:
    heading: str | None
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class Table1:
    title: str
    patient_ids: tuple[str, ...]
    sections: tuple[TableSection, ...]
    legend: tuple[str, ...]
    per_patient_columns: bool
    empty_rows: tuple[str, ...] = field(default=())

    @property
    def figure_header(self) -> str:
        return f"Cohort (n={len(self.patient_ids)})"


def build_table1(layout: SummaryLayout, records: Sequence[dict[str, Any]],
                 figures: dict[str, dict[str, Any]]) -> Table1:
    sections = []
    for section in layout.sections:
        rows = []
        for row in section.rows:
            fields = [row.field, *(a.field for a in row.also)]
            rows.append(TableRow(
                field=row.field,
                label=row.label,
                cells=tuple(cell_text(layout, row, r) for r in records),
                figure=figure_text(layout, row, figures, len(records)),
                has_data=any(is_known(r, f) for r in records for f in fields),
            ))
        sections.append(TableSection(section.heading, tuple(rows)))
    empty = tuple(r.label for s in sections for r in s.rows if not r.has_data)
    return Table1(
        title=layout.title,
        patient_ids=tuple(str(r.get("patient_id")) for r in records),
        sections=tuple(sections),
        legend=tuple(layout.legend),
        per_patient_columns=len(records) <= layout.max_patient_columns,
        empty_rows=empty,
    )


# --------------------------------------------------------------------------- Markdown

_MARKDOWN_SPECIAL = str.maketrans({
    "\\": "\\\\", "|": "\\|", "*": "\\*", "_": "\\_", "`": "\\`", "[": "\\[", "]": "\\]",
    "<": "&lt;", "&": "&amp;", "\n": " ", "\r": " ", "\t": " ",
})


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell: no column break, no markup, no HTML."""
    return text.translate(_MARKDOWN_SPECIAL)


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(md_escape(c) if c else " " for c in cells) + " |"


def table1_markdown(table: Table1, csv_name: str = "table1.csv") -> str:
    ids = list(table.patient_ids) if table.per_patient_columns else []
    header = ["", *ids, table.figure_header]
    lines = [f"# {md_escape(table.title)}", "", _md_row(header), "| " + " | ".join(["---"] * len(header)) + " |"]
    for section in table.sections:
        rows = [r for r in section.rows if r.has_data]
        if not rows:
            continue
        if section.heading:
            lines.append("| " + " | ".join([f"**{md_escape(section.heading)}**", *[" "] * (len(header) - 1)]) + " |")
        for row in rows:
            cells = list(row.cells) if table.per_patient_columns else []
            lines.append(_md_row([row.label, *cells, row.figure]))
    notes = [md_escape(text) for text in table.legend]
    if not table.per_patient_columns:
        notes.insert(0, f"Per-patient values of the {len(table.patient_ids)} patients: `{csv_name}`.")
    if table.empty_rows:
        notes.append("Not stated for any patient: " + md_escape(", ".join(table.empty_rows)) + ".")
    for note in notes:  # each its own paragraph, after a blank line that ends the table
        lines += ["", note]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula sign gets a quote, except a
    lone sign (``+`` / ``-`` stains) or a number."""
    if len(text) > 1 and text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def table1_csv(table: Table1) -> str:
    """Every row and every patient, whatever the cohort's size."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["", *map(csv_safe, table.patient_ids), table.figure_header])
    for section in table.sections:
        if section.heading:
            writer.writerow([section.heading, *[""] * (len(table.patient_ids) + 1)])
        for row in section.rows:
            writer.writerow([csv_safe(row.label), *map(csv_safe, row.cells), csv_safe(row.figure)])
    return buffer.getvalue()
