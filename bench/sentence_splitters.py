"""Our regex sentence splitter against medspaCy's PyRuSH, inside the full pipeline.

Same pipeline, only the splitter differs: record-level micro F1 on every gold set
and throughput on the gold notes. Usage: python bench/sentence_splitters.py
"""

from __future__ import annotations

import time
from pathlib import Path

from extractor.core import process_patient
from extractor.evaluate import evaluate, load_gold_set, predict_gold_set
from extractor.pipeline import build_pipeline

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    print("| splitter | gold set | micro F1 | notes/s |")
    print("| --- | --- | ---: | ---: |")
    for splitter in ("extractor_sentences", "medspacy_pyrush"):
        nlp = build_pipeline(sentences=splitter)
        for gold_dir in sorted(p for p in (REPO / "corpora").iterdir() if (p / "records.jsonl").exists()):
            gold = load_gold_set(gold_dir)
            prediction = predict_gold_set(gold, nlp)
            started = time.perf_counter()
            for note in gold.notes:
                process_patient(nlp, note.patient_id, [note])
            rate = len(gold.notes) / (time.perf_counter() - started)
            f1 = evaluate(gold, prediction).report.micro.f1
            print(f"| `{splitter}` | `{gold_dir.name}` | {f1:.3f} | {rate:.0f} |")


if __name__ == "__main__":
    main()
