"""A one-line progress display on a terminal (notes/s, ETA); silent otherwise."""

from __future__ import annotations

import time
from typing import IO


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


class Progress:
    """``\\r``-updated status line on stderr when it is a terminal; no output when not."""

    def __init__(self, *, enabled: bool, stream: IO[str], every: float = 0.25) -> None:
        self.enabled = enabled
        self.stream = stream
        self.every = every
        self.total_notes = 0
        self.total_patients = 0
        self.notes = 0
        self.patients = 0
        self.failed = 0
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def stage(self, text: str) -> None:
        """Show what is happening before counts are known."""
        self._draw(f"extractor batch: {text}...")

    def start(self, *, total_notes: int, total_patients: int) -> None:
        """Counts to run are known: the clock of notes/s starts now."""
        self.total_notes = total_notes
        self.total_patients = total_patients
        self.started = time.monotonic()
        self._render(force=True)

    def advance(self, notes: int, patients: int, *, failed: int = 0) -> None:
        """A patient (or a few) finished."""
        self.notes += notes
        self.patients += patients
        self.failed += failed
        self._render()

    def _render(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < self.every:
            return
        self._drawn = now
        elapsed = max(now - self.started, 1e-9)
        rate = self.notes / elapsed
        share = self.notes / self.total_notes if self.total_notes else 1.0
        eta = (self.total_notes - self.notes) / rate if rate > 0 else 0.0
        self._draw(
            f"notes {self.notes}/{self.total_notes} ({share:.0%})  patients {self.patients}/{self.total_patients}"
            f"  {rate:.1f} notes/s  ETA {_duration(eta) if rate > 0 else '?'}  failed {self.failed}"
        )

    def _draw(self, line: str) -> None:
        if not self.enabled:
            return
        pad = max(0, self._width - len(line))
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._width = len(line)

    def finish(self) -> None:
        """End the status line."""
        if self.enabled and self._width:
            self._render(force=True)
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0
