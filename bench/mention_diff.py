"""Regression harness: snapshot every mention of every note at hand, and compare two snapshots.

The notes at hand:

- every distinct MTSamples transcription (``../shared/data/mtsamples/mtsamples.csv``);
- the TCGA pathology reports (``../shared/data/tcga-pathology-reports/``) minus
  every report listed in ``../shared/eval/reserved.md``: those rows are dropped
  as the CSV is read, before the pipeline sees anything (they are kept for
  blind evaluation), and the reports of a held-out gold split (``corpora/*/test``);
- every gold set's notes under ``corpora/`` (``*/notes/*.txt`` and
  ``*/*/notes/*.txt``) except the held-out ``test`` splits: whoever tunes rules
  compares snapshots, and must never see a held-out note's mentions.

``snapshot`` writes one canonical JSONL file: a line per mention (the
:class:`extractor.schema.Mention` fields plus ``doc``, the note's key), notes in
a fixed order, mentions in pipeline order; with ``--records`` also a record line per
patient of every gold set that has ``records.jsonl`` and per note (the note as
a one-note patient, so aggregation is compared over every note at hand). Two runs of the same code
give byte-identical files, so a refactoring that must not change output is
checked with ``cmp``; ``compare`` says what changed when something did.

The snapshot holds evidence text cut from the notes: keep it out of the
repository (``out/`` is ignored) and out of logs. ``compare`` prints counts,
labels, rules, document keys and offsets; only ``--show N`` prints the text
and values of up to N changed mentions, for a developer's eyes.

Usage::

    python bench/mention_diff.py snapshot out/mentions-main.jsonl --records
    python bench/mention_diff.py compare out/mentions-main.jsonl out/mentions-branch.jsonl [--show 20]

``compare`` exits 0 when the snapshots are identical, 1 when they differ.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def shared_folder() -> Path:
    """``../shared`` beside the repository, or beside a folder holding it (a git worktree)."""
    for parent in REPO.parents:
        if (parent / "shared" / "spec").is_dir():
            return parent / "shared"
    return REPO.parent / "shared"


SHARED = shared_folder()
MTSAMPLES = SHARED / "data" / "mtsamples" / "mtsamples.csv"
TCGA = SHARED / "data" / "tcga-pathology-reports" / "tcga_pathology_reports_subset.csv"
RESERVED = SHARED / "eval" / "reserved.md"
CORPORA = REPO / "corpora"
# notes per task handed to a worker: small enough to spread the slow notes, large
# enough that the round trips do not matter
CHUNK = 16


@dataclass(frozen=True)
class Task:
    """One unit of work: a note (mentions) or a gold patient (record)."""

    kind: str  # "note" or "record"
    key: str  # "mtsamples/17", "tcga/<report id>", "corpora/dev/P01__02-path"; "corpora/dev:P01"
    notes: tuple[Any, ...]  # NoteInput objects
    with_record: bool = False  # a note task: also the record of the note as a one-note patient


def reserved_ids(path: Path = RESERVED) -> set[str]:
    """Report ids and patient barcodes kept for blind evaluation (``- TCGA-...`` lines)."""
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line[2:].strip() for line in lines if line.startswith("- TCGA-")}


def held_out_ids(corpora: Path = CORPORA) -> set[str]:
    """Patient ids of the held-out test splits (``selection.tsv``, first column)."""
    ids: set[str] = set()
    for selection in sorted(corpora.glob("*/test/selection.tsv")):
        lines = selection.read_text(encoding="utf-8").splitlines()[1:]
        ids.update(line.split("\t", 1)[0].strip() for line in lines if line.strip())
    return ids


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(10**9)
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def mtsamples_tasks(path: Path = MTSAMPLES) -> list[Task]:
    """One task per distinct non-empty transcription, keyed by its first note id."""
    from extractor.notes import NoteInput

    seen: set[str] = set()
    tasks = []
    for row in _csv_rows(path):
        text = row.get("transcription") or ""
        if not text.strip() or text in seen:
            continue
        seen.add(text)
        key = f"mtsamples/{row['note_id']}"
        tasks.append(Task("note", key, (NoteInput(patient_id="mtsamples", doc_id=key, text=text),)))
    return tasks


def tcga_tasks(path: Path = TCGA, reserved: set[str] | None = None) -> list[Task]:
    """One task per TCGA report, the reserved ones left out before their text is used."""
    from extractor.notes import NoteInput

    excluded = (reserved_ids() if reserved is None else reserved) | held_out_ids()
    tasks = []
    for row in _csv_rows(path):
        if row.get("report_id") in excluded or row.get("patient_barcode") in excluded:
            continue  # reserved for blind evaluation: never run
        text = row.get("ocr_text") or ""
        if not text.strip():
            continue
        key = f"tcga/{row['report_id']}"
        tasks.append(Task("note", key, (NoteInput(patient_id="tcga", doc_id=key, text=text),)))
    return tasks


def gold_note_folders(corpora: Path = CORPORA) -> list[Path]:
    """Every ``notes/`` folder of a gold set, one or two levels under ``corpora/``, but a held-out ``test`` split's."""
    folders = {p for pattern in ("*/notes", "*/*/notes") for p in corpora.glob(pattern) if p.is_dir()}
    return sorted(p for p in folders if p.parent.name != "test")  # held-out splits stay unseen


def corpus_tasks(corpora: Path = CORPORA, *, records: bool = False) -> list[Task]:
    """A task per gold note; with ``records``, a task per patient of each set with records.jsonl."""
    from extractor.core import group_by_patient
    from extractor.evaluate import read_notes_dir

    tasks = []
    for folder in gold_note_folders(corpora):
        gold_set = folder.parent.relative_to(corpora.parent).as_posix()
        notes, problems = read_notes_dir(folder)
        for problem in problems:
            print(f"mention_diff: {problem}", file=sys.stderr)
        for note in notes:
            stem = f"{note.patient_id}__{note.doc_id}"
            tasks.append(Task("note", f"{gold_set}/{stem}", (note,)))
        if records and (folder.parent / "records.jsonl").exists():
            for patient_id, patient_notes in group_by_patient(notes).items():
                tasks.append(Task("record", f"{gold_set}:{patient_id}", tuple(patient_notes)))
    return tasks


# --------------------------------------------------------------------------- workers

_NLP: Any = None


def _load_pipeline() -> None:
    global _NLP
    from extractor.pipeline import load_pipeline

    _NLP = load_pipeline()


def canonical(obj: Any) -> str:
    """One JSON line: sorted keys, no blanks, non-ASCII kept (byte-stable)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def run_task(task: Task) -> tuple[list[str], int]:
    """The snapshot lines of one task (a note's mentions, or a patient's record) and its mention count."""
    from extractor.aggregate import DocumentMentions, aggregate
    from extractor.core import note_mentions, process_patient

    if task.kind == "note":
        (note,) = task.notes
        mentions = note_mentions(_NLP, note)
        lines = [canonical({"doc": task.key, **mention.model_dump(mode="json")}) for mention in mentions]
        if task.with_record:
            record = aggregate(task.key, [DocumentMentions(note.doc_id, note.date, note.text, mentions)])
            lines.append(canonical({"record": f"note:{task.key}", **record.model_dump(mode="json")}))
        return lines, len(mentions)
    gold_set, patient_id = task.key.split(":", 1)
    result = process_patient(_NLP, patient_id, list(task.notes))
    record = result.record.model_dump(mode="json")
    return [canonical({"record": f"{gold_set}:{patient_id}", **record})], 0


def _run_chunk(chunk: Sequence[Task]) -> list[tuple[list[str], int]]:
    return [run_task(task) for task in chunk]


def snapshot(out: Path, *, records: bool, workers: int, sources: Sequence[str]) -> dict[str, int]:
    """Run the pipeline over the notes at hand and write the canonical snapshot."""
    tasks: list[Task] = []
    counts: dict[str, int] = {}
    if "mtsamples" in sources and MTSAMPLES.exists():
        found = mtsamples_tasks()
        counts["mtsamples"] = len(found)
        tasks += found
    if "tcga" in sources and TCGA.exists():
        found = tcga_tasks()
        counts["tcga"] = len(found)
        tasks += found
    if "corpora" in sources:
        found = corpus_tasks(records=records)
        counts["corpora"] = sum(t.kind == "note" for t in found)
        tasks += found
    if records:  # every note also as a one-note patient: aggregation over far more inputs than the gold sets
        tasks = [Task(t.kind, t.key, t.notes, t.kind == "note") for t in tasks]
    counts["records"] = sum(t.kind == "record" or t.with_record for t in tasks)
    chunks = [tasks[i : i + CHUNK] for i in range(0, len(tasks), CHUNK)]
    out.parent.mkdir(parents=True, exist_ok=True)
    mentions = 0
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        if workers <= 1:
            _load_pipeline()
            results: Iterator[list[tuple[list[str], int]]] = map(_run_chunk, chunks)
            pool = None
        else:
            pool = mp.get_context("fork").Pool(workers, initializer=_load_pipeline)
            results = pool.imap(_run_chunk, chunks)  # in task order: the file is deterministic
        try:
            for chunk_lines in results:
                for lines, count in chunk_lines:
                    handle.writelines(line + "\n" for line in lines)
                    mentions += count
        finally:
            if pool is not None:
                pool.close()
                pool.join()
    counts["mentions"] = mentions
    return counts


# --------------------------------------------------------------------------- compare


def read_snapshot(path: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(mentions, records by "set:patient") of a snapshot file."""
    mentions: list[dict[str, Any]] = []
    records: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            obj = json.loads(line)
            if "record" in obj:
                records[obj.pop("record")] = obj
            else:
                mentions.append(obj)
    return mentions, records


def _identity(mention: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two mentions 'the same mention' whose content may have changed."""
    return (mention["doc"], mention["label"], mention["start"], mention["end"], mention["rule"])


def _changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def _count_table(title: str, before: Counter[str], after: Counter[str]) -> list[str]:
    rows = [(k, before[k], after[k]) for k in sorted(set(before) | set(after)) if before[k] != after[k]]
    if not rows:
        return [f"{title}: no change"]
    width = max(len(title), *(len(k) for k, _, _ in rows))
    lines = [f"{title:<{width}} {'before':>8} {'after':>8} {'change':>8}"]
    lines += [f"{k:<{width}} {b:>8} {a:>8} {a - b:>+8}" for k, b, a in rows]
    return lines


def compare(old_path: Path, new_path: Path, *, show: int = 0) -> bool:
    """Print what changed between two snapshots; True when they are identical."""
    old_mentions, old_records = read_snapshot(old_path)
    new_mentions, new_records = read_snapshot(new_path)
    docs_old = {m["doc"] for m in old_mentions}
    docs_new = {m["doc"] for m in new_mentions}
    print(f"before: {len(old_mentions):,} mentions in {len(docs_old):,} notes with mentions; {len(old_records)} records")
    print(f"after:  {len(new_mentions):,} mentions in {len(docs_new):,} notes with mentions; {len(new_records)} records")
    old_lines = Counter(canonical(m) for m in old_mentions)
    new_lines = Counter(canonical(m) for m in new_mentions)
    same_records = old_records == new_records
    if old_lines == new_lines and same_records:
        print("identical")
        return True

    gone = [json.loads(line) for line in sorted((old_lines - new_lines).elements())]
    came = [json.loads(line) for line in sorted((new_lines - old_lines).elements())]
    by_identity_new: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for mention in came:
        by_identity_new.setdefault(_identity(mention), []).append(mention)
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = []
    removed: list[dict[str, Any]] = []
    for mention in gone:
        partners = by_identity_new.get(_identity(mention))
        if partners:
            changed.append((mention, partners.pop(0)))
        else:
            removed.append(mention)
    added = [m for ms in by_identity_new.values() for m in ms]

    print("")
    print("\n".join(_count_table("label", Counter(m["label"] for m in old_mentions), Counter(m["label"] for m in new_mentions))))
    print("")
    print("\n".join(_count_table("rule", Counter(str(m["rule"]) for m in old_mentions), Counter(str(m["rule"]) for m in new_mentions))))
    print("")
    print(f"added {len(added)}, removed {len(removed)}, changed {len(changed)} (same doc, label, span and rule)")
    for name, group in (("added", added), ("removed", removed)):
        for m in group:
            print(f"  {name:<8} {m['doc']} {m['start']}-{m['end']} {m['label']} ({m['rule']})")
    for old, new in changed:
        print(f"  changed  {old['doc']} {old['start']}-{old['end']} {old['label']} ({old['rule']}): {', '.join(_changed_fields(old, new))}")
    if not same_records:
        print("")
        for key in sorted(set(old_records) | set(new_records)):
            old, new = old_records.get(key, {}), new_records.get(key, {})
            if old != new:
                fields = [k for k in _changed_fields(old, new) if k != "evidence"]
                print(f"  record {key}: {', '.join(fields) or 'evidence only'}")
    if show:
        print("")
        print(f"up to {show} changed mentions with their text and values (quotes notes):")
        shown = 0
        for name, group in (("added", added), ("removed", removed)):
            for m in group[: show - shown]:
                print(f"  {name:<8} {m['doc']} {m['label']} value={json.dumps(m['value'], ensure_ascii=False)} text={json.dumps(m['text'], ensure_ascii=False)}")
                shown += 1
        for old, new in changed[: max(0, show - shown)]:
            print(f"  changed  {old['doc']} {old['label']} text={json.dumps(old['text'], ensure_ascii=False)}")
            print(f"           before value={json.dumps(old['value'], ensure_ascii=False)} assertion={old['assertion']} section={old['section']}")
            print(f"           after  value={json.dumps(new['value'], ensure_ascii=False)} assertion={new['assertion']} section={new['section']}")
    return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    snap = commands.add_parser("snapshot", help="run the pipeline over every note at hand and write a snapshot")
    snap.add_argument("out", type=Path, help="the JSONL file to write (keep it out of the repository)")
    snap.add_argument(
        "--records", action="store_true",
        help="also the record of every gold-set patient and of every note as a one-note patient",
    )
    snap.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    snap.add_argument(
        "--sources", default="mtsamples,tcga,corpora", help="comma-separated: mtsamples, tcga, corpora (default: all)"
    )
    comp = commands.add_parser("compare", help="say what changed between two snapshots")
    comp.add_argument("before", type=Path)
    comp.add_argument("after", type=Path)
    comp.add_argument("--show", type=int, default=0, metavar="N", help="print up to N changed mentions with their text")
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        started = time.perf_counter()
        counts = snapshot(args.out, records=args.records, workers=args.workers, sources=args.sources.split(","))
        notes = sum(counts.get(k, 0) for k in ("mtsamples", "tcga", "corpora"))
        parts = ", ".join(f"{k} {counts[k]:,}" for k in ("mtsamples", "tcga", "corpora") if k in counts)
        print(
            f"{args.out}: {counts['mentions']:,} mentions of {notes:,} notes ({parts}); "
            f"{counts.get('records', 0)} records; {time.perf_counter() - started:.0f} s"
        )
        return 0
    return 0 if compare(args.before, args.after, show=args.show) else 1


if __name__ == "__main__":
    sys.exit(main())
