"""What the reading layer costs: per reader on real notes, and the pipeline with it on and off.

    python bench/reading_cost.py [--notes 1500]

Runs on the distinct MTSamples transcriptions and the TCGA reports (minus those
reserved for blind evaluation and those of a held-out gold split), in one process,
so the ratio "pipeline with reading / without" is measured on the same machine state:
the two are timed in turn on chunks of ``--chunk`` notes (the order flipping every
chunk), which keeps drift in the machine's speed out of the ratio.
Prints figures only, never note text.
"""

from __future__ import annotations

import argparse
import statistics
import time

# run as a script, bench/ is on sys.path
from mention_diff import MTSAMPLES, TCGA, mtsamples_tasks, tcga_tasks  # type: ignore[import-not-found]

import extractor.pipeline as pipeline_module
from extractor.pipeline import build_pipeline
from extractor.reading import READERS, read_note


def _texts(tasks: list, limit: int) -> list[str]:
    return [task.notes[0].text for task in tasks[:limit]]


def _per_note_ms(function, texts: list[str]) -> float:  # noqa: ANN001
    start = time.perf_counter()
    for text in texts:
        function(text)
    return (time.perf_counter() - start) * 1000 / len(texts)


def _interleaved_ms(nlp, texts: list[str], chunk: int) -> tuple[float, float, float]:  # noqa: ANN001
    """Per-note ms of the pipeline without and with reading, timed chunk by chunk in turn
    (the order flips every chunk), so a drift in the machine's speed hits both alike; and
    the ms ``read_note`` itself took inside the runs with reading (it runs slower there
    than alone, in a loop of its own that keeps its patterns in the caches)."""
    totals = {False: 0.0, True: 0.0}
    in_pipeline = [0.0]
    untimed = pipeline_module.read_note

    def timed_read_note(text: str):  # noqa: ANN202
        start = time.perf_counter()
        view = untimed(text)
        in_pipeline[0] += time.perf_counter() - start
        return view

    pipeline_module.read_note = timed_read_note
    try:
        for number, first in enumerate(range(0, len(texts), chunk)):
            part = texts[first : first + chunk]
            for read in ((False, True) if number % 2 == 0 else (True, False)):
                nlp.read = read
                start = time.perf_counter()
                for text in part:
                    nlp(text)
                totals[read] += time.perf_counter() - start
    finally:
        pipeline_module.read_note = untimed
        nlp.read = True
    return totals[False] * 1000 / len(texts), totals[True] * 1000 / len(texts), in_pipeline[0] * 1000 / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1500, help="notes of each source (default 1500)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the on/off comparison (default 3)")
    parser.add_argument("--chunk", type=int, default=50, help="notes timed on, then off, in turn (default 50)")
    args = parser.parse_args()
    sources = {"mtsamples": _texts(mtsamples_tasks(MTSAMPLES), args.notes), "tcga": _texts(tcga_tasks(TCGA), args.notes)}
    nlp = build_pipeline()
    for name, texts in sources.items():
        for text in texts[:50]:
            nlp(text)
        reading = _per_note_ms(read_note, texts)
        print(f"{name}: {len(texts)} notes; read_note {reading:.3f} ms/note")
        for reader_name, reader in READERS:
            print(f"    {reader_name:16s} {_per_note_ms(reader, texts):.3f}")
        ratios = []
        shares = []
        shares_in_pipeline = []
        for _ in range(args.rounds):
            without, with_reading, reading_in_pipeline = _interleaved_ms(nlp, texts, args.chunk)
            ratios.append(with_reading / without)
            shares.append(reading / without)
            shares_in_pipeline.append(reading_in_pipeline / without)
            print(
                f"    pipeline {without:.3f} ms/note without reading, {with_reading:.3f} with: "
                f"ratio {ratios[-1]:.3f}; read_note inside it {reading_in_pipeline:.3f} ms, "
                f"the rest of the difference {with_reading - without - reading_in_pipeline:+.3f} ms"
            )
        print(
            f"    median ratio of {args.rounds} rounds: {statistics.median(ratios):.3f}; "
            f"read_note alone / pipeline without: +{100 * statistics.median(shares):.1f} %; "
            f"read_note inside the pipeline: +{100 * statistics.median(shares_in_pipeline):.1f} %"
        )


if __name__ == "__main__":
    main()
