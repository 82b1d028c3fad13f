"""Byte streams under caps: input files opened safely and accounted for, decompression with
integrity and ratio checks, UTF-16 transcoding, and physical lines of any line ending.

Nothing here reads more than its caller asks for: a file is never opened unless it is a
regular file (a FIFO or a device would block or never end), decompression stops at the
archive's byte budget and at a compression ratio, and a line is never held whole past its cap.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import hashlib
import io
import lzma
import os
import re
import stat
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Protocol

from extractor.notes import file_type

MiB = 1 << 20
_BLOCK = MiB
# Below this many decompressed bytes the ratio is not judged: a small file of blank lines
# compresses far past any limit and costs nothing.
RATIO_FLOOR = MiB


class Readable(Protocol):
    """What the readers need of a stream."""

    def read(self, n: int = -1, /) -> bytes: ...


class ArchiveLimit(Exception):
    """An input expanded past its byte budget or its compression ratio; ``str`` says which."""


class EntryTooLarge(Exception):
    """One member or note is larger than its cap."""


class NotRegular(OSError):
    """A path that is not a regular file (FIFO, device, socket, or a link that is not followed)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class SourceFile:
    """A regular input file: counts how far it was read and hashes its bytes as they go by.

    Readers that stream (notes, JSONL, CSV, tar, gzip) read it once from the start, so its
    sha256 costs no second pass; readers that seek (zip, Parquet) leave gaps that ``sha256``
    fills with one bounded sequential pass. ``furthest`` is the furthest byte read: for a
    stream that stopped early it says where, and the manifest shows it beside the size.
    """

    def __init__(self, fd: int, size: int) -> None:
        self._file = io.FileIO(fd, "rb", closefd=True)
        self.size = size
        self.position = 0
        self.furthest = 0
        self._digest = hashlib.sha256()
        self._hashed = 0

    def _seen(self, data: bytes | memoryview) -> None:
        start, end = self.position, self.position + len(data)
        if start <= self._hashed < end:
            self._digest.update(data[self._hashed - start :])
            self._hashed = end
        self.position = end
        if end > self.furthest:
            self.furthest = end

    def read(self, n: int = -1, /) -> bytes:
        data = self._file.read() if n is None or n < 0 else self._file.read(n)
        data = data or b""
        self._seen(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        count = self._file.readinto(buffer) or 0
        self._seen(memoryview(buffer)[:count])
        return count

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self._file.seek(offset, whence)
        return self.position

    def tell(self) -> int:
        return self.position

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> SourceFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def head(self, n: int) -> bytes:
        """The first ``n`` bytes, read aside (neither the position nor the accounting moves)."""
        return os.pread(self._file.fileno(), n, 0)

    def rewind(self) -> None:
        """Back to the start for a second pass (after a check): how far that pass gets is what counts."""
        self.seek(0)
        self.furthest = 0

    def sha256(self) -> str:
        """The file's sha256 (the bytes no reader reached are read here, in order)."""
        end = max(self.size, self.furthest)
        while self._hashed < end:
            chunk = os.pread(self._file.fileno(), min(_BLOCK, end - self._hashed), self._hashed)
            if not chunk:
                break
            self._digest.update(chunk)
            self._hashed += len(chunk)
        return self._digest.hexdigest()


def open_regular(path: Path, *, follow_links: bool) -> SourceFile:
    """Open ``path`` for reading only if it is a regular file; else ``NotRegular``.

    ``O_NONBLOCK``: opening a FIFO must not wait for a writer; ``O_NOFOLLOW``: a file
    swapped for a link after the folder was listed is still not followed.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_links and os.path.islink(path):
            raise NotRegular("a symbolic link") from None
        raise exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(file_type(info.st_mode))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return SourceFile(fd, info.st_size)


# --------------------------------------------------------------------------- budgets and caps


class Budget:
    """The bytes an archive may still expand to."""

    def __init__(self, limit: int, what: str) -> None:
        self.limit = limit
        self.used = 0
        self.what = what

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise ArchiveLimit(f"expands past the limit of {self.limit} bytes")


class CappedStream:
    """A binary stream that charges an archive budget and caps one entry's size."""

    def __init__(self, raw: Readable, budget: Budget | None, cap: int) -> None:
        self.raw = raw
        self.budget = budget
        self.cap = cap
        self.read_bytes = 0

    def read(self, n: int = -1, /) -> bytes:
        if n is None or n < 0:
            n = self.cap + 1 - self.read_bytes
        data = self.raw.read(max(0, min(n, self.cap + 1 - self.read_bytes))) or b""
        self.read_bytes += len(data)
        if self.budget is not None:
            self.budget.take(len(data))
        if self.read_bytes > self.cap:
            raise EntryTooLarge
        return data


def read_capped(stream: Readable, cap: int) -> bytes:
    """All of ``stream`` or EntryTooLarge past ``cap`` bytes."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_BLOCK, cap + 1 - total) or 1)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > cap:
            raise EntryTooLarge
        chunks.append(chunk)


def drain(stream: Readable) -> int:
    """Read ``stream`` to its end, keeping nothing (integrity checks run at the end); bytes read."""
    total = 0
    while chunk := stream.read(_BLOCK):
        total += len(chunk)
    return total


class Prepended:
    """A stream whose first bytes were read ahead (to sniff them) and are served again."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head = head
        self._rest = rest

    def read(self, n: int = -1, /) -> bytes:
        if not self._head:
            return self._rest.read(n)
        if n is None or n < 0:
            out, self._head = self._head, b""
            return out + self._rest.read(-1)
        out, self._head = self._head[:n], self._head[n:]
        return out


# --------------------------------------------------------------------------- decompression

COMPRESSED_MAGIC = {b"\x1f\x8b": "gz", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz"}


def compression_of(head: bytes) -> str | None:
    """gz, bz2 or xz from a file's first bytes, else None."""
    for magic, codec in COMPRESSED_MAGIC.items():
        if head.startswith(magic):
            return codec
    return None


class Decompressed:
    """A decompressing stream over a ``SourceFile`` that charges the archive budget and stops
    past ``max_ratio`` decompressed bytes per compressed byte (a bomb), for every codec.

    gzip's CRC and length, bzip2's block CRCs and xz's check are verified by the codecs as
    the stream is read; ``stream_damage`` says what their exceptions mean.
    """

    def __init__(self, codec: str, source: SourceFile, budget: Budget, max_ratio: float) -> None:
        self.source = source
        self.budget = budget
        self.max_ratio = max_ratio
        self.produced = 0
        self._start = source.position
        self._raw: IO[bytes]
        if codec == "gz":
            self._raw = gzip.GzipFile(fileobj=source, mode="rb")  # type: ignore[arg-type]
        elif codec == "bz2":
            self._raw = bz2.BZ2File(source)  # type: ignore[arg-type]
        else:
            self._raw = lzma.LZMAFile(source)  # type: ignore[arg-type]

    def __enter__(self) -> Decompressed:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()  # the codec's state; the source file stays open for its owner

    def read(self, n: int = -1, /) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(_BLOCK), b""))
        data = self._raw.read1(n)  # what is decompressed so far: read() would hold it back to fill n
        self.produced += len(data)
        self.budget.take(len(data))
        consumed = max(1, self.source.position - self._start)
        if self.produced > RATIO_FLOOR and self.produced > self.max_ratio * consumed:
            raise ArchiveLimit(f"compressed more than {self.max_ratio:g}:1 (a decompression bomb)")
        return data


def stream_damage(exc: BaseException) -> str | None:
    """What a decompression or archive exception says about the input: ``truncated`` (it ends
    too soon; what came before is sound), ``trailing`` (bytes after the compressed stream's
    checked end that are not another stream: what came before is sound), ``checksum`` (its
    content does not match its checksum), ``corrupt`` (it cannot be decoded), or None (not a
    fault of the input's bytes)."""
    if isinstance(exc, EOFError):
        return "truncated"
    if isinstance(exc, gzip.BadGzipFile):
        text = str(exc)
        if text.startswith("Not a gzipped file"):  # a member ended, CRC checked; what follows is not gzip
            return "trailing"
        return "checksum" if text.startswith(("CRC check failed", "Incorrect length")) else "corrupt"
    if isinstance(exc, zlib.error | lzma.LZMAError):
        return "corrupt"
    if type(exc) is OSError and str(exc) == "Invalid data stream":  # bz2, whose block CRCs failed too
        return "corrupt"
    return None


# --------------------------------------------------------------------------- UTF-16 text


class _Replacements(threading.local):
    count = 0


_REPLACED = _Replacements()


def _replace_and_count(exc: UnicodeError) -> tuple[str, int]:
    _REPLACED.count += 1
    assert isinstance(exc, UnicodeDecodeError)
    return "\ufffd", exc.end


codecs.register_error("extractor-replace", _replace_and_count)

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class Utf16AsUtf8:
    """A UTF-16 stream (with its BOM) served as UTF-8 bytes, so that line splitting and the
    table readers work on one encoding. Invalid sequences (a lone surrogate, an odd last
    byte) become U+FFFD, one character each, and are counted in ``replaced``."""

    def __init__(self, raw: Readable) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder("utf-16")(errors="extractor-replace")
        self._buffer = b""
        self._done = False
        self.replaced = 0

    def read(self, n: int = -1, /) -> bytes:
        while not self._done and (n is None or n < 0 or len(self._buffer) < n):
            chunk = self._raw.read(_BLOCK)
            before = _REPLACED.count
            text = self._decoder.decode(chunk, final=not chunk)
            self.replaced += _REPLACED.count - before
            self._buffer += text.encode("utf-8", "surrogatepass")
            self._done = not chunk
        if n is None or n < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out


# --------------------------------------------------------------------------- lines


_LF_LINES = re.compile(rb"[^\n]*\n")


def physical_lines(stream: Readable, cap: int, skip_blank: Callable[[], bool] = lambda: True,
                   on_drop: Callable[[bytes], None] | None = None) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes with their line end) of a binary stream; ``None`` for a line longer
    than ``cap``, whose bytes are never held: they go to ``on_drop`` piece by piece, in order,
    for a caller that must still see them (the CSV reader follows their quotes).

    Lines end at ``\\n`` (so also ``\\r\\n``); in a file whose first line ends with a lone
    ``\\r`` (old Mac exports), at a lone ``\\r`` too. (A stray ``\\r`` inside a line of an
    ordinary file stays inside its line.) A block that holds nothing but blanks and line
    ends is counted, not split, whenever ``skip_blank()`` says blank lines mean nothing
    there (not inside a quoted CSV cell), so a file of blank lines costs what reading it costs.
    """
    drop = on_drop or (lambda piece: None)
    lineno = 0
    held: list[bytes] = []  # the start of a line not yet ended
    held_size = 0
    skipping = False  # inside a line longer than cap: its bytes are dropped
    cr_ends_lines: bool | None = None  # decided at the first line end
    while True:
        block = stream.read(_BLOCK)
        while block.endswith(b"\r"):  # it may be half of "\r\n"
            more = stream.read(_BLOCK)
            if not more:
                break
            block += more
        if not block:
            break
        if cr_ends_lines is None:
            first_cr, first_lf = block.find(b"\r"), block.find(b"\n")
            if first_cr >= 0 and (first_lf < 0 or first_cr + 1 < first_lf):
                cr_ends_lines = True
            elif first_lf >= 0:
                cr_ends_lines = False
        if cr_ends_lines:
            cut = max(block.rfind(b"\n"), block.rfind(b"\r"))
        else:
            cut = block.rfind(b"\n")
        if cut >= 0 and not held and not skipping and cut == len(block) - 1 and block.isspace() and skip_blank():
            ends = block.count(b"\n")
            if cr_ends_lines:
                ends += block.count(b"\r") - block.count(b"\r\n")
            lineno += ends
            continue
        if cut < 0:  # no line ends here: all of it continues the held line
            if skipping:
                drop(block)
            elif held_size + len(block) > cap:
                for piece in (*held, block):
                    drop(piece)
                skipping, held, held_size = True, [], 0
            else:
                held.append(block)
                held_size += len(block)
            continue
        head = block[: cut + 1]
        if cr_ends_lines or b"\r" not in head or head.count(b"\r") == head.count(b"\r\n"):
            lines = head.splitlines(keepends=True)  # the same lines, and twice as fast as the regex
        else:
            lines = _LF_LINES.findall(head)
        if held or skipping:
            first = lines.pop(0)
            lineno += 1
            if skipping or held_size + len(first) > cap:
                for piece in (*held, first):
                    drop(piece)
                yield lineno, None
            else:
                yield lineno, b"".join(held) + first
            held, held_size, skipping = [], 0, False
        for line in lines:
            lineno += 1
            if len(line) > cap:
                drop(line)
                yield lineno, None
            else:
                yield lineno, line
        tail = block[cut + 1 :]
        if len(tail) > cap:
            drop(tail)
            skipping = True
        elif tail:
            held, held_size = [tail], len(tail)
    if skipping:
        yield lineno + 1, None
    elif held:
        yield lineno + 1, b"".join(held)
