"""BRAT reading and span-level scoring (strict, lenient, assertion flags)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.brat import (
    SpanAnnotation,
    match_spans,
    mention_spans,
    parse_ann,
    read_ann,
    score_spans,
)
from extractor.schema import Assertion, Mention
from extractor.metrics import Counts

NOTE = (
    "Date: 2021-03-04\n\n"
    "Skin biopsy consistent with necrolytic migratory erythema (NME). "
    "No diarrhoea. Mother had type 2 diabetes. Glucagon 1240 pg/mL."
)


def _at(text: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = NOTE.index(text, start + 1)
    return start, start + len(text)


def _ann_line(ann_id: str, label: str, text: str) -> str:
    start, end = _at(text)
    return f"{ann_id}\t{label} {start} {end}\t{text}"


def test_parse_entities_and_attributes() -> None:
    """T lines become spans; A lines set the mapped assertion flags."""
    # Arrange
    content = "\n".join(
        [
            _ann_line("T1", "nme", "necrolytic migratory erythema"),
            _ann_line("T2", "nme", "NME"),
            _ann_line("T3", "diarrhea", "diarrhoea"),
            "A1\tNegated T3",
            _ann_line("T4", "diabetes", "type 2 diabetes"),
            "A2\tFamilyHistory T4",
            "A3\tHistorical T4",
            "A4\tUncertain T1 false",
            "R1\tSupports Arg1:T1 Arg2:T2",
            "#1\tAnnotatorNotes T1\tchecked",
            "",
        ]
    )
    # Act
    doc = parse_ann(content, source="P01__01-derm.ann", text=NOTE)
    # Assert
    assert doc.problems == ()
    by_id = {e.ann_id: e for e in doc.entities}
    assert (by_id["T1"].label, NOTE[by_id["T1"].start : by_id["T1"].end]) == (
        "nme",
        "necrolytic migratory erythema",
    )
    assert by_id["T1"].flags == frozenset()
    assert by_id["T3"].flags == {"negated"}
    assert by_id["T4"].flags == {"family", "historical"}


def test_discontinuous_span_takes_min_start_and_max_end() -> None:
    """'start end;start end' becomes one span from the first start to the last end."""
    # Arrange
    (s1, e1), (s2, e2) = _at("necrolytic"), _at("erythema")
    content = f"T1\tnme {s1} {e1};{s2} {e2}\tnecrolytic erythema\n"
    # Act
    doc = parse_ann(content, source="x.ann", text=NOTE)
    # Assert
    (entity,) = doc.entities
    assert (entity.start, entity.end) == (s1, e2)
    assert doc.problems == ()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param("T1 nme 10 20 erythema", "malformed entity line", id="spaces-not-tabs"),
        pytest.param("T1\tnme ten 20\terythema", "malformed offsets", id="offset-not-a-number"),
        pytest.param("T1\tnme\terythema", "has no offsets", id="no-offsets"),
        pytest.param("T1\tnme 20 10\terythema", "empty or reversed", id="reversed"),
        pytest.param("A1\tNegated", "malformed attribute line", id="attribute-without-target"),
        pytest.param("A1\tNegated T9", "unknown entity 'T9'", id="attribute-unknown-target"),
        pytest.param("A1\tNegation T1", "unknown attribute 'Negation'", id="attribute-unknown-name"),
        pytest.param("A1 Negated T1", "expected a TAB", id="attribute-spaces"),
    ],
)
def test_malformed_lines_are_reported_with_file_and_line(line: str, reason: str) -> None:
    """A malformed line is skipped and reported as file:line: reason; others still read."""
    # Arrange
    good = _ann_line("T1", "nme", "NME")
    content = f"{good}\n\n{line}\n"
    # Act
    doc = parse_ann(content, source="P01__01-derm.ann")
    # Assert
    assert len(doc.problems) == 1
    assert doc.problems[0].startswith("P01__01-derm.ann:3: ")
    assert reason in doc.problems[0]
    assert [e.ann_id for e in doc.entities] == ["T1"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param("T1\tnme 18 21\tXYZ", "text differs from the note at 18-21", id="text-differs"),
        pytest.param(f"T1\tnme 18 {len(NOTE) + 5}\tNME", "ends past the end", id="past-the-end"),
    ],
)
def test_offsets_checked_against_the_note_without_quoting_it(line: str, reason: str) -> None:
    """With the note's text, inconsistent offsets are reported (and the entity kept)."""
    # Act
    doc = parse_ann(line, source="a.ann", text=NOTE)
    # Assert
    assert len(doc.entities) == 1
    (problem,) = doc.problems
    assert problem.startswith("a.ann:1: entity T1 ")
    assert reason in problem
    assert "Skin" not in problem


def test_read_ann_reports_bad_encoding(tmp_path: Path) -> None:
    """An .ann that is not UTF-8 is one problem, not an exception."""
    # Arrange
    path = tmp_path / "P01__01-derm.ann"
    path.write_bytes(b"T1\tnme 0 3\t\xff\xfe\n")
    # Act
    doc = read_ann(path)
    # Assert
    assert doc.entities == ()
    assert doc.problems == (f"{path}: not valid UTF-8 (file skipped)",)


def _span(label: str, start: int, end: int, *flags: str) -> SpanAnnotation:
    return SpanAnnotation(label, start, end, frozenset(flags))


@pytest.mark.parametrize(
    ("gold", "pred", "strict", "lenient"),
    [
        pytest.param([_span("nme", 10, 20)], [_span("nme", 10, 20)], 1, 1, id="exact"),
        pytest.param([_span("nme", 10, 20)], [_span("nme", 12, 25)], 0, 1, id="overlap"),
        pytest.param([_span("nme", 10, 20)], [_span("nme", 20, 25)], 0, 0, id="touching-not-overlap"),
        pytest.param([_span("nme", 10, 20)], [_span("diabetes", 10, 20)], 0, 0, id="label-differs"),
        pytest.param(
            [_span("nme", 10, 20), _span("nme", 22, 30)], [_span("nme", 5, 40)], 0, 1, id="one-to-one"
        ),
        pytest.param(
            [_span("nme", 10, 20), _span("nme", 15, 30)],
            [_span("nme", 15, 30), _span("nme", 12, 18)],
            1,
            2,
            id="maximum-matching-keeps-exact",
        ),
    ],
)
def test_strict_vs_lenient_matching(
    gold: list[SpanAnnotation], pred: list[SpanAnnotation], strict: int, lenient: int
) -> None:
    """Strict pairs need identical offsets and label; lenient pairs need overlap and label."""
    # Act
    strict_pairs = match_spans(gold, pred, lenient=False)
    lenient_pairs = match_spans(gold, pred, lenient=True)
    # Assert
    assert (len(strict_pairs), len(lenient_pairs)) == (strict, lenient)


def test_score_spans_per_label_and_assertions() -> None:
    """Only annotated documents and gold labels count; flags are scored over lenient pairs."""
    # Arrange
    gold = {
        ("P01", "01-derm"): [
            _span("nme", 10, 39),
            _span("diarrhea", 50, 59, "negated"),
            _span("diabetes", 70, 85, "family"),
        ],
        ("P01", "02-endo"): [],
    }
    pred = {
        ("P01", "01-derm"): [
            _span("nme", 10, 39),  # strict + lenient TP
            _span("diarrhea", 47, 59),  # lenient TP only, flag 'negated' missed
            _span("diabetes", 70, 85, "family"),  # strict + lenient TP, flag right
            _span("sex", 0, 6),  # label not in gold: ignored
        ],
        ("P01", "02-endo"): [_span("nme", 1, 4)],  # annotated, empty: FP
        ("P01", "03-ct"): [_span("nme", 1, 4)],  # not annotated: ignored
    }
    # Act
    report = score_spans(gold, pred)
    # Assert
    assert report.labels == ["diabetes", "diarrhea", "nme"]
    assert report.documents == 2
    assert report.strict.labels["nme"] == Counts(tp=1, fp=1)
    assert report.strict.labels["diarrhea"] == Counts(fp=1, fn=1)
    assert report.lenient.labels["diarrhea"] == Counts(tp=1)
    assert report.strict.micro == Counts(tp=2, fp=2, fn=1)
    assert report.lenient.micro == Counts(tp=3, fp=1)
    negated = report.assertions["negated"]
    assert (negated.pairs, negated.correct, negated.tp, negated.fp, negated.fn) == (3, 2, 0, 0, 1)
    assert negated.accuracy == pytest.approx(2 / 3)
    assert report.assertions["family"].accuracy == 1.0


def test_mention_spans_carry_assertion_flags() -> None:
    """Predicted mentions become spans by (patient, doc) with their set flags."""
    # Arrange
    mention = Mention(
        label="diarrhea",
        doc_id="01-derm",
        start=50,
        end=59,
        text="diarrhoea",
        assertion=Assertion(negated=True, historical=True),
    )
    # Act
    spans = mention_spans([mention], "P01")
    # Assert
    assert spans == {("P01", "01-derm"): [_span("diarrhea", 50, 59, "negated", "historical")]}
