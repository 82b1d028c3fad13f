"""Regex analysis: which literals every match of a regex contains, and where a match can start.

Pure functions over Python's parsed regex (no spaCy, no medspaCy): from a rule's
pattern they derive

- the literals one of which every match must contain ("gates"), with their
  case-sensitivity and whether they must be whole words, so a rule none of whose
  gates occurs in a note can be skipped;
- when every match must start at most a few characters before one of them
  (``\\bglucagon\\b...``, ``(?:history|hpi)\\s*:``), those "anchors", so the
  regex is tried only there; a rule that opens with a number
  (``\\b\\d{1,3}\\s*cm``) is anchored at digits that start a word, and a rule
  that opens with alternatives by each alternative with what follows it
  (``(?:\\d+|one|a)[- ]months?``: digits, "one", "a-month", "a month", ...).

:mod:`extractor.search.matcher` runs rules by these results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_MIN_KEYWORD = 2
# Longest match looked for; also bounds regex work on pathological run-on text.
MAX_MATCH_CHARS = 400
# A rule whose matches start at most this many characters before its gate
# literal is tried at those start positions only (one regex call per position).
ANCHORED_BEFORE = 12
# Alternatives expanded into literal sets ("years?" -> year, years) up to this many.
_MAX_EXPANSIONS = 64
# Character classes of at most this many characters ("[0-4]") are expanded too.
_MAX_CLASS = 10
_UNBOUNDED = float("inf")
_WORD_CHARACTER = re.compile(r"\w")


@dataclass(frozen=True, order=True)
class Keyword:
    """A literal a match must contain: lower-case unless ``case_sensitive``. Keywords sort
    by their fields in order, so every set of them is walked the same way in every run."""

    text: str
    case_sensitive: bool
    whole_word: bool
    # a word boundary stands before it and it opens with a word character: an
    # occurrence inside a word ("at" in "patient") is no match
    word_start: bool = False


# Not a literal: "a digit that starts a run of digits" (where ``(?<!\\d)\\d`` matches), for
# rules that open with a number ("\\b\\d{1,3}\\s*cm", "(?<![A-Za-z]\\.)(?<!\\d)\\d{1,3}\\s*cm").
# It pins where a match starts but says little about whether a note can match, so
# literals are preferred to it.
DIGIT_START = Keyword("\\d", case_sensitive=True, whole_word=True)
# Not a literal either: "the start of a line" (``^`` in multi-line mode, ``(?<=\n)``), for rules
# that read a report line by line ("(?m)^[ \t]*lymph nodes?..."); like DIGIT_START it pins
# where a match starts and literals are preferred to it.
LINE_START = Keyword("^", case_sensitive=True, whole_word=True)
_POSITION_CLASSES = (DIGIT_START, LINE_START)
_LINE_OPENERS = (sre_constants.AT_BEGINNING, sre_constants.AT_BEGINNING_LINE, sre_constants.AT_BEGINNING_STRING)


def _length(keyword: Keyword) -> int:
    """How selective a keyword is: its length (+2 for word boundaries); 0 for DIGIT_START
    and LINE_START."""
    if keyword in _POSITION_CLASSES:
        return 0
    return len(keyword.text) + (2 if keyword.whole_word else 0)


@dataclass(frozen=True)
class Gate:
    """One of the keywords occurs in every match; each with the most characters a
    match can start before it (``inf`` when unbounded)."""

    # (keyword, before, after): a match starts at most ``before`` characters before the
    # keyword's start and at most ``after`` after it; ``after`` is 0 unless the keyword lies in
    # a lookbehind, before the match ("[x×](?<=stools\\s[x×])"), where ``before`` is negative
    entries: frozenset[tuple[Keyword, float, float]]

    @cached_property
    def keywords(self) -> tuple[Keyword, ...]:
        return tuple(sorted({keyword for keyword, _, _ in self.entries}))

    @cached_property
    def before(self) -> float:
        return max(before for _, before, _ in self.entries)

    @cached_property
    def after(self) -> float:
        return max(after for _, _, after in self.entries)

    def reach(self) -> float:
        """How far from a keyword, before or after it, a match can start."""
        return max(self.before, self.after)

    @property
    def shortest(self) -> int:
        return min(_length(k) for k, _, _ in self.entries)

    @property
    def has_position_class(self) -> bool:
        """Whether a keyword is DIGIT_START or LINE_START, which occur in nearly every note."""
        return any(k in _POSITION_CLASSES for k, _, _ in self.entries)

    def shifted(self, by: float) -> Gate:
        # ``after`` stays: ``by`` is the longest the text before can be, and it may be shorter
        return Gate(frozenset((keyword, before + by, after) for keyword, before, after in self.entries))

    @staticmethod
    def union(gates: list[Gate]) -> Gate:
        return Gate(frozenset().union(*(g.entries for g in gates)))


def _width(items: list[Any]) -> float:
    """Longest text ``items`` (a parsed sequence) can match; lookarounds are zero-width."""
    if not items:
        return 0
    high = sre_parse.SubPattern(sre_parse.State(), items).getwidth()[1]
    return _UNBOUNDED if high >= sre_constants.MAXREPEAT else high


def _class_characters(members: list[Any]) -> set[str] | None:
    """The characters of a small character class of literals and ranges ("[FM]", "[0-4]")."""
    found: set[str] = set()
    for op, av in members:
        if op is sre_constants.LITERAL:
            found.add(chr(av))
        elif op is sre_constants.RANGE and av[1] - av[0] < _MAX_CLASS:
            found.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # negated, categories (\d, \w), big ranges
            return None
    return found if len(found) <= _MAX_CLASS else None


def _expansions(item: tuple[Any, Any]) -> set[str] | None:
    """The literal strings ``item`` can match, if it is literal-only and they are few."""
    op, av = item
    if op is sre_constants.LITERAL:
        return {chr(av)}
    if op is sre_constants.IN:
        return _class_characters(av)
    if op is sre_constants.BRANCH:
        found: set[str] = set()
        for branch in av[1]:
            strings = _sequence_expansions(list(branch))
            if strings is None:
                return None
            found |= strings
        return found if len(found) <= _MAX_EXPANSIONS else None
    if op is sre_constants.MAX_REPEAT and av[0] == 0 and av[1] == 1:
        inner = _sequence_expansions(list(av[2]))
        return None if inner is None else inner | {""}
    if op is sre_constants.SUBPATTERN and not av[1] and not av[2]:
        return _sequence_expansions(list(av[-1]))
    return None


def _sequence_expansions(items: list[Any], *, leading: bool = False) -> set[str] | None:
    """Literal strings of a sequence; with ``leading``, of its longest literal-only start."""
    strings = {""}
    for item in items:
        options = _expansions(item)
        if options is None:
            return strings if leading else None
        strings = {a + b for a in strings for b in options}
        if len(strings) > _MAX_EXPANSIONS:
            return None
    return strings


def _is_digit(item: tuple[Any, Any]) -> bool:
    return item[0] is sre_constants.IN and list(item[1]) == [(sre_constants.CATEGORY, sre_constants.CATEGORY_DIGIT)]


def _opens_with_digit(item: tuple[Any, Any]) -> bool:
    """``\\d``, ``\\d+``, ``\\d{1,3}``: the item's match starts with a digit."""
    op, av = item
    if _is_digit(item):
        return True
    return op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and av[0] >= 1 and len(av[2]) == 1 and _is_digit(av[2][0])


def _is_boundary(item: tuple[Any, Any]) -> bool:
    return item[0] is sre_constants.AT and item[1] is sre_constants.AT_BOUNDARY


def _not_after_digit(items: list[Any]) -> bool:
    """Zero-width items only, one of them ``(?<!\\d)``: what follows starts where no digit precedes."""
    return bool(items) and all(op in _ZERO_WIDTH for op, _ in items) and any(
        op is sre_constants.ASSERT_NOT and av[0] == -1 and len(av[1]) == 1 and _is_digit(av[1][0]) for op, av in items
    )


@dataclass(frozen=True)
class _Requirement:
    """Two readings of what a (sub)pattern needs: the most selective keyword set, to skip
    notes, and the set that best pins where a match starts, to place match attempts."""

    selective: Gate
    anchoring: Gate

    def shifted(self, by: float) -> _Requirement:
        return _Requirement(self.selective.shifted(by), self.anchoring.shifted(by))


_LINE_START_GATE = Gate(frozenset({(LINE_START, 0.0, 0.0)}))
# a match that starts where a line does ("^" in multi-line mode, "(?<=\n)")
_AT_LINE_START = _Requirement(_LINE_START_GATE, _LINE_START_GATE)


def _sequence_requirement(
    items: list[Any], case_sensitive: bool, left: bool, right: bool, *, by_first_item: bool = True,
    common: frozenset[str] = frozenset(),
) -> _Requirement | None:
    """What a parsed sequence requires (None when no literal is required).

    ``left``/``right``: a word boundary stands right before/after the sequence.
    """
    candidates: list[_Requirement] = []
    i = 0
    while i < len(items):
        # a maximal run of literal-only items ("fh" + (amily|hx|x))
        j = i
        strings: set[str] = {""}
        closed = True  # the run ends where the literal text ends
        while j < len(items):
            options = _expansions(items[j])
            if options is None and j > i and items[j][0] is sre_constants.BRANCH:
                # "f(?:amily\\s+history|hx|h)": extend the run by each branch's literal start
                starts = [_sequence_expansions(list(b), leading=True) for b in items[j][1][1]]
                # a branch that can open with no literal ("(?:(?<=stools\\s)|...)") ends the run,
                # to be read as an item of its own
                options = (
                    None if any(x is None or "" in x for x in starts) else set().union(*starts)  # type: ignore[arg-type]
                )
                closed = False
            if options is None:
                break
            combined = {a + b for a in strings for b in options}
            if len(combined) > _MAX_EXPANSIONS:
                break
            strings = combined
            j += 1
            if not closed:
                break
        if j > i:
            if strings and min(len(s) for s in strings) >= _MIN_KEYWORD:
                bounded_left = i == 0 and left or i > 0 and _is_boundary(items[i - 1])
                whole = closed and bounded_left and (
                    j == len(items) and right or j < len(items) and _is_boundary(items[j])
                )
                prefix = _width(items[:i])
                gate = Gate(
                    frozenset(
                        (
                            Keyword(
                                s if case_sensitive else s.lower(),
                                case_sensitive,
                                whole and s.isalnum(),
                                bounded_left and _WORD_CHARACTER.match(s) is not None,
                            ),
                            prefix,
                            0,
                        )
                        for s in strings
                    )
                )
                candidates.append(_Requirement(gate, gate))
            i = j
            continue
        op, av = items[i]
        inner_left = i == 0 and left or i > 0 and _is_boundary(items[i - 1])
        inner_right = i == len(items) - 1 and right or i + 1 < len(items) and _is_boundary(items[i + 1])
        found: _Requirement | None = None
        if (inner_left or _not_after_digit(items[:i])) and _opens_with_digit(items[i]):
            digit = Gate(frozenset({(DIGIT_START, 0.0, 0.0)}))
            found = _Requirement(digit, digit)
        elif op is sre_constants.SUBPATTERN:
            _, add_flags, del_flags, body = av
            sensitive = (case_sensitive or bool(del_flags & re.IGNORECASE)) and not add_flags & re.IGNORECASE
            found = _sequence_requirement(list(body), sensitive, inner_left, inner_right, common=common)
        elif op is sre_constants.BRANCH:
            alternatives = [
                _sequence_requirement(list(b), case_sensitive, inner_left, inner_right, common=common) for b in av[1]
            ]
            if all(a is not None for a in alternatives):
                found = _Requirement(
                    Gate.union([a.selective for a in alternatives if a]),
                    Gate.union([a.anchoring for a in alternatives if a]),
                )
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and av[0] >= 1:
            # every match holds a first repetition, where the body's literals sit as in the body
            found = _sequence_requirement(list(av[2]), case_sensitive, False, False, common=common)
        elif op is sre_constants.ASSERT and av[0] == -1:
            found = _lookbehind_requirement(list(av[1]), case_sensitive, common)
        elif op is sre_constants.AT and av in _LINE_OPENERS:
            found = _AT_LINE_START
        if found is not None:
            candidates.append(found.shifted(_width(items[:i])))
        i += 1
    if not candidates:
        return None
    # the set that lets a match start least far before it
    # (literals before DIGIT_START among those close enough to anchor)
    anchoring = min(
        (c.anchoring for c in candidates),
        key=lambda g: (g.reach() > ANCHORED_BEFORE, g.has_position_class, g.reach(), -g.shortest, len(g.entries)),
    )
    if anchoring.reach() > ANCHORED_BEFORE and by_first_item:
        anchoring = _anchoring_by_first_item(items, case_sensitive, left, right) or anchoring
    return _Requirement(
        # the set whose shortest literal is longest, among those with no word common in
        # clinical text if there are any ("disease" would open a rule in most notes); on a
        # tie the later one, since the function words of a phrase come before its head
        # ("at the age of")
        max(
            reversed([c.selective for c in candidates]),
            key=lambda g: (not any(k.text.lower() in common for k in g.keywords), g.shortest, -len(g.entries)),
        ),
        anchoring,
    )


_ZERO_WIDTH = (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)


def _lookbehind_requirement(body: list[Any], case_sensitive: bool, common: frozenset[str]) -> _Requirement | None:
    """What a lookbehind (``(?<=diarrhoea\\s)``) requires of the text before its position:
    its literals, each at most the lookbehind's width before that position, so a match
    starts up to that many characters after one of them. (Python allows only fixed-width
    lookbehinds, so the width is exact.)"""
    if body == [(sre_constants.LITERAL, ord("\n"))]:  # "(?<=\n)": the position starts a line
        return _AT_LINE_START
    inner = _sequence_requirement(body, case_sensitive, False, False, common=common)
    if inner is None:
        return None
    width = _width(body)
    return _Requirement(_behind(inner.selective, width), _behind(inner.anchoring, width))


def _behind(gate: Gate, width: float) -> Gate:
    """A lookbehind's gate, seen from the lookbehind's position: a keyword ``before``
    characters into the lookbehind is ``width - before`` or fewer characters before the
    match (fewer when the text before the lookbehind is shorter than its longest)."""
    return Gate(frozenset((keyword, before - width, width) for keyword, before, _ in gate.entries))


def _anchoring_by_first_item(items: list[Any], case_sensitive: bool, left: bool, right: bool) -> Gate | None:
    """Anchors for a sequence that opens with optional items ("(?:WHO\\s+)?grade"):
    a match starts at its first non-empty item, so the anchors of each possible
    first item, taken as the start, together cover every match. None if one of
    them has no anchor close to its start."""
    gates: list[Gate] = []
    for i, item in enumerate(items):
        op, av = item
        if op in _ZERO_WIDTH:
            continue
        lowest = sre_parse.SubPattern(sre_parse.State(), [item]).getwidth()[0]
        if lowest == 0:
            if op not in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
                return None
            item = (op, (1, av[1], av[2]))  # this optional item is the first non-empty one
        starting_left = left if i == 0 else _is_boundary(items[i - 1])
        requirement = _sequence_requirement(
            [item, *items[i + 1 :]], case_sensitive, starting_left, right, by_first_item=False
        )
        if requirement is None or requirement.anchoring.reach() > ANCHORED_BEFORE:
            by_alternative = _anchoring_by_alternative(item, items[i + 1 :], case_sensitive, starting_left, right)
            if by_alternative is None:
                return None
            gates.append(by_alternative)
        else:
            gates.append(requirement.anchoring)
        if lowest > 0:
            return Gate.union(gates)
    return None  # every item may be empty: no anchor


def _anchoring_by_alternative(
    item: tuple[Any, Any], rest: list[Any], case_sensitive: bool, left: bool, right: bool
) -> Gate | None:
    """Anchors for a sequence that opens with alternatives of which some have no
    literal ("(?:\\d+|one|a)[- ]months?"): a match starts with one of them, so the
    anchors of each alternative followed by the rest together cover every match.
    None if one of them has no anchor close to its start."""
    op, av = item
    if op is sre_constants.SUBPATTERN and not av[1] and not av[2] and len(av[-1]) == 1:
        op, av = av[-1][0]
    if op is not sre_constants.BRANCH:
        return None
    gates = []
    for alternative in av[1]:
        requirement = _sequence_requirement([*alternative, *rest], case_sensitive, left, right, by_first_item=False)
        if requirement is None or requirement.anchoring.reach() > ANCHORED_BEFORE:
            return None
        gates.append(requirement.anchoring)
    return Gate.union(gates)


def regex_requirement(
    pattern: str, flags: int = re.IGNORECASE, common: frozenset[str] = frozenset()
) -> _Requirement | None:
    """What every match of ``pattern`` contains, or None when no literal is required.

    ``common``: words (lower case) frequent in clinical text; a keyword set without
    them is preferred to gate the rule, however short its literals."""
    try:
        parsed = sre_parse.parse(pattern, flags)
    except re.error:
        return None
    return _sequence_requirement(list(parsed), not flags & re.IGNORECASE, False, False, common=common)
