"""Lab values: numbers, comparators, units and conversion, reference ranges, timing cues."""

from __future__ import annotations

import pytest

from extractor.parsing.labs import (
    parse_reference,
    reference_spans,
    readings_in,
    status_from_reference,
    status_words,
    timing_cue,
    to_pg_per_ml,
)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (" 217 pg/mL (normal < 200 pg/mL)", [(217.0, "=", "pg/ml")]),
        (" level was markedly elevated at 3,155 pg/mL", [(3155.0, "=", "pg/ml")]),
        (" >800 pg/mL (ref <200)", [(800.0, ">", "pg/ml")]),
        (" greater than 1500 pg/ml", [(1500.0, ">", "pg/ml")]),
        (" 62.3 pmol/L (reference range 0-50)", [(62.3, "=", "pmol/l")]),
        (" 410 ng/L", [(410.0, "=", "ng/l")]),
        (" 720000 pg/L", [(720000.0, "=", "pg/l")]),
        (" fell from 1,200 preoperatively to 95 pg/mL", [(1200.0, "=", "pg/ml"), (95.0, "=", "pg/ml")]),
        (" measured on 12/03/2019 was 720 pg/mL", [(720.0, "=", "pg/ml")]),
        (" (pg/mL)   217   103", [(217.0, "=", "pg/ml"), (103.0, "=", "pg/ml")]),
        # a lab table's flag column between the result and the unit column
        ("        1250     H      pg/mL", [(1250.0, "=", "pg/ml")]),
        ("   412 (H) ng/mL", [(412.0, "=", "ng/ml")]),
        # a lower-case h is an hour, not a flag: the number has no unit
        (" 300 h pg/mL", []),
        (" was checked twice", []),
        (" 1200 pg/mL on 2019-03-01", [(1200.0, "=", "pg/ml")]),
        # the highest reading, not a bound; the reference limit stays a limit
        (" (IRG) is up to\n6,000 pg/ml (normal up to 150 pg/ml)", [(6000.0, "=", "pg/ml")]),
        (" below 50 pg/mL after surgery", [(50.0, "<", "pg/ml")]),
    ],
)
def test_readings(window: str, expected: list[tuple[float, str, str]]) -> None:
    readings = readings_in(window, "pg/ml")
    assert [(r.value, r.comparator, r.unit) for r in readings] == expected


def test_unitless_number_needs_reference_or_heading() -> None:
    assert readings_in(" was 217 at the time", "pg/ml") == []
    assert [r.value for r in readings_in(" 217 (<200)", "pg/ml")] == [217.0]


@pytest.mark.parametrize(
    ("value", "unit", "pg_ml"),
    [(217, "pg/ml", 217.0), (62.3, "pmol/l", 217.12), (410, "ng/l", 410.0), (720000, "pg/l", 720.0), (5, "mmol/l", None)],
)
def test_glucagon_conversion(value: float, unit: str, pg_ml: float | None) -> None:
    assert to_pg_per_ml(value, unit) == pg_ml


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("normal < 200 pg/mL", None, 200.0), ("ref 50-150", 50.0, 150.0), ("> 10", 10.0, None), ("upper limit of normal 150", None, 150.0), ("normal up to 150 pg/mL", None, 150.0)],
)
def test_reference_ranges(text: str, low: float | None, high: float | None) -> None:
    reference = parse_reference(text)
    assert reference is not None and (reference.low, reference.high) == (low, high)


@pytest.mark.parametrize(
    ("value", "comparator", "high", "status"),
    [(43.05, "=", 16.3, "elevated"), (12.0, "=", 16.3, "normal"), (200.0, ">", 200.0, "elevated")],
)
def test_status_from_reference(value: float, comparator: str, high: float, status: str) -> None:
    assert status_from_reference(value, comparator, parse_reference(f"< {high}")) == status


@pytest.mark.parametrize(
    ("words", "status"),
    [
        ("was raised", "elevated"), ("within normal limits", "normal"), ("was not elevated", "normal"), ("low", "low"), ("was measured", None),
        # a multiple of, or a value beyond, the limit of normal is no normal result
        ("about 3 times the upper limit of normal", "elevated"), ("> 10x ULN off PPI", "elevated"),
        ("above the upper limit of normal", "elevated"), ("below the lower limit of normal during the fast", "low"),
        ("at the upper limit of normal", "normal"),
    ],
)
def test_status_words(words: str, status: str | None) -> None:
    assert status_words(words) == status


@pytest.mark.parametrize(
    ("sentence", "value", "timing"),
    [
        ("Glucagon fell from 1,200 pg/mL preoperatively to 95 pg/mL postoperatively.", "1,200 pg/mL", "preoperative"),
        ("Glucagon fell from 1,200 pg/mL preoperatively to 95 pg/mL postoperatively.", "95 pg/mL", "postoperative"),
        ("Postoperatively, glucagon was 103 pg/mL.", "103 pg/mL", "postoperative"),
        ("At diagnosis glucagon was 920 pg/mL.", "920 pg/mL", "preoperative"),
        ("Glucagon was 300 pg/mL.", "300 pg/mL", None),
    ],
)
def test_timing_cues(sentence: str, value: str, timing: str | None) -> None:
    start = sentence.index(value)
    assert timing_cue(sentence, start, start + len(value)) == timing


@pytest.mark.parametrize(
    ("window", "low", "high"),
    [(" (CgA)        286 ng/mL       <98", None, 98.0), (", fasting            6.2 uIU/mL      2.6-24.9", 2.6, 24.9)],
)
def test_reference_column_of_a_lab_table(window: str, low: float | None, high: float) -> None:
    references = reference_spans(window)
    assert [(r.low, r.high) for _, _, r in references] == [(low, high)]
    assert len(readings_in(window, "ng/ml")) == 1
