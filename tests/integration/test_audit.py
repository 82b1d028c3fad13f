"""The recall audit: cue words without a mention are listed, covered sentences are not."""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from typer.testing import CliRunner

from extractor.audit import audit_notes, read_exclusions
from extractor.cli import app
from extractor.notes import NoteInput

NOTE = (
    "FINAL DIAGNOSIS: Pancreas, tail: well differentiated neuroendocrine tumor, WHO grade 2.\n"
    "Ki-67 immunostain is pending and will be reported in an addendum.\n"
    "Ki-67 proliferation index: 8%.\n"
)


def test_a_cue_without_a_mention_is_a_candidate_miss(nlp: Language) -> None:
    # Arrange
    notes = [NoteInput(patient_id="P1", doc_id="path", text=NOTE)]

    # Act
    report = audit_notes(nlp, notes).to_json()

    # Assert: the pending stain is listed, the stated index is not
    ki67 = report["fields"]["ki67_percent"]
    assert ki67["mentions"] == 1 and ki67["sentences_with_cue_and_no_mention"] == 1
    (pattern,) = ki67["patterns"]
    assert "pending" in pattern["pattern"] and pattern["examples"][0]["doc"] == "P1/path"
    assert report["rules"]["ki67.value"] == 1


def test_excluded_ids_are_never_read(nlp: Language, tmp_path: Path) -> None:
    # Arrange: a reserved list written as reserved.md writes it
    reserved = tmp_path / "reserved.md"
    reserved.write_text("# Reserved\n\nSome prose here.\n- TCGA-ZZ-0001.ABCDEF12-3456\n- TCGA-ZZ-0002\n", encoding="utf-8")
    notes = [
        NoteInput(patient_id="TCGA-ZZ-0001", doc_id="path", text=NOTE),
        NoteInput(patient_id="TCGA-ZZ-0002", doc_id="path", text=NOTE),
        NoteInput(patient_id="TCGA-ZZ-0003", doc_id="path", text=NOTE),
    ]

    # Act
    report = audit_notes(nlp, notes, exclude=read_exclusions(reserved))

    # Assert
    assert (report.notes, report.excluded) == (1, 2)


def test_the_report_goes_only_to_the_named_file(tmp_path: Path) -> None:
    # Arrange
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "P1__path.txt").write_text(NOTE, encoding="utf-8")
    out = tmp_path / "audit.md"

    # Act
    result = CliRunner().invoke(app, ["audit", str(notes), "--out", str(out)])

    # Assert: the terminal gets counts, the file gets the quotes
    assert result.exit_code == 0, result.output
    assert "pending" not in result.output
    assert "pending" in out.read_text(encoding="utf-8")
