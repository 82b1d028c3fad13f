"""The reading layer's repair of letters a fax or OCR read as digits ("tai1", "migrat0ry")."""

from __future__ import annotations

import pytest

from extractor.reading import ReadingView, read_digit_letters, read_note


def _view(text: str) -> str:
    return ReadingView(text).with_edits(read_digit_letters(text)).text


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("a firm mass in the b0dy and tai1 of the pancreas", "a firm mass in the body and tail of the pancreas"),
        ("known necro1ytic migrat0ry erythema since 2019", "known necrolytic migratory erythema since 2019"),
        ("previous sp1enectomy; the tum0ur measured 4 cm", "previous splenectomy; the tumour measured 4 cm"),
        ("HEAD 0F PANCREAS: B0DY", "HEAD 0F PANCREAS: BODY"),
    ],
)
def test_a_word_the_rules_read_is_repaired(written: str, read: str) -> None:
    assert _view(written) == read


@pytest.mark.parametrize(
    "text",
    [
        # codes, units, ordinals and numbers keep their digits
        "pT1 N0 M0, G1, CD10 positive, HbA1c 6.1%, hba1c, 10mg daily, x10 magnification, 1st cycle, Ki67 2%",
        # a word that is no lexicon word after the repair is left as written
        "I w0uld be grateful if y0u c0uld see her",
    ],
)
def test_codes_and_unknown_words_are_left(text: str) -> None:
    assert read_digit_letters(text) == []


def test_the_repaired_view_maps_back_to_the_fax() -> None:
    # Arrange
    text = "Dear colleague, a 1arge mass in the tai1 of the pancreas."

    # Act
    view = read_note(text)

    # Assert
    start = view.text.index("tail")
    assert view.to_original(start, start + 4) == (start, start + 4)
    assert text[slice(*view.to_original(start, start + 4))] == "tai1"
