"""How corpora/general was drawn: a seeded random sample of the distinct MTSamples
transcriptions, stratified by specialty (proportional allocation, at least one
note of every specialty with three or more distinct notes), split into dev and
test before any annotation. A second dev split (dev2, a second honest precision
estimate built like test) is drawn afterwards the same way, with its own seed, from
the distinct notes in neither dev nor test; drawing it leaves dev and test unchanged.

    python corpora/general/select_notes.py ../shared/data/mtsamples/mtsamples.csv

prints one line a note: split, note_id, specialty. Re-running gives the same lines.
"""

from __future__ import annotations

import csv
import random
import sys
from collections import defaultdict

SEED = 20261203
TOTAL = {"dev": 150, "test": 100}
# dev2 is drawn after dev and test with a seed of its own, so that adding it
# changes neither of them
DEV2_SEED = 20261204
DEV2_TOTAL = 80


def distinct_notes(path: str) -> list[dict[str, str]]:
    csv.field_size_limit(10**9)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["transcription"].strip()]
    size = defaultdict(int)
    for row in rows:
        size[row["medical_specialty"].strip()] += 1
    # the same transcription is listed under several specialties (its own and a
    # broad one such as Surgery or Consult): keep it once, under the most specific
    # (the smallest) of them, the first listed on a tie
    by_text: dict[str, dict[str, str]] = {}
    for row in rows:
        text = row["transcription"].strip()
        kept = by_text.get(text)
        if kept is None or size[row["medical_specialty"].strip()] < size[kept["medical_specialty"].strip()]:
            by_text[text] = row
    return sorted(by_text.values(), key=lambda r: int(r["note_id"]))


def stratified(notes: list[dict[str, str]], size: int, rng: random.Random) -> list[dict[str, str]]:
    by_specialty: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in notes:
        by_specialty[row["medical_specialty"].strip()].append(row)
    share = {s: len(rows) * size / len(notes) for s, rows in by_specialty.items()}
    quota = {s: max(1 if len(by_specialty[s]) >= 3 else 0, int(share[s])) for s in by_specialty}
    # largest remainders fill what rounding down left
    for s in sorted(by_specialty, key=lambda s: (-(share[s] - int(share[s])), s)):
        if sum(quota.values()) >= size:
            break
        quota[s] += 1
    picked = []
    for s in sorted(by_specialty):
        picked += rng.sample(by_specialty[s], min(quota[s], len(by_specialty[s])))
    return picked


def main(path: str) -> None:
    rng = random.Random(SEED)
    notes = distinct_notes(path)
    pool = stratified(notes, sum(TOTAL.values()), rng)
    rng.shuffle(pool)
    # the split is stratified too: alternate through the pool sorted by specialty
    pool.sort(key=lambda r: r["medical_specialty"])
    test_every = sum(TOTAL.values()) / TOTAL["test"]
    for index, row in enumerate(pool):
        split = "test" if int(index % test_every) == 0 else "dev"
        print(split, row["note_id"], row["medical_specialty"].strip(), sep="\t")
    drawn = {row["note_id"] for row in pool}
    rest = [row for row in notes if row["note_id"] not in drawn]
    dev2 = stratified(rest, DEV2_TOTAL, random.Random(DEV2_SEED))
    for row in sorted(dev2, key=lambda r: (r["medical_specialty"].strip(), int(r["note_id"]))):
        print("dev2", row["note_id"], row["medical_specialty"].strip(), sep="\t")


if __name__ == "__main__":
    main(sys.argv[1])
