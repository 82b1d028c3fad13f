"""What the readers yield, in a deterministic order: notes, problems, and one account per input.

Accounting rule (so that ``notes_read == processed + failed``): every file or archive
member that is not a table (JSONL/CSV/Parquet) is one note, and so is every data row of
a table. A problem that stands for such a note has ``is_note=True`` and counts as read
and failed; problems about a whole input (a corrupt archive, a table without a text
column, an archive stopped at a limit, a damaged stretch of a tar) have ``is_note=False``.
After each input the reader yields an ``InputRead``: how many bytes it has and how far
they were read, so that a read that stopped early shows in the manifest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from extractor.notes import NoteInput
from extractor.schema import ErrorRow


@dataclass(frozen=True)
class Problem:
    """An input that could not become a note; ``is_note`` says whether it counts as one."""

    row: ErrorRow
    is_note: bool = True

    def as_input_error(self) -> dict[str, Any]:
        """The row as stored for ``errors.jsonl`` when no patient can hold it."""
        return {"is_note": self.is_note, **self.row.model_dump(mode="json")}


@dataclass(frozen=True)
class InputRead:
    """One input path as it was read: its files, their bytes, how far they were read, a checksum.

    ``sha256`` is the file's (a folder's: over the path and sha256 of each file read, in
    order); ``bytes_read`` is the furthest byte the readers reached, summed over files,
    equal to ``bytes`` when every file was read to its end.
    """

    path: str
    type: str  # file, folder, missing, special
    files: int = 0
    bytes: int = 0
    bytes_read: int = 0
    sha256: str | None = None
    skipped: int = 0  # links and special files in a folder, not read (each has its row)

    def as_dict(self) -> dict[str, Any]:
        """The manifest's entry for this input."""
        data = asdict(self)
        if self.type == "file":
            del data["files"], data["skipped"]
        if self.type in ("missing", "special"):
            data = {"path": self.path, "type": self.type}
        return data


Item = NoteInput | Problem | InputRead


def problem(source: str, kind: str, reason: str, *, patient_id: str | None = None,
            doc_id: str | None = None, is_note: bool = True, fatal: bool = True) -> Problem:
    """A problem row (no note text); fatal unless it only warns."""
    row = ErrorRow(source=source, patient_id=patient_id, doc_id=doc_id, kind=kind, reason=reason, fatal=fatal)
    return Problem(row, is_note)
