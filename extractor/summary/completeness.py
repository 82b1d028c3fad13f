"""Record completeness against the schema: per field, how many patients have it;
per patient, the share of fields filled; drawn as a patients x fields heat map.

"Filled" is the scorer's "holds something": not null, not an all-null object and,
except for ``metastasis_sites`` (where ``[]`` says "no metastasis"), not ``[]``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from extractor.summary.catalogue import SUMMARY_FIELDS, is_filled
from extractor.summary.figures import percent
from extractor.summary.png import ADVANCE, GLYPH_HEIGHT, Canvas, Color, text_width

FILLED: Color = (33, 102, 172)
EMPTY: Color = (228, 231, 236)
INK: Color = (33, 37, 41)
LABELLED_ROWS = 120
"""Up to this many patients each gets a labelled row of 10-pixel cells."""
MAX_ROWS = 1200
"""Image rows at most; beyond, each row stands for a run of patients, shaded by their share filled."""


@dataclass(frozen=True)
class Completeness:
    patient_ids: tuple[str, ...]
    fields: tuple[str, ...]
    filled: tuple[tuple[bool, ...], ...]  # per patient, per field

    def field_counts(self) -> list[int]:
        return [sum(row[j] for row in self.filled) for j in range(len(self.fields))]

    def patient_counts(self) -> list[int]:
        return [sum(row) for row in self.filled]

    def as_json(self) -> dict[str, Any]:
        n, k = len(self.patient_ids), len(self.fields)
        return {
            "fields_per_record": k,
            "fields": {f: {"filled": c, "percent": percent(c, n)} for f, c in zip(self.fields, self.field_counts(),
                                                                                strict=True)},
            "patients": {p: {"filled": c, "percent": percent(c, k)}
                         for p, c in zip(self.patient_ids, self.patient_counts(), strict=True)},
        }

    def csv(self) -> str:
        """One row a patient: 1/0 per field, then the count and percent filled."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["patient_id", *self.fields, "filled", "percent"])
        for pid, row, count in zip(self.patient_ids, self.filled, self.patient_counts(), strict=True):
            safe_id = "'" + pid if pid[:1] in ("=", "+", "-", "@") else pid
            writer.writerow([safe_id, *(int(v) for v in row), count, percent(count, len(self.fields))])
        return buffer.getvalue()


def completeness(records: Sequence[dict[str, Any]], fields: Sequence[str] = SUMMARY_FIELDS) -> Completeness:
    return Completeness(
        patient_ids=tuple(str(r.get("patient_id")) for r in records),
        fields=tuple(fields),
        filled=tuple(tuple(is_filled(r, f) for f in fields) for r in records),
    )


def _shade(share: float) -> Color:
    return tuple(round(e + (f - e) * share) for e, f in zip(EMPTY, FILLED, strict=True))  # type: ignore[return-value]


def heatmap_png(data: Completeness) -> bytes:
    """Patients down, fields across; a filled cell is dark. Labelled up to LABELLED_ROWS patients;
    beyond MAX_ROWS patients each image row shades a run of patients by the share filled."""
    n, k = len(data.patient_ids), len(data.fields)
    column = 11  # 10-pixel cell and a 1-pixel gap: room for a turned label of 7 pixels
    labelled = n <= LABELLED_ROWS
    per_row = max(1, math.ceil(n / MAX_ROWS))
    bands = math.ceil(n / per_row) if n else 0
    pitch = 11 if labelled else max(1, min(4, MAX_ROWS // max(bands, 1)))
    cell = pitch - 1 if pitch >= 4 else pitch
    margin = 8
    title = f"COMPLETENESS: {n} PATIENTS X {k} FIELDS" + (f" (EACH ROW: {per_row} PATIENTS)" if per_row > 1 else "")
    label_w = (text_width(max((p[:14] for p in data.patient_ids), key=len, default="")) + 6) if labelled else 0
    label_w = max(label_w, text_width("ALL") + 6)
    top_labels = max((len(f) for f in data.fields), default=0) * ADVANCE
    grid_x = margin + label_w
    grid_y = margin + GLYPH_HEIGHT + 8 + top_labels + 4
    grid_w, grid_h = k * column, bands * pitch
    right_w = text_width("100%") + 8
    width = max(grid_x + grid_w + right_w + margin, margin + text_width(title) + margin,
                margin + 2 * 14 + text_width("FILLED  NOT STATED") + 8 + margin)
    height = grid_y + grid_h + 6 + column + 12 + GLYPH_HEIGHT + margin
    canvas = Canvas(width, height)
    canvas.text(margin, margin, title, INK)
    for j, name in enumerate(data.fields):  # turned labels, bottom-aligned on the grid
        canvas.text(grid_x + j * column + 2, grid_y - 4, name, INK, upward=True)
    counts = data.patient_counts()
    for band in range(bands):
        rows = range(band * per_row, min(n, (band + 1) * per_row))
        y = grid_y + band * pitch
        for j in range(k):
            share = sum(data.filled[i][j] for i in rows) / len(rows)
            canvas.fill(grid_x + j * column, y, column - 1, cell, _shade(share))
        if labelled:
            (i,) = rows
            canvas.text(margin, y + (cell - GLYPH_HEIGHT) // 2, data.patient_ids[i][:14], INK)
            canvas.text(grid_x + grid_w + 4, y + (cell - GLYPH_HEIGHT) // 2, f"{round(100 * counts[i] / k)}%", INK)
    totals_y = grid_y + grid_h + 6
    canvas.text(margin, totals_y + 2, "ALL", INK)
    for j, count in enumerate(data.field_counts()):
        canvas.fill(grid_x + j * column, totals_y, column - 1, column - 1, _shade(count / n if n else 0.0))
    legend_y = totals_y + column + 12
    canvas.fill(margin, legend_y, 10, GLYPH_HEIGHT, FILLED)
    canvas.text(margin + 14, legend_y, "FILLED", INK)
    x = margin + 14 + text_width("FILLED") + 12
    canvas.fill(x, legend_y, 10, GLYPH_HEIGHT, EMPTY)
    canvas.text(x + 14, legend_y, "NOT STATED", INK)
    return canvas.png()
