"""``extractor batch --omop``: NOTE_NLP rows that load into the CDM v5.4 table with its DDL."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.batch.omop import NOTE_NLP_COLUMNS, assign_note_ids, term_modifiers
from extractor.cli import app
from extractor.ruleset import omop_concepts, rules_root

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "corpora" / "seed-cohort" / "notes"

# The CDM v5.4 NOTE_NLP columns in order (OHDSI/CommonDataModel, OMOP_CDMv5.4_Field_Level.csv).
CDM_COLUMNS = ["note_nlp_id", "note_id", "section_concept_id", "snippet", "offset", "lexical_variant",
               "note_nlp_concept_id", "note_nlp_source_concept_id", "nlp_system", "nlp_date", "nlp_datetime",
               "term_exists", "term_temporal", "term_modifiers"]

_FIELD = re.compile(r'"((?:[^"]|"")*)"|([^,\n]*)')


def read_copy_csv(path: Path) -> list[list[str | None]]:
    """CSV read as PostgreSQL's COPY ... CSV reads it: an unquoted empty field is NULL, "" an empty string."""
    text = path.read_text(encoding="utf-8")
    rows: list[list[str | None]] = []
    row: list[str | None] = []
    at = 0
    while at < len(text):
        match = _FIELD.match(text, at)
        assert match is not None
        quoted, bare = match.groups()
        row.append(quoted.replace('""', '"') if quoted is not None else (bare or None))
        at = match.end()
        if at < len(text) and text[at] == ",":
            at += 1
            continue
        rows.append(row)
        row = []
        at += 1
    return rows


def load_note_nlp(csv_path: Path) -> sqlite3.Connection:
    """An SQLite database with the shipped CDM DDL, the CSV loaded into it."""
    con = sqlite3.connect(":memory:")
    con.executescript(rules_root().joinpath("omop_note_nlp_v5.4.sql").read_text(encoding="utf-8"))
    header, *rows = read_copy_csv(csv_path)
    columns = ", ".join(f'"{c}"' for c in header)
    con.executemany(f"INSERT INTO note_nlp ({columns}) VALUES ({', '.join('?' * len(header))})", rows)
    return con


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("omop") / "out"
    result = CliRunner().invoke(app, ["batch", str(DEMO), "--out", str(out), "--workers", "2", "--omop", "--parquet",
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    return out


def test_the_shipped_ddl_has_exactly_the_cdm_columns() -> None:
    con = sqlite3.connect(":memory:")
    con.executescript(rules_root().joinpath("omop_note_nlp_v5.4.sql").read_text(encoding="utf-8"))
    table = con.execute("PRAGMA table_info(note_nlp)").fetchall()
    assert [row[1] for row in table] == CDM_COLUMNS == list(NOTE_NLP_COLUMNS)
    not_null = {row[1] for row in table if row[3]}
    assert not_null == {"note_nlp_id", "note_id", "lexical_variant", "nlp_date"}


def test_demo_note_nlp_loads_with_the_cdm_ddl_one_row_per_mention(demo_run: Path) -> None:
    # Arrange
    mentions = jsonl(demo_run / "mentions.jsonl")
    # Act
    con = load_note_nlp(demo_run / "note_nlp.csv")
    # Assert
    assert con.execute("SELECT count(*), count(DISTINCT note_nlp_id) FROM note_nlp").fetchone() == (
        len(mentions), len(mentions))
    rows = con.execute('SELECT note_nlp_id, term_exists, term_temporal, "offset", lexical_variant, snippet, '
                       "nlp_date, nlp_datetime, note_nlp_concept_id FROM note_nlp ORDER BY note_nlp_id").fetchall()
    for m, (number, exists, temporal, offset, lexical, snippet, nlp_date, nlp_datetime, _) in zip(
            mentions, rows, strict=True):
        a = m["assertion"]
        assert exists == ("N" if a["negated"] or a["hypothetical"] or a["family"] else "Y"), (number, a)
        assert temporal == ("past" if a["historical"] else "present")
        assert offset == str(m["start"])
        assert (lexical, snippet, nlp_datetime) == ("", None, None)  # no note text without --omop-text
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", nlp_date)


def test_term_exists_is_n_exactly_for_negated_hypothetical_and_family_mentions(demo_run: Path) -> None:
    mentions = jsonl(demo_run / "mentions.jsonl")
    expected = {i for i, m in enumerate(mentions, start=1)
                if m["assertion"]["negated"] or m["assertion"]["hypothetical"] or m["assertion"]["family"]}
    con = load_note_nlp(demo_run / "note_nlp.csv")
    found = {row[0] for row in con.execute("SELECT note_nlp_id FROM note_nlp WHERE term_exists = 'N'")}
    assert found == expected
    assert {a for (a,) in con.execute("SELECT DISTINCT term_exists FROM note_nlp")} == {"Y", "N"}
    # the demo corpus has every kind: a hypothetical, a family and a negated mention
    assert all(any(m["assertion"][flag] for m in mentions) for flag in ("negated", "hypothetical", "family"))


def test_every_note_id_is_in_note_map_with_its_patient_and_document(demo_run: Path) -> None:
    con = load_note_nlp(demo_run / "note_nlp.csv")
    with (demo_run / "note_map.csv").open(encoding="utf-8", newline="") as f:
        note_map = {int(r["note_id"]): r for r in csv.DictReader(f)}
    assert len(note_map) == 46
    assert all(r["note_id_from"] == "assigned" for r in note_map.values())  # "01-derm" is not an integer
    by_row = {n: note_id for n, note_id in con.execute("SELECT note_nlp_id, note_id FROM note_nlp")}
    for number, m in enumerate(jsonl(demo_run / "mentions.jsonl"), start=1):
        entry = note_map[by_row[number]]
        assert (entry["patient_id"], entry["doc_id"]) == (m["patient_id"], m["doc_id"])


def test_concept_ids_and_modifiers(demo_run: Path) -> None:
    con = load_note_nlp(demo_run / "note_nlp.csv")
    mentions = jsonl(demo_run / "mentions.jsonl")
    concept_of = {n: (c, t) for n, c, t in con.execute(
        "SELECT note_nlp_id, note_nlp_concept_id, term_modifiers FROM note_nlp")}
    labels = {m["label"] for m in mentions}
    assert labels <= set(omop_concepts())  # every label the pipeline emits has an entry
    for number, m in enumerate(mentions, start=1):
        concept, modifiers = concept_of[number]
        assert concept == omop_concepts()[m["label"]].concept_id
        for flag, value in m["assertion"].items():
            assert f"{flag}={'true' if value else 'false'}" in modifiers
    diabetes = con.execute("SELECT count(*) FROM note_nlp WHERE note_nlp_concept_id = 201820").fetchone()[0]
    assert diabetes == sum(1 for m in mentions if m["label"] == "diabetes") > 0


def test_parquet_holds_the_same_rows(demo_run: Path) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(demo_run / "note_nlp.parquet")
    assert table.column_names == CDM_COLUMNS
    con = load_note_nlp(demo_run / "note_nlp.csv")
    assert table.num_rows == con.execute("SELECT count(*) FROM note_nlp").fetchone()[0]
    assert table.column("term_exists").to_pylist() == [
        r[0] for r in con.execute("SELECT term_exists FROM note_nlp ORDER BY note_nlp_id")]


def test_an_omop_note_table_keeps_its_note_ids_and_omop_text_fills_lexical_variant(tmp_path: Path) -> None:
    """An OMOP NOTE extract (note_id, person_id, note_date, note_title, note_text) runs with one command;
    NOTE_NLP points at its own note_id."""
    # Arrange
    notes = sorted(DEMO.glob("P03__*.txt"))
    table = tmp_path / "note.csv"
    with table.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["note_id", "person_id", "note_date", "note_title", "note_text"])
        for number, path in enumerate(notes, start=9001):
            writer.writerow([number, 3, f"2019-01-{number - 9000:02d}", path.stem.split("__")[1],
                             path.read_text(encoding="utf-8")])
    out = tmp_path / "out"
    # Act
    result = CliRunner().invoke(app, ["batch", str(table), "--input-format", "omop", "--out", str(out),
                                      "--workers", "1", "--omop", "--omop-text", "--no-progress"])
    # Assert
    assert result.exit_code == 0, result.output
    con = load_note_nlp(out / "note_nlp.csv")
    note_ids = {n for (n,) in con.execute("SELECT DISTINCT note_id FROM note_nlp")}
    assert note_ids and note_ids <= set(range(9001, 9001 + len(notes)))
    mentions = jsonl(out / "mentions.jsonl")
    lexical = [v for (v,) in con.execute("SELECT lexical_variant FROM note_nlp ORDER BY note_nlp_id")]
    assert lexical == [m["text"][:250] for m in mentions]
    with (out / "note_map.csv").open(encoding="utf-8", newline="") as f:
        assert {r["note_id_from"] for r in csv.DictReader(f)} == {"input"}


def test_note_ids_keep_unique_integers_and_assign_the_rest_above_them() -> None:
    docs = [{"patient_id": "10", "doc_id": "501"}, {"patient_id": "10", "doc_id": "7"},
            {"patient_id": "11", "doc_id": "7"},  # 7 twice: not unique, so assigned
            {"patient_id": "11", "doc_id": "0042"}, {"patient_id": "12", "doc_id": "501~2"},
            {"patient_id": "12", "doc_id": "discharge"}]
    ids = assign_note_ids(docs)
    assert ids[("10", "501")] == (501, False)
    assigned = sorted(n for n, new in ids.values() if new)
    assert assigned == [502, 503, 504, 505, 506]
    assert len({n for n, _ in ids.values()}) == len(docs)
    assert assign_note_ids(list(reversed(docs))) == ids  # the order of the input does not matter


def test_term_modifiers_escape_separators_and_carry_value_and_unit() -> None:
    mention = {"label": "ki67_percent", "value": 8.0, "section": "microscopic", "rule": "ki67.percent",
               "assertion": {"negated": False, "historical": True, "hypothetical": False, "family": False,
                             "uncertain": True}}
    text = term_modifiers(mention, omop_concepts()["ki67_percent"])
    assert text == ("negated=false,historical=true,hypothetical=false,family=false,uncertain=true,"
                    "value=8.0,unit=%,section=microscopic,rule=ki67.percent")
    odd = {**mention, "label": "first_department", "value": "a,b|c"}
    assert "value=a\\,b\\|c" in term_modifiers(odd, omop_concepts()["first_department"])
