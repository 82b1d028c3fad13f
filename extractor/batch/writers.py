"""Final outputs, written in sorted patient order.

``records.jsonl``, ``mentions.jsonl``, ``errors.jsonl``, ``documents.jsonl``,
``cohort.csv`` and ``cohort.sqlite`` (plus ``parquet/*.parquet`` with
``--parquet``). The local engine hands each patient to the ``OutputWriter`` as
soon as it and every patient before it have finished, so writing overlaps the
run; Spark's results are written after it. Each file is written under a
temporary name and renamed into place at the end, so a reader never sees half a
file; nothing here holds a timestamp, so the same input gives byte-identical
files.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import sqlite3
import sys
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from extractor.batch.per_patient import COUNT_COLUMNS, NoteCounts, PatientOutput, canonical
from extractor.schema import CohortRecord

MENTION_FLAGS = ("negated", "historical", "hypothetical", "family", "uncertain")


# --------------------------------------------------------------------------- flat record


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _kind(annotation: Any) -> str:
    inner = _unwrap(annotation)
    if inner is bool:
        return "bool"
    if inner is int:
        return "int"
    if inner is float:
        return "float"
    if typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner) or (Any,)
        item = _unwrap(item)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "json"
        return "list"
    return "text"


def flat_columns(
    model: type[BaseModel] = CohortRecord, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str]]:
    """(path, kind) of every leaf of the record (``evidence`` left out), in schema order."""
    out: list[tuple[tuple[str, ...], str]] = []
    for name, info in model.model_fields.items():
        if name == "evidence":
            continue
        inner = _unwrap(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            out.extend(flat_columns(inner, (*prefix, name)))
        else:
            out.append(((*prefix, name), _kind(info.annotation)))
    return out


FLAT = flat_columns()
FLAT_NAMES = ["_".join(path) for path, _ in FLAT]
assert len(set(FLAT_NAMES)) == len(FLAT_NAMES), "flat column names collide"


def flat_values(record: dict[str, Any]) -> list[Any]:
    """The record's leaves, typed: None, bool, int, float or text (lists joined with ';')."""
    values: list[Any] = []
    for path, kind in FLAT:
        value: Any = record
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            values.append(None)
        elif kind == "list":
            values.append(";".join(str(v) for v in value) if value else None)
        elif kind == "json":
            values.append(json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else None)
        else:
            values.append(value)
    return values


_FORMULA_START = ("=", "+", "@", "\t", "\r", "-")


def csv_cell(value: Any) -> str:
    """A spreadsheet-safe cell: empty for null, true/false, and text that cannot run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


# --------------------------------------------------------------------------- atomic files


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """A temporary sibling of ``final`` that replaces it when the block ends without error."""
    tmp = final.with_name(f".{final.name}.tmp")
    if tmp.is_dir():
        shutil.rmtree(tmp)
    elif tmp.exists():
        tmp.unlink()
    try:
        yield tmp
        if tmp.is_file():
            with tmp.open("rb") as f:
                os.fsync(f.fileno())
        if tmp.is_dir() and final.exists():
            old = final.with_name(f".{final.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


class _Lines:
    """An open JSON-lines file that counts what it writes."""

    def __init__(self, file: typing.TextIO) -> None:
        self._file = file
        self.count = 0

    def write(self, line: str) -> None:
        self._file.write(line)
        self._file.write("\n")
        self.count += 1


@contextlib.contextmanager
def json_lines(path: Path) -> Iterator[_Lines]:
    """A JSON-lines file written atomically."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as f:
        yield _Lines(f)


# --------------------------------------------------------------------------- tables


def _error_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("source", "patient_id", "doc_id", "kind", "reason", "fatal")}


TABLES: dict[str, list[tuple[str, str]]] = {
    "patients": [("patient_id", "text"), *((c, "int") for c in COUNT_COLUMNS),
                 *((name, kind) for name, (_, kind) in zip(FLAT_NAMES, FLAT, strict=True) if name != "patient_id")],
    "records": [("patient_id", "text"), ("record", "text")],
    "mentions": [("patient_id", "text"), ("doc_id", "text"), ("label", "text"), ("value", "text"),
                 ("start", "int"), ("end", "int"), ("text", "text"), ("section", "text"),
                 *((f, "bool") for f in MENTION_FLAGS), ("rule", "text")],
    "documents": [("patient_id", "text"), ("doc_id", "text"), ("date", "text"), ("note_type", "text"),
                  ("source", "text"), ("chars", "int"), ("decoded_with", "text"), ("status", "text")],
    "errors": [("patient_id", "text"), ("doc_id", "text"), ("source", "text"), ("kind", "text"),
               ("reason", "text"), ("fatal", "bool")],
}
_SQL_TYPES = {"text": "TEXT", "int": "INTEGER", "float": "REAL", "bool": "INTEGER", "list": "TEXT", "json": "TEXT"}


def _sql_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return int(bool(value))
    if kind in ("text", "list", "json") and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def _input_error_row(row: dict[str, Any]) -> tuple:
    return (row.get("patient_id"), row.get("doc_id"), row["source"], row["kind"], row["reason"], row["fatal"])


def patient_rows(out: PatientOutput, flat: list[Any]) -> Iterator[tuple[str, tuple]]:
    """(table, row) pairs of one patient; ``flat`` is ``flat_values`` of its record."""
    yield "patients", (out.patient_id, *out.counts.values(), *flat[1:])
    yield "records", (out.patient_id, out.record)
    for line in out.mentions:
        m = json.loads(line)
        a = m.get("assertion") or {}
        yield "mentions", (m["patient_id"], m["doc_id"], m["label"], m.get("value"), m["start"], m["end"],
                           m["text"], m.get("section"), *(a.get(f, False) for f in MENTION_FLAGS), m.get("rule"))
    for line in out.documents:
        d = json.loads(line)
        yield "documents", tuple(d[c] for c, _ in TABLES["documents"])
    for line in out.errors:
        yield "errors", _input_error_row(json.loads(line))


TableSink = Callable[[str, tuple], None]


@contextlib.contextmanager
def sqlite_tables(path: Path) -> Iterator[TableSink]:
    """The embedded database: five tables, indexed by patient; yields ``add(table, row)``."""
    with atomic_path(path) as tmp:
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            con.execute("BEGIN")
            for table, cols in TABLES.items():
                pk = " PRIMARY KEY" if table in ("patients", "records") else ""
                defs = ", ".join(
                    f'"{c}" {_SQL_TYPES[k]}{pk if c == "patient_id" else ""}' for c, k in cols
                )
                con.execute(f'CREATE TABLE "{table}" ({defs})')
            inserts = {t: f'INSERT INTO "{t}" VALUES ({", ".join("?" * len(c))})' for t, c in TABLES.items()}
            kinds = {t: [k for _, k in c] for t, c in TABLES.items()}
            buffer: dict[str, list[tuple]] = {t: [] for t in TABLES}

            def add(table: str, row: tuple) -> None:
                pending = buffer[table]
                pending.append(tuple(_sql_value(v, k) for v, k in zip(row, kinds[table], strict=True)))
                if len(pending) >= 5000:
                    con.executemany(inserts[table], pending)
                    pending.clear()

            yield add
            for table, pending in buffer.items():
                con.executemany(inserts[table], pending)
            for table in ("mentions", "documents", "errors"):
                con.execute(f'CREATE INDEX "{table}_patient" ON "{table}" (patient_id)')
            con.execute("COMMIT")
        finally:
            con.close()


@contextlib.contextmanager
def parquet_tables(folder: Path) -> Iterator[TableSink]:
    """The same tables as Parquet files under ``folder``; yields ``add(table, row)``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = {"text": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
             "list": pa.string(), "json": pa.string()}
    schemas = {t: pa.schema([(c, arrow[k]) for c, k in cols]) for t, cols in TABLES.items()}
    kinds = {t: [k for _, k in c] for t, c in TABLES.items()}
    with atomic_path(folder) as tmp:
        tmp.mkdir(parents=True)
        writers = {t: pq.ParquetWriter(tmp / f"{t}.parquet", schemas[t]) for t in TABLES}
        buffer: dict[str, list[tuple]] = {t: [] for t in TABLES}

        def flush(table: str) -> None:
            pending = buffer[table]
            if not pending:
                return
            columns = list(zip(*pending, strict=True))
            arrays = [pa.array([_parquet_value(v, k) for v in col], type=schemas[table].field(i).type)
                      for i, (col, k) in enumerate(zip(columns, kinds[table], strict=True))]
            writers[table].write_table(pa.Table.from_arrays(arrays, schema=schemas[table]))
            pending.clear()

        def add(table: str, row: tuple) -> None:
            buffer[table].append(row)
            if len(buffer[table]) >= 20000:
                flush(table)

        try:
            yield add
            for table in TABLES:
                flush(table)
        finally:
            for w in writers.values():
                w.close()


def _parquet_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("text", "list", "json") and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if kind == "float":
        return float(value)
    return value


@contextlib.contextmanager
def cohort_csv(path: Path) -> Iterator[Callable[[list[Any], PatientOutput], None]]:
    """``cohort.csv``: one row a patient, flat columns, counts last; yields ``add(flat, output)``."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*FLAT_NAMES, *COUNT_COLUMNS])

        def add(flat: list[Any], out: PatientOutput) -> None:
            writer.writerow([csv_cell(v) for v in (*flat, *out.counts.values())])

        yield add


JSONL_FILES = ("records.jsonl", "mentions.jsonl", "errors.jsonl", "documents.jsonl")


class OutputWriter:
    """Every output file, written as patients are handed over (in sorted patient
    order: the caller's duty), under temporary names renamed into place when the
    ``with`` block ends without error; after an error nothing is renamed.

    It tallies what it wrote (patients, note counts, lines per JSONL file), so
    the run summary needs no further pass over the results.
    """

    def __init__(self, out_dir: Path, *, parquet: bool) -> None:
        self.out_dir = out_dir
        self.parquet = parquet
        self.patients = 0
        self.counts = NoteCounts()
        self._stack = contextlib.ExitStack()
        self._lines: dict[str, _Lines] = {}
        self._tables: list[TableSink] = []
        self._input_errors_done = False

    def __enter__(self) -> OutputWriter:
        stack = self._stack.__enter__()
        try:
            self._lines = {name: stack.enter_context(json_lines(self.out_dir / name)) for name in JSONL_FILES}
            self._cohort = stack.enter_context(cohort_csv(self.out_dir / "cohort.csv"))
            self._tables = [stack.enter_context(sqlite_tables(self.out_dir / "cohort.sqlite"))]
            if self.parquet:
                self._tables.append(stack.enter_context(parquet_tables(self.out_dir / "parquet")))
        except BaseException:
            self._stack.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc: Any) -> bool | None:
        return self._stack.__exit__(*exc)

    @property
    def line_counts(self) -> dict[str, int]:
        return {name: sink.count for name, sink in self._lines.items()}

    def write_input_errors(self, rows: Iterable[dict[str, Any]]) -> None:
        """Problems not tied to a patient: first in ``errors.jsonl`` and the errors table."""
        assert not self._input_errors_done and self.patients == 0, "input errors come first, once"
        self._input_errors_done = True
        for row in rows:
            self._lines["errors.jsonl"].write(canonical(_error_row(row)))
            for add in self._tables:
                add("errors", _input_error_row(row))

    def write(self, out: PatientOutput) -> None:
        """One patient, in every file."""
        self._input_errors_done = True
        flat = flat_values(json.loads(out.record))
        self._lines["records.jsonl"].write(out.record)
        for name, items in (("mentions.jsonl", out.mentions), ("errors.jsonl", out.errors),
                            ("documents.jsonl", out.documents)):
            for line in items:
                self._lines[name].write(line)
        self._cohort(flat, out)
        for table, row in patient_rows(out, flat):
            for add in self._tables:
                add(table, row)
        self.patients += 1
        self.counts.add(out.counts)
