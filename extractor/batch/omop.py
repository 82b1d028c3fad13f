"""OMOP CDM v5.4 NOTE_NLP export of a finished batch run (``extractor batch --omop``).

Read from the run's own outputs (``documents.jsonl``, ``mentions.jsonl``,
``manifest.json``), so the export never touches the run and gives the same
bytes for the same outputs:

* ``note_nlp.csv``: exactly the 14 NOTE_NLP columns of CDM v5.4, one row per
  mention, in the order of ``mentions.jsonl``. CSV as PostgreSQL's ``COPY ...
  CSV`` reads it: an unquoted empty field is NULL, ``""`` an empty string, text
  always quoted. The table's DDL is ``rules/omop_note_nlp_v5.4.sql``.
* ``note_map.csv``: every note's ``note_id`` with its patient, document id, date
  and source, and whether the id is the input's own (an integer document id
  such as MIMIC's ROW_ID or OMOP's note_id) or was assigned here.
* ``note_nlp.parquet`` with ``--parquet``.

Column by column (the OMOP conventions for NOTE_NLP, CDM v5.4 field table):

* ``term_exists`` is ``N`` for a negated, hypothetical or family mention
  (negation, conditional/rule-out and "subject other than the patient" make the
  term not exist) and ``Y`` otherwise; uncertainty does not (the conventions
  keep uncertain terms as existing).
* ``term_temporal`` is ``past`` for a historical mention, else ``present``:
  present as of the note's own date.
* ``term_modifiers``: ``key=value`` pairs joined by ``,``: the five ConText flags,
  then the normalised value (an object's fields as their own keys, a list's
  items joined by ``|``), the unit, the section and the rule. ``\\``, ``,`` and ``|``
  inside a value are escaped with ``\\``; split each pair at its first ``=``.
* ``note_nlp_concept_id`` from ``rules/omop_concepts.json`` (0 where no Standard
  concept is confirmed); ``note_nlp_source_concept_id`` 0 (our rule ids are no
  vocabulary); ``section_concept_id`` 0 when the mention has a section (section
  names are not mapped), NULL when it has none; ``offset`` the mention's start
  character.
* ``nlp_system``: tool version and rules sha256; ``nlp_date``: the UTC date the
  run started (from the manifest); ``nlp_datetime`` NULL, so the file holds no
  clock time.
* ``lexical_variant`` (required) is the mention's text only with ``--omop-text``
  and ``""`` otherwise; ``snippet`` is NULL: the note text around a mention is
  not kept past the worker. Nothing else in the export comes from note text.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.batch.writers import atomic_path
from extractor.ruleset import OmopConceptSpec, omop_concepts

NOTE_NLP_COLUMNS = (
    "note_nlp_id", "note_id", "section_concept_id", "snippet", "offset", "lexical_variant",
    "note_nlp_concept_id", "note_nlp_source_concept_id", "nlp_system", "nlp_date", "nlp_datetime",
    "term_exists", "term_temporal", "term_modifiers",
)
NOTE_MAP_COLUMNS = ("note_id", "patient_id", "doc_id", "note_date", "note_type", "source", "note_id_from")
FLAGS = ("negated", "historical", "hypothetical", "family", "uncertain")
OUTPUTS = ("note_nlp.csv", "note_map.csv", "note_nlp.parquet")
LEXICAL_VARIANT_CHARS = 250  # varchar(250) in the CDM
TERM_MODIFIERS_CHARS = 2000  # varchar(2000)

# A document id used as the OMOP note_id as it is: a plain non-negative integer
# that fits a signed 64-bit column (no sign, no leading zero, no "~2" suffix).
_INTEGER_ID = re.compile(r"(?:0|[1-9][0-9]{0,17})\Z")


@dataclass(frozen=True)
class OmopExport:
    """Where the export went and what it holds."""

    csv: Path
    note_map: Path
    parquet: Path | None
    rows: int
    notes: int
    assigned_ids: int


def remove_outputs(out: Path) -> None:
    """Delete a previous run's export (``--overwrite``), so it never stands beside another run's outputs."""
    for name in OUTPUTS:
        (out / name).unlink(missing_ok=True)


# --------------------------------------------------------------------------- ids


def assign_note_ids(documents: Iterable[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, bool]]:
    """``(patient_id, doc_id) -> (note_id, assigned)`` for every document.

    A document id that is a plain integer and unique in the run is the note_id
    (MIMIC's ROW_ID, OMOP's note_id); every other document gets the next integer
    above the largest such id, in (patient, document) order, so the same input
    always gets the same ids.
    """
    keys = sorted({(d["patient_id"], d["doc_id"]) for d in documents if d.get("doc_id") is not None})
    uses = Counter(doc for _, doc in keys)
    ids: dict[tuple[str, str], tuple[int, bool]] = {}
    for key in keys:
        if _INTEGER_ID.match(key[1]) and uses[key[1]] == 1:
            ids[key] = (int(key[1]), False)
    next_id = max((i for i, _ in ids.values()), default=0) + 1
    for key in keys:
        if key not in ids:
            ids[key] = (next_id, True)
            next_id += 1
    return ids


# --------------------------------------------------------------------------- columns


def term_exists(assertion: dict[str, Any]) -> str:
    """``N`` when negation, a hypothetical/conditional or a subject other than the patient says it is not so."""
    return "N" if assertion.get("negated") or assertion.get("hypothetical") or assertion.get("family") else "Y"


def term_temporal(assertion: dict[str, Any]) -> str:
    """``past`` for a historical mention, ``present`` (as of the note's date) otherwise."""
    return "past" if assertion.get("historical") else "present"


def _escape(text: str) -> str:
    return " ".join(text.replace("\\", "\\\\").replace(",", "\\,").replace("|", "\\|").split())


def _modifier_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, list):
        return "|".join(_modifier_text(v) for v in value)
    return _escape(json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True))


def term_modifiers(mention: dict[str, Any], concept: OmopConceptSpec | None) -> str:
    """The ConText flags, the normalised value and unit, the section and the rule, as ``key=value,...``."""
    assertion = mention.get("assertion") or {}
    pairs = [(flag, "true" if assertion.get(flag) else "false") for flag in FLAGS]
    value = mention.get("value")
    if isinstance(value, dict):
        pairs.extend((str(k), _modifier_text(v)) for k, v in value.items() if v is not None)
    elif value is not None:
        pairs.append(("value", _modifier_text(value)))
    if concept is not None and concept.unit and not any(k == "unit" for k, _ in pairs) and value is not None:
        pairs.append(("unit", _escape(concept.unit)))
    if mention.get("section"):
        pairs.append(("section", _escape(mention["section"])))
    if mention.get("rule"):
        pairs.append(("rule", _escape(mention["rule"])))
    return ",".join(f"{k}={v}" for k, v in pairs)[:TERM_MODIFIERS_CHARS]


def note_nlp_rows(mentions: Iterable[dict[str, Any]], note_ids: dict[tuple[str, str], tuple[int, bool]], *,
                  nlp_system: str, nlp_date: str, with_text: bool) -> Iterator[tuple[Any, ...]]:
    """One NOTE_NLP row per mention, numbered from 1 in the order given."""
    concepts = omop_concepts()
    for number, m in enumerate(mentions, start=1):
        concept = concepts.get(m["label"])
        assertion = m.get("assertion") or {}
        yield (
            number,
            note_ids[(m["patient_id"], m["doc_id"])][0],
            0 if m.get("section") else None,
            None,
            str(m["start"]),
            m["text"][:LEXICAL_VARIANT_CHARS] if with_text else "",
            concept.concept_id if concept is not None else 0,
            0,
            nlp_system,
            nlp_date,
            None,
            term_exists(assertion),
            term_temporal(assertion),
            term_modifiers(m, concept),
        )


# --------------------------------------------------------------------------- files


def csv_field(value: Any) -> str:
    """One field as PostgreSQL COPY CSV reads it: NULL unquoted empty, text always quoted."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace('"', '""') + '"'


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def write_note_nlp(out: Path, *, with_text: bool = False, parquet: bool = False) -> OmopExport:
    """Write ``note_nlp.csv`` and ``note_map.csv`` (and ``note_nlp.parquet``) into a finished run's folder."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    versions = manifest.get("versions") or {}
    rules_sha = (manifest.get("rules") or {}).get("sha256", "")
    nlp_system = f"glucagonoma-extractor {versions.get('extractor', '?')} (rules sha256 {rules_sha[:12]})"
    nlp_date = str(manifest["started_at"])[:10]

    documents = list(_jsonl(out / "documents.jsonl"))
    note_ids = assign_note_ids(documents)
    with atomic_path(out / "note_map.csv") as tmp, tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(NOTE_MAP_COLUMNS)
        seen: set[tuple[str, str]] = set()
        for d in sorted(documents, key=lambda d: note_ids.get((d["patient_id"], d["doc_id"]), (0, False))[0]):
            key = (d["patient_id"], d["doc_id"])
            if key not in note_ids or key in seen:
                continue
            seen.add(key)
            note_id, assigned = note_ids[key]
            writer.writerow([note_id, d["patient_id"], d["doc_id"], d.get("date") or "", d.get("note_type") or "",
                             d.get("source") or "", "assigned" if assigned else "input"])

    rows = 0
    with atomic_path(out / "note_nlp.csv") as tmp, tmp.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(NOTE_NLP_COLUMNS) + "\n")
        for row in note_nlp_rows(_jsonl(out / "mentions.jsonl"), note_ids, nlp_system=nlp_system,
                                 nlp_date=nlp_date, with_text=with_text):
            f.write(",".join(csv_field(v) for v in row) + "\n")
            rows += 1

    parquet_path = None
    if parquet:
        parquet_path = out / "note_nlp.parquet"
        _write_parquet(parquet_path, note_nlp_rows(_jsonl(out / "mentions.jsonl"), note_ids, nlp_system=nlp_system,
                                                   nlp_date=nlp_date, with_text=with_text))
    return OmopExport(csv=out / "note_nlp.csv", note_map=out / "note_map.csv", parquet=parquet_path, rows=rows,
                      notes=len(note_ids), assigned_ids=sum(1 for _, assigned in note_ids.values() if assigned))


def _write_parquet(path: Path, rows: Iterable[tuple[Any, ...]], batch: int = 50_000) -> None:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"note_nlp_id": pa.int64(), "note_id": pa.int64(), "section_concept_id": pa.int64(),
             "note_nlp_concept_id": pa.int64(), "note_nlp_source_concept_id": pa.int64(),
             "nlp_date": pa.date32(), "nlp_datetime": pa.timestamp("s")}
    schema = pa.schema([(c, types.get(c, pa.string())) for c in NOTE_NLP_COLUMNS])
    date_at = NOTE_NLP_COLUMNS.index("nlp_date")

    def table(chunk: list[tuple[Any, ...]]) -> Any:
        columns = list(zip(*chunk, strict=True)) if chunk else [[] for _ in NOTE_NLP_COLUMNS]
        arrays = []
        for i, (name, values) in enumerate(zip(NOTE_NLP_COLUMNS, columns, strict=True)):
            if i == date_at:
                values = [dt.date.fromisoformat(v) for v in values]
            arrays.append(pa.array(list(values), type=schema.field(name).type))
        return pa.Table.from_arrays(arrays, schema=schema)

    with atomic_path(path) as tmp:
        with pq.ParquetWriter(tmp, schema) as writer:
            chunk: list[tuple[Any, ...]] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= batch:
                    writer.write_table(table(chunk))
                    chunk = []
            writer.write_table(table(chunk))


__all__ = ["NOTE_NLP_COLUMNS", "OmopExport", "assign_note_ids", "remove_outputs", "term_exists",
           "term_modifiers", "term_temporal", "write_note_nlp"]
