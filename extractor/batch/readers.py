"""Streaming readers: folders, JSONL, CSV, Parquet, zip/tar(.gz) -> notes or problems.

Every reader yields, in a deterministic order, either a ``NoteInput`` or a
``Problem`` (an ``ErrorRow`` that never quotes note text, plus whether it stands
for a note). Nothing is unpacked to disk: archive members are read as streams or,
for Parquet, in memory, under the caps of ``Limits``.

Accounting rule (so that ``notes_read == processed + failed``): every file or
archive member that is not a table (JSONL/CSV/Parquet) is one note, and so is
every data row of a table. A problem that stands for such a note has
``is_note=True`` and counts as read and failed; problems about a whole input (a
corrupt archive, a table without a text column, an archive stopped at its size
limit) have ``is_note=False``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from extractor.batch.config import BatchOptions, Columns, InputFormat, Limits
from extractor.errors import InputError
from extractor.notes import (
    NoteInput,
    date_of,
    decode_note,
    fallback_flags,
    ids_from_filename,
    looks_binary,
    note_from_bytes,
    sanitize_text,
)
from extractor.schema import ErrorRow


@dataclass(frozen=True)
class Problem:
    """An input that could not become a note; ``is_note`` says whether it counts as one."""

    row: ErrorRow
    is_note: bool = True


Item = NoteInput | Problem

_ISO_DATE = re.compile(r"\s*(\d{4}-\d{2}-\d{2})")
_ARCHIVE_TAR = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_TABLES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv",
           ".parquet": "parquet", ".pq": "parquet"}


class ArchiveLimit(Exception):
    """An archive expanded past its byte budget."""


class EntryTooLarge(Exception):
    """One member or note is larger than its cap."""


def problem(source: str, kind: str, reason: str, *, patient_id: str | None = None,
            doc_id: str | None = None, is_note: bool = True) -> Problem:
    """A fatal problem row (no note text)."""
    row = ErrorRow(source=source, patient_id=patient_id, doc_id=doc_id, kind=kind, reason=reason, fatal=True)
    return Problem(row, is_note)


def entry_kind(name: str) -> str:
    """The kind of an entry from its name: zip, tar, gz, jsonl, csv, tsv, parquet or note."""
    lower = name.lower()
    if lower.endswith(".zip"):
        return "zip"
    if lower.endswith(_ARCHIVE_TAR):
        return "tar"
    if lower.endswith(".gz"):
        return "gz"
    return _TABLES.get(PurePosixPath(lower).suffix, "note")


# Files beside notes that are not notes: BRAT standoff annotations of the gold-set
# layout and READMEs. Skipped silently, like hidden files and macOS resource forks.
SIDECAR_SUFFIXES = (".ann", ".md")


def is_junk(name: str) -> bool:
    """Hidden files, macOS resource forks and sidecar files: not notes, skipped silently."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return bool(parts) and (
        parts[-1].startswith(".") or "__MACOSX" in parts or parts[-1].lower().endswith(SIDECAR_SUFFIXES)
    )


def member_parts(name: str) -> tuple[str, ...]:
    """The path components of an archive member name (``/`` or ``\\`` separated)."""
    return tuple(p for p in re.split(r"[/\\]", name) if p)


class CommonTop:
    """The one top-level folder all files of an archive share, if any.

    A zip of a folder (``zip -r notes.zip notes/``) reads like the folder:
    ``notes/123.txt`` is the note ``123``, not a note of a patient ``notes``.
    """

    def __init__(self) -> None:
        self.top: str | None = None
        self.shared = True

    def add(self, name: str) -> None:
        if is_junk(name) or not self.shared:
            return
        parts = member_parts(name)
        if len(parts) < 2:
            self.shared = False
        elif self.top is None:
            self.top = parts[0]
        elif parts[0] != self.top:
            self.shared = False

    def strip(self, parts: tuple[str, ...]) -> tuple[str, ...]:
        """``parts`` without the shared top folder."""
        if self.shared and self.top is not None and len(parts) > 1 and parts[0] == self.top:
            return parts[1:]
        return parts


def unsafe_member_name(name: str) -> bool:
    """True for absolute names, drive letters and names with a ``..`` component."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in re.split(r"[/\\]", name)


def note_ids(parts: tuple[str, ...]) -> tuple[str, str]:
    """Patient and document id of a note file from its path parts (relative to its root).

    ``P01__03-ct.txt`` names both; otherwise a file in a sub-folder belongs to the
    patient the folder is named after; a lone file is its own patient.
    """
    path = Path(parts[-1])
    if "__" in path.stem or len(parts) < 2:
        return ids_from_filename(path)
    return parts[-2], path.stem


def normalise_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` from a date cell (``2150-03-01 00:00:00`` too), else None."""
    if value is None:
        return None
    match = _ISO_DATE.match(str(value))
    return match.group(1) if match else None


# --------------------------------------------------------------------------- streams


class Budget:
    """The bytes an archive may still expand to."""

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        self.used = 0
        self.what = what

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise ArchiveLimit(self.what)


class CappedStream:
    """A binary stream that charges an archive budget and caps one entry's size."""

    def __init__(self, raw: IO[bytes], budget: Budget | None, cap: int) -> None:
        self.raw = raw
        self.budget = budget
        self.cap = cap
        self.read_bytes = 0

    def _charge(self, data: bytes) -> bytes:
        self.read_bytes += len(data)
        if self.budget is not None:
            self.budget.take(len(data))
        if self.read_bytes > self.cap:
            raise EntryTooLarge
        return data

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.cap + 1 - self.read_bytes
        return self._charge(self.raw.read(max(0, min(n, self.cap + 1 - self.read_bytes)) or 0))

    def readline(self, limit: int = -1) -> bytes:
        return self._charge(self.raw.readline(limit))


def read_capped(stream: IO[bytes] | CappedStream, cap: int) -> bytes:
    """All of ``stream`` or EntryTooLarge past ``cap`` bytes."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(1 << 20, cap + 1 - total) or 1)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > cap:
            raise EntryTooLarge
        chunks.append(chunk)


def capped_lines(stream: IO[bytes] | CappedStream, cap: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) of a binary stream; ``None`` for a line longer than ``cap``."""
    lineno = 0
    while True:
        line = stream.readline(cap + 1)
        if not line:
            return
        lineno += 1
        if len(line) > cap and not line.endswith(b"\n"):
            while True:  # skip the rest of the over-long line
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield lineno, None
            continue
        yield lineno, line


# --------------------------------------------------------------------------- notes


def read_note(data: bytes | None, source: str, parts: tuple[str, ...], limits: Limits) -> Item:
    """One note file or member -> NoteInput, or a Problem (binary; too large when ``data`` is None)."""
    patient_id, doc_id = note_ids(parts)
    if data is None or len(data) > limits.max_note_bytes:
        return problem(source, "too_large", f"note larger than {limits.max_note_bytes} bytes; skipped",
                       patient_id=patient_id, doc_id=doc_id)
    try:
        return note_from_bytes(data, source=source, patient_id=patient_id, doc_id=doc_id)
    except InputError as exc:
        return problem(source, exc.kind, exc.reason, patient_id=patient_id, doc_id=doc_id)


# --------------------------------------------------------------------------- tables


def _resolve(names: Iterable[str], columns: Columns) -> dict[str, str | None]:
    """Role -> actual column name (case-insensitive match of the candidates)."""
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(str(name).lower(), str(name))
    return {role: next((by_lower[c.lower()] for c in columns.candidates(role) if c.lower() in by_lower), None)
            for role in ("patient", "doc", "date", "note_type", "text")}


def _missing_columns(resolved: dict[str, str | None], columns: Columns, source: str) -> Problem | None:
    for role, option in (("patient", "--patient-col"), ("text", "--text-col")):
        if resolved[role] is None:
            looked = ", ".join(columns.candidates(role))
            return problem(source, "schema", f"no {role} column (looked for {looked}); name it with {option}",
                           is_note=False)
    return None


def _id_value(value: Any) -> str | None:
    """An id cell as text: strings stripped, integral numbers without '.0'; else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN or fractional
            return None
        value = int(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def row_item(values: dict[str, Any], resolved: dict[str, str | None], *, source: str, default_doc: str,
             decoded_with: str | None = None) -> Item:
    """One table row (already mapped role -> column) -> NoteInput or Problem."""
    patient_id = _id_value(values.get(resolved["patient"] or ""))
    if patient_id is None:
        return problem(source, "schema", "patient id missing, empty or not a string/integer")
    doc_id = _id_value(values.get(resolved["doc"] or "")) if resolved["doc"] else default_doc
    if doc_id is None:
        return problem(source, "schema", "document id empty or not a string/integer", patient_id=patient_id)
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
    text = sanitize_text(text)
    note_type = values.get(resolved["note_type"] or "") if resolved["note_type"] else None
    return NoteInput(
        patient_id=patient_id,
        doc_id=doc_id,
        text=text,
        date=(normalise_date(values.get(resolved["date"] or "")) if resolved["date"] else None) or date_of(text),
        note_type=str(note_type) if note_type not in (None, "") else None,
        source=source,
        decoded_with=decoded_with,
        flags=fallback_flags(decoded_with),
    )


def read_jsonl(stream: IO[bytes] | CappedStream, source: str, options: BatchOptions) -> Iterator[Item]:
    """JSON Lines: one object a line; a bad line is reported by its number, the rest is read."""
    stem = PurePosixPath(source.replace("\\", "/")).name.split(".")[0] or "doc"
    cap = options.limits.max_line_bytes
    for lineno, raw in capped_lines(stream, cap):
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
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield problem(where, "malformed", f"not valid JSON (error at column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            yield problem(where, "malformed", f"a JSON {type(obj).__name__}, not an object")
            continue
        resolved = _resolve(obj.keys(), options.columns)
        yield (row_item(obj, resolved, source=where, default_doc=f"{stem}-L{lineno}",
                                 decoded_with=decoded_with))


def _decoded_lines(stream: IO[bytes] | CappedStream, cap: int, state: dict[str, Any]) -> Iterator[str]:
    """Physical lines decoded one by one by the note policy; notes which needed a fallback."""
    for lineno, raw in capped_lines(stream, cap):
        state["lineno"] = lineno
        if raw is None:
            state.setdefault("too_long", []).append(lineno)
            yield "\n"
            continue
        text, codec = decode_note(raw)
        if codec and codec != "utf-16":
            state.setdefault("fallback", {})[lineno] = codec
        yield text


def read_csv(stream: IO[bytes] | CappedStream, source: str, options: BatchOptions,
             delimiter: str = ",") -> Iterator[Item]:
    """CSV with a header row (RFC 4180 quoting, multi-line cells); bad rows by line number."""
    stem = PurePosixPath(source.replace("\\", "/")).name.split(".")[0] or "doc"
    csv.field_size_limit(max(csv.field_size_limit(), options.limits.max_note_bytes))
    state: dict[str, Any] = {}
    reader = csv.reader(_decoded_lines(stream, options.limits.max_line_bytes, state), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error:
        yield problem(f"{source}:1", "malformed", "header row cannot be parsed", is_note=False)
        return
    header = [h.lstrip("\ufeff").strip() for h in header]
    resolved = _resolve(header, options.columns)
    missing = _missing_columns(resolved, options.columns, source)
    if missing:
        yield missing
        return
    index = {name: i for i, name in enumerate(header)}
    last = reader.line_num
    while True:
        start = last + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            last = reader.line_num
            reason = "field larger than the note size limit" if "field limit" in str(exc) else "row cannot be parsed"
            yield problem(f"{source}:{start}", "malformed", reason)
            continue
        last = reader.line_num
        where = f"{source}:{start}"
        too_long = [n for n in state.get("too_long", []) if start <= n <= last]
        if too_long:
            yield problem(where, "too_large", f"a line longer than {options.limits.max_line_bytes} bytes")
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        if len(row) != len(header):
            yield problem(where, "malformed", f"row has {len(row)} fields, the header has {len(header)}")
            continue
        codecs_used = {c for n, c in state.get("fallback", {}).items() if start <= n <= last}
        values = {name: row[i] for name, i in index.items()}
        yield (row_item(values, resolved, source=where, default_doc=f"{stem}-L{start}",
                                 decoded_with=min(codecs_used) if codecs_used else None))
        state.get("fallback", {}).clear()


def read_parquet(source_obj: str | os.PathLike[str] | IO[bytes], source: str,
                 options: BatchOptions) -> Iterator[Item]:
    """Parquet, one row group batch at a time; rows are numbered from 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(source_obj)
    except (pa.ArrowException, OSError, ValueError) as exc:
        yield problem(source, "corrupt", f"not a readable Parquet file ({type(exc).__name__})", is_note=False)
        return
    names = pf.schema_arrow.names
    resolved = _resolve(names, options.columns)
    missing = _missing_columns(resolved, options.columns, source)
    if missing:
        yield missing
        return
    text_type = pf.schema_arrow.field(resolved["text"]).type
    if not (pa.types.is_string(text_type) or pa.types.is_large_string(text_type)
            or pa.types.is_binary(text_type) or pa.types.is_large_binary(text_type) or pa.types.is_null(text_type)):
        yield problem(source, "schema", f"text column is of type {text_type}, not string", is_note=False)
        return
    wanted = sorted({c for c in resolved.values() if c})
    stem = PurePosixPath(source.replace("\\", "/")).name.split(".")[0] or "doc"
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
                yield (row_item(values, resolved, source=f"{source}:{rowno}",
                                         default_doc=f"{stem}-R{rowno}"))
    except (pa.ArrowException, OSError, ValueError) as exc:
        yield problem(source, "corrupt", f"Parquet unreadable after row {rowno} ({type(exc).__name__}); "
                      "later rows not read", is_note=False)


# --------------------------------------------------------------------------- dispatch


def read_table(kind: str, stream: IO[bytes] | CappedStream, source: str, options: BatchOptions) -> Iterator[Item]:
    """Dispatch a line-oriented table entry to its reader."""
    if kind == "jsonl":
        yield from read_jsonl(stream, source, options)
    else:
        yield from read_csv(stream, source, options, delimiter="\t" if kind == "tsv" else ",")


def _table_head_is_binary(head: bytes, kind: str) -> bool:
    if kind == "parquet":
        return False
    return looks_binary(head) and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def read_entry(name: str, source: str, parts: tuple[str, ...], opener: Callable[[], IO[bytes]],
               options: BatchOptions, budget: Budget | None, *, forced: str | None = None,
               in_archive: bool) -> Iterator[Item]:
    """One file or archive member, by kind (``forced`` overrides the name)."""
    limits = options.limits
    kind = forced or entry_kind(name)
    if kind in ("zip", "tar", "gz") and in_archive:
        yield problem(source, "nested_archive", "archive inside an archive; not followed",
                      patient_id=None, doc_id=None)
        return
    if kind == "note":
        data: bytes | None
        with opener() as raw:
            try:
                data = read_capped(CappedStream(raw, budget, limits.max_note_bytes), limits.max_note_bytes)
            except EntryTooLarge:
                data = None
        nested = data is not None and (data.startswith((b"PK\x03\x04", b"\x1f\x8b")) or data[257:262] == b"ustar")
        if in_archive and nested:
            yield problem(source, "nested_archive", "archive inside an archive; not followed")
            return
        yield read_note(data, source, parts, limits)
        return
    if kind in ("jsonl", "csv", "tsv"):
        with opener() as raw:
            stream = HeadStream(CappedStream(raw, budget, 1 << 62))
            if _table_head_is_binary(stream.head, kind):
                yield problem(source, "binary", f"looks like a binary file, not {kind.upper()}", is_note=False)
                return
            yield from read_table(kind, stream, source, options)
        return
    if kind == "parquet":
        def load() -> bytes:
            with opener() as raw:
                return read_capped(CappedStream(raw, budget, limits.max_table_member_bytes),
                                   limits.max_table_member_bytes)
        if not in_archive and budget is None:
            with opener() as f:
                yield from read_parquet(f, source, options)
            return
        try:
            data = load()
        except EntryTooLarge:
            yield problem(source, "too_large", f"Parquet member larger than {limits.max_table_member_bytes} "
                          "bytes; not read", is_note=False)
            return
        yield from read_parquet(io.BytesIO(data), source, options)


class HeadStream:
    """A stream whose first bytes are read ahead (to sniff them) and served again."""

    def __init__(self, rest: CappedStream, size: int = 4096) -> None:
        self.rest = rest
        self.head = rest.read(size)
        self._buf = self.head

    def read(self, n: int = -1) -> bytes:
        if not self._buf:
            return self.rest.read(n)
        if n is None or n < 0:
            out, self._buf = self._buf, b""
            return out + self.rest.read(-1)
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def readline(self, limit: int = -1) -> bytes:
        if not self._buf:
            return self.rest.readline(limit)
        end = self._buf.find(b"\n")
        if end >= 0 and (limit < 0 or end + 1 <= limit):
            out, self._buf = self._buf[: end + 1], self._buf[end + 1 :]
            return out
        if 0 <= limit <= len(self._buf):
            out, self._buf = self._buf[:limit], self._buf[limit:]
            return out
        out, self._buf = self._buf, b""
        return out + self.rest.readline(limit - len(out) if limit >= 0 else -1)


def read_zip(path_or_stream: str | os.PathLike[str] | IO[bytes], source: str,
             options: BatchOptions) -> Iterator[Item]:
    """A zip archive: members read as streams, unsafe or nested members refused."""
    limits = options.limits
    try:
        zf = zipfile.ZipFile(path_or_stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield problem(source, "corrupt_archive", f"not a readable zip archive ({type(exc).__name__})",
                      is_note=False)
        return
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            yield problem(source, "archive_limit", f"archive has {len(infos)} entries, more than the limit of "
                          f"{limits.max_members}; not read", is_note=False)
            return
        budget = Budget(limits.max_archive_bytes, source)
        common = CommonTop()
        for info in infos:
            if not info.is_dir():
                common.add(info.filename)
        for done, info in enumerate(infos):
            name = info.filename
            where = f"{source}:{name}"
            if info.is_dir() or is_junk(name):
                continue
            if unsafe_member_name(name):
                yield problem(where, "unsafe_path", "absolute or '..' member name; refused")
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                yield problem(where, "link", "symbolic link member; not followed")
                continue
            if info.flag_bits & 0x1:
                yield problem(where, "encrypted", "encrypted member; cannot be read")
                continue
            if (info.compress_size and info.file_size > 1 << 20
                    and info.file_size / info.compress_size > limits.max_ratio):
                yield problem(where, "archive_limit", f"compression ratio above {limits.max_ratio:g}; "
                              "member refused as a decompression bomb")
                continue
            if budget.used + info.file_size > budget.limit:
                left = sum(1 for i in infos[done:] if not i.is_dir())
                yield problem(source, "archive_limit", f"archive expands past the limit of {budget.limit} bytes; "
                              f"stopped with {left} entries not read", is_note=False)
                return
            parts = common.strip(member_parts(name))
            try:
                yield from read_entry(name, where, parts, lambda info=info: zf.open(info), options, budget,
                                      in_archive=True)
            except ArchiveLimit:
                left = sum(1 for i in infos[done:] if not i.is_dir())
                yield problem(source, "archive_limit", f"archive expands past the limit of {budget.limit} bytes; "
                              f"stopped with {left} entries not fully read", is_note=False)
                return
            except EntryTooLarge:
                yield problem(where, "too_large", "member larger than its size limit; skipped", is_note=False)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
                yield problem(where, "corrupt", f"member cannot be read ({type(exc).__name__}); "
                              "anything before the error was kept", is_note=entry_kind(name) == "note")


def _tar_common_top(path: str | os.PathLike[str], max_members: int) -> CommonTop:
    """A first pass over the member headers (no data kept) to find a shared top folder."""
    common = CommonTop()
    try:
        with tarfile.open(path, mode="r|*") as tf:
            for count, member in enumerate(tf):
                tf.members = []
                if member.isfile():
                    common.add(member.name)
                if count > max_members or not common.shared:
                    break
    except Exception:  # the reading pass reports what is wrong with the archive
        common.shared = False
    return common


def read_tar(path: str | os.PathLike[str], source: str, options: BatchOptions) -> Iterator[Item]:
    """A tar(.gz/.bz2/.xz) archive read as a stream; links, devices, unsafe names refused."""
    limits = options.limits
    budget = Budget(limits.max_archive_bytes, source)
    entries = 0
    common = _tar_common_top(path, limits.max_members)
    try:
        tf = tarfile.open(path, mode="r|*")  # noqa: SIM115 - closed by the `with tf` below
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        yield problem(source, "corrupt_archive", f"not a readable tar archive ({type(exc).__name__})",
                      is_note=False)
        return
    try:
        with tf:
            for member in tf:
                tf.members = []  # keep memory flat on archives with millions of members
                entries += 1
                name = member.name
                where = f"{source}:{name}"
                if entries > limits.max_members:
                    yield problem(source, "archive_limit", f"more than {limits.max_members} entries; stopped",
                                  is_note=False)
                    return
                if member.isdir() or is_junk(name):
                    continue
                if unsafe_member_name(name):
                    yield problem(where, "unsafe_path", "absolute or '..' member name; refused")
                    continue
                if member.issym() or member.islnk():
                    yield problem(where, "link", "link member; not followed")
                    continue
                if not member.isfile():
                    yield problem(where, "special_file", "device, FIFO or other special member; refused")
                    continue
                if budget.used + member.size > budget.limit:
                    yield problem(source, "archive_limit", f"archive expands past the limit of {budget.limit} "
                                  f"bytes; stopped after {entries - 1} entries", is_note=False)
                    return
                parts = common.strip(member_parts(name))
                kind = entry_kind(name)
                if kind == "note" and member.size > limits.max_note_bytes:
                    pid, did = note_ids(parts)
                    yield problem(where, "too_large", f"note larger than {limits.max_note_bytes} bytes; skipped",
                                  patient_id=pid, doc_id=did)
                    continue

                def opener(member: tarfile.TarInfo = member) -> IO[bytes]:
                    f = tf.extractfile(member)
                    assert f is not None
                    return f

                try:
                    yield from read_entry(name, where, parts, opener, options, budget, in_archive=True)
                except ArchiveLimit:
                    yield problem(source, "archive_limit", f"archive expands past the limit of {budget.limit} "
                                  f"bytes; stopped after {entries} entries", is_note=False)
                    return
                except EntryTooLarge:
                    yield problem(where, "too_large", "member larger than its size limit; skipped", is_note=False)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        yield problem(source, "corrupt_archive", f"archive truncated or corrupt after {entries} entries "
                      f"({type(exc).__name__}); later entries not read", is_note=False)
    except Exception as exc:  # lzma/bz2 errors have no common base
        if type(exc).__module__ in ("lzma", "_lzma", "bz2", "_bz2", "_compression"):
            yield problem(source, "corrupt_archive", f"archive truncated or corrupt after {entries} entries "
                          f"({type(exc).__name__}); later entries not read", is_note=False)
        else:
            raise


def read_gzip(path: str | os.PathLike[str], source: str, options: BatchOptions, inner_kind: str) -> Iterator[Item]:
    """A single gzip-compressed file (``notes.jsonl.gz``, ``note.txt.gz``)."""
    name = os.fspath(path)[: -len(".gz")]
    budget = Budget(options.limits.max_archive_bytes, source)
    try:
        yield from read_entry(name, source, (Path(name).name,), lambda: gzip.open(path, "rb"), options, budget,  # noqa: SIM115
                              forced=inner_kind, in_archive=False)
    except ArchiveLimit:
        yield problem(source, "archive_limit", f"expands past the limit of {budget.limit} bytes; stopped",
                      is_note=False)
    except (OSError, EOFError, zlib.error) as exc:
        yield problem(source, "corrupt_archive", f"gzip stream truncated or corrupt ({type(exc).__name__})",
                      is_note=False)


def detect_kind(path: Path, fmt: str) -> str:
    """The kind of a top-level input file: by ``--format``, else name, else magic bytes."""
    if fmt not in (InputFormat.auto, InputFormat.txt):
        return fmt  # the other formats are named after the kind they read
    kind = entry_kind(path.name)
    if fmt == "txt" and kind not in ("zip", "tar", "gz"):
        return "note"
    if kind == "note":
        try:
            with path.open("rb") as f:
                head = f.read(512)
        except OSError:
            return kind
        if head.startswith(b"PK\x03\x04"):
            return "zip"
        if head.startswith(b"PAR1"):
            return "parquet"
        if head.startswith(b"\x1f\x8b") or head[257:262] == b"ustar":
            return "tar"
    return kind


def read_file(path: Path, source: str, parts: tuple[str, ...], options: BatchOptions) -> Iterator[Item]:
    """One top-level file (or a file of a folder)."""
    kind = detect_kind(path, options.fmt)
    if kind == "zip":
        yield from read_zip(path, source, options)
    elif kind == "tar":
        yield from read_tar(path, source, options)
    elif kind == "gz":
        inner = entry_kind(path.name[: -len(".gz")])
        if options.fmt == "txt":
            inner = "note"
        yield from read_gzip(path, source, options, inner)
    else:
        def opener() -> IO[bytes]:
            return path.open("rb")
        yield from read_entry(path.name, source, parts, opener, options, None, forced=kind, in_archive=False)


def walk_files(root: Path) -> Iterator[Path]:
    """Files under ``root`` in sorted order (hidden files and folders skipped, links not followed)."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        for name in sorted(filenames):
            if not is_junk(name):
                yield Path(dirpath) / name


def read_path(path: Path, options: BatchOptions) -> Iterator[Item]:
    """Everything under one input path."""
    if path.is_dir():
        for file in walk_files(path):
            rel = file.relative_to(path).parts
            try:
                yield from read_file(file, str(file), rel, options)
            except OSError as exc:
                pid, did = note_ids(rel)
                yield problem(str(file), "unreadable", f"cannot be read ({type(exc).__name__})",
                              patient_id=pid, doc_id=did)
        return
    if not path.exists():
        yield problem(str(path), "unreadable", "no such file or folder", is_note=False)
        return
    try:
        yield from read_file(path, str(path), (path.name,), options)
    except OSError as exc:
        yield problem(str(path), "unreadable", f"cannot be read ({type(exc).__name__})", is_note=False)


def read_inputs(paths: Iterable[Path], options: BatchOptions) -> Iterator[Item]:
    """All notes and problems of all inputs, in a deterministic order."""
    for path in paths:
        yield from read_path(Path(path), options)

