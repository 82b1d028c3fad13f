"""Throughput benchmark of ``extractor batch`` on real notes (MTSamples), as ratios to spaCy's tokenizer.

Stages, all on the same notes in the same run, each in its own process so that
its peak memory (resident set of the whole process tree) can be measured:

    tokenize      spacy.blank("en") tokenizer alone (the baseline)
    medspacy      medspaCy's default ``medspacy.load()`` pipeline
    pipeline      our pipeline in-process on one core (``process_patient``, no batch machinery)
    batch-1       ``extractor batch`` end to end with 1 worker (read, group, run, write)
    batch-N       the same with all workers
    spark         ``extractor batch --engine spark`` in local mode

The corpus: MTSamples transcriptions, deduplicated, replicated to ``--notes``
notes (five notes a patient), in a seeded shuffled order so that copies of a
note are not adjacent. Replication means repeated text, which helps spaCy's
tokenizer cache in every stage alike; ratios are therefore fairer than absolute
figures. The slow stages (medspaCy) can run on a deterministic prefix of the
corpus (``--medspacy-notes``, ``--pipeline-notes``); throughput is per note and per MB, so the ratio
stays meaningful.

The machine's speed drifts between stages (the tokenizer alone measured 683 to
806 notes/s within an hour), so ``--rounds N`` runs the tokenize and batch-1
stages N times in turn and reports the median of their ratios.

Usage (from a fresh install, from any folder)::

    python bench/run_bench.py --notes 20000 --rounds 3 --json bench/results.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mtsamples" / "mtsamples.csv"
STAGES = ("tokenize", "medspacy", "pipeline", "batch-1", "batch-N", "spark")


# --------------------------------------------------------------------------- corpus


def load_unique_notes(path: Path) -> list[tuple[str, str]]:
    """(note_id, text) of the distinct non-empty MTSamples transcriptions, in file order."""
    csv.field_size_limit(1 << 27)
    seen: set[str] = set()
    notes: list[tuple[str, str]] = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = (row.get("transcription") or "").strip()
            if text and text not in seen:
                seen.add(text)
                notes.append((row["note_id"], text))
    return notes


def build_corpus(data: Path, n: int, folder: Path) -> Path:
    """Write ``n`` notes as JSONL (patient_id, doc_id, text) and return its path."""
    unique = load_unique_notes(data)
    rows = [{"patient_id": f"MT{i // 5:06d}", "doc_id": f"{i:06d}-{unique[i % len(unique)][0]}",
             "text": unique[i % len(unique)][1]} for i in range(n)]
    random.Random(20).shuffle(rows)
    path = folder / f"mtsamples-{n}.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def read_texts(corpus: Path, limit: int | None = None) -> list[str]:
    """The texts of the corpus, in file order (the first ``limit``)."""
    texts = []
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            if limit and len(texts) >= limit:
                break
    return texts


# --------------------------------------------------------------------------- stages (child side)


def _quiet() -> None:
    try:
        from loguru import logger

        logger.disable("PyRuSH")
    except ImportError:
        pass


def run_stage(stage: str, corpus: Path, limit: int | None, workers: int, work: Path) -> dict[str, Any]:
    """Run one stage in this process; return notes, bytes and seconds."""
    _quiet()
    if stage in ("tokenize", "medspacy", "pipeline"):
        texts = read_texts(corpus, limit)
        size = sum(len(t.encode("utf-8")) for t in texts)
        if stage == "tokenize":
            import spacy

            nlp = spacy.blank("en")
            start = time.perf_counter()
            for _ in nlp.tokenizer.pipe(texts, batch_size=1000):
                pass
        elif stage == "medspacy":
            import medspacy

            nlp = medspacy.load()
            _quiet()
            start = time.perf_counter()
            for _ in nlp.pipe(texts, batch_size=50):
                pass
        else:
            from extractor.core import process_patient
            from extractor.notes import NoteInput
            from extractor.pipeline import load_pipeline

            nlp = load_pipeline()
            start = time.perf_counter()
            for i, text in enumerate(texts):
                process_patient(nlp, "p", [NoteInput(patient_id="p", doc_id=str(i), text=text)])
        return {"notes": len(texts), "bytes": size, "seconds": time.perf_counter() - start}

    from extractor.batch.config import BatchOptions
    from extractor.batch.run import run_batch

    texts_bytes = sum(len(t.encode("utf-8")) for t in read_texts(corpus))
    options = {
        "batch-1": BatchOptions(workers=1, progress=False),
        "batch-N": BatchOptions(workers=workers, progress=False),
        "spark": BatchOptions(engine="spark", workers=workers, master=f"local[{workers}]", progress=False),
    }[stage]
    out = work / f"out-{stage}"
    start = time.perf_counter()
    summary = run_batch([corpus], out, BatchOptions(**{**options.__dict__, "overwrite": True}))
    seconds = time.perf_counter() - start
    return {"notes": summary.counts.notes_read, "bytes": texts_bytes, "seconds": seconds,
            "notes_failed": summary.counts.notes_failed, "patients": summary.patients}


# --------------------------------------------------------------------------- parent side


def _tree_rss(pid: int) -> int:
    try:
        import psutil
    except ImportError:
        return 0
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def measure(stage: str, corpus: Path, limit: int | None, workers: int, work: Path) -> dict[str, Any]:
    """Run a stage in a child process, sampling the RSS of its process tree."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", stage, "--corpus", str(corpus),
           "--workers", str(workers), "--work", str(work)]
    if limit:
        cmd += ["--limit", str(limit)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        tail = "\n".join(err.strip().splitlines()[-5:])
        return {"stage": stage, "error": f"exit {proc.returncode}: {tail}"}
    result = json.loads(out.strip().splitlines()[-1])
    result.update(stage=stage, peak_rss_mb=round(peak / 1e6, 1) if peak else None)
    result["notes_per_s"] = result["notes"] / result["seconds"]
    result["mb_per_s"] = result["bytes"] / 1e6 / result["seconds"]
    return result


def report(results: list[dict[str, Any]], workers: int) -> tuple[str, dict[str, Any]]:
    """The table and the target checks."""
    by = {r["stage"]: r for r in results if "error" not in r}
    base = by.get("tokenize")
    lines = [f"{'stage':<10} {'notes':>7} {'MB':>7} {'seconds':>9} {'notes/s':>9} {'MB/s':>8} "
             f"{'x tokenize':>10} {'peak MB':>8}"]
    for r in results:
        if "error" in r:
            lines.append(f"{r['stage']:<10} failed: {r['error']}")
            continue
        ratio = r["mb_per_s"] / base["mb_per_s"] if base else float("nan")
        lines.append(f"{r['stage']:<10} {r['notes']:>7} {r['bytes'] / 1e6:>7.2f} {r['seconds']:>9.1f} "
                     f"{r['notes_per_s']:>9.1f} {r['mb_per_s']:>8.3f} {ratio:>10.3f} "
                     f"{r['peak_rss_mb'] if r['peak_rss_mb'] is not None else '-':>8}")
    checks: dict[str, Any] = {}
    if base and "batch-1" in by:
        checks["batch-1 / tokenize (target >= 0.5)"] = by["batch-1"]["mb_per_s"] / base["mb_per_s"]
    if "batch-1" in by and "medspacy" in by:
        checks["batch-1 / medspacy (target >= 20)"] = by["batch-1"]["mb_per_s"] / by["medspacy"]["mb_per_s"]
    if "batch-1" in by and "batch-N" in by:
        checks[f"batch-{workers} / batch-1 (near-linear: close to {workers})"] = (
            by["batch-N"]["mb_per_s"] / by["batch-1"]["mb_per_s"])
    if "pipeline" in by and "batch-1" in by:
        checks["batch-1 / pipeline in-process (batch overhead; 1.0 = none)"] = (
            by["batch-1"]["mb_per_s"] / by["pipeline"]["mb_per_s"])
    if "spark" in by and "batch-N" in by:
        checks[f"spark local[{workers}] / batch-{workers}"] = by["spark"]["mb_per_s"] / by["batch-N"]["mb_per_s"]
    lines.append("")
    lines.extend(f"{name}: {value:.3f}" for name, value in checks.items())
    return "\n".join(lines), checks


def _rounds(results: list[dict[str, Any]], rounds: int, corpus: Path, workers: int, work: Path) -> list[float]:
    """batch-1 / tokenize of the run above and of ``rounds - 1`` more runs of the pair."""
    by = {r["stage"]: r for r in results if "error" not in r}
    if rounds <= 1 or not {"tokenize", "batch-1"} <= set(by):
        return []
    ratios = [by["batch-1"]["mb_per_s"] / by["tokenize"]["mb_per_s"]]
    for n in range(2, rounds + 1):
        print(f"  round {n}: tokenize, batch-1...", flush=True)
        pair = {stage: measure(stage, corpus, None, workers, work) for stage in ("tokenize", "batch-1")}
        if any("error" in r for r in pair.values()):
            continue
        ratios.append(pair["batch-1"]["mb_per_s"] / pair["tokenize"]["mb_per_s"])
    return ratios


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=20_000, help="notes in the replicated corpus")
    parser.add_argument("--medspacy-notes", type=int, default=1_000,
                        help="notes for the (slow) medspaCy stage; 0 = all")
    parser.add_argument("--pipeline-notes", type=int, default=2_000,
                        help="notes for the in-process pipeline stage; 0 = all")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="workers for batch-N and spark")
    parser.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated subset of {','.join(STAGES)}")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="mtsamples.csv")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the tokenize and batch-1 stages this many times in turn and report the "
                             "median of their ratios (the machine's speed drifts between stages)")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.stage:  # child process: one stage, one JSON line
        result = run_stage(args.stage, args.corpus, args.limit, args.workers, args.work)
        print(json.dumps(result))
        return

    if not args.data.is_file():
        sys.exit(f"run_bench: {args.data} not found (the shared MTSamples corpus; see --data)")
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = set(stages) - set(STAGES)
    if unknown:
        sys.exit(f"run_bench: unknown stages {sorted(unknown)}")
    with tempfile.TemporaryDirectory(prefix="extractor-bench-") as tmp:
        work = Path(tmp)
        corpus = build_corpus(args.data, args.notes, work)
        print(f"corpus: {args.notes} notes ({corpus.stat().st_size / 1e6:.1f} MB JSONL) from {args.data}; "
              f"workers {args.workers}; cores {os.cpu_count()}", flush=True)
        results = []
        for stage in stages:
            limit = {"medspacy": args.medspacy_notes, "pipeline": args.pipeline_notes}.get(stage) or None
            print(f"  running {stage}...", flush=True)
            results.append(measure(stage, corpus, limit, args.workers, work))
        table, checks = report(results, args.workers)
        rounds = _rounds(results, args.rounds, corpus, args.workers, work)
    if rounds:
        checks["batch-1 / tokenize, median of rounds"] = statistics.median(rounds)
        table += (f"\nbatch-1 / tokenize, median of {len(rounds)} rounds: {statistics.median(rounds):.3f} "
                  f"(each: {', '.join(f'{r:.3f}' for r in rounds)})")
    print()
    print(table)
    if args.json:
        from importlib.metadata import version

        payload = {"notes": args.notes, "workers": args.workers, "cores": os.cpu_count(),
                   "medspacy_notes": args.medspacy_notes, "pipeline_notes": args.pipeline_notes,
                   "python": sys.version.split()[0],
                   "versions": {p: version(p) for p in ("spacy", "medspacy", "glucagonoma-extractor")},
                   "stages": results, "ratios": checks, "tokenize_batch1_rounds": rounds}
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
