"""Regex helpers shared by the keyword gate (``extractor.search``) and the reading layer."""

from __future__ import annotations

import re
from collections.abc import Iterable


def matches_at(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> list[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose every match starts at one of ``starts``
    (ascending): tried only there, each next match from the end of the last."""
    matches = []
    resume = 0
    for start in starts:
        if start < resume:
            continue
        match = pattern.match(text, start)
        if match is not None:
            matches.append(match)
            resume = max(match.end(), start + 1)
    return matches
