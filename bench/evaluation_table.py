"""Regenerate the README's evaluation table: every gold set under corpora/, scored now.

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


def table() -> str:
    nlp = load_pipeline()
    rows = [
        "| gold set | patients | notes | record P | record R | record micro F1 | span F1 strict / lenient | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for gold_dir in sorted(p for p in (REPO / "corpora").iterdir() if (p / "records.jsonl").exists()):
        started = time.perf_counter()
        gold = load_gold_set(gold_dir)
        result = evaluate(gold, predict_gold_set(gold, nlp))
        seconds = time.perf_counter() - started
        micro = result.report.micro
        spans = "-"
        if result.spans is not None:
            spans = f"{result.spans.strict.micro.f1:.3f} / {result.spans.lenient.micro.f1:.3f}"
        notes = len(list((gold_dir / "notes").glob("*.txt")))
        rows.append(
            f"| `corpora/{gold_dir.name}` | {len(gold.records)} | {notes} | {micro.precision:.3f} | "
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
