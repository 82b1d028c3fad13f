"""The reading layer inside the pipeline: values read from real-world layouts, with
evidence spans that are the note as written."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from extractor.schema import Mention


def _found(mentions: list[Mention], label: str) -> list[Mention]:
    return [m for m in mentions if m.label == label]


def _evidence_is_the_note(text: str, mentions: list[Mention]) -> None:
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text


def test_an_ihc_panel_with_dotted_leaders(mentions_of: Callable[[str], list[Mention]]) -> None:
    # Arrange
    text = (
        "SURGICAL PATHOLOGY REPORT\nDIAGNOSIS: Pancreas, tail, resection: well differentiated neuroendocrine tumour.\n"
        "IMMUNOHISTOCHEMISTRY:\nChromogranin A ........ +\nSynaptophysin ......... +\nInsulin ............... -\n"
        "Ki-67 index ........... 4%\n"
    )

    # Act
    mentions = mentions_of(text)

    # Assert
    stains = {m.value["marker"]: m.value["result"] for m in _found(mentions, "ihc")}
    assert stains == {"chromogranin_a": "positive", "synaptophysin": "positive", "insulin": "negative"}
    assert [m.value for m in _found(mentions, "ki67_percent")] == [4.0]
    _evidence_is_the_note(text, mentions)


def test_a_result_on_the_line_after_its_marker(mentions_of: Callable[[str], list[Mention]]) -> None:
    text = "Immunoperoxidase stains on block A2:\nSynaptophysin\nPositive\nGlucagon\nPositive\n"
    mentions = mentions_of(text)
    assert {m.value["marker"]: m.value["result"] for m in _found(mentions, "ihc")} == {
        "synaptophysin": "positive",
        "glucagon": "positive",
    }
    _evidence_is_the_note(text, mentions)


def test_ocr_damaged_staging_and_ki67(mentions_of: Callable[[str], list[Mention]]) -> None:
    # Arrange
    text = "PATHOLOGIC STAGE: p T 3, p NO, M X\nProliferation index (Ki-67): less than I%\n"

    # Act
    mentions = mentions_of(text)

    # Assert
    (tnm,) = _found(mentions, "tnm")
    assert (tnm.value["t"], tnm.value["n"], tnm.value["m"]) == ("T3", "N0", "MX")
    assert tnm.text == "p T 3, p NO, M X"
    (ki67,) = _found(mentions, "ki67_percent")
    assert ki67.value == 1.0 and ki67.text.endswith("I%")
    _evidence_is_the_note(text, mentions)


def test_a_synoptic_checklist_reads_only_the_ticked_option(mentions_of: Callable[[str], list[Mention]]) -> None:
    # Arrange
    text = (
        "Regional Lymph Nodes (pN)\n"
        "___ pN0: No regional lymph node metastasis\n"
        "_X_ pN1: Regional lymph node metastasis\n"
    )

    # Act
    mentions = _found(mentions_of(text), "metastasis_sites")

    # Assert: the unticked "No regional lymph node metastasis" is not a negation
    assert [m.assertion.negated for m in mentions] == [False]
    assert mentions[0].value["sites"] == ["lymph_nodes"]
    _evidence_is_the_note(text, mentions)


def test_a_statement_wrapped_across_lines(mentions_of: Callable[[str], list[Mention]]) -> None:
    text = "Pancreatic tail mass resected. The tumor measures\n3.2 x 2.5 cm and is well circumscribed.\n"
    (size,) = _found(mentions_of(text), "tumor_size_cm")
    assert size.value["dims"] == [3.2, 2.5]
    assert size.text == "3.2 x 2.5 cm"


@pytest.mark.parametrize("broken", ["synapto physin", "synap- tophysin"])
def test_a_marker_name_split_by_ocr(mentions_of: Callable[[str], list[Mention]], broken: str) -> None:
    text = f"Immunohistochemistry: the tumour cells are diffusely positive for chromogranin and {broken}.\n"
    mentions = _found(mentions_of(text), "ihc")
    assert {m.value["marker"] for m in mentions} == {"chromogranin_a", "synaptophysin"}
    assert broken in [m.text for m in mentions]
