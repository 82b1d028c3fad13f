"""From records, mentions and notes to the review pages: read, explain, write.

``build_review`` is the whole job; ``write_batch_review`` is the one call
``extractor batch --review`` makes when a run has finished (a failure there
costs the review, never the run).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from extractor.errors import ExtractorError
from extractor.review.conflicts import Loser, conflicting_fields, losers_of_patient
from extractor.review.editors import field_editors
from extractor.review.pages import (
    FieldView,
    IndexRow,
    PatientView,
    RowView,
    SectionView,
    SpanView,
    index_page,
    json_for_script,
    mention_value_text,
    page_names,
    patient_page,
)
from extractor.review.sources import (
    Loaded,
    NoteText,
    PatientStore,
    ReviewError,
    manifest_inputs,
    read_documents,
    read_mentions,
    spill_notes,
    options_from_manifest,
)
from extractor.schema import CohortRecord, Mention
from extractor.summary.catalogue import FIELD_KINDS, SUMMARY_FIELDS, is_filled, value_of
from extractor.summary.criteria import field_spans, judge, load_criteria
from extractor.summary.layout import SummaryLayout, load_layout
from extractor.summary.reading import field_text
from extractor.summary.summarize import read_records

REVIEW_DIR = "review"
PATIENTS_DIR = "patients"
WORK_DIR = ".review-work"
LIST_KINDS = frozenset({"items", "measurements", "regimens"})


@dataclass(frozen=True)
class ReviewSources:
    """Where the records, mentions, documents and notes of a review come from."""

    records_file: Path
    note_paths: list[Path]
    options: Any  # extractor.batch.config.BatchOptions: how to read the notes
    mentions_file: Path | None = None
    documents_file: Path | None = None
    notes_from: str = ""


@dataclass
class ReviewResult:
    index: Path
    patients: int
    notes: int
    mentions: int
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _columns_given(columns: dict[str, str | None]) -> dict[str, str | None]:
    return {k: v for k, v in columns.items() if v}


def sources_for_batch_folder(folder: Path, *, notes: Sequence[Path] = (), fmt: str | None = None,
                             columns: dict[str, str | None] | None = None) -> ReviewSources:
    """A batch output folder: its records, mentions and documents, and the notes it read
    (the inputs ``manifest.json`` names, re-read the way the run read them) or ``notes``."""
    records = folder / "records.jsonl"
    if not records.is_file():
        raise ReviewError(f"{folder}: no records.jsonl (not a batch output folder); "
                          "for notes and a records file give --records FILE")
    if notes and not (folder / "manifest.json").is_file():
        manifest_paths, manifest = [], {}
    else:  # the run's format and columns read the notes given with --notes too
        manifest_paths, manifest = manifest_inputs(folder)
    options = options_from_manifest(manifest, columns or {})
    if fmt and fmt != "auto":
        options = replace(options, fmt=fmt)
    if notes:
        paths, words = list(notes), "notes given with --notes: " + ", ".join(str(p) for p in notes)
    else:
        missing = [str(p) for p in manifest_paths if not p.exists()]
        if missing:
            raise ReviewError(f"the run's inputs are not here ({', '.join(missing)}; paths as the run was given "
                              "them, from the folder it ran in): give the notes with --notes")
        paths = manifest_paths
        words = "notes re-read from the run's inputs (manifest.json): " + ", ".join(str(p) for p in paths)
    mentions = folder / "mentions.jsonl"
    documents = folder / "documents.jsonl"
    return ReviewSources(records, paths, options, mentions if mentions.is_file() else None,
                         documents if documents.is_file() else None, words)


def sources_for_notes(notes: Sequence[Path], records: Path, *, mentions: Path | None = None, fmt: str = "auto",
                      columns: dict[str, str | None] | None = None) -> ReviewSources:
    """Notes (files, folders, tables, archives, read as ``extractor batch`` reads them) and a records file."""
    from extractor.batch.config import BatchOptions, Columns

    options = BatchOptions(fmt=fmt, columns=Columns(**_columns_given(columns or {})))
    return ReviewSources(records, list(notes), options, mentions, None,
                         "notes: " + ", ".join(str(p) for p in notes))


# --------------------------------------------------------------------------- one patient


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Spans:
    """The record's evidence spans, numbered once per page, each checked against the note."""

    def __init__(self, texts: dict[str, str], dates: dict[str, str | None], by_place: dict[tuple[str, int, int], Mention]):
        self.texts = texts
        self.dates = dates
        self.by_place = by_place
        self.views: dict[int, SpanView] = {}
        self._ids: dict[tuple[str, int, int, str], int] = {}

    def add(self, span: dict[str, Any]) -> int:
        doc_id = str(span.get("doc_id"))
        start, end = _int(span.get("start")), _int(span.get("end"))
        text = span.get("text") if isinstance(span.get("text"), str) else ""
        key = (doc_id, start if start is not None else -1, end if end is not None else -1, text)
        if key in self._ids:
            return self._ids[key]
        note = self.texts.get(doc_id)
        if note is None:
            where = "missing"
        elif start is None or end is None or not 0 <= start < end <= len(note) or note[start:end] != text:
            where = "stale"
        else:
            where = "ok"
        mention = self.by_place.get((doc_id, key[1], key[2]))
        flags = span.get("flags")
        if not isinstance(flags, list):
            flags = [f for f, on in mention.assertion if on] if mention else []
        view = SpanView(
            id=len(self.views) + 1, doc_id=doc_id, start=key[1], end=key[2], text=text, where=where,
            date=span.get("date") if isinstance(span.get("date"), str) else self.dates.get(doc_id),
            section=span.get("section") if isinstance(span.get("section"), str) else (mention.section if mention else None),
            flags=tuple(str(f) for f in flags),
            rule=span.get("rule") if isinstance(span.get("rule"), str) else (mention.rule if mention else None),
        )
        self.views[view.id] = view
        self._ids[key] = view.id
        return view.id


def _items(layout: SummaryLayout, record: dict[str, Any], name: str, spans: _Spans) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """List fields with evidence per item: each item as its row writes it, with its own spans."""
    value = value_of(record, name)
    evidence = record.get("evidence") if isinstance(record.get("evidence"), dict) else {}
    if FIELD_KINDS[name] not in LIST_KINDS or not isinstance(value, list) or f"{name}[0]" not in evidence:
        return ()
    out = []
    for index, item in enumerate(value):
        raw = evidence.get(f"{name}[{index}]") or []
        ids = tuple(spans.add(s) for s in raw if isinstance(s, dict))
        out.append((field_text(layout, name, {**record, name: [item]})[1], ids))
    return tuple(out)


def _gold_field(field_name: str, fields: Sequence[str]) -> str:
    """The page's field a disagreement is about (scoring units may be finer: ``serum_markers.nse.value``)."""
    best = max((f for f in fields if field_name == f or field_name.startswith(f + ".")), key=len, default=None)
    return best or field_name


def patient_view(layout: SummaryLayout, definition: Any, record: dict[str, Any], notes: list[NoteText],
                 mentions: list[Mention], gold: dict[str, tuple[str, str]] | None) -> PatientView:
    doc_index = {n.doc_id: i for i, n in enumerate(notes)}
    texts = {n.doc_id: n.text for n in notes if n.text is not None}
    by_place: dict[tuple[str, int, int], Mention] = {}
    for m in mentions:
        by_place.setdefault((m.doc_id, m.start, m.end), m)
    spans = _Spans(texts, {n.doc_id: n.date for n in notes}, by_place)
    evidence = {name: field_spans(record, name) for name in SUMMARY_FIELDS}
    losers = losers_of_patient(record, mentions, lambda _, name: evidence[name], value_of)
    sections = []
    without_evidence = filled_fields = 0
    for section in layout.sections:
        rows = []
        for row in section.rows:
            views = []
            names = [(row.field, row.field.rsplit(".", 1)[-1] if row.also and "." in row.field else None),
                     *((a.field, a.label) for a in row.also)]
            for name, sub_label in names:
                ids = tuple(dict.fromkeys(spans.add(s) for s in evidence[name]))
                filled = is_filled(record, name)
                filled_fields += filled
                if filled and not ids:
                    without_evidence += 1
                # most fields of most records are not stated: their words need no lookup
                text = field_text(layout, name, record)[1] if value_of(record, name) is not None else layout.missing
                views.append(FieldView(
                    field=name, sub_label=sub_label, value_text=text, filled=filled,
                    spans=ids, items=_items(layout, record, name, spans), losers=tuple(losers.get(name, ())),
                    gold=(gold or {}).get(name),
                ))
            rows.append(RowView(row.label, tuple(views)))
        sections.append(SectionView(section.heading, tuple(rows)))
    return PatientView(
        patient_id=str(record["patient_id"]),
        sections=sections,
        spans=spans.views,
        notes=notes,
        mentions=mentions,
        mention_doc=[doc_index.get(m.doc_id, -1) if m.doc_id in texts else -1 for m in mentions],
        evidence=evidence,
        eligibility=judge(definition, record),
        filled=filled_fields,  # the layout places every scored field in exactly one row
        fields_total=len(SUMMARY_FIELDS),
        without_evidence=without_evidence,
        conflicts=len(conflicting_fields(losers)),
        gold_disagreements=None if gold is None else len(gold),
    )


def _patient_data(view: PatientView, record: dict[str, Any], losers_by_mention: dict[int, list[tuple[str, Loser]]],
                  shared: str, export_name: str) -> str:
    cited: dict[tuple[str, int, int], list[str]] = {}
    for name, spans in view.evidence.items():
        for span in spans:
            key = (str(span.get("doc_id")), _int(span.get("start")) or 0, _int(span.get("end")) or 0)
            cited.setdefault(key, []).append(name)
    mentions = []
    for index, (m, doc) in enumerate(zip(view.mentions, view.mention_doc, strict=True)):
        flags = [f for f, on in m.assertion if on]
        mentions.append({
            "l": m.label, "v": mention_value_text(m.value), "f": flags, "s": m.section, "r": m.rule, "d": doc,
            "c": list(dict.fromkeys(cited.get((m.doc_id, m.start, m.end), []))),
            "x": [[item_field, item.kind, item.reason] for item_field, item in losers_by_mention.get(index, [])],
        })
    base = {k: v for k, v in record.items() if k != "evidence"}
    own = {"patient": view.patient_id, "record": base, "mentions": mentions,
           "docs": [{"id": n.doc_id, "date": n.date} for n in view.notes], "export": export_name}
    return shared + "," + json_for_script(own)[1:]  # the shared part is encoded once for all pages


# --------------------------------------------------------------------------- the whole review


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def _parents() -> dict[str, list[str]]:
    """Objects that may be null (``tnm``): the keys a correction of one part fills in."""
    out = {}
    for name, info in CohortRecord.model_fields.items():
        args = getattr(info.annotation, "__args__", ())
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if models and type(None) in args and any(f.startswith(name + ".") for f in SUMMARY_FIELDS):
            out[name] = list(models[0].model_fields)
    return out


def _editor_tables() -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    editors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    fields: dict[str, dict[str, Any]] = {}
    for name, spec in field_editors().items():
        empty = spec.pop("empty")
        key = json.dumps(spec, sort_keys=True)
        if key not in seen:
            seen[key] = len(editors)
            editors.append(spec)
        fields[name] = {"e": seen[key], "empty": empty}
    return editors, fields


def _gold_marks(gold_file: Path, records: list[dict[str, Any]], layout: SummaryLayout,
                problems: list[str]) -> dict[str, dict[str, tuple[str, str]]]:
    """Per patient in both the output and gold, per field, (kind, gold value as a reader writes it):
    the disagreements ``extractor evaluate`` counts."""
    from extractor.evaluate import read_records as read_gold
    from extractor.scoring import score_records

    try:
        gold, gold_problems = read_gold(gold_file)
    except ExtractorError as exc:
        raise ReviewError(str(exc)) from None
    except OSError as exc:
        raise ReviewError(f"{gold_file}: cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    problems.extend(gold_problems)
    predicted = {str(r["patient_id"]): r for r in records if str(r["patient_id"]) in gold}
    report = score_records({pid: gold[pid] for pid in predicted}, predicted)
    marks: dict[str, dict[str, tuple[str, str]]] = {pid: {} for pid in predicted}
    for d in report.disagreements:
        name = _gold_field(d.field, SUMMARY_FIELDS)
        text = field_text(layout, name, gold[d.patient_id])[1] if name in FIELD_KINDS else str(d.gold)
        marks[d.patient_id][name] = (d.kind, text)
    return marks


def build_review(sources: ReviewSources, out: Path, *, gold_file: Path | None = None,
                 criteria_file: Path | None = None) -> ReviewResult:
    """Write ``out/index.html`` and ``out/patients/<id>.html``; nothing is written anywhere else
    (the notes are spilled to ``out/.review-work/`` and that folder is removed)."""
    t0 = time.monotonic()
    if out.exists() and not out.is_dir():
        raise ReviewError(f"{out}: exists and is not a folder")
    read = read_records(sources.records_file)
    if not read.records:
        raise ReviewError(f"{sources.records_file}: no record could be read")
    problems = list(read.problems)
    layout = load_layout()
    definition = load_criteria(criteria_file)
    gold = _gold_marks(gold_file, read.records, layout, problems) if gold_file is not None else None
    review_id = (read.sha256 or hashlib.sha256(b"").hexdigest())[:16]
    editors, fields = _editor_tables()
    shared = {"review": review_id, "storage": f"extractor-review:{review_id}:", "editors": editors,
              "fields": fields, "parents": _parents()}
    shared_json = json_for_script(shared)[:-1]
    patients = {str(r["patient_id"]) for r in read.records}
    out.mkdir(parents=True, exist_ok=True)
    work = out / WORK_DIR
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    loaded = Loaded()
    store = PatientStore(work / "notes.sqlite")
    try:
        if sources.mentions_file is not None:
            read_mentions(sources.mentions_file, store, loaded)
        documents = read_documents(sources.documents_file) if sources.documents_file is not None else None
        spill_notes(sources.note_paths, sources.options, store, loaded, documents, patients)
        store.finish()
        if loaded.notes == 0:
            raise ReviewError("no note of the reviewed patients was found in " + ", ".join(
                str(p) for p in sources.note_paths) + " (for a table, name its columns with --patient-col/--text-col)")
        pages_dir = out / PATIENTS_DIR
        pages_dir.mkdir(exist_ok=True)
        ids = [str(r["patient_id"]) for r in read.records]
        names = page_names(ids)
        index_rows = []
        missing_notes = stale = 0
        for position, record in enumerate(read.records):
            pid = ids[position]
            notes = store.notes(pid)
            mentions = store.mentions(pid)
            missing_notes += sum(1 for n in notes if n.text is None)
            view = patient_view(layout, definition, record, notes, mentions,
                                             None if gold is None else gold.get(pid))
            stale += sum(1 for s in view.spans.values() if s.where != "ok")
            view.nav = {
                "prev": (names[ids[position - 1]], ids[position - 1]) if position > 0 else None,
                "next": (names[ids[position + 1]], ids[position + 1]) if position + 1 < len(ids) else None,
            }
            pairs: dict[int, list[tuple[str, Loser]]] = {}
            for section in view.sections:
                for row in section.rows:
                    for f in row.fields:
                        for item in f.losers:
                            pairs.setdefault(item.mention, []).append((f.field, item))
            export = "records." + names[pid].removesuffix(".html") + ".jsonl"
            data = _patient_data(view, record, pairs, shared_json, export)
            _write(pages_dir / names[pid], patient_page(view, data))
            index_rows.append(IndexRow(
                patient_id=pid, href=f"{PATIENTS_DIR}/{names[pid]}", status=view.eligibility.status,
                filled=view.filled, fields_total=view.fields_total, without_evidence=view.without_evidence,
                conflicts=view.conflicts, gold=view.gold_disagreements, notes=len(notes), mentions=len(mentions),
            ))
        wanted = set(names.values())
        for old in pages_dir.glob("*.html"):  # pages of patients a previous review had
            if old.name not in wanted:
                old.unlink()
        if missing_notes:
            problems.append(f"{missing_notes} note(s) the run read are not in the inputs now; their pages say so")
        if stale:
            problems.append(f"{stale} evidence span(s) do not match the note text at their offsets "
                            "(notes changed since the run?); their pages flag them")
        problems.extend(loaded.problems)
        meta = [
            f"Records: {sources.records_file} ({len(read.records)} patients; review id {review_id}).",
            sources.notes_from[:1].upper() + sources.notes_from[1:] + ".",
            (f"Mentions: {sources.mentions_file}." if sources.mentions_file is not None and loaded.mentions
             else "No mentions file: only the records' evidence spans are marked in the notes."),
            (f"Gold: {gold_file}; {len(gold or {})} patients compared field by field as extractor evaluate does."
             if gold_file is not None else ""),
            "Corrections are kept in this browser (localStorage, under the review id) until you export them: "
            "the export is a records.jsonl in the gold-set format that extractor evaluate scores against.",
        ]
        index = out / "index.html"
        _write(index, index_page(index_rows, [m for m in meta if m], {"review": review_id,
                                                                       "storage": shared["storage"]},
                                 gold is not None))
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)
    return ReviewResult(index, len(read.records), loaded.notes, loaded.mentions, problems,
                        round(time.monotonic() - t0, 3))


def write_batch_review(out: Path, stderr: IO[str]) -> str | None:
    """The review of a finished batch run, in ``out/review/``; a failure costs the review, not the run.

    Returns the index page's path, or None when it could not be written (one line on
    ``stderr`` says why; never note text)."""
    try:
        result = build_review(sources_for_batch_folder(out), out / REVIEW_DIR)
    except (ExtractorError, OSError) as exc:
        stderr.write(f"extractor batch: review not written: {exc}\n")
        return None
    except Exception as exc:  # noqa: BLE001 - the run's outputs are already safe; say so in one line
        stderr.write(f"extractor batch: review not written: internal error ({exc.__class__.__name__})\n")
        return None
    for line in result.problems[:20]:
        stderr.write(f"extractor batch: review: {line}\n")
    return str(result.index)
