"""Regex helpers shared by the keyword gate (``extractor.search``) and the reading layer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable


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


# A pattern that opens with a character class (or a lookaround) is tried by re at every
# character of the text, about ten times the cost of a scan for a literal. Where such a
# class is all a search needs, an ASCII text is mapped byte by byte to the class (one
# bytes.translate, a table lookup a byte) and the class is then found with bytes.find.


def class_table(member: Callable[[str], bool], inside: int = ord("x"), outside: int = ord(" ")) -> bytes:
    """A bytes.translate table: each ASCII character to ``inside`` if ``member`` says so,
    else ``outside``."""
    return bytes(inside if member(chr(code)) else outside for code in range(128)) + bytes(range(128, 256))


def character_classes(text: str, table: bytes) -> bytes | None:
    """``text`` with every character replaced by its class byte from ``table``, offsets kept;
    None when the text is not ASCII (the caller then uses its regex)."""
    if not text.isascii():
        return None
    return text.encode("ascii").translate(table)


def positions(haystack: bytes, needle: bytes) -> list[int]:
    """Every start of ``needle`` in ``haystack``, overlapping ones too, ascending."""
    found_at = []
    found = haystack.find(needle)
    while found >= 0:
        found_at.append(found)
        found = haystack.find(needle, found + 1)
    return found_at
