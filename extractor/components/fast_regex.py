"""A faster regex backend for medspaCy's matchers (TargetMatcher, Sectionizer).

medspaCy 1.3.1's RegexMatcher rebuilds ``doc.text_with_ws`` for every rule,
resolves unaligned matches with a linear scan over the tokens, and runs every
regex over every note. This subclass keeps its semantics (all matches of every
rule, as ``finditer`` finds them; unaligned offsets snapped left/right to token
boundaries) and does less work:

- the note text is built once and offsets are snapped by bisection;
- each rule's regex is analysed once for the literals one of which every match
  must contain ("gates"), with their case-sensitivity and whether they must be
  whole words; a rule none of whose gates occurs in the note is skipped;
- when every match must start at most a few characters before a gate literal
  (``\\bglucagon\\b...``, ``(?:history|hpi)\\s*:``), the regex is tried only at
  those positions, which gives exactly ``finditer``'s matches; a rule that opens
  with a number (``\\b\\d{1,3}\\s*cm``) is tried at the digits that start a word,
  within its match width before one of its literals; a rule that opens with
  alternatives is anchored by each alternative with what follows it
  (``(?:\\d+|one|a)[- ]months?``: digits, "one", "a-month", "a month", ...);
- otherwise it scans only the text within the rule's match width of the gate
  literals (matches are capped at 400 characters).
The literals are derived from the regex itself, so rule files need no extra field.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import ahocorasick

from medspacy.common.regex_matcher import RegexMatcher
from spacy.attrs import IDX
from spacy.tokens import Doc

from extractor.components._common import text_of

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


@dataclass(frozen=True)
class Keyword:
    """A literal a match must contain: lower-case unless ``case_sensitive``."""

    text: str
    case_sensitive: bool
    whole_word: bool


# Not a literal: "a digit that starts a word" (where ``\\b\\d`` matches), for rules that
# open with a number ("\\b\\d{1,3}\\s*cm"). It pins where a match starts but says
# little about whether a note can match, so literals are preferred to it.
DIGIT_START = Keyword("\\d", case_sensitive=True, whole_word=True)
_DIGIT_START = re.compile(r"\b\d")


def _length(keyword: Keyword) -> int:
    """How selective a keyword is: its length (+2 for word boundaries); 0 for DIGIT_START."""
    if keyword == DIGIT_START:
        return 0
    return len(keyword.text) + (2 if keyword.whole_word else 0)


@dataclass(frozen=True)
class Gate:
    """One of the keywords occurs in every match; each with the most characters a
    match can start before it (``inf`` when unbounded)."""

    entries: frozenset[tuple[Keyword, float]]

    @cached_property
    def keywords(self) -> tuple[Keyword, ...]:
        return tuple(sorted({keyword for keyword, _ in self.entries}, key=lambda k: (k.text, k.case_sensitive, k.whole_word)))

    @cached_property
    def before(self) -> float:
        return max(before for _, before in self.entries)

    @property
    def shortest(self) -> int:
        return min(_length(k) for k, _ in self.entries)

    @property
    def has_digit_start(self) -> bool:
        return any(k == DIGIT_START for k, _ in self.entries)

    def shifted(self, by: float) -> Gate:
        return Gate(frozenset((keyword, before + by) for keyword, before in self.entries))

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


@dataclass(frozen=True)
class _Requirement:
    """Two readings of what a (sub)pattern needs: the most selective keyword set, to skip
    notes, and the set that best pins where a match starts, to place match attempts."""

    selective: Gate
    anchoring: Gate

    def shifted(self, by: float) -> _Requirement:
        return _Requirement(self.selective.shifted(by), self.anchoring.shifted(by))


def _sequence_requirement(
    items: list[Any], case_sensitive: bool, left: bool, right: bool, *, by_first_item: bool = True
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
                options = None if any(x is None for x in starts) else set().union(*starts)  # type: ignore[arg-type]
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
                whole = closed and (i == 0 and left or i > 0 and _is_boundary(items[i - 1])) and (
                    j == len(items) and right or j < len(items) and _is_boundary(items[j])
                )
                prefix = _width(items[:i])
                gate = Gate(
                    frozenset(
                        (Keyword(s if case_sensitive else s.lower(), case_sensitive, whole and s.isalnum()), prefix)
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
        if inner_left and _opens_with_digit(items[i]):
            digit = Gate(frozenset({(DIGIT_START, 0.0)}))
            found = _Requirement(digit, digit)
        elif op is sre_constants.SUBPATTERN:
            _, add_flags, del_flags, body = av
            sensitive = (case_sensitive or bool(del_flags & re.IGNORECASE)) and not add_flags & re.IGNORECASE
            found = _sequence_requirement(list(body), sensitive, inner_left, inner_right)
        elif op is sre_constants.BRANCH:
            alternatives = [_sequence_requirement(list(b), case_sensitive, inner_left, inner_right) for b in av[1]]
            if all(a is not None for a in alternatives):
                found = _Requirement(
                    Gate.union([a.selective for a in alternatives if a]),
                    Gate.union([a.anchoring for a in alternatives if a]),
                )
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and av[0] >= 1:
            inner = _sequence_requirement(list(av[2]), case_sensitive, False, False)
            if inner is not None:
                if av[1] == 1:  # one repetition: the literal sits where it does in the body
                    found = inner
                else:  # the literal may sit in any repetition
                    width = _width([items[i]])
                    found = _Requirement(
                        Gate(frozenset((k, width) for k in inner.selective.keywords)),
                        Gate(frozenset((k, width) for k in inner.anchoring.keywords)),
                    )
        if found is not None:
            candidates.append(found.shifted(_width(items[:i])))
        i += 1
    if not candidates:
        return None
    # the set that lets a match start least far before it
    # (literals before DIGIT_START among those close enough to anchor)
    anchoring = min(
        (c.anchoring for c in candidates),
        key=lambda g: (g.before > ANCHORED_BEFORE, g.has_digit_start, g.before, -g.shortest, len(g.entries)),
    )
    if anchoring.before > ANCHORED_BEFORE and by_first_item:
        anchoring = _anchoring_by_first_item(items, case_sensitive, left, right) or anchoring
    return _Requirement(
        # the set whose shortest literal is longest; on a tie the later one, since the
        # function words of a phrase come before its head ("at the age of")
        max(reversed([c.selective for c in candidates]), key=lambda g: (g.shortest, -len(g.entries))),
        anchoring,
    )


_ZERO_WIDTH = (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)


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
        if requirement is None or requirement.anchoring.before > ANCHORED_BEFORE:
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
        if requirement is None or requirement.anchoring.before > ANCHORED_BEFORE:
            return None
        gates.append(requirement.anchoring)
    return Gate.union(gates)


def regex_requirement(pattern: str, flags: int = re.IGNORECASE) -> _Requirement | None:
    """What every match of ``pattern`` contains, or None when no literal is required."""
    try:
        parsed = sre_parse.parse(pattern, flags)
    except re.error:
        return None
    return _sequence_requirement(list(parsed), not flags & re.IGNORECASE, False, False)


def required_keywords(pattern: str, flags: int = re.IGNORECASE) -> frozenset[str] | None:
    """Literals (as written, lower-cased unless case-sensitive) one of which every match contains."""
    requirement = regex_requirement(pattern, flags)
    return None if requirement is None else frozenset(k.text for k in requirement.selective.keywords)


NOTE_INDEX_KEY = "extractor_note_index"


class NoteIndex:
    """The note text as written and lower-cased, built once per note (the TargetMatcher
    and the Sectionizer share it), with what each matcher found in it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.lower()
        # offsets in the lower-cased text are those of the note only if lengths agree
        self.aligned = len(self.lowered) == len(text)
        self.token_starts: list[int] | None = None
        # per matcher (by identity): its (match_id, start_char, end_char), in rule order
        self.found_by: dict[int, list[tuple[int, int, int]]] = {}

    @classmethod
    def of(cls, doc: Doc) -> NoteIndex:
        index = doc.user_data.get(NOTE_INDEX_KEY)
        if index is None:
            index = doc.user_data[NOTE_INDEX_KEY] = cls(text_of(doc))
        if index.token_starts is None:
            index.token_starts = doc.to_array([IDX]).reshape(-1).tolist()
        return index


class _Vocabulary:
    """All keywords of a matcher's rules, found in a note by one Aho-Corasick pass
    over the lower-cased text (and one over the text as written, for case-sensitive ones).
    Keywords are numbered: per-note work hashes ints, not dataclasses."""

    def __init__(self, keywords: set[Keyword]) -> None:
        ordered = sorted(keywords, key=lambda k: (k.text, k.case_sensitive, k.whole_word))
        self.ids = {keyword: number for number, keyword in enumerate(ordered)}
        # DIGIT_START is found by a regex, not by the automata
        self._digit_start = self.ids.get(DIGIT_START)
        self._variants: dict[tuple[str, bool], list[tuple[int, bool]]] = {}
        for keyword in ordered:
            if keyword != DIGIT_START:
                self._variants.setdefault((keyword.text, keyword.case_sensitive), []).append(
                    (self.ids[keyword], keyword.whole_word)
                )
        self._automata: list[tuple[bool, Any]] = []
        for sensitive in (False, True):
            texts = sorted({text for text, cs in self._variants if cs is sensitive})
            if texts:
                automaton = ahocorasick.Automaton()
                for text in texts:
                    # what a hit needs, so the per-hit loop looks nothing up
                    automaton.add_word(text, (len(text) - 1, tuple(self._variants[(text, sensitive)])))
                automaton.make_automaton()
                self._automata.append((sensitive, automaton))

    def occurrences(self, index: NoteIndex) -> dict[int, list[int]]:
        """Start offsets of every keyword (by id) in the note; whole-word ones only where whole."""
        found: dict[int, list[int]] = {}
        for sensitive, automaton in self._automata:
            haystack = index.text if sensitive else index.lowered
            size = len(haystack)
            for last, (offset, variants) in automaton.iter(haystack):
                start = last - offset
                # no word character (what ``\\w`` matches in a str pattern) on either side;
                # worked out once per hit, if a variant asks
                whole: bool | None = None
                for keyword, whole_word in variants:
                    if whole_word:
                        if whole is None:
                            whole = not (
                                start > 0
                                and ((before := haystack[start - 1]).isalnum() or before == "_")
                                or last + 1 < size
                                and ((after := haystack[last + 1]).isalnum() or after == "_")
                            )
                        if not whole:
                            continue
                    if keyword in found:
                        found[keyword].append(start)
                    else:
                        found[keyword] = [start]
        if self._digit_start is not None:
            digits = [m.start() for m in _DIGIT_START.finditer(index.text)]
            if digits:
                found[self._digit_start] = digits
        return found


@dataclass(frozen=True)
class _Plan:
    """How one rule is run: skipped unless a ``selective`` keyword occurs; tried at the
    positions ``anchors`` allow, or else within ``width`` of the selective keywords."""

    selective: frozenset[int] | None
    # anchor keyword -> how far before it a match can start
    anchors: dict[int, int] | None
    width: int
    # anchored at DIGIT_START but gated by literals: try only starts within ``width``
    # before a literal (a match holds one and is at most ``width`` long)
    near_selective: bool = False


class GatedRegexMatcher(RegexMatcher):
    """Drop-in replacement (same state) for medspaCy's RegexMatcher; see the module doc."""

    _plans: dict[int, _Plan]

    def build_gates(self) -> None:
        """Derive every rule's plan (call after rules were added)."""
        requirements: dict[int, tuple[Gate, Gate | None] | None] = {}
        for match_id, patterns in self._patterns.items():
            found = [regex_requirement(p.pattern, p.flags) for p in patterns]
            if any(r is None for r in found):
                requirements[match_id] = None
                continue
            anchoring = Gate.union([r.anchoring for r in found if r])
            requirements[match_id] = (
                Gate.union([r.selective for r in found if r]),
                anchoring if anchoring.before <= ANCHORED_BEFORE else None,
            )
        keywords = {
            k for r in requirements.values() if r for gate in r if gate is not None for k in gate.keywords
        }
        self._vocabulary = vocabulary = _Vocabulary(keywords)
        self._plans = {}
        for match_id, patterns in self._patterns.items():
            width = min(MAX_MATCH_CHARS, max(sre_parse.parse(p.pattern, p.flags).getwidth()[1] for p in patterns))
            requirement = requirements[match_id]
            if requirement is None:
                self._plans[match_id] = _Plan(None, None, width)
                continue
            selective, anchoring = requirement
            anchors = None
            if anchoring is not None:
                anchors = {}
                for keyword, before in sorted(anchoring.entries, key=lambda e: (vocabulary.ids[e[0]], e[1])):
                    anchors[vocabulary.ids[keyword]] = int(before)  # the largest, last
            near_selective = anchoring is not None and anchoring.has_digit_start and not selective.has_digit_start
            self._plans[match_id] = _Plan(
                frozenset(vocabulary.ids[k] for k in selective.keywords), anchors, width, near_selective
            )
        # which rules (by position in rule order) each keyword lets run; and those that always run
        self._rule_order = list(self._patterns)
        self._always = [n for n, m in enumerate(self._rule_order) if self._plans[m].selective is None]
        self._triggered_by: dict[int, list[int]] = {}
        for n, match_id in enumerate(self._rule_order):
            for keyword in self._plans[match_id].selective or ():
                self._triggered_by.setdefault(keyword, []).append(n)

    @staticmethod
    def _windows(
        found: dict[int, list[int]], keywords: frozenset[int], width: int, after: int | None = None
    ) -> list[tuple[int, int]]:
        """Merged stretches of text from ``width`` characters before a keyword occurrence
        to ``after`` characters after it (default ``2 * width``)."""
        # every keyword is shorter than the match width, so ``2 * width`` covers it
        reach = 2 * width if after is None else after
        spans = sorted(
            (max(0, position - width), position + reach)
            for keyword in keywords
            for position in found.get(keyword, ())
        )
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    @staticmethod
    def _anchored(
        text: str,
        found: dict[int, list[int]],
        pattern: re.Pattern[str],
        anchors: dict[int, int],
        within: list[tuple[int, int]] | None = None,
    ) -> list[re.Match[str]]:
        """``pattern.finditer(text)``, computed by trying only the possible match starts
        (those in the ``within`` stretches, when given)."""
        candidates: set[int] = set()
        if len(anchors) <= len(found):
            occurring = [(found.get(keyword, ()), before) for keyword, before in anchors.items()]
        else:  # rules with many anchors ("one month", "one-month", ...): fewer occur
            occurring = [(positions, anchors[keyword]) for keyword, positions in found.items() if keyword in anchors]
        for positions, before in occurring:
            if before == 0:
                candidates.update(positions)
            else:
                for position in positions:
                    candidates.update(range(max(0, position - before), position + 1))
        starts = sorted(candidates)
        if within is not None:
            firsts = [first for first, _ in within]
            starts = [
                start for start in starts if (k := bisect_right(firsts, start) - 1) >= 0 and start <= within[k][1]
            ]
        matches: list[re.Match[str]] = []
        resume = 0
        for start in starts:
            if start < resume:
                continue
            match = pattern.match(text, start)
            if match is not None:
                matches.append(match)
                resume = max(match.end(), start + 1)
        return matches

    def _finditer(
        self, index: NoteIndex, found: dict[int, list[int]], plan: _Plan, pattern: re.Pattern[str]
    ) -> list[re.Match[str]]:
        if plan.selective is None or not index.aligned:
            return list(pattern.finditer(index.text))
        if plan.anchors is not None:
            within = None
            if plan.near_selective:
                within = self._windows(found, plan.selective, plan.width, after=0)
            return self._anchored(index.text, found, pattern, plan.anchors, within)
        windows = self._windows(found, plan.selective, plan.width)
        return [m for start, end in windows for m in pattern.finditer(index.text, start, end)]

    def find_in_text(self, index: NoteIndex) -> list[tuple[int, int, int]]:
        """(match_id, start_char, end_char) of every rule's matches in the note text,
        in rule order (what ``__call__`` maps to tokens); computed once per note."""
        key = id(self)
        if key in index.found_by:
            return index.found_by[key]
        if not hasattr(self, "_plans"):
            self.build_gates()
        found = self._vocabulary.occurrences(index)
        char_matches: list[tuple[int, int, int]] = []
        to_run = set(self._always)
        for keyword in found:
            to_run.update(self._triggered_by.get(keyword, ()))
        for position in sorted(to_run):
            match_id = self._rule_order[position]
            plan = self._plans[match_id]
            for pattern in self._patterns[match_id]:
                for match in self._finditer(index, found, plan, pattern):
                    char_matches.append((match_id, match.start(), match.end()))
        index.found_by[key] = char_matches
        return char_matches

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        index = NoteIndex.of(doc)
        starts = index.token_starts
        assert starts is not None
        matches: list[tuple[int, int, int]] = []
        for match_id, start_char, end_char in self.find_in_text(index):
            start = self._token_at(starts, start_char, self.resolve_start)
            end = self._token_end(starts, end_char, self.resolve_end)
            if end > start:
                matches.append((match_id, start, end))
                on_match = self._callbacks[match_id]
                if on_match is not None:
                    on_match(self, doc, len(matches) - 1, matches)
        return matches

    @staticmethod
    def _token_at(starts: list[int], char: int, resolve: str) -> int:
        """Start token as medspaCy's get_token_for_char: the last token starting at or before
        ``char`` ('left'), or the first starting at or after it ('right')."""
        if resolve == "left":
            return max(bisect_right(starts, char) - 1, 0)
        return bisect_left(starts, char)

    @staticmethod
    def _token_end(starts: list[int], char: int, resolve: str) -> int:
        """Exclusive end token as medspaCy: the first token starting at or after ``char``
        ('right'); 'left' stops before the token holding ``char``."""
        if resolve == "right":
            return bisect_left(starts, char)
        return max(bisect_right(starts, char) - 1, 0)


def speed_up(component: Any) -> None:
    """Swap the RegexMatcher inside a medspaCy TargetMatcher or Sectionizer for the gated one."""
    matcher = _inner_matcher(component)
    regex_matcher = getattr(matcher, "_MedspacyMatcher__regex_matcher", None)
    if isinstance(regex_matcher, RegexMatcher):
        regex_matcher.__class__ = GatedRegexMatcher
        regex_matcher.build_gates()


def _inner_matcher(component: Any) -> Any:
    for attribute in ("_TargetMatcher__matcher", "_Sectionizer__matcher", "_ConText__matcher"):
        matcher = getattr(component, attribute, None)
        if matcher is not None:
            return matcher
    return None


def regex_only_matcher(component: Any) -> GatedRegexMatcher | None:
    """The gated regex matcher of a medspaCy component whose rules are all regexes
    (no token or phrase patterns): its matches in the text are then all the
    component can find. None otherwise."""
    matcher = _inner_matcher(component)
    if matcher is None:
        return None
    regex_matcher = getattr(matcher, "_MedspacyMatcher__regex_matcher", None)
    token_matcher = getattr(matcher, "_MedspacyMatcher__matcher", None)
    phrase_matcher = getattr(matcher, "_MedspacyMatcher__phrase_matcher", None)
    if not isinstance(regex_matcher, GatedRegexMatcher) or token_matcher is None or phrase_matcher is None:
        return None
    return regex_matcher if len(token_matcher) == 0 and len(phrase_matcher) == 0 else None


def found_in_text(matcher: GatedRegexMatcher, text: str) -> tuple[NoteIndex, bool]:
    """Search ``text`` before it is tokenized: the index to hand to the Doc (under
    ``NOTE_INDEX_KEY``) so the search is not repeated, and whether anything matched."""
    index = NoteIndex(text)
    return index, bool(matcher.find_in_text(index))
