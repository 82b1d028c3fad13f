"""One run per output folder: an advisory lock held for the whole run.

The lock is ``flock`` on ``<out>/.extractor-lock``: the kernel releases it when its process
ends however it ends (kill -9 included), so a lock left by a killed run never blocks the
next one; the file it leaves behind is how the next run knows one was killed. The
holder writes its process id and start time into the file, for the message a second run
gets. The file is removed by its holder before the lock is released; a run that opened
the old file meanwhile sees that the path no longer names it and tries again.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from extractor.errors import BatchError
from extractor.notes import printable

LOCK_NAME = ".extractor-lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: no lock, as before
    fcntl = None  # type: ignore[assignment]


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""


@contextlib.contextmanager
def output_lock(out: Path) -> Iterator[str | None]:
    """Hold the lock of ``out`` (created if needed) for the block; yield what a killed run left in
    it, if any. BatchError when another run holds it or ``out`` is not a folder."""
    shown = printable(str(out))
    if out.exists() and not out.is_dir():
        raise BatchError(f"{shown}: not a folder (--out names the folder the outputs go into)")
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        if fcntl is None:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise BatchError(f"{shown}: output folder in use by another run ({holder or 'starting'}); wait for it "
                             "to finish, or choose another --out") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # its holder finished and removed it while we waited: take the new one
    left_behind = _holder(fd) or None
    try:
        os.ftruncate(fd, 0)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"process {os.getpid()} on {socket.gethostname()}, started {started}\n".encode(), 0)
        yield left_behind
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)
