"""The reading layer: what each reader writes, and that the view maps back to the note."""

from __future__ import annotations

import random
import re

import pytest

from extractor.reading import (
    Edit,
    ReadingView,
    read_checklists,
    read_codes,
    read_glued_signs,
    read_split_sub_letters,
    read_label_lines,
    read_list_dashes,
    read_leaders,
    read_note,
    read_numbers,
    read_spaced_capitals,
    read_split_words,
    read_wrapped_lines,
)


def _view(reader, text: str) -> str:  # type: ignore[no-untyped-def]
    return ReadingView(text).with_edits(reader(text)).text


# -- the offset map -------------------------------------------------------------


def test_identity_view_maps_every_offset_to_itself() -> None:
    # Arrange
    view = read_note("Ki-67 index 3%. No lymphovascular invasion.")

    # Act / Assert
    assert view.is_identity
    assert view.to_original(6, 14) == (6, 14)


def test_a_span_touching_a_replacement_covers_all_it_replaced() -> None:
    # Arrange
    original = "Stage: p T 4, p N 0, M X."
    view = read_note(original)
    found = re.search(r"T4, pN0", view.text)
    assert found is not None

    # Act
    start, end = view.to_original(found.start(), found.end())

    # Assert
    assert original[start:end] == "p T 4, p N 0, M X"


@pytest.mark.parametrize("seed", range(25))
def test_unchanged_text_maps_back_to_the_same_characters_through_chained_edits(seed: int) -> None:
    # Arrange: two rounds of random non-overlapping edits, as two readers would make
    rng = random.Random(seed)
    original = "".join(rng.choice("abc de\nfgh ij") for _ in range(200))
    view = ReadingView(original)
    for _ in range(2):
        starts = sorted(rng.sample(range(len(view.text)), 8))
        edits = [Edit(s, min(s + rng.randint(0, 3), len(view.text)), rng.choice(["", "X", "YY", "ZZZ"])) for s in starts]
        view = view.with_edits(edits)

    # Act / Assert: any character of the view that no edit wrote is the original's
    written = _written_positions(view)
    for position, char in enumerate(view.text):
        if position in written:
            continue
        start, end = view.to_original(position, position + 1)
        assert original[start:end] == char


def _written_positions(view: ReadingView) -> set[int]:
    """View offsets that some edit wrote (in any round), found by mapping through the rounds."""
    rounds = []
    current: ReadingView | None = view
    while current is not None and current._parent is not None:
        rounds.append(current)
        current = current._parent
    written: set[int] = set()
    for position in range(len(view.text)):
        point = position
        for level in rounds:
            inside = any(s <= point < e for s, e in zip(level._view_starts, level._view_ends))
            if inside:
                written.add(position)
                break
            point = level._to_parent_start(point)
    return written


# -- readers --------------------------------------------------------------------


def test_dotted_leaders_read_as_a_colon() -> None:
    text = "IMMUNOHISTOCHEMISTRY\nChromogranin A ........ +\nKi-67 index . . . . . 4%\n"
    assert _view(read_leaders, text) == "IMMUNOHISTOCHEMISTRY\nChromogranin A: +\nKi-67 index: 4%\n"


def test_a_result_on_the_line_after_its_marker_is_read_beside_it() -> None:
    text = "Immunostains:\nInsulin\nNegative\nGlucagon\n   focally positive\nComment\nsee below\n"
    assert _view(read_label_lines, text) == "Immunostains:\nInsulin: Negative\nGlucagon: focally positive\nComment\nsee below\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PATHOLOGIC STAGE: p T 4, p N 0, M X", "PATHOLOGIC STAGE: pT4, pN0, MX"),
        ("TNM: pT2 pNO", "TNM: pT2 pN0"),
        ("pT3 N l M0", "pT3 N1 M0"),
        ("ypT1 a, ypN1", "ypT1a, ypN1"),
        ("Histologic grade: G 3", "Histologic grade: G3"),
        # the widest prefix, spaced out, before each letter
        ("STAGE (AJCC): y p T 2, y p N 0", "STAGE (AJCC): ypT2, ypN0"),
        # a dotted capital (its lower case is two characters) before the grade keeps offsets
        ("Dr İnce: HISTOLOGIC GRADE: G 2", "Dr İnce: HISTOLOGIC GRADE: G2"),
    ],
)
def test_broken_staging_and_grade_codes_are_joined(text: str, expected: str) -> None:
    assert _view(read_codes, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ALLERGIES TO MEDICATIONS: No known drug allergies.",
        "Chronic left C8/T1 denervation.  No active denervation.",
        "Tenderness over T 4 spinous process.",
        "She is G 1 P 1, last menstrual period two weeks ago.",
        # a heading OCR spaced out letter by letter ("D I A G N O S I S")
        "Surgeon: D I A c N O . 15 ------ UTERUS CERVIX, TOTAL ABDOMINAL HYSTERECTOMY",
    ],
)
def test_words_and_vertebrae_that_look_like_codes_stay_as_written(text: str) -> None:
    assert read_codes(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ki-67 less than I%.", "Ki-67 less than 1%."),
        ("measures 2.O cm", "measures 2.0 cm"),
        ("a l.5 cm nodule", "a 1.5 cm nodule"),
        ("tumour size 3 cm_ (greatest)", "tumour size 3 cm  (greatest)"),
    ],
)
def test_letters_read_as_digits_in_numbers_with_a_unit(text: str, expected: str) -> None:
    assert _view(read_numbers, text) == expected


def test_ordinary_words_before_a_unit_are_not_numbers() -> None:
    assert read_numbers("Lot of 10 mm screws. Solo cm wide.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("well differentiated neuroe ndocrine tumor", "well differentiated neuroendocrine tumor"),
        ("tail of the pan-\ncreas", "tail of the pancreas"),
        ("synapto phy sin positive", "synaptophysin positive"),
    ],
)
def test_domain_words_broken_by_ocr_or_a_line_end_are_joined(text: str, expected: str) -> None:
    assert _view(read_split_words, text) == expected


def test_separate_words_that_happen_to_spell_a_domain_word_inside_a_longer_word_stay() -> None:
    assert read_split_words("the pancreaticduodenal artery") == []


def test_a_statement_wrapped_at_a_word_that_cannot_end_it_goes_on() -> None:
    text = "The tumor cells are positive for\nSynaptophysin. The tumor measures\n3.2 cm.\nMargins negative\nLymph nodes: 0/12\n"
    assert _view(read_wrapped_lines, text) == (
        "The tumor cells are positive for Synaptophysin. The tumor measures 3.2 cm.\nMargins negative\nLymph nodes: 0/12\n"
    )


def test_a_stain_list_that_stops_on_a_comma_goes_on_and_other_lines_do_not() -> None:
    text = (
        "The tumour cells are negative for CK7, CK20,\nCD10, WT-1,\nsynaptophysin and chromogranin.\n"
        "Received in three parts: liver,\nGallbladder, no stones.\n"
    )
    assert _view(read_wrapped_lines, text) == (
        "The tumour cells are negative for CK7, CK20, CD10, WT-1, synaptophysin and chromogranin.\n"
        "Received in three parts: liver,\nGallbladder, no stones.\n"
    )


def test_a_ticked_checklist_option_is_read_and_an_unticked_one_is_not() -> None:
    # Arrange
    text = (
        "Histologic Grade\n"
        "___ G1: Well differentiated\n"
        "_X_ G2: Moderately differentiated\n"
        "Regional Lymph Nodes\n"
        "[ ] pN0: No regional lymph node metastasis\n"
        "[X] pN1: Regional lymph node metastasis\n"
    )

    # Act
    read = _view(read_checklists, text)

    # Assert
    assert "G1" not in read and "No regional" not in read
    assert "    G2: Moderately differentiated" in read and "    pN1: Regional lymph node metastasis" in read
    assert len(read) == len(text)


def test_transcription_blanks_are_not_checklists() -> None:
    text = "Peripheral pulses _______ procedure. The right heart catheter _______ pulled out."
    assert read_checklists(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AJCC stage: pT3cN1MO.", "AJCC stage: pT3c N1 M0."),
        ("Pathological Staging (pTNM): T 3a NOM x", "Pathological Staging (pTNM): T3a N0 MX"),
        ("PATHOLOGIC TNM STAGE: pT3bNOMXRI", "PATHOLOGIC TNM STAGE: pT3b N0 MXRI"),
        ("The final stage (T1 b/N 1 /MX)", "The final stage (T1b N1 MX)"),
        ("Pathologic stage pTia NX MX", "Pathologic stage pT1a NX MX"),
        # OCR's blank moved from before the N to before the T's sub-letter
        ("Pathologic stage: pT1 aNXMX (size of tumor based on current specimen)", "Pathologic stage: pT1a NX MX (size of tumor based on current specimen)"),
    ],
)
def test_whole_tnm_strings_damaged_by_ocr_are_rewritten(text: str, expected: str) -> None:
    assert _view(read_codes, text) == expected


def test_an_mri_sequence_before_a_word_is_not_a_tnm_string() -> None:
    assert read_codes("Sagittal T2 No abnormal signal is seen.") == []


@pytest.mark.parametrize(("text", "expected"), [("Greatest dimension: 5 em", "Greatest dimension: 5 cm"), ("a 3.5 crn mass", "a 3.5 cm mass")])
def test_centimetres_misread_by_ocr_after_a_number(text: str, expected: str) -> None:
    assert _view(read_numbers, text) == expected


def test_the_next_codes_prefix_is_not_a_sub_letter() -> None:
    assert read_codes("Stage: cT2 cN0 cM1, pT2 pN1 cM0") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Histologic Grade: Gill: Poorly differentiated", "Histologic Grade: G3: Poorly differentiated"),
        ("HISTOLOGIC GRADE:\nGI:Well differentiated", "HISTOLOGIC GRADE:\nG1:Well differentiated"),
        ("HISTOLOGIC GRADE:\n02: Moderately differentiated", "HISTOLOGIC GRADE:\nG2: Moderately differentiated"),
    ],
)
def test_synoptic_grades_misread_by_ocr(text: str, expected: str) -> None:
    assert _view(read_codes, text) == expected


def test_a_list_dash_glued_to_its_word_is_read_apart() -> None:
    text = "LYMPH NODES (F):\n-NO EVIDENCE OF METASTATIC DISEASE\n-Grade of tumor: 3"
    assert ReadingView(text).with_edits(read_list_dashes(text)).text == "LYMPH NODES (F):\n- NO EVIDENCE OF METASTATIC DISEASE\n- Grade of tumor: 3"


def test_a_run_on_list_item_after_a_full_stop_is_read_apart() -> None:
    text = "Benign adrenal tissue. -No metastatic carcinoma is identified. A well-differentiated tumor; a T-cell marker"
    assert ReadingView(text).with_edits(read_list_dashes(text)).text == (
        "Benign adrenal tissue. - No metastatic carcinoma is identified. A well-differentiated tumor; a T-cell marker"
    )


def test_a_letter_read_for_a_one_before_a_sub_letter() -> None:
    assert _view(read_codes, "Pathologic stage: pTlb, R0") == "Pathologic stage: pT1b, R0"


def test_a_unit_glued_to_a_capitalised_heading_is_read_apart() -> None:
    assert _view(read_numbers, "Greatest dimension 2.0 cmHISTOLOGIC TYPE:") == "Greatest dimension 2.0 cm HISTOLOGIC TYPE:"


def test_millimetres_of_mercury_are_a_unit_not_a_glued_heading() -> None:
    note = "Vitals: BP 132/84 mmHg, pulse 76. Abdominal CT: 2.0 cmHISTOLOGIC TYPE: carcinoid."
    assert read_numbers(note) == [Edit(note.index("HISTOLOGIC"), note.index("HISTOLOGIC"), " ")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a mass measuring 2 .8 cm", "a mass measuring 2.8 cm"),
        ("tumour 3. 0 x 2.5 cm", "tumour 3.0 x 2.5 cm"),
        ("ESTIMATED TUMOR SIZE: 2. 0 X 2.0 CM.", "ESTIMATED TUMOR SIZE: 2.0 X 2.0 CM."),
        ("Tumor size: 12 .5 mm, second focus 1.\t5 mm.", "Tumor size: 12.5 mm, second focus 1.5 mm."),
        # a colon glued after the point
        ("Greatest dimension: 4.:6cm", "Greatest dimension: 4.6cm"),
    ],
)
def test_a_decimal_point_set_apart_by_ocr(text: str, expected: str) -> None:
    assert _view(read_numbers, text) == expected


def test_a_numbered_list_is_not_a_decimal() -> None:
    assert read_numbers("Lymph nodes: 1. 3 nodes examined. 2. Margins clear.") == []
    # four digits before the point are no decimal: an id or a year, not a size
    assert read_numbers("Accession 2014 .5 cm block") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Serous carcinoma (7,0 X 6,5 X 3,5 CM), left ovary.", "Serous carcinoma (7.0 X 6.5 X 3.5 CM), left ovary."),
        ("RENAL CELL CARCINOMA (2,8 CM), CLEAR CELL TYPE", "RENAL CELL CARCINOMA (2.8 CM), CLEAR CELL TYPE"),
        # a list of numbers and a thousands separator stay as written
        ("Levels 2,3 and 4 cm apart; 1,500 mL; nodes 3,4,5 cm", "Levels 2,3 and 4 cm apart; 1,500 mL; nodes 3,4,5 cm"),
    ],
)
def test_a_decimal_comma_in_a_measurement_is_a_decimal_point(text: str, expected: str) -> None:
    assert _view(read_numbers, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SPECIMEN: PAN C REATO D U O D E N ECTO MY WITH SPLENECTOMY", "SPECIMEN: PANCREATODUODENECTOMY WITH SPLENECTOMY"),
        # a long heading of whole words around the broken one: only the broken word is joined
        (
            "FINAL DIAGNOSIS TAIL AND SPLEEN RESECTION PAN C REATIC NEURO E NDOCRINE CARCINOMA WELL DIFFERENTIATED",
            "FINAL DIAGNOSIS TAIL AND SPLEEN RESECTION PANCREATIC NEUROENDOCRINE CARCINOMA WELL DIFFERENTIATED",
        ),
        ("TO BE SEEN IN A WEEK BY DR A B SMITH", "TO BE SEEN IN A WEEK BY DR A B SMITH"),
    ],
)
def test_a_domain_word_in_capitals_spaced_out_by_ocr_is_joined(text: str, expected: str) -> None:
    assert _view(read_spaced_capitals, text) == expected


def test_a_result_sign_glued_to_a_marker_name_is_read_apart_and_maps_back() -> None:
    text = "Comments: vimentin+, CK7+; S100-, chromogranin-, CD56-; Syn+\nKeratin-positive cells; well-\ndifferentiated."
    view = ReadingView(text).with_edits(read_glued_signs(text))
    assert view.text == "Comments: vimentin+, CK7+; S100-, chromogranin -, CD56 -; Syn +\nKeratin-positive cells; well-\ndifferentiated."
    start = view.text.index("CD56")
    assert text[slice(*view.to_original(start, start + 4))] == "CD56"


def test_a_minus_sign_glued_to_a_marker_at_the_end_of_a_sentence_is_read_apart() -> None:
    text = "Neuroendocrine markers: CD56+, chromogranin-. Well-\ndifferentiated tumour-."
    view = ReadingView(text).with_edits(read_glued_signs(text))
    assert view.text == "Neuroendocrine markers: CD56 +, chromogranin -. Well-\ndifferentiated tumour-."
    start = view.text.index("chromogranin")
    assert text[slice(*view.to_original(start, start + 12))] == "chromogranin"


def test_a_line_opening_on_for_goes_on_from_the_line_before_but_a_forms_no_answer_ends_its_field() -> None:
    text = "The tumor is positive\nfor CAM 5.2.\nVariant histology (%): No\nTumor size: 29 mm\n"
    assert _view(read_wrapped_lines, text) == "The tumor is positive for CAM 5.2.\nVariant histology (%): No\nTumor size: 29 mm\n"


def test_a_t_sub_letter_glued_to_the_definition_after_it_is_read_back() -> None:
    text = "PRIMARY TUMOR (pT):\npT1 aTumor 4 cm or less in greatest dimension\npT2 Tumor more than 7 cm\n"
    assert _view(read_split_sub_letters, text) == "PRIMARY TUMOR (pT):\npT1a Tumor 4 cm or less in greatest dimension\npT2 Tumor more than 7 cm\n"


def test_a_stain_statement_listing_one_marker_a_line_is_read_as_one_statement() -> None:
    # Arrange
    text = (
        "On immunostains the neoplastic cells are reactive for:\n"
        "- Synaptophysin (diffuse)\n"
        "  - Chromogranin A,\n"
        "and negative for:\n"
        "• AE1/AE3\n"
        "\n"
        "Positive:\nNegative:\nComment: see addendum.\n"
    )

    # Act
    view = ReadingView(text).with_edits(read_wrapped_lines(text))

    # Assert: each list is one statement; empty form fields and a new field are left alone
    assert view.text == (
        "On immunostains the neoplastic cells are reactive for Synaptophysin (diffuse), Chromogranin A.\n"
        "and negative for AE1/AE3.\n"
        "\n"
        "Positive:\nNegative:\nComment: see addendum.\n"
    )
    found = view.text.index("Chromogranin A")
    start, end = view.to_original(found, found + len("Chromogranin A"))
    assert text[start:end] == "Chromogranin A"


def test_a_numbered_vertical_stain_list_after_the_following_is_read_as_one_statement() -> None:
    text = "The neoplasm is negative for the following:\n1. CK7\n2) Synaptophysin\nKi-67: 30%.\n"
    assert _view(read_wrapped_lines, text) == "The neoplasm is negative for the following CK7, Synaptophysin.\nKi-67: 30%.\n"


def test_a_minus_sign_glued_to_a_marker_at_a_line_end_is_read_apart_but_a_hyphenated_word_is_not() -> None:
    text = "STAINS:\nChromogranin-\nCD56+\nThe cells are chromogranin-\npositive.\n"
    assert _view(read_glued_signs, text) == "STAINS:\nChromogranin -\nCD56 +\nThe cells are chromogranin-\npositive.\n"
