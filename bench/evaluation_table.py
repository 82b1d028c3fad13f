"""Regenerate the README's evaluation table: every gold set under corpora/, scored now.

A gold set is a folder with ``records.jsonl``, one or two levels under corpora/
(``corpora/dev``, ``corpora/tcga-path/dev``); a set with a ``scope.json`` (in it
or its parent) is scored on its fields only, as ``extractor evaluate`` does.

Usage: python bench/evaluation_table.py [--write]
Without --write the table is printed; with it, the block between the markers
``<!-- eval-table:start -->`` and ``<!-- eval-table:end -->`` in README.md is replaced.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from extractor.evaluate import evaluate, load_gold_set, predict_gold_set
from extractor.pipeline import load_pipeline

REPO = Path(__file__).resolve().parents[1]
START, END = "<!-- eval-table:start -->", "<!-- eval-table:end -->"


def gold_sets(corpora: Path = REPO / "corpora") -> list[Path]:
    """Every gold set folder one or two levels under ``corpora``, sorted."""
    return sorted({p.parent for pattern in ("*/records.jsonl", "*/*/records.jsonl") for p in corpora.glob(pattern)})


def table() -> str:
    nlp = load_pipeline()
    rows = [
        "| gold set | fields scored | patients | notes | record P | record R | record micro F1 | span F1 strict / lenient | seconds |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for gold_dir in gold_sets():
        started = time.perf_counter()
        gold = load_gold_set(gold_dir)
        result = evaluate(gold, predict_gold_set(gold, nlp))
        seconds = time.perf_counter() - started
        micro = result.report.micro
        spans = "-"
        if result.spans is not None:
            spans = f"{result.spans.strict.micro.f1:.3f} / {result.spans.lenient.micro.f1:.3f}"
        notes = len(list((gold_dir / "notes").glob("*.txt")))
        scope = "all" if gold.scope is None else ", ".join(f"`{key}`" for key in gold.scope.fields)
        rows.append(
            f"| `{gold_dir.relative_to(REPO).as_posix()}` | {scope} | {len(gold.records)} | {notes} | {micro.precision:.3f} | "
            f"{micro.recall:.3f} | **{micro.f1:.3f}** | {spans} | {seconds:.1f} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="replace the table in README.md")
    args = parser.parse_args()
    text = table()
    print(text)
    if args.write:
        readme = REPO / "README.md"
        content = readme.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
        readme.write_text(pattern.sub(f"{START}\n{text}\n{END}", content), encoding="utf-8")


if __name__ == "__main__":
    main()
