"""Doc -> Mention rows."""

from __future__ import annotations

from spacy.tokens import Doc

from extractor.schema import Mention


def doc_to_mentions(doc: Doc, doc_id: str, *, offset: int = 0, original_text: str | None = None) -> list[Mention]:
    """The mentions of one processed Doc; offsets shifted by ``offset``."""
    return []
