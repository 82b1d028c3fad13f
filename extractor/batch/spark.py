"""``--engine spark``: the same per-patient function on Apache Spark.

Parquet, JSONL and CSV inputs are read by Spark as DataFrames (so they can be
larger than one machine); folders of ``.txt`` notes and archives are read by our
own streaming readers on the driver and handed to Spark as a Parquet file.
Notes are grouped by patient with Spark's shuffle and each group goes through
``run_patient`` in ``applyInPandas`` (Arrow batches); the pipeline is built
lazily, once per Python worker. Results are written as Parquet and JSONL part
files under ``<out>/spark/``, then streamed back to the driver in patient order
into the same result store as the local engine, so that ``records.jsonl``,
``cohort.csv`` and ``cohort.sqlite`` are written by the same code.

Without a supervising process, a note's time budget is enforced inside the
Python worker by ``SIGALRM`` (the note gets an error row of kind ``timeout``);
a note that kills the Python worker makes Spark retry the task
(``spark.task.maxFailures``) and, failing that, fails the job.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from extractor.batch.config import BatchOptions
from extractor.batch.workdir import ResultStore
from extractor.batch.progress import Progress
from extractor.batch.items import InputRead, Problem, problem
from extractor.batch.per_patient import (
    NoteTimeout,
    NoteWatch,
    PatientGroup,
    PatientOutput,
    canonical,
    mark_timeouts,
    note_to_dict,
    run_patient,
)
from extractor.batch.readers import detect_kind, entry_kind, read_inputs, walk_folder
from extractor.batch.streams import open_regular
from extractor.batch.tables import id_value, missing_columns, resolve_columns, row_item
from extractor.errors import BatchError
from extractor.notes import NoteInput, printable
from extractor.schema import ErrorRow

# The columns of the notes handed to Spark, and the role each plays for ``row_item``.
NOTE_COLUMNS = ("patient_id", "doc_id", "date", "note_type", "source", "text", "decoded_with", "failed")
NOTE_ROLES = {"patient": "patient_id", "doc": "doc_id", "date": "date", "note_type": "note_type", "text": "text"}
_PIPELINES: dict[str, Any] = {}


def spark_available() -> str | None:
    """None when Spark can run here, else the reason it cannot."""
    try:
        import pandas  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark and pandas are not installed (pip install 'glucagonoma-extractor[spark]')"
    java_home = os.environ.get("JAVA_HOME")
    if not (shutil.which("java") or (java_home and (Path(java_home) / "bin" / "java").exists())):
        return "Java is not installed (Spark needs Java 17)"
    return None


# --------------------------------------------------------------------------- worker side


def _on_alarm(signum: int, frame: Any) -> None:
    raise NoteTimeout


def _pipeline(factory: str, note_timeout: float) -> tuple[Any, NoteWatch]:
    """The pipeline of this Python worker, built on first use, and its per-note budget."""
    key = f"{factory}|{note_timeout}"
    if key not in _PIPELINES:
        import signal

        from extractor.batch.workers import load_factory
        from extractor.privacy import keep_note_text_out_of_logs

        keep_note_text_out_of_logs(own_process=True)
        nlp = load_factory(factory)()
        alarm = None
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGALRM, _on_alarm)
            alarm = note_timeout
        _PIPELINES[key] = (nlp, NoteWatch(alarm=alarm))
    return _PIPELINES[key]


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # pandas NaN for a null
        return None
    return value


def patient_frame(pdf: Any, factory: str, note_timeout: float, max_chars: int) -> Any:
    """``applyInPandas`` body: one patient's rows -> one row (patient_id, payload).

    Rows become notes by ``row_item``, as in the local engine. A group whose patient id is
    not an id (control characters, hundreds of characters: note text in the id column)
    forms no patient: its rows come back as input errors (``patient_id`` null).
    """
    import pandas as pd

    group_id = pdf["patient_id"].iloc[0]
    patient_id, why = id_value(group_id)
    rows = [{k: _clean(v) for k, v in row.items()} for row in pdf.to_dict("records")]
    if patient_id is None:
        errors = [problem(printable(str(row.get("source") or "")), "schema", f"patient id {why}").as_input_error()
                  for row in rows]
        return pd.DataFrame({"patient_id": [None], "payload": [canonical(errors)]})
    notes: list[NoteInput] = []
    failed: list[ErrorRow] = []
    for row in rows:
        if row.get("failed"):
            failed.append(ErrorRow(**json.loads(row["failed"])))
            continue
        source = row.get("source") or f"{patient_id}/{row.get('doc_id')}"
        item = row_item(row, NOTE_ROLES, source=source, default_doc=str(row.get("doc_id")),
                        decoded_with=row.get("decoded_with"), max_chars=max_chars)
        if isinstance(item, NoteInput):
            notes.append(item)
        else:
            failed.append(item.row.model_copy(update={"patient_id": patient_id}))
    nlp, watch = _pipeline(factory, note_timeout)
    output = mark_timeouts(run_patient(nlp, PatientGroup(patient_id, notes, failed), watch=watch), note_timeout)
    return pd.DataFrame({"patient_id": [patient_id], "payload": [output.to_json()]})


# --------------------------------------------------------------------------- driver side


def _native_kind(path: Path, options: BatchOptions) -> str | None:
    """jsonl/csv/parquet when Spark can read ``path`` itself, else None (our readers then do)."""
    try:
        if path.is_dir():
            entries = [e for e in walk_folder(path, follow_links=options.follow_links)
                       if not e.path.name.startswith("_")]
            plain = all(not e.skip for e in entries)  # links and special files: our readers report them
            return "parquet" if entries and plain and all(entry_kind(e.path.name) == "parquet"
                                                          for e in entries) else None
        with open_regular(path, follow_links=True) as file:
            kind = detect_kind(path.name, file, options.fmt)
    except OSError:
        return None
    return kind if kind in ("jsonl", "csv", "parquet") else None


def _native_account(path: Path, options: BatchOptions) -> dict[str, Any]:
    """The manifest entry of an input Spark reads itself: its checksum, read here in one pass
    (how far Spark read it is not known: ``bytes_read`` null)."""
    shown = printable(str(path))
    files: list[Path] = [e.path for e in walk_folder(path, follow_links=options.follow_links)] \
        if path.is_dir() else [path]
    digest = hashlib.sha256()
    size = 0
    sha = None
    for file_path in files:
        with open_regular(file_path, follow_links=True) as file:
            sha = file.sha256()
            size += file.size
        rel = file_path.relative_to(path).as_posix() if path.is_dir() else file_path.name
        digest.update(f"{rel}\0{sha}\n".encode("utf-8", "surrogateescape"))
    read = InputRead(shown, "folder" if path.is_dir() else "file", len(files), size, 0,
                     digest.hexdigest() if path.is_dir() else sha)
    return {**read.as_dict(), "bytes_read": None}


def _native_frame(spark: Any, path: Path, kind: str, options: BatchOptions,
                  errors: list[dict[str, Any]]) -> Any:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    reader = spark.read.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt_record")
    if kind == "jsonl":
        df = reader.json(str(path))
    elif kind == "csv":
        head = spark.read.option("header", True).option("multiLine", True).option("escape", '"').csv(str(path))
        schema = T.StructType([*head.schema.fields, T.StructField("_corrupt_record", T.StringType())])
        df = (reader.schema(schema).option("header", True).option("multiLine", True).option("escape", '"')
              .csv(str(path)))
    else:
        df = spark.read.parquet(str(path))
    shown = printable(str(path))
    resolved = resolve_columns([c for c in df.columns if c != "_corrupt_record"], options.columns)
    missing = missing_columns(resolved, options.columns, shown)
    if missing:
        errors.append(missing.as_input_error())
        return None
    text_type = df.schema[resolved["text"]].dataType
    if not isinstance(text_type, T.StringType | T.BinaryType | T.NullType):
        errors.append(problem(shown, "schema", f"text column is of type {text_type.simpleString()}, not string",
                              is_note=False).as_input_error())
        return None
    stem = printable(path.name.split(".")[0]) or "doc"
    if "_corrupt_record" in df.columns:
        bad = df.where(F.col("_corrupt_record").isNotNull()).select(F.input_file_name().alias("f"),
                                                                     F.col(resolved["patient"]).alias("p"))
        for row in bad.collect():
            errors.append(problem(printable(row["f"] or shown), "malformed",
                                  "record cannot be parsed (Spark reports no line number)").as_input_error())
        df = df.where(F.col("_corrupt_record").isNull())

    def col(role: str) -> Any:
        name = resolved[role]
        return F.col(name).cast("string") if name else F.lit(None).cast("string")

    text = F.col(resolved["text"]).cast("string")
    doc = col("doc") if resolved["doc"] else F.concat(F.lit(f"{stem}-"), F.substring(F.sha1(text), 1, 12))
    frame = df.select(
        F.trim(col("patient")).alias("patient_id"), F.trim(doc).alias("doc_id"), col("date").alias("date"),
        col("note_type").alias("note_type"), F.input_file_name().alias("source"), text.alias("text"),
        F.lit(None).cast("string").alias("decoded_with"), F.lit(None).cast("string").alias("failed"),
    )
    no_patient = frame.where(F.col("patient_id").isNull() | (F.col("patient_id") == ""))
    for row in no_patient.select("source").collect():
        errors.append(problem(printable(row["source"] or shown), "schema",
                              "patient id missing or empty").as_input_error())
    return frame.where(F.col("patient_id").isNotNull() & (F.col("patient_id") != ""))


def _driver_rows(paths: list[Path], options: BatchOptions, errors: list[dict[str, Any]],
                 accounts: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in read_inputs(paths, options):
        if isinstance(item, NoteInput):
            row = note_to_dict(item)
            del row["flags"]  # derived again from decoded_with by row_item
            row["failed"] = None
            yield row
        elif isinstance(item, Problem):
            if item.is_note and item.row.patient_id:
                yield {"patient_id": item.row.patient_id, "doc_id": item.row.doc_id, "date": None, "note_type": None,
                       "source": item.row.source, "text": None, "decoded_with": None,
                       "failed": canonical(item.row.model_dump(mode="json"))}
            else:
                errors.append(item.as_input_error())
        else:
            accounts.append(item.as_dict())


def _driver_frame(spark: Any, paths: list[Path], options: BatchOptions, work: Path,
                  errors: list[dict[str, Any]], accounts: list[dict[str, Any]]) -> Any:
    """Our readers on the driver -> a Parquet file Spark reads (folders of .txt, archives)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = work / "spark-input.parquet"
    schema = pa.schema([(c, pa.string()) for c in NOTE_COLUMNS])
    writer = pq.ParquetWriter(target, schema)
    batch: list[dict[str, Any]] = []
    rows = 0
    try:
        for row in _driver_rows(paths, options, errors, accounts):
            batch.append(row)
            rows += 1
            if len(batch) >= 2000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch.clear()
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    finally:
        writer.close()
    if not rows:
        return None
    return spark.read.parquet(str(target))


_LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
"""


def _session(options: BatchOptions, work: Path) -> Any:
    from pyspark.sql import SparkSession

    if "PYSPARK_SUBMIT_ARGS" not in os.environ:
        # Spark's startup WARN lines are noise for a batch tool: errors only, unless the user says otherwise.
        log4j = work / "log4j2.properties"
        log4j.write_text(_LOG4J, encoding="utf-8")
        os.environ["PYSPARK_SUBMIT_ARGS"] = (
            f'--driver-java-options "-Dlog4j2.configurationFile={log4j.resolve().as_uri()}" pyspark-shell'
        )

    master = options.master or "local[*]"
    builder = (SparkSession.builder.master(master).appName("extractor-batch")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC"))
    if master.startswith("local"):
        cores = options.worker_count()
        builder = builder.config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
        # Python workers must be this interpreter (it has the package), not "python3" on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run_spark(inputs: list[Path], work: Path, options: BatchOptions, results: ResultStore,
              progress: Progress) -> tuple[Any, list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """Run the batch on Spark; fill ``results``; return (input errors, inputs as read, pipeline info,
    fault stats)."""
    missing = spark_available()
    if missing:
        raise BatchError(f"--engine spark: {missing}")
    from pyspark.sql import functions as F

    progress.stage("starting Spark")
    spark = _session(options, work)
    errors: list[dict[str, Any]] = []
    accounts: list[dict[str, Any] | None] = []
    try:
        frames = []
        driver_paths = []
        for path in inputs:
            kind = _native_kind(path, options)
            if kind:
                accounts.append(_native_account(path, options))
                frame = _native_frame(spark, path, kind, options, errors)
                if frame is not None:
                    frames.append(frame)
            else:
                accounts.append(None)  # filled in below, in the same order
                driver_paths.append(path)
        if driver_paths:
            progress.stage("reading inputs")
            driver_accounts: list[dict[str, Any]] = []
            frame = _driver_frame(spark, driver_paths, options, work, errors, driver_accounts)
            filled = iter(driver_accounts)
            accounts = [a if a is not None else next(filled) for a in accounts]
            if frame is not None:
                frames.append(frame)
        out_dir = work.parent / "spark"
        shutil.rmtree(out_dir, ignore_errors=True)
        if frames:
            notes = frames[0]
            for frame in frames[1:]:
                notes = notes.unionByName(frame)
            done = sorted(results.done())
            if done:
                skip = spark.createDataFrame([(p,) for p in done], "patient_id string")
                notes = notes.join(skip, on="patient_id", how="left_anti")
            factory, budget, max_chars = options.pipeline, options.note_timeout, options.limits.max_note_bytes

            def per_patient(pdf: Any) -> Any:
                return patient_frame(pdf, factory, budget, max_chars)

            progress.stage("running on Spark")
            out = notes.groupBy("patient_id").applyInPandas(per_patient, schema="patient_id string, payload string")
            try:
                out.write.mode("overwrite").parquet(str(out_dir / "results"))
            except Exception as exc:  # Py4JJavaError and friends: the message may quote a Python traceback
                raise BatchError(
                    f"the Spark job failed ({type(exc).__name__}); if Spark's log says a Python worker exited "
                    "unexpectedly, a note crashes the pipeline: the local engine quarantines such notes"
                ) from None
            stored = spark.read.parquet(str(out_dir / "results"))
            patients = stored.where(F.col("patient_id").isNotNull())
            (patients.select(F.get_json_object("payload", "$.record").alias("record")).write.mode("overwrite")
             .text(str(out_dir / "records.jsonl")))
            for row in stored.where(F.col("patient_id").isNull()).toLocalIterator():
                errors.extend(json.loads(row["payload"]))  # rows whose patient id is no id
            for row in patients.orderBy("patient_id").toLocalIterator():
                results.add(PatientOutput.from_json(row["payload"]))
        results.commit()
        info = {"pipe_names": None, "spark_version": spark.version, "master": spark.sparkContext.master}
    finally:
        spark.stop()
    (work / "spark-input.parquet").unlink(missing_ok=True)
    errors_path = work / "input-errors.jsonl"
    errors_path.write_text("".join(canonical(e) + "\n" for e in errors), encoding="utf-8")

    def input_errors() -> Iterator[dict[str, Any]]:
        with errors_path.open(encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)

    return input_errors, [a for a in accounts if a is not None], info, {"engine": "spark"}
