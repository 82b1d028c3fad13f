"""Notes as they enter the pipeline: decoding policy, date line, file names.

A note is decoded once, here, by one documented policy, so that character
offsets in every output refer to the same text:

1. a UTF-8 BOM is stripped; UTF-16 with a BOM is decoded as UTF-16 (a damaged one, e.g.
   of odd length or with a lone surrogate, with U+FFFD for each bad unit, and flagged);
2. strict UTF-8;
3. otherwise cp1252 (the usual culprit in clinical exports), and where even that
   fails, Latin-1 (never fails); the note is flagged ``decoded_with``;
4. lone surrogates and NUL characters are replaced by U+FFFD (spaCy's tokenizer
   raises on surrogates), so offsets are unchanged.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from extractor.errors import InputError

DATE_LINE = re.compile(r"\A\ufeff?Date:[ \t]*(\d{4}-\d{2}-\d{2})[ \t]*(?:\r?\n|\Z)")
_UNSAFE_CHARS = re.compile("[\ud800-\udfff\x00]")
# A NUL-heavy head is how binary files (PDF, images, zip) show themselves.
_BINARY_SNIFF_BYTES = 4096
# What a note read by ``extract`` may weigh (the batch has its own --max-note-mb).
MAX_NOTE_BYTES = 64 * 1024 * 1024
UTF16_REPLACED = "utf-16-with-replacements"


@dataclass(frozen=True)
class NoteInput:
    """One document of one patient, decoded.

    ``source`` says where the note came from (a path, ``archive.zip:member`` or
    ``file.jsonl:17``) so that errors can name it without quoting its text.
    """

    patient_id: str
    doc_id: str
    text: str
    date: str | None = None
    note_type: str | None = None
    source: str = ""
    decoded_with: str | None = None
    flags: tuple[str, ...] = field(default=())


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text in any encoding we accept."""
    head = data[:_BINARY_SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 with BOM is text
    if b"\x00" in head:
        return head.count(b"\x00") > len(head) // 100
    return head.startswith((b"%PDF", b"\x89PNG", b"PK\x03\x04", b"\x1f\x8b", b"GIF8", b"\xff\xd8\xff"))


def printable(name: str) -> str:
    """A file or member name as it may be shown or stored: control characters, lone
    surrogates (undecodable bytes of a name) and other unprintable characters are
    backslash-escaped, so a name cannot break a terminal line, a JSON line or an encoder."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in name)


def file_type(mode: int) -> str:
    """What a file that is not a regular file is, in words (for one-line messages)."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def fallback_flags(decoded_with: str | None) -> tuple[str, ...]:
    """The flag a note carries when it was not valid UTF-8 (UTF-16 with a BOM is fine)."""
    if decoded_with and decoded_with != "utf-16":
        return (f"not_utf8:decoded_as_{decoded_with}",)
    return ()


def decode_note(data: bytes) -> tuple[str, str | None]:
    """Decode note bytes by the module's policy; return (text, fallback codec or None)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return sanitize_text(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:  # odd length, lone surrogate: one U+FFFD a bad unit
            return sanitize_text(data.decode("utf-16", "replace")), UTF16_REPLACED
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return sanitize_text(data.decode("utf-8")), None
    except UnicodeDecodeError:
        pass
    try:
        return sanitize_text(data.decode("cp1252")), "cp1252"
    except UnicodeDecodeError:
        return sanitize_text(data.decode("latin-1")), "latin-1"


def sanitize_text(text: str) -> str:
    """Replace characters spaCy cannot take (lone surrogates, NUL) without moving offsets."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.isascii():  # known in O(1); no surrogates then, and NUL is rare
        return text.replace("\x00", "\ufffd") if "\x00" in text else text
    return _UNSAFE_CHARS.sub("\ufffd", text)


def date_of(text: str) -> str | None:
    """The ISO date of a note's first line ``Date: YYYY-MM-DD``, if it has one."""
    match = DATE_LINE.match(text)
    return match.group(1) if match else None


def ids_from_filename(path: Path) -> tuple[str, str]:
    """``P01__03-ct.txt`` -> ("P01", "03-ct"); a name without ``__`` is its own patient.
    Unprintable characters of the name are escaped (``printable``)."""
    stem = printable(path.stem)
    if "__" in stem:
        patient_id, doc_id = stem.split("__", 1)
        if patient_id and doc_id:
            return patient_id, doc_id
    return stem, stem


def note_from_bytes(
    data: bytes,
    *,
    source: str,
    patient_id: str,
    doc_id: str,
    date: str | None = None,
    note_type: str | None = None,
) -> NoteInput:
    """Build a NoteInput from raw bytes; raise InputError (no note text) if unusable."""
    if looks_binary(data):
        raise InputError(source, "binary", "looks like a binary file, not text")
    text, decoded_with = decode_note(data)
    return NoteInput(
        patient_id=patient_id,
        doc_id=doc_id,
        text=text,
        date=date or date_of(text),
        note_type=note_type,
        source=source,
        decoded_with=decoded_with,
        flags=fallback_flags(decoded_with),
    )


def read_note_file(path: Path, *, patient_id: str | None = None) -> NoteInput:
    """Read one note file; raise InputError naming the file and the reason."""
    source = printable(str(path))
    try:
        # opened without waiting (a FIFO would block) and read only if it is a regular file
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise InputError(source, "unreadable", f"is {file_type(mode)}, not a note file")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_NOTE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(source, "unreadable", "no such file") from None
    except PermissionError:
        raise InputError(source, "unreadable", "permission denied") from None
    except OSError as exc:
        raise InputError(source, "unreadable", f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > MAX_NOTE_BYTES:
        raise InputError(source, "too_large", f"note larger than {MAX_NOTE_BYTES} bytes; not read")
    file_patient, doc_id = ids_from_filename(path)
    return note_from_bytes(data, source=source, patient_id=patient_id or file_patient, doc_id=doc_id)
