"""bench/evaluation_table.py finds every gold set under corpora/, one or two levels deep."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "evaluation_table.py"


def test_gold_sets_one_and_two_levels_deep(tmp_path: Path) -> None:
    # Arrange
    spec = importlib.util.spec_from_file_location("evaluation_table", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for folder in ("dev", "tcga-path/dev", "tcga-path/test", "general/dev"):
        (tmp_path / folder).mkdir(parents=True)
    for folder in ("dev", "tcga-path/dev", "tcga-path/test"):
        (tmp_path / folder / "records.jsonl").write_text("", encoding="utf-8")
    # Act
    found = module.gold_sets(tmp_path)
    # Assert: general/dev has notes but no records.jsonl, so it is no gold set
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["dev", "tcga-path/dev", "tcga-path/test"]
