"""Tables of notes: JSON Lines, CSV/TSV and Parquet rows -> notes or problems.

Every data row is one note or one problem row naming ``file:line`` (Parquet:
``file:row``) and the reason. ``row_item`` is the one conversion of a table row into a
note, used by these readers and by the Spark engine alike: ids are checked (an id that
holds control characters, lone surrogates or hundreds of characters is note text in the
wrong column, never an id), text is decoded and sanitised, dates normalised.

CSV records are delimited here, by the csv module's own quoting rules, before the csv
module splits their fields: so a cell larger than the size limit is skipped to its
closing quote (the reader never restarts inside it), and a quote that is never closed
cannot swallow the rest of the file into one note.
"""

from __future__ import annotations

import csv
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from extractor.batch.config import BatchOptions, Columns
from extractor.batch.items import Item, Problem, problem
from extractor.batch.streams import Readable, physical_lines
from extractor.notes import NoteInput, date_of, decode_note, fallback_flags, looks_binary, printable, sanitize_text

ROLES = ("patient", "doc", "date", "note_type", "text")
MAX_ID_CHARS = 256
_ISO_DATE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})")


def resolve_columns(names: Iterable[str], columns: Columns) -> dict[str, str | None]:
    """Role -> actual column name (case-insensitive match of the candidates)."""
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(str(name).lower(), str(name))
    return {role: next((by_lower[c.lower()] for c in columns.candidates(role) if c.lower() in by_lower), None)
            for role in ROLES}


def missing_columns(resolved: dict[str, str | None], columns: Columns, source: str) -> Problem | None:
    """The input-level problem of a table without a patient or a text column."""
    for role, option in (("patient", "--patient-col"), ("text", "--text-col")):
        if resolved[role] is None:
            looked = ", ".join(columns.candidates(role))
            return problem(source, "schema", f"no {role} column (looked for {looked}); name it with {option}",
                           is_note=False)
    return None


def normalise_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` from a date cell (``2150-03-01 00:00:00`` too), else None."""
    if value is None:
        return None
    match = _ISO_DATE.match(str(value))
    return match.group(1) if match else None


def id_value(value: Any) -> tuple[str | None, str]:
    """An id cell as text (strings stripped, integral numbers without '.0'), or None and why not."""
    if isinstance(value, bool) or value is None:
        return None, "missing or not a string/integer"
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN or fractional
            return None, "not a string/integer"
        value = int(value)
    if isinstance(value, int):
        return str(value), ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None, "not a string/integer"
    value = value.strip()
    if not value:
        return None, "empty"
    if len(value) > MAX_ID_CHARS:
        return None, f"longer than {MAX_ID_CHARS} characters (note text in an id column?)"
    if not value.isprintable() or "\ufffd" in value:
        return None, "holds control characters, lone surrogates or replacement characters"
    return value, ""


def row_item(values: dict[str, Any], resolved: dict[str, str | None], *, source: str, default_doc: str,
             decoded_with: str | None = None, max_chars: int | None = None) -> Item:
    """One table row (``resolved``: role -> the column holding it) -> NoteInput or Problem."""
    patient_id, why = id_value(values.get(resolved["patient"] or ""))
    if patient_id is None:
        return problem(source, "schema", f"patient id {why}")
    doc_id = default_doc
    if resolved["doc"]:
        doc_id, why = id_value(values.get(resolved["doc"]))  # type: ignore[assignment]
        if doc_id is None:
            return problem(source, "schema", f"document id {why}", patient_id=patient_id)
    text = values.get(resolved["text"] or "")
    if isinstance(text, bytes | bytearray):
        if looks_binary(bytes(text)):
            return problem(source, "binary", "text cell holds binary data", patient_id=patient_id, doc_id=doc_id)
        text, decoded_with = decode_note(bytes(text))
    if text is None:
        return problem(source, "schema", "text is missing or null", patient_id=patient_id, doc_id=doc_id)
    if not isinstance(text, str):
        return problem(source, "schema", f"text is a {type(text).__name__}, not a string",
                       patient_id=patient_id, doc_id=doc_id)
    if max_chars is not None and len(text) > max_chars:
        return problem(source, "too_large", f"note larger than {max_chars} characters; skipped",
                       patient_id=patient_id, doc_id=doc_id)
    text = sanitize_text(text)
    note_type = values.get(resolved["note_type"]) if resolved["note_type"] else None
    return NoteInput(
        patient_id=patient_id,
        doc_id=doc_id,
        text=text,
        date=(normalise_date(values.get(resolved["date"])) if resolved["date"] else None) or date_of(text),
        note_type=sanitize_text(str(note_type)) if note_type not in (None, "") else None,
        source=source,
        decoded_with=decoded_with,
        flags=fallback_flags(decoded_with),
    )


def table_stem(source: str) -> str:
    """The name default document ids start with (``notes`` for ``dir/notes.jsonl.gz``)."""
    return printable(PurePosixPath(source.replace("\\", "/")).name.split(".")[0]) or "doc"


# --------------------------------------------------------------------------- JSON Lines


def read_jsonl(stream: Readable, source: str, options: BatchOptions, *, codec: str | None = None) -> Iterator[Item]:
    """JSON Lines: one object a line; a bad line is reported by its number, the rest is read.
    ``codec``: how the stream was decoded before (``utf-16``), for lines that need no fallback."""
    stem = table_stem(source)
    cap = options.limits.max_line_bytes
    first = True
    for lineno, raw in physical_lines(stream, cap):
        where = f"{source}:{lineno}"
        if raw is None:
            yield problem(where, "too_large", f"line longer than {cap} bytes; skipped")
            continue
        if not raw.strip():
            continue
        if b"\x00" in raw:
            yield problem(where, "binary", "line holds binary data")
            continue
        text, decoded_with = decode_note(raw)
        if first and text.strip() in ("[", "{"):  # a pretty-printed JSON document: its lines are no rows
            yield problem(source, "malformed", "one JSON document spread over lines, not JSON Lines (one object "
                          "a line); not read", is_note=False)
            return
        first = False
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield problem(where, "malformed", f"not valid JSON (error at column {exc.colno})")
            continue
        except (ValueError, RecursionError) as exc:  # a 5,000-digit number, arrays nested 100,000 deep
            yield problem(where, "malformed", f"not valid JSON ({type(exc).__name__})")
            continue
        if not isinstance(obj, dict):
            yield problem(where, "malformed", f"a JSON {type(obj).__name__}, not an object")
            continue
        resolved = resolve_columns(obj.keys(), options.columns)
        yield row_item(obj, resolved, source=where, default_doc=f"{stem}-L{lineno}",
                       decoded_with=decoded_with or codec, max_chars=options.limits.max_note_bytes)


# --------------------------------------------------------------------------- CSV

_QUOTE = ord('"')
_START, _FIELD, _QUOTED, _QUOTE_IN_QUOTED = range(4)


class QuoteState:
    """Whether a CSV record goes on past a line end, by the csv module's own rules (doubled
    quotes, non-strict): a quote opens a quoted cell only at the start of a field, and a
    lone quote inside one closes it."""

    def __init__(self, delimiter: str) -> None:
        self.delimiter = ord(delimiter)
        self.state = _START

    def feed(self, chunk: bytes) -> None:
        """Advance over ``chunk`` (a line without its line end, or a piece of one)."""
        i, n, state = 0, len(chunk), self.state
        while i < n:
            if state == _QUOTED:
                j = chunk.find(b'"', i)
                if j < 0:
                    break
                state, i = _QUOTE_IN_QUOTED, j + 1
            elif state == _QUOTE_IN_QUOTED:
                c = chunk[i]
                state = _QUOTED if c == _QUOTE else _START if c == self.delimiter else _FIELD
                i += 1
            else:
                j = chunk.find(b'"', i)
                if j < 0:
                    state = _START if chunk[n - 1] == self.delimiter else _FIELD
                    break
                at_field_start = (state == _START) if j == i else chunk[j - 1] == self.delimiter
                state, i = (_QUOTED if at_field_start else _FIELD), j + 1
        self.state = state

    def line_end(self) -> bool:
        """A line ended: True when the record ends with it (then the next line starts a record)."""
        if self.state == _QUOTED:
            return False
        self.state = _START
        return True


@dataclass
class CsvRecord:
    """The physical lines ``first``..``last`` of one record; ``lines`` is None when the record
    was larger than the cap (its bytes were dropped); ``closed`` is False when the input
    ended inside a quoted cell."""

    first: int
    last: int
    lines: list[tuple[int, bytes]] | None
    closed: bool = True


def _line_body(line: bytes) -> bytes:
    return line.rstrip(b"\r\n") if line.endswith((b"\n", b"\r")) else line


class CsvRecords:
    """The records of a CSV stream (or of lines pushed back to be read again), each held
    only up to ``cap`` bytes; past it the record is tracked to its end without its bytes."""

    def __init__(self, lines: Iterable[tuple[int, bytes | None]], quotes: QuoteState, cap: int) -> None:
        self._lines = iter(lines)
        self._pushed: deque[tuple[int, bytes | None]] = deque()
        self._quotes = quotes  # fed here, and by the line reader with the bytes of lines too long to hold
        self._cap = cap
        self.in_record = False

    def push_back(self, lines: list[tuple[int, bytes]]) -> None:
        """Read ``lines`` again (as the start of new records) before the rest of the input."""
        self._pushed.extendleft(reversed(lines))

    def __iter__(self) -> Iterator[CsvRecord]:
        record: CsvRecord | None = None
        size = 0
        while True:
            if self._pushed:
                item: tuple[int, bytes | None] | None = self._pushed.popleft()
            else:
                item = next(self._lines, None)
            if item is None:
                if record is None:
                    return
                self._quotes.state = _START
                self.in_record = False
                record.closed = False
                unclosed, record = record, None
                yield unclosed  # the reader may push lines back to be read again
                continue
            lineno, line = item
            if record is None:
                record, size = CsvRecord(lineno, lineno, []), 0
                self.in_record = True
            record.last = lineno
            if line is None:  # a line longer than the cap: its quotes were followed as it was dropped
                record.lines = None
            else:
                self._quotes.feed(_line_body(line))
                if record.lines is not None:
                    size += len(line)
                    if size > self._cap:
                        record.lines = None
                    else:
                        record.lines.append((lineno, line))
            if self._quotes.line_end():
                self.in_record = False
                yield record
                record = None


def _parse_record(lines: list[tuple[int, bytes]], delimiter: str) -> tuple[list[str] | None, str | None, bytes]:
    """(fields or None for a blank line, fallback codec, raw bytes) of one record; csv.Error if
    the csv module does not read exactly one row from it."""
    raw = b"".join(line for _, line in lines)
    text, codec = decode_note(raw)
    rows = list(csv.reader([text], delimiter=delimiter))
    if len(rows) > 1:
        raise csv.Error("more than one row")
    row = rows[0] if rows else []
    if not row or (len(row) == 1 and not row[0].strip()):
        return None, codec, raw
    return row, codec, raw


def _rows_follow(lines: list[tuple[int, bytes]], delimiter: str, width: int) -> bool:
    """True when ``lines`` read as at least two well-formed rows of ``width`` fields and nothing
    else: then a bad record's later lines were rows, not the text of one of its cells."""
    if not lines or not lines[-1][1].endswith((b"\n", b"\r")):
        return False  # the input stops mid-line: cut short inside a cell, not a stray quote
    rows = 0
    for record in CsvRecords(lines, QuoteState(delimiter), cap=1 << 62):
        if not record.closed or record.lines is None:
            return False
        try:
            row, _, raw = _parse_record(record.lines, delimiter)
        except csv.Error:
            return False
        if row is None:
            continue
        if len(row) != width or looks_binary(raw):
            return False
        rows += 1
    return rows >= 2


def read_csv(stream: Readable, source: str, options: BatchOptions, delimiter: str = ",", *,
             codec: str | None = None) -> Iterator[Item]:
    """CSV with a header row (RFC 4180 quoting, multi-line cells); bad rows by line number.

    A record that cannot be a row (a quote never closed, the wrong number of fields across
    several lines) is reported; when the lines after its first one read as well-formed rows,
    they are read as rows (the bad row was a stray quote); otherwise the whole span is one
    problem row and nothing in it becomes a note or a patient.
    """
    stem = table_stem(source)
    limits = options.limits
    cap = limits.max_note_bytes + (1 << 20)  # a note-sized text cell and its row's other cells
    quotes = QuoteState(delimiter)
    lines = physical_lines(stream, cap, skip_blank=lambda: not records.in_record,
                           on_drop=lambda piece: quotes.feed(_line_body(piece)))
    records = CsvRecords(lines, quotes, cap)
    iterator = iter(records)
    header_record = next(iterator, None)
    if header_record is None:
        return
    header: list[str] | None = None
    if header_record.lines is not None and header_record.closed:
        try:
            header, _, _ = _parse_record(header_record.lines, delimiter)
        except csv.Error:
            header = None
    if not header:
        yield problem(f"{source}:1", "malformed", "header row cannot be parsed", is_note=False)
        return
    header = [h.lstrip("\ufeff").strip() for h in header]
    resolved = resolve_columns(header, options.columns)
    missing = missing_columns(resolved, options.columns, source)
    if missing:
        yield missing
        return
    index = {name: i for i, name in enumerate(header)}
    width = len(header)
    for record in iterator:
        where = f"{source}:{record.first}"
        span = f"lines {record.first}-{record.last}" if record.last > record.first else f"line {record.first}"
        if record.lines is None:
            reason = (f"row larger than {cap} bytes ({span}); skipped" if record.closed else
                      f"a quote opened on line {record.first} is never closed: {span} are one unterminated "
                      "row larger than the size limit, not read")
            yield problem(where, "too_large" if record.closed else "malformed", reason)
            continue
        later = record.lines[1:]
        if not record.closed:
            if _rows_follow(later, delimiter, width):
                yield problem(where, "malformed", "a quote opened in this row is never closed; the row is "
                              "skipped and the lines after it are read as rows")
                records.push_back(later)
            else:
                yield problem(where, "malformed", f"a quote opened on line {record.first} is never closed: "
                              f"{span} are one unterminated row, not read (a file cut short?)")
            continue
        try:
            row, fallback, raw = _parse_record(record.lines, delimiter)
        except csv.Error:
            row, fallback, raw = [], None, b""
        if row is None:
            continue  # a blank line
        if len(row) != width:
            what = f"row has {len(row)} fields, the header has {width}" if row else "row cannot be parsed"
            if later and _rows_follow(later, delimiter, width):
                yield problem(where, "malformed", f"{what}; its quote is taken for a stray one: the lines "
                              "after it are read as rows")
                records.push_back(later)
            else:
                yield problem(where, "malformed", f"{what} ({span})")
            continue
        if looks_binary(raw):
            yield problem(where, "binary", "row holds binary data")
            continue
        values = {name: row[i] for name, i in index.items()}
        yield row_item(values, resolved, source=where, default_doc=f"{stem}-L{record.first}",
                       decoded_with=fallback or codec, max_chars=limits.max_note_bytes)


# --------------------------------------------------------------------------- Parquet


def read_parquet(source_obj: Any, source: str, options: BatchOptions) -> Iterator[Item]:
    """Parquet, one row group batch at a time; rows are numbered from 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(source_obj)
    except (pa.ArrowException, OSError, ValueError) as exc:
        yield problem(source, "corrupt", f"not a readable Parquet file ({type(exc).__name__})", is_note=False)
        return
    names = pf.schema_arrow.names
    resolved = resolve_columns(names, options.columns)
    missing = missing_columns(resolved, options.columns, source)
    if missing:
        yield missing
        return
    text_type = pf.schema_arrow.field(resolved["text"]).type
    if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type)
            or pa.types.is_binary(text_type) or pa.types.is_large_binary(text_type) or pa.types.is_null(text_type)):
        yield problem(source, "schema", f"text column is of type {text_type}, not string", is_note=False)
        return
    wanted = sorted({c for c in resolved.values() if c})
    stem = table_stem(source)
    rowno = 0
    try:
        for batch in pf.iter_batches(batch_size=1024, columns=wanted):
            data = batch.to_pydict()
            for i in range(batch.num_rows):
                rowno += 1
                values = {c: data[c][i] for c in wanted}
                for role in ("date", "note_type"):
                    col = resolved[role]
                    if col and values.get(col) is not None and not isinstance(values[col], str):
                        values[col] = str(values[col])
                yield row_item(values, resolved, source=f"{source}:{rowno}", default_doc=f"{stem}-R{rowno}",
                               max_chars=options.limits.max_note_bytes)
    except (pa.ArrowException, OSError, ValueError) as exc:
        yield problem(source, "corrupt", f"Parquet unreadable after row {rowno} ({type(exc).__name__}); "
                      f"the rows after it, of {pf.metadata.num_rows}, not read", is_note=False)


def read_table(kind: str, stream: Readable, source: str, options: BatchOptions, *,
               codec: str | None = None) -> Iterator[Item]:
    """Dispatch a line-oriented table entry to its reader."""
    if kind == "jsonl":
        yield from read_jsonl(stream, source, options, codec=codec)
    else:
        yield from read_csv(stream, source, options, delimiter="\t" if kind == "tsv" else ",", codec=codec)


__all__ = ["IO", "ROLES", "read_parquet", "read_table", "resolve_columns", "row_item"]
