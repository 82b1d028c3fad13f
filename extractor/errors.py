"""Errors raised by the library. Messages name files and reasons, never note text."""

from __future__ import annotations


class ExtractorError(Exception):
    """Base class of the errors this package raises on purpose."""


class InputError(ExtractorError):
    """A note or input file that cannot be used; ``kind`` is a short machine code."""

    def __init__(self, source: str, kind: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.kind = kind
        self.reason = reason


class BatchError(ExtractorError):
    """A batch that cannot start or finish (bad output folder, folder in use, changed inputs, pipeline
    load failure, Spark missing); the command exits 2 with this one line."""


class RuleFileError(ExtractorError):
    """A rule file that does not validate: ``<file>:<line> [loc] msg`` lines."""
