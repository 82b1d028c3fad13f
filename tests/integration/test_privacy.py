"""PHI canaries: note text never reaches logs, warnings or error rows."""

from __future__ import annotations

import logging
import warnings

import pytest
from spacy.language import Language

from extractor.core import process_patient
from extractor.notes import NoteInput

CANARY = "ZZCANARY7781"


def test_no_note_text_in_logs_or_warnings(nlp: Language, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    note = NoteInput(patient_id="p", doc_id="d", text=f"Mrs {CANARY} has NME and diabetes. Glucagon 900 pg/mL {CANARY}.")
    with caplog.at_level(logging.DEBUG), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        process_patient(nlp, "p", [note])
    out, err = capfd.readouterr()
    assert CANARY not in caplog.text + out + err
    assert not [w for w in caught if CANARY in str(w.message)]


def test_failing_component_gives_an_error_row_without_text(nlp: Language) -> None:
    def explode(doc):  # noqa: ANN001, ANN202 - a poison component
        raise ValueError(f"boom {doc.text}")

    Language.component("test_poison", func=explode)
    nlp.add_pipe("test_poison", last=True)
    try:
        good = NoteInput(patient_id="p", doc_id="ok", text="")
        bad = NoteInput(patient_id="p", doc_id="bad", text=f"{CANARY} NME", source="p__bad.txt")
        result = process_patient(nlp, "p", [bad, good])
    finally:
        nlp.remove_pipe("test_poison")
    assert (result.notes_processed, result.notes_failed) == (1, 1)
    row = next(r for r in result.errors if r.fatal)
    assert row.source == "p__bad.txt" and CANARY not in row.model_dump_json()
    assert "ValueError" in row.reason
