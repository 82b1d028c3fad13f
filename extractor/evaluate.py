"""``extractor evaluate``: score records (and, with BRAT gold, mentions) against a gold set.

The work is done by plain functions that tests import:

- :func:`read_records` reads a JSONL file of records (gold or predicted);
- :func:`load_gold_set` reads a gold folder (``records.jsonl``, ``notes/`` and
  any ``.ann`` files beside the notes);
- :func:`predict_gold_set` runs the pipeline over the gold set's notes;
- :func:`evaluate` scores predictions against a loaded gold set;
- :func:`format_table`, :func:`format_span_tables` and
  :func:`format_disagreements` render the result.

:func:`evaluate_cli` only parses arguments, calls them and sets the exit code:
0 when everything read cleanly, 1 when scores were produced but some input
lines or files were skipped or did not follow the schema (they are listed on
standard error as ``file:line: reason``), 2 when nothing could be scored.
Messages name files and line numbers, never note text; only the ``--errors``
listing, asked for explicitly, shows the evidence spans of predicted values.
The scoring rules are in :mod:`extractor.scoring` and :mod:`extractor.brat`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from extractor.brat import DocKey, SpanAnnotation, SpanReport, mention_spans, read_ann, score_spans
from extractor.errors import InputError
from extractor.fields import FIELDS
from extractor.notes import NoteInput, ids_from_filename, looks_binary, read_note_file
from extractor.schema import RECORD_KEYS, CohortRecord
from extractor.metrics import Counts
from extractor.scoring import Disagreement, Report, format_value, score_records

if TYPE_CHECKING:
    from spacy.language import Language

RECORDS_FILE = "records.jsonl"
NOTES_DIR = "notes"
SCOPE_FILE = "scope.json"
MAX_PROBLEM_LINES = 50


@dataclass(frozen=True)
class Scope:
    """The fields a gold set was annotated for (``scope.json``); only they are scored.

    Attributes
    ----------
    fields
        Top-level record keys, in record order (their sub-keys and units go with them).
    why
        The reason the set says it has, for the report.
    path
        The ``scope.json`` it came from.
    """

    fields: tuple[str, ...]
    why: str
    path: Path


def read_scope(gold_dir: Path) -> Scope | None:
    """The ``scope.json`` of a gold folder or, failing that, of its parent; None when neither has one.

    The file is ``{"fields": [top-level keys], "why": "..."}``.

    Raises
    ------
    InputError
        When the file cannot be read, is not such an object, or names a key
        the record does not have (what to score would be a guess).
    """
    path = next((d / SCOPE_FILE for d in (gold_dir, gold_dir.parent) if (d / SCOPE_FILE).is_file()), None)
    if path is None:
        return None
    try:
        obj = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), "unreadable", f"not a readable JSON file ({type(exc).__name__})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("fields"), list) or not obj["fields"]:
        raise InputError(str(path), "schema", 'expected {"fields": [top-level keys], "why": "..."}')
    if set(obj) - {"fields", "why"}:
        raise InputError(str(path), "schema", f"unknown keys {', '.join(sorted(set(obj) - {'fields', 'why'}))}")
    known = [f.key for f in FIELDS]
    unknown = [k for k in obj["fields"] if k not in known]
    if unknown:
        raise InputError(str(path), "schema", f"not fields of the record: {', '.join(map(str, unknown))}")
    why = obj.get("why")
    return Scope(fields=tuple(k for k in known if k in obj["fields"]), why=why if isinstance(why, str) else "", path=path)


@dataclass
class GoldSet:
    """A loaded gold folder.

    Attributes
    ----------
    records
        Gold records (parsed JSON objects) by patient id.
    notes
        The notes of ``notes/`` that could be read.
    spans
        BRAT gold spans by (patient_id, doc_id), for the documents that have an
        ``.ann`` file and a note beside it.
    problems
        ``file:line: reason`` for everything skipped or not following the schema.
    path
        The gold folder (for messages).
    scope
        The fields the set was annotated for (None: every field).
    """

    records: dict[str, dict[str, Any]]
    notes: list[NoteInput] = field(default_factory=list)
    spans: dict[DocKey, list[SpanAnnotation]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    path: Path = Path()
    scope: Scope | None = None


@dataclass
class Prediction:
    """What is scored against a gold set.

    Attributes
    ----------
    records
        Predicted records by patient id.
    spans
        Predicted mention spans by (patient_id, doc_id); None when the
        predictions carry no mentions (records read with ``--pred``).
    problems
        Input problems met reading the predictions (``file:line: reason``).
    notices
        Other messages (notes the pipeline failed on), no note text.
    """

    records: dict[str, dict[str, Any]]
    spans: dict[DocKey, list[SpanAnnotation]] | None = None
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass
class Evaluation:
    """The result of :func:`evaluate`: record scores, span scores, the scope and messages."""

    report: Report
    spans: SpanReport | None = None
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    scope: Scope | None = None


def _schema_problems(obj: Mapping[str, Any], where: str, keys: Collection[str] | None = None) -> list[str]:
    """What in a record does not follow the schema; with ``keys``, only about those keys."""
    problems: list[str] = []
    missing = [key for key in RECORD_KEYS if key not in obj and (keys is None or key in keys)]
    if missing:
        problems.append(f"{where}: missing keys {', '.join(missing)} (scored as null)")
    try:
        CohortRecord.model_validate(obj)
    except ValidationError as exc:
        for err in exc.errors(include_input=False, include_url=False):
            # outside the gold set's scope a value is never scored; an unknown key is reported anyway
            if keys is not None and err["loc"] and err["loc"][0] not in keys and err["type"] != "extra_forbidden":
                continue
            loc = ".".join(str(part) for part in err["loc"])
            problems.append(f"{where}: [{loc}] {err['msg']} (scored as written)")
    return problems


def read_records(path: Path, *, keys: Collection[str] | None = None) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Read a JSONL file of cohort records, one object a line.

    A line that is not UTF-8, not JSON, not an object or has no string
    ``patient_id`` is skipped; so is a second record of the same patient. A
    record that does not follow the schema (unknown or missing keys, values
    outside the vocabularies) is reported and scored as written. Blank lines
    are ignored.

    Parameters
    ----------
    path
        The ``.jsonl`` file.
    keys
        The top-level keys a scoped gold set scores: missing keys and schema
        problems elsewhere are not reported (default: every key).

    Returns
    -------
    records : dict
        Records by patient id, in file order.
    problems : list of str
        ``file:line: reason``, never record or note text.

    Raises
    ------
    InputError
        When the file cannot be read at all.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "unreadable", "no such file") from None
    except OSError as exc:
        reason = f"cannot be read ({exc.strerror or type(exc).__name__})"
        raise InputError(str(path), "unreadable", reason) from None
    if looks_binary(data):
        raise InputError(str(path), "binary", "looks like a binary file, not JSON Lines of records")
    data = data.removeprefix(b"\xef\xbb\xbf")
    records: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    problems: list[str] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        where = f"{path}:{number}"
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(f"{where}: not valid UTF-8 (line skipped)")
            continue
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}; line skipped)")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{where}: not a JSON object (line skipped)")
            continue
        patient_id = obj.get("patient_id")
        if not isinstance(patient_id, str) or not patient_id:
            problems.append(f"{where}: no string patient_id (line skipped)")
            continue
        if patient_id in records:
            problems.append(
                f"{where}: second record of patient {patient_id} "
                f"(first on line {first_line[patient_id]}; line skipped)"
            )
            continue
        problems.extend(_schema_problems(obj, where, keys))
        records[patient_id] = obj
        first_line[patient_id] = number
    if not records and len(problems) > 1:  # not a records file at all: one line, not one per line
        raise InputError(str(path), "malformed", f"no line is a record ({len(problems)} lines could not be "
                         f"used; the first: {problems[0].removeprefix(str(path) + ':')})")
    return records, problems


def read_notes_dir(notes_dir: Path) -> tuple[list[NoteInput], list[str]]:
    """Read every ``<patient_id>__<doc_id>.txt`` of a folder.

    Parameters
    ----------
    notes_dir
        The gold set's ``notes/`` folder.

    Returns
    -------
    notes : list of NoteInput
        In file-name order.
    problems : list of str
        ``file: reason`` for notes that could not be read.
    """
    notes: list[NoteInput] = []
    problems: list[str] = []
    for path in sorted(notes_dir.glob("*.txt")):
        try:
            notes.append(read_note_file(path))
        except InputError as exc:
            problems.append(f"{exc.source}: {exc.reason}")
    return notes, problems


def read_gold_spans(
    notes_dir: Path, notes: Sequence[NoteInput]
) -> tuple[dict[DocKey, list[SpanAnnotation]], list[str]]:
    """Read the BRAT ``.ann`` files of a notes folder.

    Parameters
    ----------
    notes_dir
        The gold set's ``notes/`` folder.
    notes
        Its notes as read (their text checks the annotations' offsets).

    Returns
    -------
    spans : dict
        Gold spans by (patient_id, doc_id); an ``.ann`` without a readable
        note beside it is left out (and reported).
    problems : list of str
        ``file:line: reason`` lines.
    """
    texts = {(n.patient_id, n.doc_id): n.text for n in notes}
    spans: dict[DocKey, list[SpanAnnotation]] = {}
    problems: list[str] = []
    for path in sorted(notes_dir.glob("*.ann")):
        key = ids_from_filename(path)
        if key not in texts:
            problems.append(f"{path}: no readable note {path.with_suffix('.txt').name} beside it (skipped)")
            continue
        document = read_ann(path, text=texts[key])
        problems.extend(document.problems)
        spans[key] = list(document.entities)
    return spans, problems


def load_gold_set(gold_dir: Path) -> GoldSet:
    """Read a gold folder: ``records.jsonl``, ``notes/*.txt`` and ``notes/*.ann``.

    Parameters
    ----------
    gold_dir
        The gold set folder.

    Returns
    -------
    GoldSet
        Records, readable notes, BRAT spans and every problem met.

    Raises
    ------
    InputError
        When ``records.jsonl`` or a ``scope.json`` cannot be read.
    """
    scope = read_scope(gold_dir)
    records, problems = read_records(gold_dir / RECORDS_FILE, keys=scope.fields if scope else None)
    notes_dir = gold_dir / NOTES_DIR
    notes: list[NoteInput] = []
    spans: dict[DocKey, list[SpanAnnotation]] = {}
    if notes_dir.is_dir():
        notes, note_problems = read_notes_dir(notes_dir)
        spans, span_problems = read_gold_spans(notes_dir, notes)
        problems += note_problems + span_problems
    return GoldSet(records=records, notes=notes, spans=spans, problems=problems, path=gold_dir, scope=scope)


def predict_gold_set(gold: GoldSet, nlp: Language) -> Prediction:
    """Run the pipeline over a gold set's notes, one patient at a time.

    Parameters
    ----------
    gold
        The loaded gold set (its notes are grouped by patient id).
    nlp
        The pipeline (``extractor.pipeline.load_pipeline()``).

    Returns
    -------
    Prediction
        Records and mention spans of every patient with notes; problems for
        gold patients without notes and notes without a gold record; notices
        for notes (and patients) the pipeline failed on. A patient the
        pipeline fails on has no prediction (all its gold values count as FN).
    """
    from extractor.core import group_by_patient, process_patient

    records: dict[str, dict[str, Any]] = {}
    spans: dict[DocKey, list[SpanAnnotation]] = {}
    problems: list[str] = []
    notices: list[str] = []
    groups = group_by_patient(gold.notes)
    for patient_id, notes in groups.items():
        try:
            result = process_patient(nlp, patient_id, notes)
        except Exception as exc:  # one failing patient must not stop the evaluation
            # Only the exception class: messages of spaCy exceptions can quote the note.
            notices.append(
                f"patient {patient_id}: the pipeline failed ({type(exc).__name__}); scored as no prediction"
            )
            continue
        records[patient_id] = result.record.model_dump(mode="json")
        spans.update(mention_spans(result.mentions, patient_id))
        notices.extend(f"{row.source}: {row.reason}" for row in result.errors if row.fatal)
    problems.extend(
        f"{gold.path / RECORDS_FILE}: gold patient {pid} has no notes (all its values count as FN)"
        for pid in sorted(set(gold.records) - set(groups))
    )
    problems.extend(
        f"{gold.path / NOTES_DIR}: patient {pid} has notes but no gold record (all its values count as FP)"
        for pid in sorted(set(groups) - set(gold.records))
    )
    return Prediction(records=records, spans=spans, problems=problems, notices=notices)


def evaluate(gold: GoldSet, prediction: Prediction) -> Evaluation:
    """Score a prediction against a gold set.

    Parameters
    ----------
    gold
        The loaded gold set.
    prediction
        Predicted records, and mention spans where available.

    Returns
    -------
    Evaluation
        The record-level report, the span-level report (only when the gold set
        has BRAT files and the prediction carries spans), the input problems
        of both sides and notices.
    """
    keys = gold.scope.fields if gold.scope else None
    report = score_records(gold.records, prediction.records, keys=keys)
    notices = list(prediction.notices)
    spans: SpanReport | None = None
    if gold.spans and prediction.spans is not None:
        # a scoped set's spans: only the labels that feed its fields
        labels = None
        if keys is not None:
            wanted = {label for f in FIELDS if f.key in keys for label in f.labels}
            labels = {s.label for v in gold.spans.values() for s in v} & wanted
        spans = score_spans(gold.spans, prediction.spans, labels=labels)
    elif gold.spans:
        notices.append("span-level scores need the pipeline's mentions: run without --pred to get them")
    if report.patients.predicted_only:
        notices.append(
            f"{len(report.patients.predicted_only)} predicted patient(s) not in gold "
            "(all their values count as FP)"
        )
    if report.patients.gold_only:
        notices.append(
            f"{len(report.patients.gold_only)} gold patient(s) without prediction "
            "(all their values count as FN)"
        )
    return Evaluation(
        report=report,
        spans=spans,
        problems=gold.problems + prediction.problems,
        notices=notices,
        scope=gold.scope,
    )


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _rates(c: Counts) -> str:
    return f"{c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"


def format_table(report: Report) -> str:
    """Render the per-field table and the micro line.

    Parameters
    ----------
    report
        The record-level report.

    Returns
    -------
    str
        Columns field, tp, fp, fn, P, R, F1; fields in record order; rates are
        0.000 when undefined.
    """
    width = max(len("field"), *(len(name) for name in report.fields))
    header = f"{'field':<{width}} {'tp':>5} {'fp':>5} {'fn':>5} {'P':>6} {'R':>6} {'F1':>6}"
    lines = [header, "-" * len(header)]
    for name, c in report.fields.items():
        lines.append(f"{name:<{width}} {c.tp:>5} {c.fp:>5} {c.fn:>5} {_rates(c)}")
    lines.append("-" * len(header))
    m = report.micro
    lines.append(f"{'micro':<{width}} {m.tp:>5} {m.fp:>5} {m.fn:>5} {_rates(m)}")
    return "\n".join(lines)


def format_scope(scope: Scope) -> str:
    """One line saying which fields a scoped gold set scores, and why."""
    why = f": {scope.why}" if scope.why else ""
    return f"scope ({scope.path}): only {', '.join(scope.fields)} scored{why}"


def format_span_tables(spans: SpanReport) -> str:
    """Render span-level strict/lenient scores per label and the assertion agreement.

    Parameters
    ----------
    spans
        The span-level report.

    Returns
    -------
    str
        A label table (strict and lenient tp, fp, fn, P, R, F1) with a micro
        line, then one line per assertion flag.
    """
    width = max(len("label"), len("micro"), *(len(label) for label in spans.labels))
    block = f"{'tp':>5} {'fp':>5} {'fn':>5} {'P':>6} {'R':>6} {'F1':>6}"
    header = f"{'label':<{width}}   strict {block}   lenient {block}"
    lines = [f"span level ({spans.documents} annotated documents)", header, "-" * len(header)]

    def _row(name: str, s: Counts, le: Counts) -> str:
        return (
            f"{name:<{width}}   {'':6} {s.tp:>5} {s.fp:>5} {s.fn:>5} {_rates(s)}"
            f"   {'':7} {le.tp:>5} {le.fp:>5} {le.fn:>5} {_rates(le)}"
        )

    for label in spans.labels:
        lines.append(_row(label, spans.strict.labels[label], spans.lenient.labels[label]))
    lines.append("-" * len(header))
    lines.append(_row("micro", spans.strict.micro, spans.lenient.micro))
    lines.append("")
    lines.append(f"{'assertion':<12} {'pairs':>6} {'agree':>6} {'acc':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
    for flag, a in spans.assertions.items():
        lines.append(
            f"{flag:<12} {a.pairs:>6} {a.correct:>6} {a.accuracy:6.3f} {a.tp:>5} {a.fp:>5} {a.fn:>5}"
        )
    return "\n".join(lines)


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def format_disagreements(disagreements: Sequence[Disagreement]) -> str:
    """Render every disagreement with the evidence of the predicted value.

    Parameters
    ----------
    disagreements
        From :attr:`extractor.scoring.Report.disagreements`.

    Returns
    -------
    str
        One line per disagreement (patient, field, kind, gold, predicted), then
        one indented line per evidence span (evidence key, document, offsets,
        text). This output quotes notes.
    """
    if not disagreements:
        return "disagreements: none"
    lines = [f"disagreements ({len(disagreements)}): patient  field  kind  gold  predicted"]
    for d in disagreements:
        lines.append(
            f"{d.patient_id}  {d.field}  {d.kind}  gold: {format_value(d.gold)}  "
            f"predicted: {format_value(d.predicted)}"
        )
        if d.kind != "fn" and not d.evidence:
            lines.append("    evidence: none")
        for ev in d.evidence:
            where = f"{ev.doc_id or '?'} {ev.start if ev.start is not None else '?'}-"
            where += f"{ev.end if ev.end is not None else '?'}"
            lines.append(
                f"    evidence {ev.key}: {where} {json.dumps(_one_line(ev.text), ensure_ascii=False)}"
            )
    return "\n".join(lines)


def report_json(evaluation: Evaluation, *, disagreements: bool = False) -> dict[str, Any]:
    """Build the JSON report.

    Parameters
    ----------
    evaluation
        The evaluation result.
    disagreements
        Also include every disagreement (with evidence text).

    Returns
    -------
    dict
        ``micro`` and ``fields`` (each ``precision``, ``recall``, ``f1``,
        ``tp``, ``fp``, ``fn``), ``patients``, ``problems``, ``spans`` when
        span-level gold was scored, ``disagreements`` when asked for.
    """
    report = evaluation.report
    out: dict[str, Any] = {
        "scope": None,
        "micro": report.micro.model_dump(),
        "fields": {name: c.model_dump() for name, c in report.fields.items()},
        "patients": report.patients.model_dump(),
        "problems": list(evaluation.problems),
    }
    if evaluation.scope is not None:
        out["scope"] = {
            "fields": list(evaluation.scope.fields), "why": evaluation.scope.why, "file": str(evaluation.scope.path)
        }
    if evaluation.spans is not None:
        out["spans"] = evaluation.spans.model_dump()
    if disagreements:
        out["disagreements"] = [d.model_dump(mode="json") for d in report.disagreements]
    return out


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _say_problems(problems: Sequence[str]) -> None:
    for line in problems[:MAX_PROBLEM_LINES]:
        _say(line)
    if len(problems) > MAX_PROBLEM_LINES:
        _say(f"... and {len(problems) - MAX_PROBLEM_LINES} more problems (all listed in the --json report)")


def evaluate_cli(
    gold_dir: Annotated[
        Path,
        typer.Argument(
            help="A gold set folder: records.jsonl, notes/ (and optional BRAT .ann beside the notes).",
            exists=True,
            file_okay=False,
            dir_okay=True,
        ),
    ],
    pred: Annotated[
        Path | None,
        typer.Option(
            "--pred",
            help="Predicted records (JSONL) to score instead of running the pipeline on GOLD_DIR/notes.",
            exists=True,
            file_okay=True,
            dir_okay=False,
        ),
    ] = None,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON to this file.")
    ] = None,
    errors: Annotated[
        bool,
        typer.Option("--errors", help="List every disagreement with the evidence spans (quotes notes)."),
    ] = False,
) -> None:
    """Score the pipeline (or --pred records) against a gold set, field by field."""
    try:
        gold = load_gold_set(gold_dir)
        if pred is not None:
            pred_records, pred_problems = read_records(pred)
            prediction = Prediction(records=pred_records, problems=pred_problems)
        elif not (gold_dir / NOTES_DIR).is_dir():
            _say(f"extractor: {gold_dir / NOTES_DIR}: no such folder; give --pred to score records")
            raise typer.Exit(code=2)
        else:
            from extractor.pipeline import load_pipeline

            prediction = predict_gold_set(gold, load_pipeline())
    except InputError as exc:
        _say(f"extractor: {exc.source}: {exc.reason}")
        raise typer.Exit(code=2) from None
    evaluation = evaluate(gold, prediction)
    _say_problems(evaluation.problems)
    for line in evaluation.notices:
        _say(line)
    if not gold.records:
        _say(f"extractor: {gold_dir / RECORDS_FILE}: no gold record could be read; nothing scored")
        raise typer.Exit(code=2)

    patients = evaluation.report.patients
    typer.echo(f"patients: {patients.gold} gold, {patients.predicted} predicted")
    if evaluation.scope is not None:
        typer.echo(format_scope(evaluation.scope))
    typer.echo(format_table(evaluation.report))
    if evaluation.spans is not None:
        typer.echo("")
        typer.echo(format_span_tables(evaluation.spans))
    if errors:
        typer.echo("")
        typer.echo(format_disagreements(evaluation.report.disagreements))
    if json_path is not None:
        try:
            json_path.write_text(
                json.dumps(report_json(evaluation, disagreements=errors), indent=2, ensure_ascii=False)
                + "\n",
                encoding="utf-8",
            )
        except OSError as exc:
            _say(f"extractor: {json_path}: cannot be written ({exc.strerror or type(exc).__name__})")
            raise typer.Exit(code=2) from None
    if evaluation.problems:
        _say(f"extractor: {len(evaluation.problems)} input problem(s); scores cover what could be read")
        raise typer.Exit(code=1)
