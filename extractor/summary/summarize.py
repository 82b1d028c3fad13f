"""From a records file to the summary folder: read, judge, count, write.

``summarize`` is a pure function of the records; ``write_summary`` writes its
files (each under a temporary name, renamed into place); ``write_batch_summary``
is the one call ``extractor batch`` makes when a run has finished.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from extractor.errors import ExtractorError
from extractor.schema import CohortRecord
from extractor.summary.completeness import Completeness, completeness, heatmap_png
from extractor.summary.criteria import CohortDefinition, Eligibility, judge, load_criteria
from extractor.summary.figures import cohort_figures
from extractor.summary.html_page import summary_page
from extractor.summary.layout import SummaryLayout, load_layout
from extractor.summary.reading import field_text
from extractor.summary.results_text import results_paragraph
from extractor.summary.table1 import Table1, build_table1, table1_csv, table1_markdown

SUMMARY_DIR = "summary"
SUMMARY_FILES = ("table1.md", "table1.csv", "table1.html", "results.md", "completeness.png", "completeness.csv",
                 "eligibility.csv", "summary.json")


class SummaryError(ExtractorError):
    """A records file that cannot be summarised at all (unreadable, no record)."""


@dataclass(frozen=True)
class RecordsRead:
    records: list[dict[str, Any]]
    problems: list[str]
    sha256: str | None = None


def read_records(path: Path) -> RecordsRead:
    """Records of a JSONL file, each validated against the schema.

    A line that is not UTF-8, not JSON, not an object, not a record of the schema
    or a second record of one patient is left out and named (``file:line: reason``);
    the reasons never quote the line.
    """
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise SummaryError(f"{path}: is a folder, not a records file") from None
    except OSError as exc:
        raise SummaryError(f"{path}: cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(f"{where}: not UTF-8; record left out")
            continue
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc.msg}); record left out")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{where}: not a JSON object; record left out")
            continue
        evidence = obj.pop("evidence", {})  # spans are only quoted, and read defensively: not re-validated
        if not isinstance(evidence, dict):
            problems.append(f"{where}: 'evidence' is not an object; record left out")
            continue
        try:
            record = CohortRecord.model_validate(obj).model_dump(mode="json", exclude={"evidence"})
        except ValidationError as exc:
            first = exc.errors(include_input=False, include_url=False)[0]
            loc = ".".join(str(p) for p in first["loc"]) or "record"
            more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
            problems.append(f"{where}: does not follow the record schema: [{loc}] {first['msg']}{more}; "
                            "record left out")
            continue
        if record["patient_id"] in seen:
            problems.append(f"{where}: a second record of patient {record['patient_id']!r}; left out")
            continue
        seen.add(record["patient_id"])
        record["evidence"] = evidence
        records.append(record)
    return RecordsRead(records, problems, hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class Summary:
    records: list[dict[str, Any]]
    population: list[dict[str, Any]]
    eligible_only: bool
    layout: SummaryLayout
    definition: CohortDefinition
    eligibility: list[Eligibility]
    figures: dict[str, dict[str, Any]]
    table: Table1
    paragraph: str
    completeness: Completeness


def summarize(records: Sequence[dict[str, Any]], *, definition: CohortDefinition | None = None,
              layout: SummaryLayout | None = None, eligible_only: bool = False) -> Summary:
    """Everything the summary shows, from records (dicts in the schema's JSON shape)."""
    definition = definition or load_criteria()
    layout = layout or load_layout()
    records = list(records)
    eligibility = [judge(definition, r) for r in records]
    population = [r for r, e in zip(records, eligibility, strict=True) if e.status == "meets"] \
        if eligible_only else records
    figures = cohort_figures(population, [(d.name, d.test) for d in layout.derived])
    who = "patients who meet the cohort definition" if eligible_only else "patients"
    return Summary(
        records=records,
        population=population,
        eligible_only=eligible_only,
        layout=layout,
        definition=definition,
        eligibility=eligibility,
        figures=figures,
        table=build_table1(layout, population, figures),
        paragraph=results_paragraph(layout, figures, len(population), who),
        completeness=completeness(population),
    )


def summary_json(summary: Summary, *, source: str | None = None, sha256: str | None = None,
                 problems: Sequence[str] = ()) -> dict[str, Any]:
    """The figures in the shape the issue gives: ``n_patients``, ``fields``, ``eligibility`` (and more)."""
    counts = {s: sum(1 for e in summary.eligibility if e.status == s) for s in ("meets", "does_not_meet", "unknown")}
    out: dict[str, Any] = {
        "n_patients": len(summary.population),
        "population": "eligible" if summary.eligible_only else "all",
        "n_records": len(summary.records),
    }
    if source is not None:
        out["records"] = {"file": source, "sha256": sha256, "problems": list(problems)}
    out.update({
        "fields": summary.figures,
        "eligibility": {e.patient_id: e.as_json() for e in summary.eligibility},
        "eligibility_counts": counts,
        "criteria": {"name": summary.definition.name, "source": summary.definition.source,
                     "criteria": [{"id": c.id, "label": c.label, "unknown_means": c.unknown_means}
                                  for c in summary.definition.criteria]},
        "completeness": summary.completeness.as_json(),
        "results": summary.paragraph,
    })
    return out


def eligibility_csv(summary: Summary) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    ids = [c.id for c in summary.definition.criteria]
    writer.writerow(["patient_id", "status", *ids, *(f"{i}_because" for i in ids)])
    for result in summary.eligibility:
        pid = result.patient_id
        safe = "'" + pid if pid[:1] in ("=", "+", "-", "@") else pid
        becauses = [r.because for r in result.results]
        writer.writerow([safe, result.status, *(r.status for r in result.results),
                         *("'" + b if b[:1] in ("=", "+", "-", "@") else b for b in becauses)])
    return buffer.getvalue()


def _write(path: Path, data: str | bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    if isinstance(data, str):
        tmp.write_text(data, encoding="utf-8", newline="\n")
    else:
        tmp.write_bytes(data)
    os.replace(tmp, path)


def write_summary(summary: Summary, out: Path, *, source: str | None = None, sha256: str | None = None,
                  problems: Sequence[str] = (), json_file: Path | None = None) -> dict[str, Path]:
    """Write the summary files into ``out`` (created); ``json_file`` gets a copy of summary.json."""
    out.mkdir(parents=True, exist_ok=True)
    heatmap = heatmap_png(summary.completeness)
    # one line: json's C encoder (indenting falls back to pure Python, ~6x slower on a large cohort)
    document = json.dumps(summary_json(summary, source=source, sha256=sha256, problems=problems),
                          ensure_ascii=False, separators=(",", ":")) + "\n"
    n, total = len(summary.population), len(summary.records)
    meta = (f"{n} patients" + (f" of {total} (those who meet the cohort definition)" if summary.eligible_only else "")
            + (f"; records: {source}" if source else ""))
    k = len(summary.completeness.fields)
    page = summary_page(
        title="Cohort summary", meta=meta, table=summary.table, paragraph=summary.paragraph, heatmap=heatmap,
        heatmap_note=(f"Patients down, the {k} scored fields of the record across; a dark cell holds a value. "
                      "Per patient (right) the share of fields filled; per field (bottom row) the share of "
                      "patients. completeness.csv holds the same grid."),
        definition=summary.definition,
        judged=list(zip(summary.records, summary.eligibility, strict=True)),
        describe=lambda field, record: field_text(summary.layout, field, record),
    )
    files: dict[str, str | bytes] = {
        "table1.md": table1_markdown(summary.table),
        "table1.csv": table1_csv(summary.table),
        "table1.html": page,
        "results.md": f"# Results\n\n{summary.paragraph}\n",
        "completeness.png": heatmap,
        "completeness.csv": summary.completeness.csv(),
        "eligibility.csv": eligibility_csv(summary),
        "summary.json": document,
    }
    written: dict[str, Path] = {}
    for name, data in files.items():
        _write(out / name, data)
        written[name] = out / name
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        _write(json_file, document)
    return written


def write_batch_summary(out: Path, stderr: IO[str]) -> dict[str, str]:
    """The summary of a finished batch run, in ``out/summary/``; a failure costs the summary, not the run.

    Returns ``{"summary": path of table1.html}``, or nothing when it could not be written
    (one line on ``stderr`` says why; never note text).
    """
    records_file = out / "records.jsonl"
    try:
        read = read_records(records_file)
        summary = summarize(read.records)
        written = write_summary(summary, out / SUMMARY_DIR, source=records_file.name, sha256=read.sha256,
                                problems=read.problems)
    except (ExtractorError, OSError) as exc:
        stderr.write(f"extractor batch: summary not written: {exc}\n")
        return {}
    except Exception as exc:  # noqa: BLE001 - the run's outputs are already safe; say so in one line
        stderr.write(f"extractor batch: summary not written: internal error ({exc.__class__.__name__})\n")
        return {}
    return {"summary": str(written["table1.html"])}
