"""Every gold set is well formed: complete records, one per patient with notes, sorted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.schema import CohortRecord

CORPORA = Path(__file__).resolve().parents[2] / "corpora"
GOLD_SETS = sorted(p.parent for p in [*CORPORA.glob("*/records.jsonl"), *CORPORA.glob("*/*/records.jsonl")])
TEMPLATE = json.loads((CORPORA / "record-template.json").read_text(encoding="utf-8"))


def _key_paths(value: object, prefix: str = "") -> set[str]:
    """Dotted key paths of the fixed-key objects (lists and scalars are leaves)."""
    if not isinstance(value, dict):
        return {prefix}
    paths = {prefix} if prefix else set()
    for key, item in value.items():
        paths |= _key_paths(item, f"{prefix}.{key}" if prefix else key)
    return paths


def _template_paths() -> set[str]:
    # serum markers are null or a {value, unit, status} object: compare their names only
    return {p for p in _key_paths(TEMPLATE) if p.count(".") < 2 or not p.startswith("serum_markers.")}


def test_there_are_real_text_gold_sets() -> None:
    names = {str(p.relative_to(CORPORA)) for p in GOLD_SETS}
    assert {"general/dev", "general/test", "tcga-path/dev", "tcga-path/test", "case-reports/dev", "case-reports/test"} <= names


@pytest.mark.parametrize("gold", GOLD_SETS, ids=lambda p: str(p.relative_to(CORPORA)))
def test_gold_records_are_complete_valid_and_sorted(gold: Path) -> None:
    # Arrange
    lines = (gold / "records.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    note_patients = {p.name.split("__", 1)[0] for p in (gold / "notes").glob("*.txt")}

    # Act
    ids = [r["patient_id"] for r in records]

    # Assert
    for record in records:
        CohortRecord.model_validate(record)
        paths = {p for p in _key_paths(record) if p.count(".") < 2 or not p.startswith("serum_markers.")}
        assert paths - {"evidence"} >= _template_paths() - {"evidence"}, record["patient_id"]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert set(ids) == note_patients


def test_a_scope_names_record_keys_only() -> None:
    for scope_file in CORPORA.glob("**/scope.json"):
        fields = json.loads(scope_file.read_text(encoding="utf-8"))["fields"]
        assert set(fields) <= set(TEMPLATE), scope_file
