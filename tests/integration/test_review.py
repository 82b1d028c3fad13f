"""``extractor review`` and ``extractor batch --review`` on the demo corpus: the pages, where
the notes come from, what is written where, and the gold comparison."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.evaluate import read_records as read_gold
from extractor.scoring import score_records

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "corpora" / "seed-cohort"
DEV = REPO / "corpora" / "dev"


@pytest.fixture(scope="module")
def seed_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``extractor batch corpora/seed-cohort/notes --out DIR --review``."""
    out = tmp_path_factory.mktemp("seed") / "out"
    result = CliRunner().invoke(app, ["batch", str(DEMO / "notes"), "--out", str(out), "--workers", "2", "--review"])
    assert result.exit_code == 0, result.output
    assert f"review:   {out / 'review' / 'index.html'}" in result.output
    return out


def _review(*args: str) -> Any:
    return CliRunner().invoke(app, ["review", *args])


def _rows(index: Path) -> dict[str, dict[str, str]]:
    text = index.read_text(encoding="utf-8")
    return {m.group(1): dict(re.findall(r'data-([a-z]+)="([^"]*)"', m.group(0)))
            for m in re.finditer(r'<tr data-pid="([^"]+)"[^>]*>', text)}


def _data(page: Path) -> dict[str, Any]:
    text = page.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="review-data">(.*?)</script>', text).group(1))


def test_batch_review_writes_an_index_and_a_page_per_patient(seed_batch: Path) -> None:
    review = seed_batch / "review"
    assert sorted(p.name for p in review.iterdir()) == ["index.html", "patients"]  # no work folder left
    pages = sorted(p.name for p in (review / "patients").iterdir())
    assert pages == [f"P0{i}.html" for i in range(1, 8)]
    rows = _rows(review / "index.html")
    assert list(rows) == [f"P0{i}" for i in range(1, 8)]
    assert {r["status"] for r in rows.values()} == {"meets"}  # the seven glucagonomas of the series
    assert all(r["noev"] == "0" for r in rows.values())  # the pipeline cites every value
    records = [json.loads(line) for line in (seed_batch / "records.jsonl").read_text().splitlines()]
    notes = json.loads((seed_batch / "manifest.json").read_text())["patients"]
    assert notes == 7
    documents = [json.loads(line) for line in (seed_batch / "documents.jsonl").read_text().splitlines()]
    for record in records:
        pid = record["patient_id"]
        assert int(rows[pid]["notes"]) == sum(1 for d in documents if d["patient_id"] == pid)
        data = _data(review / "patients" / f"{pid}.html")
        assert data["record"] == {k: v for k, v in record.items() if k != "evidence"}
        assert [d["id"] for d in data["docs"]] == sorted(
            (d["doc_id"] for d in documents if d["patient_id"] == pid),
            key=lambda i: next((d["date"] or "", i) for d in documents if d["doc_id"] == i and d["patient_id"] == pid))


def test_every_evidence_span_is_marked_in_its_note(seed_batch: Path) -> None:
    page = (seed_batch / "review" / "patients" / "P03.html").read_text(encoding="utf-8")
    record = json.loads((seed_batch / "records.jsonl").read_text().splitlines()[2])
    spans = {(s["doc_id"], s["start"], s["end"]) for spans in record["evidence"].values() for s in spans}
    marked = set(re.findall(r'data-e="([0-9 ]+)"', page))
    numbers = {n for group in marked for n in group.split()}
    assert len(numbers) == len(spans)  # each distinct span numbered once and found in its note
    assert "not found in the notes" not in page


def test_review_rebuilds_byte_identical_pages(seed_batch: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        result = _review(str(seed_batch), "--out", str(out))
        assert result.exit_code == 0, result.output
    for page in [Path("index.html"), *(Path("patients") / p.name for p in (first / "patients").iterdir())]:
        assert (first / page).read_bytes() == (second / page).read_bytes()
    assert (first / "index.html").read_bytes() == (seed_batch / "review" / "index.html").read_bytes()


def test_notes_of_a_moved_run_are_found_with_notes(seed_batch: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(seed_batch, run, ignore=shutil.ignore_patterns("review", "summary", "*.sqlite"))
    moved = tmp_path / "moved"
    shutil.copytree(DEMO / "notes", moved)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    manifest["inputs"][0]["path"] = str(tmp_path / "notes-that-were-here")
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = _review(str(run), "--out", str(tmp_path / "r1"))
    assert result.exit_code == 2
    assert "notes-that-were-here" in result.output and "--notes" in result.output
    assert not (tmp_path / "r1" / "index.html").exists()
    result = _review(str(run), "--out", str(tmp_path / "r2"), "--notes", str(moved))
    assert result.exit_code == 0, result.output
    assert "46 notes" in result.output


def test_a_note_changed_since_the_run_is_flagged(seed_batch: Path, tmp_path: Path) -> None:
    changed = tmp_path / "notes"
    shutil.copytree(DEMO / "notes", changed)
    note = changed / "P03__01-derm.txt"
    note.write_text("Date: 2019-11-04\n\nAMENDED.\n" + note.read_text(encoding="utf-8"), encoding="utf-8")
    result = _review(str(seed_batch), "--out", str(tmp_path / "r"), "--notes", str(changed))
    assert result.exit_code == 1
    assert "evidence span(s) do not match the note text" in result.output
    page = (tmp_path / "r" / "patients" / "P03.html").read_text(encoding="utf-8")
    assert "span(s) not found in the notes" in page and "the note&#x27;s text differs at these offsets" in page


def test_notes_and_records_without_a_batch_folder(tmp_path: Path) -> None:
    out = tmp_path / "dev"
    result = _review(str(DEV / "notes"), "--records", str(DEV / "records.jsonl"), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = _rows(out / "index.html")
    gold, _ = read_gold(DEV / "records.jsonl")
    assert list(rows) == sorted(gold)
    # gold records carry no evidence: every value is one "without evidence", and the page says why
    assert all(int(r["noev"]) > 0 for r in rows.values())
    assert "No mentions file" in (out / "index.html").read_text(encoding="utf-8")
    statuses = {pid: r["status"] for pid, r in rows.items()}
    assert list(statuses.values()).count("does_not_meet") == 9  # the dev set's near misses


def test_gold_disagreements_are_marked_field_by_field(seed_batch: Path, tmp_path: Path) -> None:
    gold, _ = read_gold(DEMO / "records.jsonl")
    gold["P02"]["findings"]["dvt"] = "present"  # a reviewer's different reading
    gold["P02"]["ki67_percent"] = 20
    gold["P05"]["surgery"] = []
    del gold["P07"]  # a patient the gold set does not cover
    gold_file = tmp_path / "gold.jsonl"
    gold_file.write_text("".join(json.dumps(r) + "\n" for r in gold.values()), encoding="utf-8")
    out = tmp_path / "r"
    result = _review(str(seed_batch), "--out", str(out), "--gold", str(gold_file))
    assert result.exit_code == 0, result.output
    predicted, _ = read_gold(seed_batch / "records.jsonl")
    expected: dict[str, set[str]] = {}
    for d in score_records(gold, predicted).disagreements:
        if d.patient_id in gold:  # a patient without gold is not compared
            expected.setdefault(d.patient_id, set()).add(d.field)
    rows = _rows(out / "index.html")
    index = (out / "index.html").read_text(encoding="utf-8")
    p07_row = re.search(r'<tr data-pid="P07".*?</tr>', index).group(0)
    assert "no gold" in p07_row and "None" not in p07_row
    for pid, row in rows.items():
        page = (out / "patients" / f"{pid}.html").read_text(encoding="utf-8")
        marked = set(re.findall(r'<div class="field gold-differs" data-field="([^"]+)"', page))
        assert marked == expected.get(pid, set()), pid
        assert int(row["gold"]) == len(marked)
    assert {"findings.dvt", "ki67_percent"} <= expected["P02"] and "surgery" in expected["P05"]
    p02 = (out / "patients" / "P02.html").read_text(encoding="utf-8")
    assert "gold: Y (mismatch)" in p02 and "gold: 20% (mismatch)" in p02


def test_the_pages_go_only_where_asked(seed_batch: Path, tmp_path: Path) -> None:
    before = {p for p in tmp_path.parent.rglob("*")}
    not_a_folder = tmp_path / "file.html"
    not_a_folder.write_text("x", encoding="utf-8")
    result = _review(str(seed_batch), "--out", str(not_a_folder))
    assert result.exit_code == 2 and "not a folder" in result.output
    result = _review(str(DEMO / "notes"), "--out", str(tmp_path / "r"))
    assert result.exit_code == 2 and "--records" in result.output
    assert not (tmp_path / "r").exists()
    after = {p for p in tmp_path.parent.rglob("*")}
    assert after - before == {not_a_folder}


def test_a_failing_review_costs_only_the_review(seed_batch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from extractor.review import build

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a note's words must not reach this message")

    monkeypatch.setattr(build, "build_review", broken)
    stderr = io.StringIO()
    assert build.write_batch_review(seed_batch, stderr) is None
    assert stderr.getvalue() == "extractor batch: review not written: internal error (RuntimeError)\n"
