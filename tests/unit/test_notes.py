"""The decoding policy and note file reading: clear reasons, nothing silently dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.errors import InputError
from extractor.notes import date_of, decode_note, ids_from_filename, read_note_file, sanitize_text


@pytest.mark.parametrize(
    ("data", "text", "fallback"),
    [
        ("Glucagon 217 pg/mL".encode(), "Glucagon 217 pg/mL", None),
        (b"\xef\xbb\xbfDate: 2020-01-01", "Date: 2020-01-01", None),
        ("caf\u00e9 \u2019".encode("cp1252"), "caf\u00e9 \u2019", "cp1252"),
        ("Ki-67 8%".encode("utf-16"), "Ki-67 8%", "utf-16"),
        (b"\x81\x8d\x8f", "\x81\x8d\x8f", "latin-1"),
    ],
)
def test_decoding_policy(data: bytes, text: str, fallback: str | None) -> None:
    assert decode_note(data) == (text, fallback)


def test_surrogates_and_nul_are_replaced_in_place() -> None:
    assert sanitize_text("a\udcb2b\x00c") == "a\ufffdb\ufffdc"


def test_date_line_and_file_name() -> None:
    assert date_of("Date: 2019-03-01\n\nNote") == "2019-03-01"
    assert date_of("No date here") is None
    assert ids_from_filename(Path("P01__03-ct.txt")) == ("P01", "03-ct")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: d, "is a directory"),
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: (d / "scan.pdf").write_bytes(b"%PDF-1.4\x00\x00\x00binary") and d / "scan.pdf", "binary"),
    ],
)
def test_unusable_inputs_name_the_reason(tmp_path: Path, make, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        read_note_file(make(tmp_path))


def test_non_utf8_file_is_read_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "P9__01-derm.txt"
    path.write_bytes("Erythema \u2013 NME".encode("cp1252"))
    note = read_note_file(path)
    assert (note.patient_id, note.doc_id, note.decoded_with) == ("P9", "01-derm", "cp1252")
    assert note.flags == ("not_utf8:decoded_as_cp1252",)
