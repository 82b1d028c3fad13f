"""The completeness heat map: a valid PNG, the same bytes for the same records, filled cells dark."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from extractor.summary.completeness import EMPTY, FILLED, LABELLED_ROWS, MAX_ROWS, completeness, heatmap_png
from extractor.summary.png import Canvas


def record(patient_id: str, **values: Any) -> dict[str, Any]:
    from extractor.schema import CohortRecord

    return CohortRecord(patient_id=patient_id, **values).model_dump(mode="json")


def decode(png: bytes) -> tuple[int, int, list[bytes]]:
    """Check the signature and every chunk's CRC, inflate the pixels (RGB, filter 0), return rows."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(png):
        (length,) = struct.unpack(">I", png[position:position + 4])
        kind, data = png[position + 4:position + 8], png[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + data) == crc, kind
        chunks[kind] = chunks.get(kind, b"") + data
        position += 12 + length
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (8, 2) and set(chunks) == {b"IHDR", b"IDAT", b"IEND"}
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + 3 * width
    assert len(raw) == stride * height
    rows = [raw[i * stride:(i + 1) * stride] for i in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, [row[1:] for row in rows]


def pixel(rows: list[bytes], x: int, y: int) -> tuple[int, ...]:
    return tuple(rows[y][3 * x:3 * x + 3])


def test_a_canvas_is_written_as_a_valid_png() -> None:
    canvas = Canvas(5, 3)
    canvas.fill(1, 1, 2, 1, (10, 20, 30))
    width, height, rows = decode(canvas.png())
    assert (width, height) == (5, 3)
    assert pixel(rows, 1, 1) == (10, 20, 30) and pixel(rows, 0, 0) == (255, 255, 255)


def test_the_heat_map_marks_filled_fields_dark_and_is_deterministic() -> None:
    records = [record("P01", sex="female", ki67_percent=8), record("P02")]
    data = completeness(records)
    assert data.patient_counts() == [2, 0]
    png = heatmap_png(data)
    assert png == heatmap_png(completeness(records))
    width, height, rows = decode(png)
    colours = {pixel(rows, x, y) for y in range(height) for x in range(width)}
    assert FILLED in colours and EMPTY in colours


def test_completeness_follows_the_scorers_nothing() -> None:
    data = completeness([record("a", metastasis_sites=[], surgery=[], serum_markers={"nse": {"status": None}})])
    filled = dict(zip(data.fields, data.filled[0], strict=True))
    assert filled["metastasis_sites"] is True  # [] states "no metastasis"
    assert filled["surgery"] is False and filled["serum_markers.nse"] is False


def test_a_large_cohort_is_shaded_by_runs_of_patients() -> None:
    records = [record(f"P{i}", sex="female" if i % 2 else None) for i in range(MAX_ROWS * 3)]
    width, height, rows = decode(heatmap_png(completeness(records)))
    assert height < MAX_ROWS + 400  # labels, totals and legend around at most MAX_ROWS rows
    half = tuple(round(e + (f - e) * 0.5) for e, f in zip(EMPTY, FILLED, strict=True))
    # the totals row: half the patients state their sex
    assert half in {pixel(rows, x, y) for y in range(height) for x in range(width)}


def test_the_completeness_grid_as_csv() -> None:
    text = completeness([record("=cmd", sex="male")]).csv()
    header, row = text.splitlines()
    assert header.startswith("patient_id,sex,age_at_diagnosis,") and header.endswith(",filled,percent")
    assert row.startswith("'=cmd,1,0,")
