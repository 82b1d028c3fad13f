"""``run_batch``: read, group by patient, run, write -- the plain function behind ``extractor batch``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from extractor.batch.config import BatchOptions
from extractor.batch.workdir import WORK_DIR, NoteSpill, ResultStore
from extractor.batch.progress import Progress
from extractor.batch.lock import output_lock
from extractor.batch.per_patient import COUNT_COLUMNS, NoteCounts, PatientOutput, canonical
from extractor.batch.readers import read_inputs, walk_folder
from extractor.batch.writers import OutputWriter, atomic_path
from extractor.errors import BatchError
from extractor.notes import printable
from extractor.resources import rules_fingerprint
from extractor.summary.summarize import write_batch_summary

OUTPUT_FILES = ("records.jsonl", "mentions.jsonl", "errors.jsonl", "documents.jsonl", "cohort.csv",
                "cohort.sqlite", "manifest.json")


@dataclass
class BatchSummary:
    """Counts of a finished run (also in ``manifest.json``)."""

    out: Path
    counts: NoteCounts = field(default_factory=NoteCounts)
    patients: int = 0
    patients_resumed: int = 0
    input_errors: int = 0
    error_rows: int = 0
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- fingerprints


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def stamp_inputs(paths: list[Path], options: BatchOptions) -> list[dict[str, Any]]:
    """What the resume fingerprint compares: each input's names, sizes and modification times.

    Bounded work before the run: nothing is opened or read (the content's sha256 is taken
    while it is read and goes into the manifest); a folder is listed the way the readers
    list it, so FIFOs and devices are only looked at.
    """
    stamped: list[dict[str, Any]] = []
    for path in paths:
        shown = str(path.resolve())
        try:
            info = os.stat(path)
        except OSError:
            stamped.append({"path": shown, "type": "missing"})
            continue
        if stat.S_ISDIR(info.st_mode):
            digest = hashlib.sha256()
            files = size = 0
            for entry in walk_folder(path, follow_links=options.follow_links):
                rel = "/".join(entry.parts)
                if entry.info is None:
                    digest.update(f"{rel}\0{entry.kind}\n".encode("utf-8", "surrogateescape"))
                    continue
                files += 1
                size += entry.info.st_size
                digest.update(f"{rel}\0{entry.info.st_size}\0{entry.info.st_mtime_ns}\n"
                              .encode("utf-8", "surrogateescape"))
            stamped.append({"path": shown, "type": "folder", "files": files, "bytes": size,
                            "stamp": digest.hexdigest()})
        elif stat.S_ISREG(info.st_mode):
            stamped.append({"path": shown, "type": "file", "bytes": info.st_size, "mtime_ns": info.st_mtime_ns})
        else:
            stamped.append({"path": shown, "type": "special"})
    return stamped


def versions() -> dict[str, str]:
    """Versions of the tool and of the libraries that shape its output."""
    from importlib.metadata import PackageNotFoundError, version

    from extractor import __version__

    found = {"extractor": __version__, "python": sys.version.split()[0]}
    for package in ("spacy", "medspacy", "PyRuSH", "scispacy", "pydantic", "pyarrow"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


def _fingerprint(inputs: list[dict[str, Any]], options: BatchOptions, rules: dict[str, Any]) -> str:
    shaping = {
        "inputs": inputs,
        "format": options.fmt,
        "follow_links": options.follow_links,
        "columns": asdict(options.columns),
        "limits": asdict(options.limits),
        "pipeline": options.pipeline,
        "note_timeout": options.note_timeout,
        "versions": versions(),
        "rules": rules,
    }
    return hashlib.sha256(canonical(shaping).encode()).hexdigest()


# --------------------------------------------------------------------------- output folder


def prepare_out(out: Path, options: BatchOptions) -> Path:
    """Check the output folder against --resume/--overwrite; return the work folder."""
    work = out / WORK_DIR
    previous = work.exists() or any((out / name).exists() for name in OUTPUT_FILES)
    if previous and not (options.resume or options.overwrite):
        raise BatchError(f"{out} holds outputs of a previous run; use --resume to continue it "
                         "or --overwrite to start again")
    if options.overwrite and not options.resume:
        shutil.rmtree(work, ignore_errors=True)
        for name in OUTPUT_FILES:
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(out / "parquet", ignore_errors=True)
        shutil.rmtree(out / "spark", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(exist_ok=True)
    # Outputs without a manifest are never taken for a finished run.
    (out / "manifest.json").unlink(missing_ok=True)
    return work


def finished_run(out: Path, fingerprint: str, *, parquet: bool = False) -> dict[str, Any] | None:
    """The manifest of a finished run of the same inputs and settings in ``out``, if its outputs are intact."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("fingerprint") != fingerprint or (parquet and not (out / "parquet").is_dir()):
        return None
    for name, info in manifest.get("outputs", {}).items():
        path = out / name
        if "bytes" in info and (not path.is_file() or path.stat().st_size != info["bytes"]):
            return None
    return manifest


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- run


def run_batch(inputs: list[Path], out: Path, options: BatchOptions | None = None, *,
              stderr: IO[str] | None = None, lock: bool = True) -> BatchSummary:
    """Run the pipeline over every note of ``inputs`` and write the outputs into ``out``, holding
    the folder's lock (``lock=False``: the caller holds it, see ``extractor.batch.lock``)."""
    options = options or BatchOptions()
    stderr = stderr or sys.stderr
    started, t0 = _now(), time.monotonic()
    inputs = [Path(p) for p in inputs]
    if not lock:  # the caller holds the output folder's lock (the CLI, around its own exports)
        return _run_locked(inputs, out, options, stderr, started, t0)
    with output_lock(out) as left_behind:
        if left_behind:
            stderr.write(f"extractor batch: {printable(str(out))}: a run that did not finish left its lock "
                         f"({left_behind}); taken over\n")
        return _run_locked(inputs, out, options, stderr, started, t0)


def _run_locked(inputs: list[Path], out: Path, options: BatchOptions, stderr: IO[str], started: str,
                t0: float) -> BatchSummary:
    rules = rules_fingerprint()
    fingerprint = _fingerprint(stamp_inputs(inputs, options), options, rules)
    if options.resume:
        manifest = finished_run(out, fingerprint, parquet=options.parquet)
        if manifest is not None:  # nothing left to do
            summary = BatchSummary(out=out, counts=NoteCounts(**{c: manifest[c] for c in COUNT_COLUMNS}),
                                   patients=manifest["patients"], patients_resumed=manifest["patients"],
                                   input_errors=manifest["input_errors"], error_rows=manifest["error_rows"])
            summary.outputs = {name: str(out / name) for name in OUTPUT_FILES if name != "manifest.json"}
            return summary
    work = prepare_out(out, options)

    results = ResultStore(work / "results.sqlite")
    previous = results.meta("fingerprint")
    if options.resume and previous and previous != fingerprint:
        results.close()
        raise BatchError(f"{out} holds a run of other inputs or settings; it cannot be resumed "
                         "(use --overwrite, or another --out)")
    if not options.resume or previous != fingerprint:
        results.clear()
        results.set_meta("fingerprint", fingerprint)
    resumed = results.count()
    progress = Progress(enabled=options.progress if options.progress is not None else stderr.isatty(),
                        stream=stderr)

    summary = BatchSummary(out=out, patients_resumed=resumed)
    # the output files are written under temporary names as patients finish (the
    # local engine) or after the run (Spark); renamed into place only if all is well
    with OutputWriter(out, parquet=options.parquet) as writer:
        try:
            if options.engine == "spark":
                from extractor.batch.spark import run_spark

                input_errors, inputs_read, pipeline_info, stats = run_spark(inputs, work, options, results, progress)
                writer.write_input_errors(input_errors())
                for output in results.outputs():
                    writer.write(output)
            else:
                input_errors, inputs_read, pipeline_info, stats = _run_local(
                    inputs, work, options, results, progress, fingerprint, writer
                )
        finally:
            results.commit()
            progress.finish()
        t_write = time.monotonic()
        if writer.patients != results.count():  # pragma: no cover - a bug
            raise BatchError("not every finished patient reached the outputs; outputs not written")
        summary.patients = writer.patients
        summary.counts.add(writer.counts)
        for row in input_errors():
            summary.input_errors += 1
            if row.get("is_note"):
                summary.counts.add(NoteCounts(notes_read=1, notes_failed=1))
        if not summary.counts.add_up:  # pragma: no cover - a bug
            raise BatchError("note counts do not add up (read != processed + failed); outputs not written")
    lines = writer.line_counts
    stats = {**stats, "write_seconds": round(time.monotonic() - t_write, 3)}
    summary.error_rows = lines["errors.jsonl"]
    results.close()
    summary.seconds = round(time.monotonic() - t0, 3)
    outputs = [name for name in OUTPUT_FILES if name != "manifest.json"]
    manifest = {
        "tool": "extractor batch",
        "fingerprint": fingerprint,
        "versions": versions(),
        "pipeline": {"factory": options.pipeline, **pipeline_info},
        "rules": rules,
        "engine": options.engine,
        "master": options.master if options.engine == "spark" else None,
        "workers": options.worker_count() if options.engine == "local" else None,
        "inputs": inputs_read,
        "options": {"format": options.fmt, "columns": asdict(options.columns), "limits": asdict(options.limits),
                    "note_timeout": options.note_timeout, "parquet": options.parquet, "resume": options.resume},
        **summary.counts.as_dict(),
        "patients": summary.patients,
        "patients_resumed": resumed,
        "input_errors": summary.input_errors,
        "error_rows": summary.error_rows,
        "counts_add_up": summary.counts.add_up,
        "faults": stats,
        "outputs": {name: _file_info(out / name, lines.get(name)) for name in outputs},
        "started_at": started,
        "finished_at": _now(),
        "seconds": summary.seconds,
    }
    if options.parquet:
        manifest["outputs"]["parquet/"] = {"tables": sorted(p.name for p in (out / "parquet").glob("*.parquet"))}
    with atomic_path(out / "manifest.json") as tmp:
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)  # the manifest now marks the run finished
    summary.outputs = {name: str(out / name) for name in outputs}
    summary.outputs.update(write_batch_summary(out, stderr))  # Table 1, figures, eligibility: out/summary/
    return summary


def _file_info(path: Path, lines: int | None) -> dict[str, Any]:
    sha, size = _sha256_file(path)
    info: dict[str, Any] = {"bytes": size, "sha256": sha}
    if lines is not None:
        info["lines"] = lines
    return info


class _InOrder:
    """Hands finished patients to the writer in sorted patient order, each as soon as
    it and every patient before it are stored (results may come back in any order)."""

    def __init__(self, writer: OutputWriter, results: ResultStore, patient_ids: Iterator[str]) -> None:
        self._writer = writer
        self._results = results
        self._ids = patient_ids
        self._next = next(self._ids, None)

    def catch_up(self, arrived: PatientOutput | None = None) -> None:
        while self._next is not None:
            output = arrived if arrived is not None and arrived.patient_id == self._next else None
            if output is None:
                output = self._results.get(self._next)
                if output is None:
                    return
            self._writer.write(output)
            self._next = next(self._ids, None)

    @property
    def finished(self) -> bool:
        return self._next is None


def _run_local(inputs: list[Path], work: Path, options: BatchOptions, results: ResultStore,
               progress: Progress, fingerprint: str,
               writer: OutputWriter) -> tuple[Any, list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    from extractor.batch.workers import PipelineLoadError, Supervisor

    spill = NoteSpill(work / "notes.sqlite")
    supervisor = Supervisor(options.worker_count(), options.pipeline, note_timeout=options.note_timeout,
                            task_notes=options.task_notes, task_chars=options.task_chars,
                            recycle_notes=options.recycle_notes)
    pipeline_info = json.loads(results.meta("pipeline") or "{}")
    stats: dict[str, Any] = {"worker_restarts": 0, "timeouts": 0, "crashes": 0}
    try:
        supervisor.start()  # the workers load their pipelines while the inputs are read
        t_read = time.monotonic()
        if not (options.resume and spill.is_complete(fingerprint)):
            progress.stage("reading inputs")
            spill.fill(read_inputs(inputs, options), fingerprint)
        read_seconds = round(time.monotonic() - t_read, 3)
        t_run = time.monotonic()
        done = results.done()
        patients, notes = spill.patient_totals(skip=done)
        progress.start(total_notes=notes, total_patients=patients)

        writer.write_input_errors(spill.input_errors())
        in_order = _InOrder(writer, results, spill.patient_ids())
        in_order.catch_up()  # patients finished by a run this one resumes

        def emit(output: PatientOutput) -> None:
            if results.add(output):  # False: already stored, nothing new to hand over
                progress.advance(output.counts.notes_read, 1, failed=output.counts.notes_failed)
                in_order.catch_up(output)

        if patients:
            try:
                run_stats = supervisor.run(spill.patients(skip=done), emit, total_notes=notes)
            except PipelineLoadError as exc:
                raise BatchError(str(exc)) from None
            pipeline_info = run_stats.pipeline
            results.set_meta("pipeline", json.dumps(pipeline_info))
            stats = {"worker_restarts": run_stats.worker_restarts, "timeouts": run_stats.timeouts,
                     "crashes": run_stats.crashes}
        in_order.catch_up()
        if not in_order.finished:  # pragma: no cover - a bug
            raise BatchError("a patient has no result; outputs not written")
    finally:
        supervisor.close()
    stats.update(read_seconds=read_seconds, run_seconds=round(time.monotonic() - t_run, 3))

    def input_errors() -> Any:
        errors_spill = NoteSpill(work / "notes.sqlite")
        try:
            yield from errors_spill.input_errors()
        finally:
            errors_spill.close()

    inputs_read = spill.inputs()
    spill.close()
    return input_errors, inputs_read, pipeline_info, stats


__all__ = ["BatchSummary", "run_batch"]
