"""Patient-level aggregation: the mentions of all documents -> one CohortRecord."""

from __future__ import annotations

from dataclasses import dataclass

from extractor.schema import CohortRecord, Mention


@dataclass(frozen=True)
class DocumentMentions:
    """The mentions of one document, with the document's date and text."""

    doc_id: str
    date: str | None
    text: str
    mentions: list[Mention]


def aggregate(patient_id: str, documents: list[DocumentMentions]) -> CohortRecord:
    """Merge the documents' mentions (in date order) into one record."""
    return CohortRecord(patient_id=patient_id)
