"""Local parallelism: our own worker processes, each building the pipeline once.

Why not ``nlp.pipe(n_process=...)``: medspaCy's rules do not pickle, and spaCy's
error handler drops a whole batch on one bad note. Instead a supervisor (the
parent process) sends tasks (a few patients' notes) over a pipe to worker
processes (``forkserver``, or ``spawn`` where there is none), which return plain ``PatientOutput`` rows.

Fault policy, enforced by the supervisor:

* each note stamps a shared heartbeat as it starts; a worker whose current
  note (all its chunks) runs longer than ``note_timeout`` seconds is killed (SIGKILL);
* a task that fails (timeout, worker death, exception outside the per-note
  handling of ``process_patient``) is split: a task of several patients is
  rerun patient by patient; a patient is probed note by note, then rerun
  without the notes that failed alone;
* a note that times out alone gets an error row of kind ``timeout``; a note
  that kills a worker twice is quarantined (kind ``worker_crash``);
* workers are restarted after ``recycle_notes`` notes (spaCy's vocabulary
  grows with every new string) and whenever one dies.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from extractor.batch.config import timeout_reason
from extractor.batch.per_patient import NoteWatch, PatientGroup, PatientOutput, failed_patient, run_patient
from extractor.privacy import keep_note_text_out_of_logs
from extractor.schema import ErrorRow


class PipelineLoadError(RuntimeError):
    """A worker could not build the pipeline: the run cannot go on."""


def load_factory(spec: str) -> Callable[[], Any]:
    """``"package.module:function"`` -> the function."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name or "load_pipeline")


def worker_main(conn: Connection, beat: Any, factory: str, environ: dict[str, str] | None = None) -> None:
    """A worker process: build the pipeline once, then run tasks until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor handles Ctrl-C
    if environ is not None:  # a forkserver child has the server's environment, not the parent's
        os.environ.clear()
        os.environ.update(environ)
    keep_note_text_out_of_logs(own_process=True)
    try:
        _serve(conn, beat, factory)
    except (BrokenPipeError, EOFError, ConnectionResetError):
        return  # the supervisor has gone (stopped during our start, or Ctrl-C): nothing to report to


def _serve(conn: Connection, beat: Any, factory: str) -> None:
    try:
        nlp = load_factory(factory)()
    except BaseException as exc:  # report and stop; never the message (may hold paths only, but be strict)
        conn.send(("load_failed", type(exc).__name__))
        return
    keep_note_text_out_of_logs(own_process=True)  # again: building the pipeline imports medspaCy
    meta = getattr(nlp, "meta", {}) or {}
    conn.send(("ready", {"pipe_names": list(getattr(nlp, "pipe_names", [])),
                         "name": meta.get("name"), "version": meta.get("version")}))
    watch = NoteWatch(beat)  # stamped as each note starts, however the core chunks it
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        task_id, groups = msg
        for index, group in enumerate(groups):  # each patient is sent back as soon as it is done
            beat.value = time.monotonic()
            try:
                output = run_patient(nlp, group, watch=watch)
            except Exception as exc:  # outside process_patient's per-note handling (e.g. aggregation)
                conn.send(("failed", task_id, index, type(exc).__name__))
                continue
            conn.send(("patient", task_id, index, output))
        conn.send(("done", task_id))


@dataclass
class _Retry:
    """A patient being probed note by note."""

    group: PatientGroup
    pending: set[int]
    bad: dict[int, ErrorRow] = field(default_factory=dict)


@dataclass
class _Task:
    id: int
    groups: list[PatientGroup]
    kind: str = "batch"  # batch | probe | final
    retry: _Retry | None = None
    note_index: int = -1
    crashes: int = 0
    finished: set[int] = field(default_factory=set)

    def n_notes(self) -> int:
        return sum(len(g.notes) for g in self.groups)

    def part(self, index: int, task_id: int) -> _Task:
        """The task of one of this task's patients (same kind, retry and crash count)."""
        return _Task(task_id, [self.groups[index]], self.kind, self.retry, self.note_index, self.crashes)


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    beat: Any
    ready: bool = False
    task: _Task | None = None
    sent_at: float = 0.0
    notes_done: int = 0


@dataclass
class SupervisorStats:
    """What the supervisor saw (for the summary and the manifest)."""

    worker_restarts: int = 0
    timeouts: int = 0
    crashes: int = 0
    pipeline: dict[str, Any] = field(default_factory=dict)


def _context() -> Any:
    """``forkserver`` where there is one: a clean server process that has imported spaCy once forks each
    worker, so starting (and restarting) a worker is cheap and no lock or thread of the parent is
    inherited; ``spawn`` elsewhere."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["extractor.batch.workers", "spacy"])
        return ctx
    return mp.get_context("spawn")


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "no exit code"
    if exitcode < 0:
        try:
            return f"killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class Supervisor:
    """Runs patient groups on ``n`` worker processes with the fault policy above."""

    def __init__(self, n: int, factory: str, *, note_timeout: float, task_notes: int = 256,
                 task_chars: int = 2_000_000, recycle_notes: int = 100_000) -> None:
        self.n = n
        self.factory = factory
        self.note_timeout = note_timeout
        self.task_notes = task_notes
        self.task_chars = task_chars
        self.recycle_notes = recycle_notes
        self.ctx = _context()
        self.workers: list[_Worker] = []
        self.queue: deque[_Task] = deque()
        self.stats = SupervisorStats()
        self._next_id = 0

    # ---------------------------------------------------------------- workers

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe()
        beat = self.ctx.RawValue("d", 0.0)
        proc = self.ctx.Process(target=worker_main, args=(child, beat, self.factory, dict(os.environ)),
                                daemon=True, name="extractor-worker")
        proc.start()
        child.close()
        return _Worker(proc, parent, beat)

    def _stop(self, w: _Worker, *, kill: bool = False) -> None:
        if kill:
            w.proc.kill()
        else:
            try:
                w.conn.send(None)
            except (OSError, BrokenPipeError):
                w.proc.kill()
        w.proc.join(timeout=10)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join()
        w.conn.close()

    def _replace(self, w: _Worker, *, kill: bool) -> None:
        self._stop(w, kill=kill)
        self.workers[self.workers.index(w)] = self._start()
        self.stats.worker_restarts += 1

    def start(self) -> None:
        """Start the workers (each loads its pipeline, ~2.5 s) if not yet started: a
        driver can call this before reading its inputs so that both happen at once."""
        if not self.workers:
            self.workers = [self._start() for _ in range(self.n)]

    def close(self) -> None:
        """Stop every worker (killing those that do not stop)."""
        for w in self.workers:
            if w.proc.is_alive():
                self._stop(w, kill=w.task is not None or not w.ready)  # busy or still loading
        self.workers = []

    # ---------------------------------------------------------------- tasks

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _task(self, groups: list[PatientGroup], **kw: Any) -> _Task:
        return _Task(self._new_id(), groups, **kw)

    def _batches(self, groups: Iterator[PatientGroup]) -> Iterator[_Task]:
        batch: list[PatientGroup] = []
        notes = chars = 0
        for g in groups:
            if not g.notes:  # nothing to run: every note of this patient failed when read
                yield self._task([g], kind="trivial")
                continue
            batch.append(g)
            notes += len(g.notes)
            chars += g.n_chars()
            if notes >= self.task_notes or chars >= self.task_chars:
                yield self._task(batch)
                batch, notes, chars = [], 0, 0
        if batch:
            yield self._task(batch)

    def run(self, groups: Iterator[PatientGroup], emit: Callable[[PatientOutput], None], *,
            total_notes: int = 0) -> SupervisorStats:
        """Run every group; ``emit`` receives each patient's output exactly once (any order)."""
        if total_notes:  # small inputs: tasks small enough to keep every worker busy
            self.task_notes = max(1, min(self.task_notes, total_notes // (self.n * 4)))
        feed = self._batches(groups)
        fed_all = False
        self.start()
        try:
            while True:
                for w in self.workers:
                    if w.ready and w.task is None:
                        task = self._next_task(feed, emit)
                        if task is None:
                            fed_all = True
                            break
                        self._send(w, task)
                busy = [w for w in self.workers if w.task is not None]
                if fed_all and not busy and not self.queue:
                    break
                self._wait(emit)
                self._check_timeouts(emit)
                if not (fed_all and not self.queue):
                    self._recycle()
        finally:
            self.close()
        return self.stats

    def _next_task(self, feed: Iterator[_Task], emit: Callable[[PatientOutput], None]) -> _Task | None:
        while True:
            if self.queue:
                return self.queue.popleft()
            task = next(feed, None)
            if task is None:
                return None
            if task.kind == "trivial":
                emit(run_patient(None, task.groups[0]))  # no notes to run: the pipeline is never called
                continue
            return task

    def _send(self, w: _Worker, task: _Task) -> None:
        w.task = task
        w.sent_at = time.monotonic()
        with contextlib.suppress(OSError):  # a dead worker is noticed by _wait through its sentinel
            w.conn.send((task.id, task.groups))

    def _wait(self, emit: Callable[[PatientOutput], None]) -> None:
        handles: list[Any] = [w.conn for w in self.workers] + [w.proc.sentinel for w in self.workers]
        ready = set(wait(handles, timeout=0.2))
        for w in list(self.workers):
            if w.conn in ready:
                try:
                    msg = w.conn.recv()
                except (EOFError, OSError):
                    msg = None
                if msg is not None:
                    self._on_message(w, msg, emit)
                    continue
            if w.proc.sentinel in ready or (w.conn in ready and not w.proc.is_alive()):
                w.proc.join(timeout=5)
                if w.task is None and not w.ready:
                    raise PipelineLoadError(f"a worker died while building the pipeline ({_death(w.proc.exitcode)})")
                task = w.task
                self.stats.crashes += 1 if task is not None else 0
                self._replace(w, kill=True)
                if task is not None:
                    self._interrupted(task, "crash", _death(w.proc.exitcode), emit)

    def _on_message(self, w: _Worker, msg: tuple, emit: Callable[[PatientOutput], None]) -> None:
        kind = msg[0]
        if kind == "ready":
            w.ready = True
            if not self.stats.pipeline:
                self.stats.pipeline = msg[1]
        elif kind == "load_failed":
            raise PipelineLoadError(f"the pipeline could not be built in a worker ({msg[1]})")
        elif kind == "patient":
            task = w.task
            if task is not None and msg[1] == task.id:
                task.finished.add(msg[2])
                self._succeeded(task, msg[3], emit)
        elif kind == "failed":
            task = w.task
            if task is not None and msg[1] == task.id:
                task.finished.add(msg[2])
                self._failed(task.part(msg[2], self._new_id()), "error", msg[3], emit)
        elif kind == "done":
            task = w.task
            w.task = None
            if task is not None and msg[1] == task.id:
                w.notes_done += task.n_notes()

    def _check_timeouts(self, emit: Callable[[PatientOutput], None]) -> None:
        now = time.monotonic()
        for w in list(self.workers):
            if w.task is None:
                continue
            last = max(w.beat.value, w.sent_at)
            if now - last > self.note_timeout:
                task = w.task
                self.stats.timeouts += 1
                self._replace(w, kill=True)
                self._interrupted(task, "timeout", "", emit)

    def _recycle(self) -> None:
        for w in list(self.workers):
            if w.task is None and w.ready and w.notes_done >= self.recycle_notes:
                self._replace(w, kill=False)

    # ---------------------------------------------------------------- outcomes

    def _succeeded(self, task: _Task, output: PatientOutput, emit: Callable[[PatientOutput], None]) -> None:
        if task.kind == "probe":
            assert task.retry is not None
            task.retry.pending.discard(task.note_index)
            self._maybe_final(task.retry)
            return
        emit(output)

    def _interrupted(self, task: _Task, kind: str, detail: str, emit: Callable[[PatientOutput], None]) -> None:
        """A task stopped by a timeout or a worker death: the patient in flight is the suspect."""
        left = [i for i in range(len(task.groups)) if i not in task.finished]
        if not left:
            return
        suspect, rest = left[0], left[1:]
        if rest:
            self.queue.appendleft(self._task([task.groups[i] for i in rest]))
        self._failed(task.part(suspect, task.id), kind, detail, emit)

    def _reason(self, kind: str, detail: str) -> tuple[str, str]:
        if kind == "timeout":
            return "timeout", timeout_reason(self.note_timeout, "worker stopped")
        if kind == "crash":
            return "worker_crash", f"note crashed the worker process twice ({detail}); quarantined"
        return "error", f"processing failed: {detail}"

    def _failed(self, task: _Task, kind: str, detail: str, emit: Callable[[PatientOutput], None]) -> None:
        """One patient's task failed: probe its notes one by one, retry, or give its error rows."""
        group = task.groups[0]
        if task.kind == "batch" and len(group.notes) > 1:
            retry = _Retry(group, set(range(len(group.notes))))
            for i in reversed(range(len(group.notes))):
                probe = PatientGroup(group.patient_id, [group.notes[i]])
                self.queue.appendleft(self._task([probe], kind="probe", retry=retry, note_index=i))
            return
        if kind == "crash" and task.crashes < 1 and task.kind != "final":
            task.crashes += 1
            self.queue.appendleft(task)
            return
        err_kind, reason = self._reason(kind, detail)
        if task.kind == "probe":
            assert task.retry is not None
            note = group.notes[0]
            task.retry.bad[task.note_index] = ErrorRow(source=note.source, patient_id=note.patient_id,
                                                       doc_id=note.doc_id, kind=err_kind, reason=reason, fatal=True)
            task.retry.pending.discard(task.note_index)
            self._maybe_final(task.retry)
            return
        if task.kind == "final":
            err_kind, reason = err_kind, f"patient could not be aggregated after a retry ({err_kind})"
        emit(failed_patient(group, err_kind, reason))

    def _maybe_final(self, retry: _Retry) -> None:
        if retry.pending:
            return
        group = retry.group
        good = [n for i, n in enumerate(group.notes) if i not in retry.bad]
        failed = [*group.failed, *(retry.bad[i] for i in sorted(retry.bad))]
        self.queue.appendleft(self._task([PatientGroup(group.patient_id, good, failed)], kind="final"))

