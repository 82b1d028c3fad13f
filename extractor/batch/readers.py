"""Streaming readers: folders, note files, tables and archives -> notes, problems and accounts.

Every reader yields, in a deterministic order, ``NoteInput``s and ``Problem``s (error
rows that never quote note text), then one ``InputRead`` per input path (see
``items.py`` for the accounting rule). Nothing is unpacked to disk; nothing is opened
unless it is a regular file: a FIFO, a device or a socket in a folder gets a row and is
never opened (it would block or never end), and a symbolic link in a folder is not
followed unless ``follow_links`` is set. An input named on the command line is followed.

Whatever one file, member, row or name holds, it becomes a row and the reading goes on:
a fault of the reader itself on one file ends that file only, with a row saying so.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from extractor.batch.archives import Naming, read_compressed, read_tar, read_zip
from extractor.batch.config import BatchOptions, InputFormat, Limits
from extractor.batch.items import InputRead, Item, Problem, problem
from extractor.batch.streams import (
    Budget,
    CappedStream,
    Decompressed,
    EntryTooLarge,
    NotRegular,
    Prepended,
    Readable,
    SourceFile,
    Utf16AsUtf8,
    UTF16_BOMS,
    compression_of,
    open_regular,
    read_capped,
)
from extractor.batch.tables import read_parquet, read_table
from extractor.errors import InputError
from extractor.notes import NoteInput, file_type, ids_from_filename, note_from_bytes, printable

_ARCHIVE_TAR = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_COMPRESSED = {".gz": "gz", ".bz2": "bz2", ".xz": "xz"}
_TABLES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv",
           ".parquet": "parquet", ".pq": "parquet"}
_ARCHIVES = ("zip", "tar", "compressed")
# First bytes of files that are not text tables whatever they are called.
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"PK\x03\x04", b"\x1f\x8b", b"GIF8", b"\xff\xd8\xff", b"PAR1",
                 b"SQLite format 3\x00", b"\x7fELF", b"BZh", b"\xfd7zXZ\x00")
# Files beside notes that are not notes: BRAT standoff annotations of the gold-set
# layout and READMEs. Skipped silently, like hidden files and macOS resource forks.
SIDECAR_SUFFIXES = (".ann", ".md")


def entry_kind(name: str) -> str:
    """The kind of a file or member from its name: zip, tar, compressed, jsonl, csv, tsv, parquet or note."""
    lower = name.lower()
    if lower.endswith(".zip"):
        return "zip"
    if lower.endswith(_ARCHIVE_TAR):
        return "tar"
    if lower.endswith(tuple(_COMPRESSED)):
        return "compressed"
    return _TABLES.get(PurePosixPath(lower).suffix, "note")


def is_junk(name: str) -> bool:
    """Hidden files, macOS resource forks and sidecar files: not notes, skipped silently."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return bool(parts) and (
        parts[-1].startswith(".") or "__MACOSX" in parts or parts[-1].lower().endswith(SIDECAR_SUFFIXES)
    )


def member_parts(name: str) -> tuple[str, ...]:
    """The path components of an archive member name (``/`` or ``\\`` separated)."""
    return tuple(p for p in re.split(r"[/\\]", name) if p)


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
    return printable(parts[-2]), printable(path.stem)


NAMING = Naming(kind=entry_kind, is_junk=is_junk, parts=member_parts, unsafe=unsafe_member_name, note_ids=note_ids)


# --------------------------------------------------------------------------- entries


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


def _distrusted(items: Iterable[Item], reason: str) -> Iterator[Item]:
    """Rows of damaged content: each note becomes a failed note of its patient."""
    for item in items:
        if isinstance(item, NoteInput):
            yield problem(item.source, "corrupt", reason, patient_id=item.patient_id, doc_id=item.doc_id)
        else:
            yield item


def read_entry(name: str, source: str, parts: tuple[str, ...], opener: Callable[[], Any],
               budget: Budget | None, *, options: BatchOptions, forced: str | None = None,
               in_archive: bool, distrust: str | None = None) -> Iterator[Item]:
    """One file or archive member, by kind (``forced`` overrides the name). ``distrust``: the
    entry's bytes failed an integrity check, so each note in it fails with that reason."""
    limits = options.limits
    kind = forced or entry_kind(name)
    if kind in _ARCHIVES and in_archive:
        yield problem(source, "nested_archive", "archive inside an archive; not followed")
        return
    if kind == "note":
        if distrust:
            pid, did = note_ids(parts)
            yield problem(source, "corrupt", distrust, patient_id=pid, doc_id=did)
            return
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
            capped = CappedStream(raw, budget, 1 << 62)
            head = capped.read(4096)
            if head.startswith(_BINARY_MAGIC):
                yield problem(source, "binary", f"a binary file, not {kind.upper()}", is_note=False)
                return
            stream: Readable = Prepended(head, capped)
            codec = None
            if head.startswith(UTF16_BOMS):
                stream = transcoded = Utf16AsUtf8(stream)
                codec = "utf-16"
            items = read_table(kind, stream, source, options, codec=codec)
            yield from _distrusted(items, distrust) if distrust else items
            if codec and transcoded.replaced:
                yield problem(source, "not_utf16", f"{transcoded.replaced} invalid UTF-16 sequences (a lone "
                              "surrogate, an odd last byte) read as U+FFFD", is_note=False, fatal=False)
        return
    if kind == "parquet":
        if not in_archive and budget is None:
            with opener() as f:
                yield from read_parquet(f, source, options)
            return
        try:
            with opener() as raw:
                data = read_capped(CappedStream(raw, budget, limits.max_table_member_bytes),
                                   limits.max_table_member_bytes)
        except EntryTooLarge:
            yield problem(source, "too_large", f"Parquet member larger than {limits.max_table_member_bytes} "
                          "bytes; not read", is_note=False)
            return
        import io

        items = read_parquet(io.BytesIO(data), source, options)
        yield from _distrusted(items, distrust) if distrust else items


def detect_kind(name: str, file: SourceFile, fmt: str) -> str:
    """The kind of a top-level file: by ``--format``, else its name, else its first bytes."""
    if fmt not in (InputFormat.auto, InputFormat.txt):
        return fmt  # the other formats are named after the kind they read
    kind = entry_kind(name)
    if fmt == InputFormat.txt and kind not in _ARCHIVES:
        return "note"
    if kind == "note":
        head = file.head(512)
        if head.startswith(b"PK\x03\x04"):
            return "zip"
        if head.startswith(b"PAR1"):
            return "parquet"
        if head[257:262] == b"ustar":
            return "tar"
        codec = compression_of(head)
        if codec:  # a compressed tar, or one compressed note
            try:
                inner = Decompressed(codec, file, Budget(1 << 20, name), 1e9).read(512)
            except Exception:  # noqa: BLE001 - damaged: read as one compressed note, which says so
                inner = b""
            file.rewind()
            return "tar" if inner[257:262] == b"ustar" else "compressed"
    return kind


def _inner_name(name: str) -> str:
    lower = name.lower()
    for suffix in _COMPRESSED:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass
class _Tally:
    """The accounting of one input path as its files are read."""

    files: int = 0
    size: int = 0
    furthest: int = 0
    skipped: int = 0

    def __post_init__(self) -> None:
        self.digest = hashlib.sha256()
        self.file_sha: str | None = None

    def add(self, rel: str, file: SourceFile | None) -> None:
        sha = file.sha256() if file is not None else "unreadable"
        if file is not None:
            self.files += 1
            self.size += file.size
            self.furthest += file.furthest
        self.file_sha = sha
        self.digest.update(f"{rel}\0{sha}\n".encode("utf-8", "surrogateescape"))


def read_file(path: Path, source: str, parts: tuple[str, ...], options: BatchOptions, tally: _Tally,
              *, follow_links: bool) -> Iterator[Item]:
    """One regular file (a top-level input or a file of a folder); ``tally`` gets its accounting."""
    rel = "/".join(parts)
    file = open_regular(path, follow_links=follow_links)
    yielded = False
    kind = "note"
    try:
        kind = detect_kind(path.name, file, options.fmt)
        entry = functools.partial(read_entry, options=options)
        items: Iterator[Item]
        if kind == "zip":
            items = read_zip(file, source, options, NAMING, entry)
        elif kind == "tar":
            items = read_tar(file, source, options, NAMING, entry)
        elif kind == "compressed":
            codec = compression_of(file.head(8))
            inner = _inner_name(path.name)
            inner_kind = "note" if options.fmt == InputFormat.txt else entry_kind(inner)
            if inner_kind in _ARCHIVES:
                inner_kind = "note"
            if codec is None:
                what = "an empty file" if file.size == 0 else "not gzip, bzip2 or xz data"
                pid, did = note_ids(parts[:-1] + (inner,)) if inner_kind == "note" else (None, None)
                items = iter([problem(source, "corrupt_archive", f"named as compressed, but {what}; not read",
                                      patient_id=pid, doc_id=did, is_note=inner_kind == "note")])
            else:
                items = read_compressed(file, source, options, codec, inner_kind, inner, NAMING, entry)
        else:
            items = read_entry(path.name, source, parts, lambda: contextlib.nullcontext(file), None,
                               options=options, forced=kind, in_archive=False)
        for item in items:
            yielded = True
            yield item
    except (OSError, EntryTooLarge) as exc:
        yield _read_failure(source, parts, kind, yielded, f"cannot be read ({_os_reason(exc)})")
    except Exception as exc:  # noqa: BLE001 - one input's fault must not stop the run
        yield _read_failure(source, parts, kind, yielded,
                            f"reading stopped by an unexpected {type(exc).__name__}; the rest of it is not read")
    finally:
        tally.add(rel, file)
        file.close()


def _read_failure(source: str, parts: tuple[str, ...], kind: str, yielded: bool, reason: str) -> Problem:
    """The row of a file whose reading failed: a failed note when it was one note not yet counted."""
    if kind == "note" and not yielded:
        pid, did = note_ids(parts)
        return problem(source, "unreadable", reason, patient_id=pid, doc_id=did)
    return problem(source, "unreadable", reason, is_note=False)


def _os_reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) and exc.strerror else None) or type(exc).__name__


# --------------------------------------------------------------------------- folders


@dataclass(frozen=True)
class FolderEntry:
    """A name found in an input folder: a regular file to read (``skip`` empty), or why it is not read."""

    path: Path
    parts: tuple[str, ...]
    skip: str = ""
    kind: str = ""  # the row's kind when skipped
    is_note: bool = True  # a skipped entry that stands where a note would
    info: os.stat_result | None = None  # a regular file's size and times


def walk_folder(root: Path, *, follow_links: bool = False) -> Iterator[FolderEntry]:
    """Every entry under ``root`` in sorted order (a folder's files, then its sub-folders), hidden
    names and sidecar files left out silently. Nothing is opened: links, FIFOs, devices and
    sockets are only looked at (``lstat``/``stat``), and reported. Iterative, so a folder
    nested thousands deep is no deeper for Python."""
    root_info = os.stat(root)
    # folders still to list, each with its path parts and the folders above it (link loops)
    pending: list[tuple[Path, tuple[str, ...], frozenset[tuple[int, int]]]] = [
        (root, (), frozenset({(root_info.st_dev, root_info.st_ino)}))]
    while pending:
        folder, rel, ancestors = pending.pop()
        subfolders: list[tuple[Path, tuple[str, ...], frozenset[tuple[int, int]]]] = []
        for entry in _list_folder(folder, rel, follow_links):
            if isinstance(entry, FolderEntry):
                yield entry
                continue
            path, parts, info = entry
            key = (info.st_dev, info.st_ino)
            if key in ancestors:
                yield FolderEntry(path, parts, "link to a folder that contains it (a loop); not followed", "link",
                                  is_note=False)
            else:
                subfolders.append((path, parts, ancestors | {key}))
        pending.extend(reversed(subfolders))  # the first sub-folder is listed next


def _list_folder(folder: Path, rel: tuple[str, ...], follow_links: bool
                 ) -> Iterator[FolderEntry | tuple[Path, tuple[str, ...], os.stat_result]]:
    """The files of one folder (as entries) and its sub-folders (as path, parts, stat) in name order."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield FolderEntry(folder, rel or (folder.name,), f"folder cannot be listed ({_os_reason(exc)}); "
                          "nothing in it is read", "unreadable", is_note=False)
        return
    subfolders: list[tuple[Path, tuple[str, ...], os.stat_result]] = []
    for entry in entries:
        name = entry.name
        parts = (*rel, name)
        path = Path(entry.path)
        try:
            is_link = entry.is_symlink()
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_link = is_dir = False
        if is_dir or (is_link and _points_to_folder(path)):
            if name.startswith(".") or name == "__MACOSX":
                continue
        elif is_junk(name):
            continue
        if is_link and not follow_links:
            yield FolderEntry(path, parts, "symbolic link; not followed (--follow-links follows links)", "link",
                              is_note=not _points_to_folder(path))
            continue
        try:
            info = entry.stat(follow_symlinks=True)
        except OSError as exc:
            yield FolderEntry(path, parts, f"cannot be read ({_os_reason(exc)}; a broken link?)", "unreadable")
            continue
        if stat.S_ISDIR(info.st_mode):
            subfolders.append((path, parts, info))
        elif stat.S_ISREG(info.st_mode):
            yield FolderEntry(path, parts, info=info)
        else:
            yield FolderEntry(path, parts, f"{file_type(info.st_mode)}, not a regular file; never opened",
                              "special_file")
    yield from subfolders


def _points_to_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def read_path(path: Path, options: BatchOptions) -> Iterator[Item]:
    """Everything under one input path, then its ``InputRead``."""
    shown = printable(str(path))
    try:
        info = os.stat(path)  # an input named on the command line is followed
    except FileNotFoundError:
        yield problem(shown, "unreadable", "no such file or folder", is_note=False)
        yield InputRead(shown, "missing")
        return
    except OSError as exc:
        yield problem(shown, "unreadable", f"cannot be read ({_os_reason(exc)})", is_note=False)
        yield InputRead(shown, "missing")
        return
    tally = _Tally()
    if stat.S_ISDIR(info.st_mode):
        for entry in walk_folder(path, follow_links=options.follow_links):
            source = printable(str(entry.path))
            if entry.skip:
                tally.skipped += 1
                pid, did = note_ids(entry.parts) if entry.is_note else (None, None)
                yield problem(source, entry.kind, entry.skip, patient_id=pid, doc_id=did, is_note=entry.is_note)
                continue
            yield from _read_one(entry.path, source, entry.parts, options, tally, follow_links=options.follow_links)
        yield InputRead(shown, "folder", tally.files, tally.size, tally.furthest, tally.digest.hexdigest(),
                        tally.skipped)
    elif stat.S_ISREG(info.st_mode):
        yield from _read_one(path, shown, (path.name,), options, tally, follow_links=True, top=True)
        yield InputRead(shown, "file", tally.files, tally.size, tally.furthest, tally.file_sha)
    else:
        yield problem(shown, "special_file", f"{file_type(info.st_mode)}, not a regular file or folder; not read "
                      "(save it to a file first)", is_note=False)
        yield InputRead(shown, "special")


def _read_one(path: Path, source: str, parts: tuple[str, ...], options: BatchOptions, tally: _Tally, *,
              follow_links: bool, top: bool = False) -> Iterator[Item]:
    """A file of an input, its opening failures as rows (a file of a folder is one note at least)."""
    try:
        yield from read_file(path, source, parts, options, tally, follow_links=follow_links)
    except NotRegular as exc:  # it changed since it was listed
        tally.skipped += 1
        yield problem(source, "special_file", f"{exc.what}, not a regular file; never opened", is_note=not top)
    except OSError as exc:
        tally.add("/".join(parts), None)
        pid, did = (None, None) if top else note_ids(parts)
        yield problem(source, "unreadable", f"cannot be read ({_os_reason(exc)})", patient_id=pid, doc_id=did,
                      is_note=not top)


def read_inputs(paths: Iterable[Path], options: BatchOptions) -> Iterator[Item]:
    """All notes, problems and input accounts of all inputs, in a deterministic order."""
    for path in paths:
        yield from read_path(Path(path), options)
