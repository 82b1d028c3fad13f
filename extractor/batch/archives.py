"""Archives: zip, tar(.gz/.bz2/.xz) and single gzip/bzip2/xz files, read as streams, never
unpacked to disk.

Every member is a note, a table whose rows are read, or a problem row naming
``archive:member``; a damaged archive is read as far as it can be and one row says where
and why reading stopped. Compressed content is trusted only when its checksum holds: a
compressed tar or table is checked in a first pass (decompressed, nothing kept) before
any of its notes is handed on, because gzip's CRC comes at the very end of the stream:

* cut short (the stream just ends): the members before the cut are sound and are read;
* cannot be decompressed, or a tar header turns to garbage: the damage began inside the
  last member whose header came before it, so that member is not used, the ones before
  it are;
* decompressed to the end but the checksum does not match: the damage may be anywhere,
  so no member is used (each gets a row).

A plain tar has no checksum over its data; a stretch of it without a valid header is
reported and skipped, and reading resumes at the next valid header.
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from extractor.batch.config import BatchOptions
from extractor.batch.items import Item, problem
from extractor.batch.streams import (
    ArchiveLimit,
    Budget,
    Decompressed,
    EntryTooLarge,
    Readable,
    SourceFile,
    compression_of,
    drain,
    stream_damage,
)

# read_entry of readers.py: (name, source, parts, opener, budget, *, forced, in_archive, distrust)
ReadEntry = Callable[..., Iterator[Item]]
EntryKind = Callable[[str], str]
NoteIds = Callable[[tuple[str, ...]], tuple[str, str]]


@dataclass
class Naming:
    """What the archive readers need to know of entry names (from readers.py)."""

    kind: EntryKind
    is_junk: Callable[[str], bool]
    parts: Callable[[str], tuple[str, ...]]
    unsafe: Callable[[str], bool]
    note_ids: NoteIds


class CommonTop:
    """The one top-level folder all files of an archive share, if any.

    A zip of a folder (``zip -r notes.zip notes/``) reads like the folder:
    ``notes/123.txt`` is the note ``123``, not a note of a patient ``notes``.
    """

    def __init__(self, naming: Naming) -> None:
        self.naming = naming
        self.top: str | None = None
        self.shared = True

    def add(self, name: str) -> None:
        if self.naming.is_junk(name) or not self.shared:
            return
        parts = self.naming.parts(name)
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


_DAMAGE_WORDS = {
    "truncated": "is cut short",
    "trailing": "has bytes after its end that are not compressed data (ignored)",
    "checksum": "fails its checksum",
    "corrupt": "is corrupt (cannot be decompressed)",
}


def _stopped(file: SourceFile, what: str, entries: int) -> str:
    return (f"{what} at byte {file.position} of {file.size}, after {entries} entries; "
            "anything after that point could not be read")


# --------------------------------------------------------------------------- zip


def read_zip(file: SourceFile, source: str, options: BatchOptions, naming: Naming,
             read_entry: ReadEntry) -> Iterator[Item]:
    """A zip archive: members read as streams; unsafe, linked, encrypted or nested members refused.
    zipfile checks each member's CRC; a table member is checked before its rows are read."""
    limits = options.limits
    try:
        zf = zipfile.ZipFile(file)  # type: ignore[arg-type]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
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
        common = CommonTop(naming)
        for info in infos:
            if not info.is_dir():
                common.add(info.filename)
        for done, info in enumerate(infos):
            name = info.filename
            where = f"{source}:{_printable_member(name)}"
            if info.is_dir() or naming.is_junk(name):
                continue
            parts = common.strip(naming.parts(name))
            kind = naming.kind(name)
            ids = naming.note_ids(parts) if kind == "note" else (None, None)
            if naming.unsafe(name):
                yield problem(where, "unsafe_path", "absolute or '..' member name; refused")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                yield problem(where, "link", "symbolic link member; not followed", patient_id=ids[0], doc_id=ids[1])
                continue
            if info.flag_bits & 0x1:
                yield problem(where, "encrypted", "encrypted member; cannot be read", patient_id=ids[0],
                              doc_id=ids[1])
                continue
            if (info.compress_size and info.file_size > 1 << 20
                    and info.file_size / info.compress_size > limits.max_ratio):
                yield problem(where, "archive_limit", f"compressed more than {limits.max_ratio:g}:1; "
                              "member refused as a decompression bomb")
                continue
            if budget.used + info.file_size > budget.limit:
                left = sum(1 for i in infos[done:] if not i.is_dir())
                yield problem(source, "archive_limit", f"archive expands past the limit of {budget.limit} bytes; "
                              f"stopped with {left} entries not read", is_note=False)
                return
            distrust = None
            if kind in ("jsonl", "csv", "tsv"):  # its rows are handed on as they are read: check it first
                try:
                    with zf.open(info) as check:
                        drain(check)
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
                    distrust = f"the member fails its zip checksum or cannot be decompressed ({type(exc).__name__})"
            try:
                yield from read_entry(name, where, parts, lambda info=info: zf.open(info), budget,
                                      in_archive=True, distrust=distrust)
            except ArchiveLimit as exc:
                left = sum(1 for i in infos[done:] if not i.is_dir())
                yield problem(source, "archive_limit", f"archive {exc}; stopped with {left} entries "
                              "not fully read", is_note=False)
                return
            except EntryTooLarge:
                yield problem(where, "too_large", "member larger than its size limit; skipped",
                              patient_id=ids[0], doc_id=ids[1], is_note=kind == "note")
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
                yield problem(where, "corrupt", f"member cannot be read ({type(exc).__name__}: it fails its "
                              "checksum or cannot be decompressed)", patient_id=ids[0], doc_id=ids[1],
                              is_note=kind == "note")


def _printable_member(name: str) -> str:
    from extractor.notes import printable

    return printable(name)


# --------------------------------------------------------------------------- tar


def _watching_tarinfo(on_skip: Callable[[int, bool], None]) -> type[tarfile.TarInfo]:
    """A TarInfo class that reports each 512-byte block tarfile skips (``ignore_zeros``): an
    all-zero block (the end marker, padding) or a block that is not a valid header."""

    class Watched(tarfile.TarInfo):
        @classmethod
        def fromtarfile(cls, tf: tarfile.TarFile) -> tarfile.TarInfo:
            try:
                return super().fromtarfile(tf)
            except tarfile.EOFHeaderError:
                on_skip(tf.offset, False)
                raise
            except tarfile.InvalidHeaderError:
                on_skip(tf.offset, True)
                raise

    return Watched


@dataclass
class _Skipped:
    """A run of consecutive blocks skipped between members; ``damaged`` when one was not a header."""

    start: int
    end: int
    damaged: bool


class TarWalk:
    """The members of a tar stream, in order; reading goes on past damaged headers, and the
    stretches skipped are kept (``take_skipped``)."""

    def __init__(self, stream: Readable) -> None:
        self._skipped: list[_Skipped] = []
        self.members_seen = 0
        self.tf = tarfile.open(fileobj=stream, mode="r|", ignore_zeros=True,  # type: ignore[call-overload]
                               tarinfo=_watching_tarinfo(self._skip))

    def _skip(self, offset: int, damaged: bool) -> None:
        last = self._skipped[-1] if self._skipped else None
        if last is not None and last.end == offset:
            last.end = offset + tarfile.BLOCKSIZE
            last.damaged = last.damaged or damaged
        else:
            self._skipped.append(_Skipped(offset, offset + tarfile.BLOCKSIZE, damaged))

    def take_skipped(self) -> list[_Skipped]:
        """The runs skipped since the last call."""
        runs, self._skipped = self._skipped, []
        return runs

    def members(self) -> Iterator[tarfile.TarInfo]:
        """Each member as its header is read; memory stays flat on millions of members."""
        while True:
            member = self.tf.next()
            self.tf.members = []
            if member is None:
                return
            self.members_seen += 1
            yield member


def _tar_damage(exc: BaseException) -> str | None:
    """``stream_damage`` for the errors tarfile wraps or raises itself."""
    found = stream_damage(exc)
    if found:
        return found
    if isinstance(exc, tarfile.ReadError):
        return "truncated" if str(exc) == "unexpected end of data" else "corrupt"
    if isinstance(exc, tarfile.TarError):
        return "corrupt"
    return None


@dataclass
class TarCheck:
    """What a first pass over a compressed tar found (nothing of its content is kept)."""

    common: CommonTop
    damage: str | None = None  # truncated, corrupt, checksum
    suspect: int | None = None  # index of the member in which the damage began
    untrusted: bool = False  # no member can be trusted (the checksum failed)


def _check_tar(file: SourceFile, codec: str | None, options: BatchOptions, naming: Naming) -> TarCheck:
    """Walk the tar once: the shared top folder and, when compressed, whether its content is sound."""
    common = CommonTop(naming)
    check = TarCheck(common)
    stream: Readable = file
    if codec:
        stream = Decompressed(codec, file, Budget(options.limits.max_archive_bytes, "check"),
                              options.limits.max_ratio)
    walk: TarWalk | None = None
    bad_header_after: int | None = None  # members read before the first header that was garbage
    error_after = 0  # members read before a decompression error
    try:
        walk = TarWalk(stream)
        for member in walk.members():
            if bad_header_after is None and any(run.damaged for run in walk.take_skipped()):
                bad_header_after = walk.members_seen - 1
            if member.isfile():
                common.add(member.name)
            if walk.members_seen > options.limits.max_members or (not codec and not common.shared):
                return check  # the reading pass stops there too; a plain tar has nothing more to check
        if bad_header_after is None and any(run.damaged for run in walk.take_skipped()):
            bad_header_after = walk.members_seen
        if codec:
            drain(stream)  # the end of the stream is where gzip's CRC is
    except ArchiveLimit:
        return check  # the reading pass stops at the same place and says so
    except Exception as exc:  # noqa: BLE001 - any fault is reported by the reading pass
        check.damage = _tar_damage(exc)
        if check.damage == "trailing":
            check.damage = None
            return check
        error_after = walk.members_seen if walk is not None else 0
        if bad_header_after is None and walk is not None and any(run.damaged for run in walk.take_skipped()):
            bad_header_after = error_after
        if check.damage is None:
            common.shared = False
    if not codec:
        return check  # no checksum over a plain tar's data: nothing is known to be damaged
    if bad_header_after is not None:
        check.suspect = bad_header_after - 1
    elif check.damage == "corrupt":
        check.suspect = error_after - 1
    elif check.damage == "checksum":
        check.untrusted = True
    return check


def read_tar(file: SourceFile, source: str, options: BatchOptions, naming: Naming,
             read_entry: ReadEntry) -> Iterator[Item]:
    """A tar archive, plain or compressed, read as a stream; links, devices, unsafe names refused."""
    limits = options.limits
    codec = compression_of(file.head(8))
    check = _check_tar(file, codec, options, naming)
    file.rewind()
    budget = Budget(limits.max_archive_bytes, source)
    stream: Readable = Decompressed(codec, file, budget, limits.max_ratio) if codec else file
    distrust_all = ("the archive fails its checksum: its content is damaged somewhere, so no member "
                    "of it is used") if check.untrusted else None
    entries = 0
    current: tuple[str, str, tuple[str | None, str | None]] | None = None  # member being read
    walk: TarWalk | None = None
    try:
        walk = TarWalk(stream)
        for index, member in enumerate(walk.members()):
            yield from _skipped_rows(source, walk.take_skipped(), more=True)
            entries += 1
            name = member.name
            where = f"{source}:{_printable_member(name)}"
            if entries > limits.max_members:
                yield problem(source, "archive_limit", f"more than {limits.max_members} entries; stopped",
                              is_note=False)
                return
            if member.isdir() or naming.is_junk(name):
                continue
            if naming.unsafe(name):
                yield problem(where, "unsafe_path", "absolute or '..' member name; refused")
                continue
            parts = check.common.strip(naming.parts(name))
            kind = naming.kind(name)
            ids = naming.note_ids(parts) if kind == "note" else (None, None)
            if member.issym() or member.islnk():
                yield problem(where, "link", "link member; not followed", patient_id=ids[0], doc_id=ids[1])
                continue
            if not member.isfile():
                yield problem(where, "special_file", "device, FIFO or other special member; refused",
                              patient_id=ids[0], doc_id=ids[1])
                continue
            if budget.used + member.size > budget.limit:
                yield problem(source, "archive_limit", f"archive expands past the limit of {budget.limit} "
                              f"bytes; stopped after {entries - 1} entries", is_note=False)
                return
            if kind == "note" and member.size > limits.max_note_bytes:
                yield problem(where, "too_large", f"note larger than {limits.max_note_bytes} bytes; skipped",
                              patient_id=ids[0], doc_id=ids[1])
                continue
            distrust = distrust_all
            if index == check.suspect:
                distrust = ("the archive is damaged right after this member began (it cannot be decompressed "
                            "past it, or the next header is garbage): its content cannot be trusted")

            def opener(member: tarfile.TarInfo = member) -> Any:
                f = walk.tf.extractfile(member)
                assert f is not None
                return f

            current = (where, kind, ids)
            try:
                yield from read_entry(name, where, parts, opener, budget, in_archive=True, distrust=distrust)
            except EntryTooLarge:
                yield problem(where, "too_large", "member larger than its size limit; skipped",
                              patient_id=ids[0], doc_id=ids[1], is_note=kind == "note")
            current = None
        yield from _skipped_rows(source, walk.take_skipped(), more=False)
        if codec:
            drain(stream)
    except ArchiveLimit as exc:
        yield problem(source, "archive_limit", f"archive {exc}; stopped after {entries} entries", is_note=False)
    except Exception as exc:  # noqa: BLE001 - classified below; anything else is re-raised
        damage = _tar_damage(exc)
        if damage is None:
            raise
        if walk is None:
            yield problem(source, "corrupt_archive",
                          _stopped(file, f"not a readable tar archive: it {_DAMAGE_WORDS[damage]} "
                                   f"({type(exc).__name__})", 0), is_note=False)
            return
        if damage == "trailing":
            yield problem(source, "trailing_data", f"the archive {_DAMAGE_WORDS[damage]}", is_note=False,
                          fatal=False)
            return
        yield from _skipped_rows(source, walk.take_skipped(), more=False)
        if current is not None:
            where, kind, ids = current
            yield problem(where, "truncated" if damage == "truncated" else "corrupt",
                          f"member not read to its end: the archive {_DAMAGE_WORDS[damage]} "
                          "inside it", patient_id=ids[0], doc_id=ids[1], is_note=kind == "note")
        yield problem(source, "corrupt_archive",
                      _stopped(file, f"archive {_DAMAGE_WORDS[damage]} ({type(exc).__name__})", entries),
                      is_note=False)


def _skipped_rows(source: str, runs: list[_Skipped], *, more: bool) -> Iterator[Item]:
    """A row for each damaged stretch of a tar (zero blocks alone are its end marker, or padding)."""
    for run in runs:
        if run.damaged:
            after = "reading resumed at the next valid header" if more else "up to the end of the archive"
            yield problem(source, "corrupt_archive", f"bytes {run.start}-{run.end} of the (uncompressed) archive "
                          f"hold no valid tar header: damaged, skipped; {after}; members in them are lost",
                          is_note=False)


# --------------------------------------------------------------------------- single compressed files


def read_compressed(file: SourceFile, source: str, options: BatchOptions, codec: str, inner_kind: str,
                    name: str, naming: Naming, read_entry: ReadEntry) -> Iterator[Item]:
    """One compressed file (``notes.jsonl.gz``, ``note.txt.gz``, ``.bz2``, ``.xz``).

    A table's rows are handed on as they are read, so its checksum is checked in a first
    pass; a note is read whole, which checks it on the way.
    """
    limits = options.limits
    ids = naming.note_ids((name,)) if inner_kind == "note" else (None, None)
    distrust = None
    if inner_kind in ("jsonl", "csv", "tsv"):
        try:
            drain(Decompressed(codec, file, Budget(limits.max_archive_bytes, "check"), limits.max_ratio))
        except ArchiveLimit:
            pass  # the reading pass stops at the same place and says so
        except Exception as exc:  # noqa: BLE001 - only stream faults are judged here
            damage = stream_damage(exc)
            if damage in ("checksum", "corrupt"):  # cut short or trailing bytes: what precedes is sound
                distrust = (f"the file {_DAMAGE_WORDS[damage]}: its content cannot be trusted, so no row "
                            "of it is used")
        file.rewind()
    budget = Budget(limits.max_archive_bytes, source)
    try:
        yield from read_entry(name, source, (name,), lambda: Decompressed(codec, file, budget, limits.max_ratio),
                              budget, forced=inner_kind, in_archive=False, distrust=distrust)
    except ArchiveLimit as exc:
        yield problem(source, "archive_limit", f"{exc}; stopped at byte {file.position} of {file.size}",
                      patient_id=ids[0], doc_id=ids[1], is_note=inner_kind == "note")
    except Exception as exc:  # noqa: BLE001 - classified below; anything else is re-raised
        damage = stream_damage(exc)
        if damage is None:
            raise
        if damage == "trailing":
            yield problem(source, "trailing_data", f"the file {_DAMAGE_WORDS[damage]}", is_note=False, fatal=False)
            return
        yield problem(source, "corrupt_archive",
                      f"compressed file {_DAMAGE_WORDS[damage]} ({type(exc).__name__}) at byte {file.position} "
                      f"of {file.size}; " + ("the note is not used" if inner_kind == "note"
                                             else "rows after that point could not be read"),
                      patient_id=ids[0], doc_id=ids[1], is_note=inner_kind == "note")
