"""Reliability of ``extractor batch`` against hostile inputs and environments (issue 15).

Every input is generated here (nothing large is committed); every case runs on the
fault-injection pipeline (a blank English pipeline) and finishes in seconds. Each checks
the promise: the run exits as documented, every row, line and member is a note or an
error row, no patient is invented, no note text reaches an id, an error row or a
message, and the manifest says how far each input was read.

Cases that held before issue 15 live beside the code they test and are listed in the
README's reliability table: zip slip, bombs, links and devices in archives, nested
archives (tests/unit/test_batch_readers.py), kill -9 then --resume, Ctrl-C, the privacy
canary, ReDoS and poison notes (tests/integration/test_batch_faults.py).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from extractor.batch.config import BatchOptions, Limits
from extractor.batch.run import run_batch

FAULTS = "extractor.batch.faults:fault_pipeline"
CANARY = "ZZCANARY4417"
NOTE = f"Date: 2020-03-01\n\nNecrolytic migratory erythema. {CANARY} Glucagon 1200 pg/mL.\n"


# --------------------------------------------------------------------------- helpers


def options(**kw: object) -> BatchOptions:
    base: dict[str, object] = {"pipeline": FAULTS, "workers": 1, "progress": False}
    base.update(kw)
    return BatchOptions(**base)  # type: ignore[arg-type]


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run(inputs: list[Path], out: Path, **kw: object) -> dict:
    """Run in-process; return the manifest after checking the promises every run keeps."""
    started = time.monotonic()
    run_batch(inputs, out, options(**kw))
    assert time.monotonic() - started < 60, "a hostile input must not make a run slow"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts_add_up"]
    assert manifest["notes_read"] == manifest["notes_processed"] + manifest["notes_failed"]
    no_text = "".join((out / name).read_text(encoding="utf-8") for name in ("errors.jsonl", "documents.jsonl",
                                                                            "manifest.json", "cohort.csv"))
    assert CANARY not in no_text, "note text in an id, an error row or the manifest"
    rows = jsonl(out / "errors.jsonl")
    assert len(rows) == manifest["error_rows"]
    return manifest


def errors(out: Path) -> list[dict]:
    return jsonl(out / "errors.jsonl")


def patients(out: Path) -> list[str]:
    return [r["patient_id"] for r in jsonl(out / "records.jsonl")]


def cli(*args: str, timeout: float = 60, preexec: object = None) -> tuple[int, str, str]:
    """``extractor batch`` in a child process (exit code, stdout, stderr); a hang fails the test."""
    child = subprocess.run([sys.executable, "-m", "extractor", "batch", *args], capture_output=True, text=True,
                           timeout=timeout, preexec_fn=preexec)  # type: ignore[arg-type]
    return child.returncode, child.stdout, child.stderr


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("lines", [400, 40_000], ids=["over-the-note-limit", "over-the-row-limit"])
def test_csv_cell_over_the_size_limit_is_one_row_and_never_invents_patients(tmp_path: Path, lines: int) -> None:
    """A quoted cell larger than the limit whose lines look like rows: one `too_large` row; the
    reader never restarts inside the cell, so none of its lines becomes a patient. A cell over
    the note limit is a failed note of its patient; one over the row limit (the note limit
    and 1 MB) is not even held, and is skipped to its closing quote."""
    # Arrange
    cell = "\n".join(f"P{i},d{i},{CANARY} line {i} of one long note" for i in range(lines))
    path = tmp_path / "notes.csv"
    path.write_text(f'patient_id,doc_id,text\nA,1,first\nB,2,"{cell}"\nC,3,last\n', encoding="utf-8")
    out = tmp_path / "out"
    # Act
    manifest = run([path], out, limits=Limits(max_note_bytes=4_000))
    # Assert
    held = lines == 400
    assert patients(out) == (["A", "B", "C"] if held else ["A", "C"])
    assert [(e["source"].rsplit(":", 1)[1], e["kind"], e["patient_id"]) for e in errors(out)] == [
        ("3", "too_large", "B" if held else None)]
    assert (manifest["notes_read"], manifest["notes_failed"]) == (3, 1)


def test_csv_unclosed_quote_does_not_swallow_the_rows_after_it(tmp_path: Path) -> None:
    """102 rows, the second with a quote never closed: it alone fails, the 101 others are read,
    and no row's text is given to another patient."""
    # Arrange
    rows = [f"P{i:03d},d,{CANARY} plain note {i}" for i in range(102)]
    rows[1] = f'P001,d,"{CANARY} opened and never closed'
    path = tmp_path / "notes.csv"
    path.write_text("patient_id,doc_id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    assert patients(out) == [f"P{i:03d}" for i in range(102) if i != 1]
    assert [(e["source"].rsplit(":", 1)[1], e["kind"], e["patient_id"]) for e in errors(out)] == [
        ("3", "malformed", None)]
    assert (manifest["notes_read"], manifest["notes_processed"], manifest["notes_failed"]) == (102, 101, 1)
    texts = {d["patient_id"]: d["chars"] for d in jsonl(out / "documents.jsonl")}
    assert max(v for v in texts.values() if v) < 40  # no note holds another row's text


def test_csv_cut_short_inside_a_cell_reads_no_cell_line_as_a_row(tmp_path: Path) -> None:
    """A CSV cut inside a multi-line cell (`head -c` of an export): the cut row is one error row
    naming its lines; the cell's lines are never read as rows."""
    # Arrange
    cell = "\n".join(f"x{i},y{i},{CANARY} z{i}" for i in range(30))
    path = tmp_path / "notes.csv"
    full = f'patient_id,doc_id,text\nA,1,first\nB,2,"{cell}"\n'
    path.write_text(full[: full.index("z20")], encoding="utf-8")
    out = tmp_path / "out"
    # Act
    run([path], out)
    # Assert
    assert patients(out) == ["A"]
    rows = errors(out)
    assert [(r["source"].rsplit(":", 1)[1], r["kind"]) for r in rows] == [("3", "malformed")]
    assert "never closed" in rows[0]["reason"]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"], ids=["cr-only", "crlf", "lf"])
def test_csv_of_any_line_ending_is_read_row_by_row(tmp_path: Path, ending: str) -> None:
    """Old Mac exports end lines with CR alone; every row is read, a quoted cell keeps its line breaks."""
    # Arrange
    path = tmp_path / "notes.csv"
    path.write_bytes(ending.join(["patient_id,doc_id,text", "A,1,one", f'B,2,"two{ending}lines"', "C,3,three", ""])
                     .encode())
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    assert patients(out) == ["A", "B", "C"]
    assert manifest["notes_processed"] == 3 and errors(out) == []
    assert [d["chars"] for d in jsonl(out / "documents.jsonl")] == [3, 9 + len(ending) - 1, 5]


def test_a_stray_cr_inside_a_line_of_an_lf_file_ends_no_line(tmp_path: Path) -> None:
    """CR alone ends lines only in a file whose first line ends so: elsewhere a stray CR stays in its line."""
    # Arrange
    path = tmp_path / "notes.jsonl"
    path.write_bytes(b'{"patient_id": "A", "text": "one"}\n{"patient_id": "B",\r "text": "two"}\n')
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    assert patients(out) == ["A", "B"] and manifest["notes_processed"] == 2


def test_csv_with_nul_bytes_reads_its_good_rows(tmp_path: Path) -> None:
    """NULs in the first 4 KB do not refuse the file: a binary row fails alone, a note with one
    stray NUL is read (NUL as U+FFFD), the good rows are counted."""
    # Arrange
    path = tmp_path / "notes.csv"
    path.write_bytes(b"patient_id,doc_id,text\nA,1,good\nB,2,\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\n"
                     b"C,3,a long note with one stray \x00 byte in it" + b" and more words" * 10 + b"\nD,4,good too\n")
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    assert patients(out) == ["A", "C", "D"]
    assert [(e["source"].rsplit(":", 1)[1], e["kind"]) for e in errors(out)] == [("3", "binary")]
    assert (manifest["notes_read"], manifest["notes_processed"]) == (4, 3)


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl"])
def test_utf16_tables_are_read_and_one_row_is_one_note(tmp_path: Path, kind: str) -> None:
    """A UTF-16 table (Excel's "Unicode text") is read like UTF-8; a 1-row file counts 1 note."""
    # Arrange
    if kind == "jsonl":
        text = json.dumps({"patient_id": "Ü1", "doc_id": "d", "text": "Glucagon 900 pg/mL, naïve"},
                          ensure_ascii=False) + "\n"
    else:
        sep = "," if kind == "csv" else "\t"
        text = sep.join(["patient_id", "doc_id", "text"]) + "\n" + sep.join(["Ü1", "d", "Glucagon naïve"]) + "\n"
    path = tmp_path / f"notes.{kind}"
    path.write_bytes(text.encode("utf-16"))
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    assert patients(out) == ["Ü1"]
    assert (manifest["notes_read"], manifest["notes_processed"]) == (1, 1)
    assert [d["decoded_with"] for d in jsonl(out / "documents.jsonl")] == ["utf-16"]


@pytest.mark.parametrize("data", [b"\xff\xfeA", b"\xff\xfeA\x00B", b"\xff\xfe\x00\xd8A\x00"],
                         ids=["3-bytes", "odd-length", "lone-surrogate"])
def test_damaged_utf16_note_is_read_and_flagged(tmp_path: Path, data: bytes) -> None:
    """A UTF-16 note of odd length or with a lone surrogate: bad units become U+FFFD, the note is flagged."""
    # Arrange
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "P1__u16.txt").write_bytes(data)
    (folder / "P1__ok.txt").write_text("fine", encoding="utf-8")
    out = tmp_path / "out"
    # Act
    manifest = run([folder], out)
    # Assert
    assert (manifest["notes_read"], manifest["notes_processed"]) == (2, 2)
    assert [(e["doc_id"], e["kind"], e["fatal"]) for e in errors(out)] == [("u16", "not_utf8", False)]


def test_damaged_utf16_note_does_not_crash_extract(tmp_path: Path) -> None:
    """`extractor extract` on an odd-length UTF-16 note prints a record, no traceback."""
    # Arrange
    path = tmp_path / "P1__u16.txt"
    path.write_bytes("Date: 2020-01-01\nNME".encode("utf-16") + b"\x00")
    # Act
    child = subprocess.run([sys.executable, "-m", "extractor", "extract", str(path), "--compact"],
                           capture_output=True, text=True, timeout=120)
    # Assert
    assert child.returncode == 0, child.stderr
    assert "Traceback" not in child.stderr
    assert json.loads(child.stdout)["patient_id"] == "P1"


def test_ids_that_are_not_ids_fail_their_row_alone(tmp_path: Path) -> None:
    """Lone surrogates, control characters or note-length text in an id column: a `schema` row each
    (never a crash of the SQLite writer, never note text as an id); a lone surrogate in the
    note type is replaced."""
    # Arrange
    rows = [
        {"patient_id": "\udcb2", "doc_id": "a", "text": "t"},
        {"patient_id": "p1", "doc_id": "b\udcb2", "text": "t"},
        {"patient_id": "p1", "doc_id": "c", "note_type": "rad\udcb2", "text": "fine"},
        {"patient_id": "p\x1b[31m", "doc_id": "d", "text": "t"},
        {"patient_id": f"{CANARY} " * 40, "doc_id": "e", "text": "t"},
        {"patient_id": "p2", "doc_id": "f", "text": "fine"},
    ]
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    # Act
    manifest = run([path], out, parquet=True)
    # Assert
    assert patients(out) == ["p1", "p2"]
    assert [(e["source"].rsplit(":", 1)[1], e["kind"]) for e in errors(out)] == [
        ("1", "schema"), ("4", "schema"), ("5", "schema"), ("2", "schema")]
    assert (manifest["notes_read"], manifest["notes_failed"]) == (6, 4)
    types = [d["note_type"] for d in jsonl(out / "documents.jsonl") if d["doc_id"] == "c"]
    assert types == ["rad\ufffd"]
    assert sqlite3.connect(out / "cohort.sqlite").execute("SELECT COUNT(*) FROM errors").fetchone() == (4,)


def test_a_real_document_id_is_never_given_to_another_note(tmp_path: Path) -> None:
    """`a` twice with other texts beside a real `a~2`: `a~2` keeps its own text, the renamed note is `a~3`."""
    # Arrange
    rows = [{"patient_id": "p", "doc_id": "a", "text": "first text"},
            {"patient_id": "p", "doc_id": "a~2", "text": "the real a~2"},
            {"patient_id": "p", "doc_id": "a", "text": "second text"}]
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    # Act
    run([path], out)
    # Assert
    chars = {d["doc_id"]: d["chars"] for d in jsonl(out / "documents.jsonl")}
    assert chars["a~2"] == len("the real a~2")
    assert sorted(chars) == ["a", "a~2", "a~3"] and {chars["a"], chars["a~3"]} == {10, 11}


@pytest.mark.parametrize("line", ["[" * 100_000 + "]" * 100_000, '{"patient_id": ' + "9" * 5000 + "}"],
                         ids=["nested-100k-deep", "5000-digit-number"])
def test_json_lines_that_break_the_json_parser_fail_alone(tmp_path: Path, line: str) -> None:
    """RecursionError and ValueError from the JSON parser are a `malformed` row, not a crash."""
    # Arrange
    path = tmp_path / "notes.jsonl"
    path.write_text(line + "\n" + json.dumps({"patient_id": "p", "text": "fine"}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    assert patients(out) == ["p"]
    assert [e["kind"] for e in errors(out)] == ["malformed"] and manifest["notes_read"] == 2


# --------------------------------------------------------------------------- archives and compression


def _tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _members(n: int) -> dict[str, bytes]:
    return {f"P{i:02d}__n.txt": (NOTE + f"note {i} " * 200).encode() for i in range(n)}


def test_tar_with_a_garbled_header_reads_on_past_it(tmp_path: Path) -> None:
    """A plain tar whose 5th header is overwritten: one row names the damaged bytes, reading resumes
    at the next valid header, and the manifest shows the archive read to its end."""
    # Arrange
    data = bytearray(_tar_bytes(_members(10)))
    fifth = data.index(b"P04__n.txt")
    data[fifth: fifth + 512] = os.urandom(512)
    path = tmp_path / "notes.tar"
    path.write_bytes(bytes(data))
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    assert patients(out) == [f"P{i:02d}" for i in range(10) if i != 4]
    rows = errors(out)
    assert [(r["kind"], r["patient_id"]) for r in rows] == [("corrupt_archive", None)]
    assert "resumed at the next valid header" in rows[0]["reason"]
    assert manifest["inputs"][0]["bytes_read"] == manifest["inputs"][0]["bytes"] == len(data)


def _incompressible(n: int) -> dict[str, bytes]:
    rng = random.Random(15)
    return {f"P{i:02d}__n.txt": rng.randbytes(1500).hex().encode() for i in range(n)}


def _damage(out: Path) -> tuple[list[str], list[dict], list[dict]]:
    """(patients read, rows of members, rows of the archive)."""
    rows = errors(out)
    return patients(out), [r for r in rows if r["patient_id"]], [r for r in rows if not r["patient_id"]]


def test_tar_gz_that_cannot_be_decompressed_past_a_point_keeps_what_precedes_it(tmp_path: Path) -> None:
    """A tar.gz whose deflate data breaks a third of the way in: the members before are read, the
    member the damage began in is not used, one row says at which byte reading stopped, and
    the manifest's bytes_read shows the file was not read to its end."""
    # Arrange
    data = bytearray(gzip.compress(_tar_bytes(_incompressible(40)), compresslevel=0))  # stored blocks
    data[10 + 5 + 65535] = 0xFF  # the header of the second stored block: an invalid block type
    path = tmp_path / "notes.tar.gz"
    path.write_bytes(bytes(data))
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    read, members, archive = _damage(out)  # the member the damage began in is a patient with a failed note
    assert 10 < len(read) < 40 and read == [f"P{i:02d}" for i in range(len(read))]
    assert manifest["notes_processed"] == len(read) - 1
    assert [(r["patient_id"], r["kind"]) for r in members] == [(read[-1], "corrupt")]
    assert [r["kind"] for r in archive] == ["corrupt_archive"] and f"of {len(data)}" in archive[0]["reason"]
    assert manifest["inputs"][0]["bytes_read"] < manifest["inputs"][0]["bytes"] == len(data)


def test_tar_gz_garbled_mid_stream_keeps_what_precedes_the_damage_and_says_where(tmp_path: Path) -> None:
    """Garbled bytes inside a tar.gz's compressed data: decoding goes on but the headers after the
    damage are garbage. The members before it are read, the one it began in is not used, one
    row names the damaged stretch and one the failed checksum."""
    # Arrange
    data = bytearray(_tar_bytes(_incompressible(40), "w:gz"))
    middle = len(data) // 2
    data[middle: middle + 64] = random.Random(3).randbytes(64)
    path = tmp_path / "notes.tar.gz"
    path.write_bytes(bytes(data))
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    read, members, archive = _damage(out)
    assert 5 < len(read) < 40 and read == [f"P{i:02d}" for i in range(len(read))]
    assert manifest["notes_processed"] == len(read) - 1
    assert [(r["patient_id"], r["kind"]) for r in members] == [(read[-1], "corrupt")]
    assert [r["kind"] for r in archive] == ["corrupt_archive", "corrupt_archive"]
    assert "hold no valid tar header" in archive[0]["reason"] and "checksum" in archive[1]["reason"]


def test_tar_gz_whose_crc_fails_gives_no_note_as_valid(tmp_path: Path) -> None:
    """A tar.gz that decompresses but fails its CRC: no member of it is used (each has a row)."""
    # Arrange
    data = bytearray(_tar_bytes(_members(5), "w:gz"))
    data[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    path = tmp_path / "notes.tar.gz"
    path.write_bytes(bytes(data))
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    assert manifest["notes_processed"] == 0 and manifest["notes_failed"] == 5
    kinds = sorted(r["kind"] for r in errors(out))
    assert kinds == ["corrupt"] * 5 + ["corrupt_archive"]


def test_gzip_jsonl_whose_crc_fails_uses_none_of_its_rows(tmp_path: Path) -> None:
    """`notes.jsonl.gz` with a bad CRC: each row fails by its line, with its patient."""
    # Arrange
    raw = "".join(json.dumps({"patient_id": f"p{i}", "text": f"{CANARY} {i}"}) + "\n" for i in range(3))
    data = bytearray(gzip.compress(raw.encode()))
    data[-8] ^= 0xFF
    path = tmp_path / "notes.jsonl.gz"
    path.write_bytes(bytes(data))
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    assert (manifest["notes_read"], manifest["notes_failed"]) == (3, 3)
    assert [(r["patient_id"], r["kind"]) for r in errors(out)] == [
        (None, "corrupt_archive"), ("p0", "corrupt"), ("p1", "corrupt"), ("p2", "corrupt")]


@pytest.mark.parametrize("suffix", ["jsonl.gz", "txt.gz", "csv.bz2", "jsonl.xz", "tar.gz"])
def test_compression_ratio_limits_every_compressed_input(tmp_path: Path, suffix: str) -> None:
    """64 MB of blank lines compressed (a 65 KB .gz took 190 s before): stopped at the ratio limit, in seconds."""
    # Arrange
    import bz2
    import lzma

    blank = b"\n" * (64 << 20)
    path = tmp_path / f"bomb.{suffix}"
    if suffix == "tar.gz":
        path.write_bytes(_tar_bytes({"P1__n.txt": blank}, "w:gz"))
    else:
        compress = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[suffix.rsplit(".", 1)[1]]
        path.write_bytes(compress(b"patient_id,text\n" + blank if suffix.startswith("csv") else blank))
    out = tmp_path / "out"
    started = time.monotonic()
    # Act
    manifest = run([path], out)
    # Assert
    assert time.monotonic() - started < 30
    assert any(r["kind"] == "archive_limit" for r in errors(out))
    assert manifest["counts_add_up"]


def _flag_encrypted(path: Path, name: str) -> None:
    """Set the "encrypted" bit of one member in its local header and its central directory entry."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        data[zf.getinfo(name).header_offset + 6] |= 0x01
    end = data.rindex(b"PK\x05\x06")
    at = int.from_bytes(data[end + 16: end + 20], "little")
    while data[at: at + 4] == b"PK\x01\x02":
        n, m, k = (int.from_bytes(data[at + o: at + o + 2], "little") for o in (28, 30, 32))
        if data[at + 46: at + 46 + n] == name.encode():
            data[at + 8] |= 0x01
        at += 46 + n + m + k
    path.write_bytes(bytes(data))


def test_encrypted_zip_member_is_refused_and_the_rest_read(tmp_path: Path) -> None:
    """A member flagged as encrypted gets an `encrypted` row; other members are read."""
    # Arrange
    path = tmp_path / "notes.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("P1__a.txt", "fine")
        zf.writestr("P1__secret.txt", "ciphertext")
    _flag_encrypted(path, "P1__secret.txt")
    out = tmp_path / "out"
    # Act
    manifest = run([path], out)
    # Assert
    assert [(r["doc_id"], r["kind"]) for r in errors(out)] == [("secret", "encrypted")]
    assert (manifest["notes_read"], manifest["notes_processed"]) == (2, 1)


def test_more_damaged_containers_each_say_what_they_are(tmp_path: Path) -> None:
    """Other hostile inputs of the same classes: trailing bytes after a gzip stream (what precedes
    is sound: read, one warning row), two tar archives end to end (both read), a pretty-printed
    JSON document (one row, not one per line), a zip member of an unknown compression method
    (its note fails), an empty compressed file (one row)."""
    # Arrange
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "trailing.jsonl.gz").write_bytes(gzip.compress(b'{"patient_id": "G", "text": "t"}\n') + b"GARBAGE")
    (inputs / "two.tar").write_bytes(_tar_bytes({"T1__a.txt": b"one"}) + _tar_bytes({"T2__a.txt": b"two"}))
    (inputs / "document.json").write_text(json.dumps([{"patient_id": "J", "text": "t"}] * 3, indent=2))
    with zipfile.ZipFile(inputs / "method.zip", "w") as zf:
        zf.writestr("Z1__a.txt", "text")
    data = bytearray((inputs / "method.zip").read_bytes())
    data[8:10] = (99).to_bytes(2, "little")  # compression method 99 (AES), local header
    central = data.index(b"PK\x01\x02")
    data[central + 10: central + 12] = (99).to_bytes(2, "little")
    (inputs / "method.zip").write_bytes(bytes(data))
    (inputs / "empty.csv.gz").write_bytes(b"")
    out = tmp_path / "out"
    # Act
    manifest = run([inputs], out)
    # Assert
    assert patients(out) == ["G", "T1", "T2", "Z1"]
    kinds = sorted((Path(r["source"]).name.split(":")[0], r["kind"], r["fatal"]) for r in errors(out))
    assert kinds == [("document.json", "malformed", True), ("empty.csv.gz", "corrupt_archive", True),
                     ("method.zip", "corrupt", True), ("trailing.jsonl.gz", "trailing_data", False)]
    assert (manifest["notes_read"], manifest["notes_processed"]) == (4, 3)


# --------------------------------------------------------------------------- folders: links, FIFOs, devices


def test_links_fifos_and_devices_in_a_folder_never_hang_the_run(tmp_path: Path) -> None:
    """A link to /dev/zero, a FIFO, a socket and a link to /etc/passwd: each a row, none opened,
    the run finishes in seconds; with --follow-links the file link is read and the device still refused."""
    # Arrange
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "P1__ok.txt").write_text(NOTE, encoding="utf-8")
    (folder / "P1__zero.txt").symlink_to("/dev/zero")
    (folder / "P1__passwd.txt").symlink_to("/etc/passwd")
    os.mkfifo(folder / "P1__fifo.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "P1__sock.txt"))
    out, followed = tmp_path / "out", tmp_path / "followed"
    try:
        # Act
        code, _, stderr = cli(str(folder), "--out", str(out), "--pipeline", FAULTS, "--workers", "1",
                              timeout=60)
        code_followed, _, _ = cli(str(folder), "--out", str(followed), "--pipeline", FAULTS, "--workers", "1",
                                  "--follow-links", timeout=60)
    finally:
        server.close()
    # Assert
    assert code == 0 and code_followed == 0, stderr
    kinds = {r["doc_id"]: r["kind"] for r in errors(out)}
    assert kinds == {"zero": "link", "passwd": "link", "fifo": "special_file", "sock": "special_file"}
    kinds_followed = {r["doc_id"]: r["kind"] for r in errors(followed)}
    assert kinds_followed == {"zero": "special_file", "fifo": "special_file", "sock": "special_file"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["notes_read"], manifest["notes_processed"]) == (5, 1)
    assert manifest["inputs"][0]["skipped"] == 4


def test_a_fifo_named_as_an_input_is_refused_not_waited_on(tmp_path: Path) -> None:
    """An input that is a FIFO or a device: a row, no hang (fingerprinting reads no content before the run)."""
    # Arrange
    fifo = tmp_path / "notes.jsonl"
    os.mkfifo(fifo)
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"patient_id": "p", "text": "fine"}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    # Act
    code, _, stderr = cli(str(fifo), "/dev/zero", str(good), "--out", str(out), "--pipeline", FAULTS,
                          "--workers", "1", timeout=60)
    # Assert
    assert code == 0, stderr
    assert [(Path(r["source"]).name, r["kind"]) for r in errors(out)] == [("notes.jsonl", "special_file"),
                                                                            ("zero", "special_file")]


def test_names_with_control_characters_or_bad_bytes_are_escaped(tmp_path: Path) -> None:
    """File names with a newline, an ANSI escape or bytes that are not UTF-8: escaped in sources
    and ids, so no output line or terminal line breaks."""
    # Arrange
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "P1__new\nline.txt").write_text("fine", encoding="utf-8")
    (folder / "P\x1b[31m2__a.txt").write_text("fine", encoding="utf-8")
    os.close(os.open(os.path.join(os.fsencode(folder), b"P\xff3__a.txt"), os.O_CREAT | os.O_WRONLY))
    out = tmp_path / "out"
    # Act
    manifest = run([folder], out)
    # Assert
    assert sorted(patients(out)) == sorted(["P1", "P\\x1b[31m2", "P\\udcff3"])
    docs = jsonl(out / "documents.jsonl")
    assert all(d["source"].isprintable() for d in docs)
    assert manifest["notes_read"] == 3


# --------------------------------------------------------------------------- the run: budget, lock, environment


def test_note_timeout_covers_the_whole_note_however_it_is_chunked(tmp_path: Path) -> None:
    """A note of many chunks, each quick, past the budget in all: stopped (it ran 67 s under a 20 s
    budget before, the clock restarting at each 200,000-character chunk)."""
    # Arrange
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "P1__long.txt").write_text("\n\n".join(f"ZZSLOW paragraph {i} " + "word " * 150
                                                     for i in range(30)), encoding="utf-8")
    (folder / "P1__short.txt").write_text("fine", encoding="utf-8")
    out = tmp_path / "out"
    # Act: short_pipeline has max_length 1,000, so the note is ~30 chunks of 0.2 s
    manifest = run([folder], out, pipeline="extractor.batch.faults:short_pipeline", note_timeout=2.0)
    # Assert
    assert [(r["doc_id"], r["kind"]) for r in errors(out)] == [("long", "timeout")]
    assert (manifest["notes_processed"], manifest["notes_failed"]) == (1, 1)


def test_a_second_run_on_the_same_folder_exits_2_and_a_killed_runs_lock_is_taken_over(tmp_path: Path) -> None:
    """While a run holds --out, a second (--overwrite or --resume) exits 2 with one line and
    touches nothing; after kill -9 of the holder, the next run takes the lock over and finishes."""
    # Arrange
    folder = tmp_path / "notes"
    folder.mkdir()
    for i in range(12):
        (folder / f"P{i:02d}__a.txt").write_text(f"ZZSLOW note {i}", encoding="utf-8")
    out = tmp_path / "out"
    common = ["--pipeline", FAULTS, "--workers", "1", "--no-progress"]
    holder = subprocess.Popen([sys.executable, "-m", "extractor", "batch", str(folder), "--out", str(out), *common],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (out / ".extractor-lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        # Act
        second = [cli(str(folder), "--out", str(out), flag, *common) for flag in ("--overwrite", "--resume")]
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        code, _, stderr = cli(str(folder), "--out", str(out), "--resume", *common, timeout=120)
    finally:
        if holder.poll() is None:
            holder.kill()
    # Assert
    for second_code, _, second_err in second:
        assert second_code == 2
        assert "in use by another run" in one_line(second_err)
    assert code == 0, stderr
    assert "left its lock" in stderr
    assert len(jsonl(out / "records.jsonl")) == 12
    assert not (out / ".extractor-lock").exists()


def test_out_that_is_a_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """--out naming a file: one line, exit 2, no traceback."""
    # Arrange
    out = tmp_path / "out"
    out.write_text("not a folder")
    # Act
    code, _, stderr = cli(str(tmp_path), "--out", str(out))
    # Assert
    assert code == 2 and "not a folder" in one_line(stderr)


def test_out_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """--out where nothing may be written (sysfs refuses even root): one line, exit 2."""
    # Arrange
    if not Path("/sys/kernel").is_dir():
        pytest.skip("no /sys: not Linux")
    notes = tmp_path / "n.jsonl"
    notes.write_text(json.dumps({"patient_id": "p", "text": "t"}) + "\n")
    # Act
    code, _, stderr = cli(str(notes), "--out", "/sys/kernel/extractor-test-out")
    # Assert
    assert code == 2 and "cannot write there" in one_line(stderr)


def _small_file_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


def test_a_write_that_fails_mid_run_is_one_line_exit_2_and_resumable(tmp_path: Path) -> None:
    """Files cannot grow past 200 KB (as on a full disk): one line, exit 2; --resume later finishes."""
    # Arrange
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps({"patient_id": f"p{i:04d}", "text": "word " * 100}) + "\n"
                            for i in range(2000)), encoding="utf-8")
    out = tmp_path / "out"
    common = ["--pipeline", FAULTS, "--workers", "1", "--no-progress"]
    # Act
    code, _, stderr = cli(str(path), "--out", str(out), *common, preexec=_small_file_limit)
    resumed, _, resumed_err = cli(str(path), "--out", str(out), "--resume", *common, timeout=120)
    # Assert
    assert code == 2, stderr
    assert "--resume" in one_line(stderr)
    assert resumed == 0, resumed_err
    assert len(jsonl(out / "records.jsonl")) == 2000


def test_internal_errors_are_one_line_and_debug_shows_the_traceback(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault of ours (here injected, its message quoting a note): one line naming its class, exit 2
    (1 means a named input was missing); --debug lets the traceback through."""
    # Arrange
    from typer.testing import CliRunner

    import extractor.batch.run
    from extractor.cli import app

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"bug while holding {CANARY}")

    monkeypatch.setattr(extractor.batch.run, "run_batch", broken)
    args = ["batch", str(tmp_path), "--out", str(tmp_path / "out")]
    # Act
    plain = CliRunner().invoke(app, args)
    debug = CliRunner().invoke(app, [*args, "--debug"])
    # Assert
    assert plain.exit_code == 2
    assert "RuntimeError" in one_line(plain.output) and CANARY not in plain.output
    assert isinstance(debug.exception, RuntimeError)


def test_formula_ids_are_inert_in_cohort_csv(tmp_path: Path) -> None:
    """Patient ids a spreadsheet would run (`=cmd|...`, `+1`, `@SUM`): quoted in cohort.csv."""
    # Arrange
    path = tmp_path / "notes.jsonl"
    ids = ["=cmd|' /C calc'!A0", "+HYPERLINK(1)", "@SUM(1)", "-2+3"]
    path.write_text("".join(json.dumps({"patient_id": i, "text": "t"}) + "\n" for i in ids), encoding="utf-8")
    out = tmp_path / "out"
    # Act
    run([path], out)
    # Assert
    with (out / "cohort.csv").open(encoding="utf-8", newline="") as f:
        cells = [row[0] for row in csv.reader(f)][1:]
    assert all(c.startswith("'") for c in cells), cells


def test_reliability_inputs_stay_small() -> None:
    """This suite generates what it needs: no large file is committed for it."""
    here = Path(__file__).resolve().parent
    assert all(p.stat().st_size < 200_000 for p in here.rglob("*") if p.is_file())


