"""Regex helpers shared by the keyword gate (``extractor.search``) and the reading layer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import AnyStr


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


def positions(haystack: AnyStr, needle: AnyStr) -> list[int]:
    """Every start of ``needle`` in ``haystack`` (str or bytes), overlapping ones too, ascending."""
    found_at = []
    found = haystack.find(needle)
    while found >= 0:
        found_at.append(found)
        found = haystack.find(needle, found + 1)
    return found_at


def opener_table(openers: str) -> bytes:
    """A class table for ``matches_from_openers``: each of ``openers`` to "!", the rest blank."""
    return class_table(lambda character: character in openers, inside=ord("!"))


def matches_from_openers(pattern: re.Pattern[str], text: str, openers: bytes) -> list[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose every match (none empty) opens with a
    character that the ``opener_table`` ``openers`` marks: tried only where one stands."""
    classes = character_classes(text, openers)
    if classes is None:
        return list(pattern.finditer(text))
    return matches_at(pattern, text, positions(classes, b"!"))


def _match_start(match: re.Match[str]) -> int:
    return match.start()


def finditer_each(patterns: Sequence[re.Pattern[str]], text: str) -> list[re.Match[str]]:
    """The matches of every one of ``patterns`` (each led by its own literal, which re scans
    for fast, where one pattern of alternatives would be tried at every character), in
    order of their start."""
    return sorted((match for pattern in patterns for match in pattern.finditer(text)), key=_match_start)
