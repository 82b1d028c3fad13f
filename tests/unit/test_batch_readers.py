"""Batch readers: layouts, tables, archives and the bad inputs each must survive."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extractor.batch.config import BatchOptions, Columns, Limits
from extractor.batch.items import InputRead, Problem
from extractor.batch.readers import read_inputs
from extractor.notes import NoteInput

NOTE = b"Date: 2020-03-01\n\nNecrolytic migratory erythema. Glucagon 1200 pg/mL.\n"


def read(path: Path, **options: object) -> tuple[list[NoteInput], list[Problem]]:
    items = [i for i in read_inputs([path], BatchOptions(**options)) if not isinstance(i, InputRead)]  # type: ignore[arg-type]
    return [i for i in items if isinstance(i, NoteInput)], [i for i in items if isinstance(i, Problem)]


def kinds(problems: list[Problem]) -> list[str]:
    return [p.row.kind for p in problems]


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# --------------------------------------------------------------------------- folders


def test_folder_of_gold_layout_names_patient_and_document(tmp_path: Path) -> None:
    """`P01__01-derm.txt` gives patient P01, document 01-derm and the date line."""
    # Arrange
    (tmp_path / "P01__01-derm.txt").write_bytes(NOTE)
    (tmp_path / "P01__01-derm.ann").write_text("T1\tNME 0 5\tNecro\n")
    # Act
    notes, problems = read(tmp_path)
    # Assert
    assert [(n.patient_id, n.doc_id, n.date) for n in notes] == [("P01", "01-derm", "2020-03-01")]
    assert problems == []


def test_folder_with_one_subfolder_per_patient(tmp_path: Path) -> None:
    """A note without `__` belongs to the patient its folder is named after."""
    # Arrange
    for patient in ("A7", "B2"):
        (tmp_path / patient).mkdir()
        (tmp_path / patient / "discharge.txt").write_bytes(NOTE)
    # Act
    notes, _ = read(tmp_path)
    # Assert
    assert [(n.patient_id, n.doc_id) for n in notes] == [("A7", "discharge"), ("B2", "discharge")]


def test_binary_non_utf8_and_empty_files(tmp_path: Path) -> None:
    """Binary -> error row with the patient; cp1252 -> decoded and flagged; empty -> a note."""
    # Arrange
    (tmp_path / "P1__scan.txt").write_bytes(b"%PDF-1.4\x00\x00\x00binary")
    (tmp_path / "P1__cp.txt").write_bytes(b"caf\xe9 \x92quoted\x92")
    (tmp_path / "P1__empty.txt").write_bytes(b"")
    # Act
    notes, problems = read(tmp_path)
    # Assert
    assert [(p.row.kind, p.row.patient_id, p.is_note) for p in problems] == [("binary", "P1", True)]
    by_doc = {n.doc_id: n for n in notes}
    assert by_doc["cp"].decoded_with == "cp1252" and by_doc["cp"].flags
    assert by_doc["empty"].text == ""


# --------------------------------------------------------------------------- JSONL


def test_jsonl_bad_lines_are_reported_by_line_number(tmp_path: Path) -> None:
    """A malformed line, an array and a null text each get a row; the other lines are read."""
    # Arrange
    lines = [
        json.dumps({"patient_id": "p1", "doc_id": "a", "date": "2020-01-02", "text": "first"}),
        "{not json",
        "",
        "[1, 2]",
        json.dumps({"patient_id": "p1", "doc_id": "b", "text": None}),
        json.dumps({"patient_id": 17, "doc_id": 3, "text": "Date: 2021-05-06\nsecond \udcb2"}),
    ]
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    # Act
    notes, problems = read(path)
    # Assert
    assert [(n.patient_id, n.doc_id, n.date) for n in notes] == [("p1", "a", "2020-01-02"), ("17", "3", "2021-05-06")]
    assert [(p.row.source.rsplit(":", 1)[1], p.row.kind) for p in problems] == [
        ("2", "malformed"), ("4", "malformed"), ("5", "schema")
    ]
    assert "\udcb2" not in notes[1].text  # lone surrogate replaced, offsets unchanged


def test_jsonl_line_in_another_encoding_is_flagged_alone(tmp_path: Path) -> None:
    """One cp1252 line in a UTF-8 file: that note alone is decoded by the fallback and flagged."""
    # Arrange
    good = json.dumps({"patient_id": "p", "doc_id": "u", "text": "naïve"}, ensure_ascii=False).encode()
    bad = b'{"patient_id": "p", "doc_id": "c", "text": "caf\xe9"}'
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(good + b"\n" + bad + b"\n")
    # Act
    notes, problems = read(path)
    # Assert
    assert [(n.doc_id, n.decoded_with) for n in notes] == [("u", None), ("c", "cp1252")]
    assert problems == []


# --------------------------------------------------------------------------- CSV


def test_csv_reads_mimic_columns_by_default(tmp_path: Path) -> None:
    """SUBJECT_ID, ROW_ID, CHARTDATE, CATEGORY and TEXT are the default columns; cells may span lines."""
    # Arrange
    path = tmp_path / "NOTEEVENTS.csv"
    path.write_text(
        'ROW_ID,SUBJECT_ID,HADM_ID,CHARTDATE,CATEGORY,TEXT\n'
        '11,101,1,2150-03-01 00:00:00,Discharge summary,"Line one,\nline two"\n'
        '12,101,1,2150-03-04,Radiology,"CT ""abdomen"""\n',
        encoding="utf-8",
    )
    # Act
    notes, problems = read(path)
    # Assert
    assert [(n.patient_id, n.doc_id, n.date, n.note_type) for n in notes] == [
        ("101", "11", "2150-03-01", "Discharge summary"), ("101", "12", "2150-03-04", "Radiology")
    ]
    assert notes[0].text == "Line one,\nline two" and notes[1].text == 'CT "abdomen"'
    assert problems == []


def test_csv_malformed_row_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    """A row with a wrong number of fields gets a row naming its line; later rows are read."""
    # Arrange
    path = tmp_path / "notes.csv"
    path.write_text("pid,id,body\np1,a,ok\np1,b,too,many,fields\np2,c,\"multi\nline\"\np2,d,last\n")
    # Act
    notes, problems = read(path, columns=Columns(patient="pid", doc="id", text="body"))
    # Assert
    assert [n.doc_id for n in notes] == ["a", "c", "d"]
    assert [(p.row.source, p.row.kind) for p in problems] == [(f"{path}:3", "malformed")]


def test_csv_without_a_text_column_is_one_input_error(tmp_path: Path) -> None:
    """A table whose columns cannot be found is reported once and not counted as notes."""
    # Arrange
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    # Act
    notes, problems = read(path)
    # Assert
    assert notes == []
    assert [(p.row.kind, p.is_note) for p in problems] == [("schema", False)]
    assert "--patient-col" in problems[0].row.reason


# --------------------------------------------------------------------------- Parquet


def test_parquet_with_integer_ids_and_a_null_text(tmp_path: Path) -> None:
    """Integer ids become text; a null text is a row problem attributed to its patient."""
    # Arrange
    path = tmp_path / "notes.parquet"
    table = pa.table({"SUBJECT_ID": [5, 5], "ROW_ID": [1, 2], "TEXT": ["note", None],
                      "CHARTDATE": ["2100-01-01", None]})
    pq.write_table(table, path)
    # Act
    notes, problems = read(path)
    # Assert
    assert [(n.patient_id, n.doc_id, n.date) for n in notes] == [("5", "1", "2100-01-01")]
    assert [(p.row.kind, p.row.patient_id, p.row.source) for p in problems] == [("schema", "5", f"{path}:2")]


def test_parquet_text_column_of_wrong_type(tmp_path: Path) -> None:
    """A numeric text column is one input error, not a crash."""
    # Arrange
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"patient_id": ["p"], "text": [3]}), path)
    # Act
    _, problems = read(path)
    # Assert
    assert kinds(problems) == ["schema"]


def test_corrupt_parquet_is_one_input_error(tmp_path: Path) -> None:
    """Garbage with a .parquet name is reported, never raised."""
    # Arrange
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    # Act
    _, problems = read(path)
    # Assert
    assert kinds(problems) == ["corrupt"]


# --------------------------------------------------------------------------- archives


def test_zip_of_every_format_is_read_as_streams(tmp_path: Path) -> None:
    """Notes, JSONL, CSV and Parquet members of one zip are all read."""
    # Arrange
    buf = io.BytesIO()
    pq.write_table(pa.table({"patient_id": ["p4"], "doc_id": ["x"], "text": ["pq note"]}), buf)
    path = make_zip(tmp_path / "a.zip", {
        "notes/P1__a.txt": NOTE,
        "P2/b.txt": NOTE,
        "more.jsonl": json.dumps({"patient_id": "p3", "doc_id": "j", "text": "t"}).encode() + b"\n",
        "table.csv": b"patient_id,doc_id,text\np5,c,csv note\n",
        "t.parquet": buf.getvalue(),
    })
    # Act
    notes, problems = read(path)
    # Assert
    assert sorted((n.patient_id, n.doc_id) for n in notes) == [
        ("P1", "a"), ("P2", "b"), ("p3", "j"), ("p4", "x"), ("p5", "c")
    ]
    assert notes[0].source == f"{path}:notes/P1__a.txt"
    assert problems == []


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        pytest.param("../evil__x.txt", NOTE, "unsafe_path", id="dotdot"),
        pytest.param("/etc/evil__x.txt", NOTE, "unsafe_path", id="absolute"),
        pytest.param("C:\\evil__x.txt", NOTE, "unsafe_path", id="drive"),
        pytest.param("inner.zip", b"PK\x03\x04rest", "nested_archive", id="nested-zip"),
        pytest.param("P9__inner.txt", b"PK\x03\x04rest", "nested_archive", id="nested-by-magic"),
        pytest.param("P9__img.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x00", "binary", id="binary"),
    ],
)
def test_zip_bad_members_are_refused_and_the_rest_read(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    """Traversal, nested archives and binary members get one row each; good members still come through."""
    # Arrange
    path = make_zip(tmp_path / "a.zip", {"P1__good.txt": NOTE, name: data, "P1__also.txt": NOTE})
    # Act
    notes, problems = read(path)
    # Assert
    assert [n.doc_id for n in notes] == ["good", "also"]
    assert kinds(problems) == [kind]
    assert problems[0].is_note


def test_zip_symlink_member_is_not_followed(tmp_path: Path) -> None:
    """A member stored as a symbolic link is refused."""
    # Arrange
    path = tmp_path / "link.zip"
    info = zipfile.ZipInfo("P1__link.txt")
    info.external_attr = (0o120777 << 16)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    # Act
    _, problems = read(path)
    # Assert
    assert kinds(problems) == ["link"]


def test_zip_that_expands_past_the_limit_is_stopped(tmp_path: Path) -> None:
    """A zip bomb stops at the archive byte budget with one error row, memory stays bounded."""
    # Arrange
    members = {f"P{i}__n.txt": b"a" * 4000 for i in range(10)}
    path = make_zip(tmp_path / "bomb.zip", members)
    # Act
    notes, problems = read(path, limits=Limits(max_archive_bytes=10_000))
    # Assert
    assert len(notes) == 2
    assert [(p.row.kind, p.is_note) for p in problems] == [("archive_limit", False)]
    assert "8 entries not read" in problems[0].row.reason


def test_high_ratio_member_is_refused(tmp_path: Path) -> None:
    """A member compressed more than the ratio limit is refused as a bomb."""
    # Arrange
    path = make_zip(tmp_path / "ratio.zip", {"P1__z.txt": b"\0" * (3 << 20), "P1__ok.txt": NOTE})
    # Act
    notes, problems = read(path)
    # Assert
    assert [n.doc_id for n in notes] == ["ok"]
    assert kinds(problems) == ["archive_limit"]


def test_corrupt_zip_is_one_input_error(tmp_path: Path) -> None:
    """A truncated zip is reported; nothing raises."""
    # Arrange
    good = make_zip(tmp_path / "g.zip", {"P1__a.txt": NOTE})
    path = tmp_path / "cut.zip"
    path.write_bytes(good.read_bytes()[:40])
    # Act
    _, problems = read(path)
    # Assert
    assert [(p.row.kind, p.is_note) for p in problems] == [("corrupt_archive", False)]


def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tf:
        for info in members:
            payload = data.get(info.name)
            if payload is not None:
                info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def test_tar_gz_refuses_links_devices_and_traversal(tmp_path: Path) -> None:
    """Symlinks, hard links, devices and `..` names are refused; regular notes are read."""
    # Arrange
    link = tarfile.TarInfo("P1__link.txt")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    hard = tarfile.TarInfo("P1__hard.txt")
    hard.type, hard.linkname = tarfile.LNKTYPE, "P1__a.txt"
    dev = tarfile.TarInfo("P1__dev.txt")
    dev.type = tarfile.CHRTYPE
    members = [tarfile.TarInfo("P1__a.txt"), link, hard, dev, tarfile.TarInfo("../P1__up.txt")]
    path = _tar(tmp_path / "a.tar.gz", members, {"P1__a.txt": NOTE, "../P1__up.txt": NOTE})
    # Act
    notes, problems = read(path)
    # Assert
    assert [n.doc_id for n in notes] == ["a"]
    assert kinds(problems) == ["link", "link", "special_file", "unsafe_path"]


def test_truncated_tar_gz_keeps_what_was_read_and_says_so(tmp_path: Path) -> None:
    """A cut tar.gz: notes before the cut are kept, the note cut in two is a failed note, one row says where it stopped."""
    # Arrange
    members = [tarfile.TarInfo(f"P{i}__n.txt") for i in range(40)]
    noise = {m.name: bytes(range(256)) * 20 + NOTE for m in members}
    full = _tar(tmp_path / "full.tar.gz", members, noise)
    path = tmp_path / "cut.tar.gz"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    # Act
    notes, problems = read(path)
    # Assert
    assert 0 < len(notes) < 40
    assert [(p.row.kind, p.is_note) for p in problems] == [("truncated", True), ("corrupt_archive", False)]
    assert problems[0].row.patient_id == f"P{len(notes)}"


def test_gzipped_jsonl_is_read_as_a_stream(tmp_path: Path) -> None:
    """`notes.jsonl.gz` is one JSONL file."""
    # Arrange
    path = tmp_path / "notes.jsonl.gz"
    with gzip.open(path, "wb") as f:
        f.write(json.dumps({"patient_id": "p", "doc_id": "d", "text": "t"}).encode() + b"\n")
    # Act
    notes, problems = read(path)
    # Assert
    assert [(n.patient_id, n.doc_id) for n in notes] == [("p", "d")]
    assert problems == []


def test_format_option_overrides_the_name(tmp_path: Path) -> None:
    """`--format jsonl` reads a file whatever it is called."""
    # Arrange
    path = tmp_path / "export.dat"
    path.write_text(json.dumps({"patient_id": "p", "text": "t"}) + "\n")
    # Act
    notes, _ = read(path, fmt="jsonl")
    # Assert
    assert [(n.patient_id, n.doc_id) for n in notes] == [("p", "export-L1")]


@pytest.mark.parametrize("in_zip", [False, True], ids=["folder", "zip"])
def test_note_over_the_size_cap_is_skipped_with_a_row(tmp_path: Path, in_zip: bool) -> None:
    """A note larger than max_note_bytes is a failed note of its patient, never read whole."""
    # Arrange
    notes = {"P1__big.txt": b"x" * 5000, "P1__small.txt": NOTE}
    if in_zip:
        path = make_zip(tmp_path / "a.zip", notes)
    else:
        path = tmp_path / "notes"
        path.mkdir()
        for name, data in notes.items():
            (path / name).write_bytes(data)
    # Act
    found, problems = read(path, limits=Limits(max_note_bytes=1000))
    # Assert
    assert [n.doc_id for n in found] == ["small"]
    assert [(p.row.kind, p.row.patient_id, p.is_note) for p in problems] == [("too_large", "P1", True)]


def test_utf16_note_with_bom_is_decoded(tmp_path: Path) -> None:
    """UTF-16 with a BOM is text, decoded without a fallback flag."""
    # Arrange
    (tmp_path / "P1__u16.txt").write_bytes("Date: 2020-02-02\nGlucagon".encode("utf-16"))
    # Act
    notes, problems = read(tmp_path)
    # Assert
    assert [(n.text, n.date, n.flags) for n in notes] == [("Date: 2020-02-02\nGlucagon", "2020-02-02", ())]
    assert problems == []


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        pytest.param({"notes/123.txt": NOTE, "notes/124.txt": NOTE}, [("123", "123"), ("124", "124")],
                     id="zipped-folder-of-notes"),
        pytest.param({"export/P01/a.txt": NOTE, "export/P02/b.txt": NOTE}, [("P01", "a"), ("P02", "b")],
                     id="zipped-folder-per-patient"),
        pytest.param({"P01/a.txt": NOTE, "P02/b.txt": NOTE}, [("P01", "a"), ("P02", "b")], id="folders-at-top"),
    ],
)
@pytest.mark.parametrize("container", ["zip", "tar.gz"])
def test_an_archive_of_a_folder_reads_like_the_folder(tmp_path: Path, members: dict[str, bytes],
                                                      expected: list[tuple[str, str]], container: str) -> None:
    """The one top-level folder all members share is not taken for a patient."""
    # Arrange
    if container == "zip":
        path = make_zip(tmp_path / "a.zip", members)
    else:
        path = _tar(tmp_path / "a.tar.gz", [tarfile.TarInfo(n) for n in members], members)
    # Act
    notes, problems = read(path)
    # Assert
    assert sorted((n.patient_id, n.doc_id) for n in notes) == expected
    assert problems == []
