"""A faster regex backend for medspaCy's matchers (TargetMatcher, Sectionizer).

medspaCy 1.3.1's RegexMatcher rebuilds ``doc.text_with_ws`` for every rule,
resolves unaligned matches with a linear scan over the tokens, and runs every
regex over every note. :class:`GatedRegexMatcher` keeps its semantics (all
matches of every rule, as ``finditer`` finds them; unaligned offsets snapped
left/right to token boundaries) and does less work:

- the note text is built once (:class:`NoteIndex`) and offsets are snapped by
  bisection;
- every rule's keywords (:mod:`extractor.search.regex_analysis`) are found in one
  Aho-Corasick pass; a rule none of whose keywords occurs is skipped;
- an anchored rule is tried only where a match can start, which gives exactly
  ``finditer``'s matches; otherwise it scans only the text within the rule's
  match width of its keywords (matches are capped at 400 characters).

The keywords are derived from the regex itself, so rule files need no extra field.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import ahocorasick
from medspacy.common.regex_matcher import RegexMatcher
from spacy.attrs import IDX
from spacy.tokens import Doc

from extractor.components._common import text_of
from extractor.medspacy_internals import (
    component_matcher,
    phrase_matcher,
    regex_callbacks,
    regex_matcher,
    regex_patterns,
    token_matcher,
)
from extractor.regex_tools import character_classes, class_table, matches_at, positions
from extractor.search.regex_analysis import (
    ANCHORED_BEFORE,
    DIGIT_START,
    LINE_START,
    MAX_MATCH_CHARS,
    Gate,
    Keyword,
    regex_requirement,
)

# every digit no digit precedes, led by the digit so re scans for the class (a leading
# lookbehind is tried at every character: 2.5x slower)
_DIGIT_START = re.compile(r"\d(?<!\d\d)")
_DIGITS_AS_NINE = class_table(str.isdigit, inside=ord("9"))
_NON_WORD = re.compile(r"\W")
# ASCII text: every byte that is not a word character (what ``\w`` matches) becomes a space
_WORDS_ONLY_ASCII = bytes(c if c < 128 and (chr(c).isalnum() or c == 95) else 32 for c in range(256))
_WORD_KEYWORD = re.compile(r"\w+")


def words_only(text: str) -> str:
    """``text`` with every non-word character replaced by a space (same length and offsets)."""
    if text.isascii():
        return text.encode("ascii").translate(_WORDS_ONLY_ASCII).decode("ascii")
    return _NON_WORD.sub(" ", text)


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
        # the texts with non-word characters blanked and a space at either end, built on demand
        self._words_only: dict[bool, str] = {}
        # per matcher (by identity): its (match_id, start_char, end_char), in rule order
        self.found_by: dict[int, list[tuple[int, int, int]]] = {}
        # per keyword vocabulary (by identity; matchers may share one): keyword id -> starts
        self.occurrences_by: dict[int, dict[int, list[int]]] = {}
        self._line_starts: list[int] | None = None

    def line_starts(self) -> list[int]:
        """Where each line starts (0 and after every newline); worked out on demand."""
        if self._line_starts is None:
            self._line_starts = [0] + [found + 1 for found in positions(self.text, "\n")]
        return self._line_starts

    def words_only(self, case_sensitive: bool) -> str:
        """The text (as written or lower-cased) with non-word characters blanked, between
        two spaces: a word starts where a space precedes it, so an automaton finds
        " at" only where "at" starts a word. Offset k here is offset k - 1 in the note."""
        found = self._words_only.get(case_sensitive)
        if found is None:
            found = self._words_only[case_sensitive] = (
                " " + words_only(self.text if case_sensitive else self.lowered) + " "
            )
        return found

    @classmethod
    def of(cls, doc: Doc) -> NoteIndex:
        index = doc.user_data.get(NOTE_INDEX_KEY)
        if index is None:
            index = doc.user_data[NOTE_INDEX_KEY] = cls(text_of(doc))
        if index.token_starts is None:
            index.token_starts = doc.to_array([IDX]).reshape(-1).tolist()
        return index


class _Vocabulary:
    """All keywords of a matcher's rules (or of several matchers', see
    :func:`share_keyword_search`), found in a note by one Aho-Corasick pass over the
    lower-cased text (and one over the text as written, for case-sensitive ones).
    Keywords are numbered: per-note work hashes ints, not dataclasses."""

    def __init__(self, keywords: set[Keyword]) -> None:
        ordered = sorted(keywords)
        self.ids = {keyword: number for number, keyword in enumerate(ordered)}
        # DIGIT_START is found by a regex and LINE_START by str.find, not by the automata
        self._digit_start = self.ids.get(DIGIT_START)
        self.line_start = self.ids.get(LINE_START)
        # Keywords are looked for in the blanked text (NoteIndex.words_only), where every
        # non-word character is a space: one that starts a word as " at", a whole word as
        # " at ", so the automaton skips at C speed the many hits of short keywords inside
        # other words. A blanked keyword ("age:" -> "age ") finds every place the keyword
        # is and some more, which only costs a regex try. Keywords without a word
        # character are looked for in the text itself.
        # key: (text as looked for, case-sensitive, in the blanked text)
        self._variants: dict[tuple[str, bool, bool], list[tuple[int, bool, int]]] = {}
        for keyword in ordered:
            if keyword in (DIGIT_START, LINE_START):
                continue
            # per variant, how far before the hit's last character the keyword starts in the
            # note: the blanked text has one more character at the front, and " at" starts
            # one before "at"
            if _WORD_KEYWORD.search(keyword.text):
                looked_for = (
                    (" " if keyword.word_start else "")
                    + words_only(keyword.text)
                    + (" " if keyword.whole_word else "")
                )
                key = (looked_for, keyword.case_sensitive, True)
                back = len(looked_for) - (1 if keyword.word_start else 0)
                whole_word = False
            else:
                key = (keyword.text, keyword.case_sensitive, False)
                back = len(keyword.text) - 1
                whole_word = keyword.whole_word
            self._variants.setdefault(key, []).append((self.ids[keyword], whole_word, back))
        self._automata: list[tuple[bool, bool, Any]] = []
        for sensitive in (False, True):
            for blanked in (False, True):
                texts = sorted({text for text, cs, bl in self._variants if cs is sensitive and bl is blanked})
                if texts:
                    automaton = ahocorasick.Automaton()
                    for text in texts:
                        automaton.add_word(text, (len(text) - 1, tuple(self._variants[(text, sensitive, blanked)])))
                    automaton.make_automaton()
                    self._automata.append((sensitive, blanked, automaton))

    def occurrences(self, index: NoteIndex) -> dict[int, list[int]]:
        """Start offsets of every keyword (by id) in the note; whole-word ones only where whole,
        word-start ones only where they start a word. Worked out once per note."""
        known = index.occurrences_by.get(id(self))
        if known is not None:
            return known
        found: defaultdict[int, list[int]] = defaultdict(list)
        for sensitive, blanked, automaton in self._automata:
            if blanked:
                for last, (_, variants) in automaton.iter(index.words_only(sensitive)):
                    for keyword, _, back in variants:
                        found[keyword].append(last - back)
                continue
            haystack = index.text if sensitive else index.lowered
            size = len(haystack)
            for last, (offset, variants) in automaton.iter(haystack):
                start = last - offset
                # no word character (what ``\\w`` matches in a str pattern) on either side;
                # worked out once per hit, if a variant asks
                whole: bool | None = None
                for keyword, whole_word, _ in variants:
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
                    found[keyword].append(start)
        if self._digit_start is not None:
            digits = _digit_run_starts(index.text)
            if digits:
                found[self._digit_start] = digits
        # a plain dict: a lookup of a keyword not found must not add it
        index.occurrences_by[id(self)] = result = dict(found)
        return result


def _digit_run_starts(text: str) -> list[int]:
    """Where each run of digits starts (``_DIGIT_START``): in an ASCII note, found in a copy
    with every digit a 9 and everything else a blank (a pattern led by a character class is
    tried at every character of the note)."""
    digits = character_classes(text, _DIGITS_AS_NINE)
    if digits is None:
        return [match.start() for match in _DIGIT_START.finditer(text)]
    starts = [0] if digits[:1] == b"9" else []
    starts += [found + 1 for found in positions(digits, b" 9")]
    return starts


@dataclass(frozen=True)
class _Plan:
    """How one rule is run: skipped unless a ``selective`` keyword occurs; tried at the
    positions ``anchors`` allow, or else within ``width`` of the selective keywords."""

    selective: frozenset[int] | None
    # anchor keyword -> how far before it and how far after its start a match can start
    anchors: dict[int, tuple[int, int]] | None
    width: int
    # anchored at DIGIT_START but gated by literals: try only starts within ``width``
    # before a literal (a match holds one and is at most ``width`` long)
    near_selective: bool = False
    # how far after a selective keyword a match can start (a keyword in a lookbehind)
    selective_after: int = 0


class GatedRegexMatcher(RegexMatcher):
    """Drop-in replacement (same state) for medspaCy's RegexMatcher; see the module doc."""

    _plans: dict[int, _Plan]
    _requirements: dict[int, tuple[Gate, Gate | None] | None] | None = None
    # the rules the requirements were worked out for: (match id, number of patterns) each
    _requirements_of: tuple[tuple[int, int], ...] = ()
    # words too common in clinical text to open a rule on (see regex_requirement)
    common_words: frozenset[str] = frozenset()

    def gate_requirements(self) -> dict[int, tuple[Gate, Gate | None] | None]:
        """Per rule (match id): the keywords that open it and those that anchor it (None
        when it cannot be anchored), or None when no keyword is required; worked out again
        only when rules were added since."""
        # medspaCy's own dicts (rules added later show up in them)
        self._rule_patterns = regex_patterns(self)
        self._rule_callbacks = regex_callbacks(self)
        rules = tuple((match_id, len(patterns)) for match_id, patterns in self._rule_patterns.items())
        if self._requirements is not None and rules == self._requirements_of:
            return self._requirements
        requirements: dict[int, tuple[Gate, Gate | None] | None] = {}
        for match_id, patterns in self._rule_patterns.items():
            found = [regex_requirement(p.pattern, p.flags, self.common_words) for p in patterns]
            if any(r is None for r in found):
                requirements[match_id] = None
                continue
            anchoring = Gate.union([r.anchoring for r in found if r])
            requirements[match_id] = (
                Gate.union([r.selective for r in found if r]),
                anchoring if anchoring.reach() <= ANCHORED_BEFORE else None,
            )
        self._requirements, self._requirements_of = requirements, rules
        return requirements

    def keywords(self) -> set[Keyword]:
        """Every keyword the rules' gates look for."""
        return {
            k for r in self.gate_requirements().values() if r for gate in r if gate is not None for k in gate.keywords
        }

    def build_gates(self, vocabulary: _Vocabulary | None = None) -> None:
        """Derive every rule's plan (call after rules were added); ``vocabulary``: a keyword
        search shared with other matchers, built from their :meth:`keywords` just before."""
        requirements = self.gate_requirements()
        if vocabulary is None:
            vocabulary = _Vocabulary(self.keywords())
        self._vocabulary = vocabulary
        self._plans = {}
        for match_id, patterns in self._rule_patterns.items():
            width = min(MAX_MATCH_CHARS, max(sre_parse.parse(p.pattern, p.flags).getwidth()[1] for p in patterns))
            requirement = requirements[match_id]
            if requirement is None:
                self._plans[match_id] = _Plan(None, None, width)
                continue
            selective, anchoring = requirement
            anchors = None
            if anchoring is not None:
                anchors = {}
                for keyword, before, after in sorted(anchoring.entries):
                    known = anchors.get(vocabulary.ids[keyword], (before, after))
                    anchors[vocabulary.ids[keyword]] = (int(max(known[0], before)), int(max(known[1], after)))
            near_selective = (
                anchoring is not None and anchoring.has_position_class and not selective.has_position_class
            )
            self._plans[match_id] = _Plan(
                frozenset(vocabulary.ids[k] for k in selective.keywords),
                anchors,
                width,
                near_selective,
                int(selective.after),
            )
        # which rules (by position in rule order) each keyword lets run; and those that always run
        self._rule_order = list(self._rule_patterns)
        self._always = [n for n, m in enumerate(self._rule_order) if self._plans[m].selective is None]
        line_start = vocabulary.line_start
        self._by_line_start = {
            n
            for n, match_id in enumerate(self._rule_order)
            if line_start is not None
            and (line_start in (self._plans[match_id].selective or ()) or line_start in (self._plans[match_id].anchors or {}))
        }
        self._triggered_by: dict[int, list[int]] = {}
        for n, match_id in enumerate(self._rule_order):
            for keyword in self._plans[match_id].selective or ():
                self._triggered_by.setdefault(keyword, []).append(n)

    @staticmethod
    def _windows(
        found: dict[int, list[int]],
        keywords: frozenset[int],
        width: int,
        after: int | None = None,
        after_start: int = 0,
    ) -> list[tuple[int, int]]:
        """Merged stretches of text from ``width`` characters before a keyword occurrence
        to ``after`` characters after it (default ``2 * width``), and ``after_start`` more
        where a match can start that far after a keyword."""
        # every keyword is shorter than the match width, so ``2 * width`` covers it
        reach = 2 * width + after_start if after is None else after + after_start
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
        anchors: dict[int, tuple[int, int]],
        within: list[tuple[int, int]] | None = None,
    ) -> list[re.Match[str]]:
        """``pattern.finditer(text)``, computed by trying only the possible match starts
        (those in the ``within`` stretches, when given)."""
        candidates: set[int] = set()
        if len(anchors) <= len(found):
            occurring = [(found.get(keyword, ()), reach) for keyword, reach in anchors.items()]
        else:  # rules with many anchors ("one month", "one-month", ...): fewer occur
            occurring = [(positions, anchors[keyword]) for keyword, positions in found.items() if keyword in anchors]
        for positions, (before, after) in occurring:
            if before == 0 and after == 0:
                candidates.update(positions)
            else:
                for position in positions:
                    candidates.update(range(max(0, position - before), position + after + 1))
        starts = sorted(candidates)
        if within is not None:
            firsts = [first for first, _ in within]
            starts = [
                start for start in starts if (k := bisect_right(firsts, start) - 1) >= 0 and start <= within[k][1]
            ]
        return matches_at(pattern, text, starts)

    def _finditer(
        self, index: NoteIndex, found: dict[int, list[int]], plan: _Plan, pattern: re.Pattern[str]
    ) -> list[re.Match[str]]:
        if plan.selective is None or not index.aligned:
            return list(pattern.finditer(index.text))
        if plan.anchors is not None:
            within = None
            if plan.near_selective:
                within = self._windows(found, plan.selective, plan.width, after=0, after_start=plan.selective_after)
            return self._anchored(index.text, found, pattern, plan.anchors, within)
        windows = self._windows(found, plan.selective, plan.width, after_start=plan.selective_after)
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
        line_start = self._vocabulary.line_start
        if line_start is not None and index.text:
            # every note has a line start: rules it opens always run; line starts are
            # listed only when a rule to run needs them
            to_run.update(self._triggered_by.get(line_start, ()))
            if not to_run.isdisjoint(self._by_line_start):
                found = {**found, line_start: index.line_starts()}
        for position in sorted(to_run):
            match_id = self._rule_order[position]
            plan = self._plans[match_id]
            for pattern in self._rule_patterns[match_id]:
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
                on_match = self._rule_callbacks[match_id]
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


def speed_up(component: Any, common_words: frozenset[str] = frozenset()) -> None:
    """Swap the RegexMatcher inside a medspaCy TargetMatcher or Sectionizer for the gated one,
    whose rules are opened by keywords other than ``common_words`` where they can be."""
    matcher = component_matcher(component)
    regex = regex_matcher(matcher) if matcher is not None else None
    if isinstance(regex, RegexMatcher):
        regex.__class__ = GatedRegexMatcher
        assert isinstance(regex, GatedRegexMatcher)
        regex.common_words = common_words
        regex.build_gates()


def share_keyword_search(matchers: Sequence[GatedRegexMatcher]) -> None:
    """One keyword search for several matchers (the target rules and the section headings):
    each note is then scanned for keywords once, not once per matcher."""
    keywords: set[Keyword] = set()
    for matcher in matchers:
        keywords |= matcher.keywords()
    vocabulary = _Vocabulary(keywords)
    for matcher in matchers:
        matcher.build_gates(vocabulary)


def regex_only_matcher(component: Any) -> GatedRegexMatcher | None:
    """The gated regex matcher of a medspaCy component whose rules are all regexes
    (no token or phrase patterns): its matches in the text are then all the
    component can find. None otherwise."""
    matcher = component_matcher(component)
    if matcher is None:
        return None
    regex = regex_matcher(matcher)
    if not isinstance(regex, GatedRegexMatcher):
        return None
    return regex if len(token_matcher(matcher)) == 0 and len(phrase_matcher(matcher)) == 0 else None


def found_in_text(matcher: GatedRegexMatcher, text: str) -> tuple[NoteIndex, bool]:
    """Search ``text`` before it is tokenized: the index to hand to the Doc (under
    ``NOTE_INDEX_KEY``) so the search is not repeated, and whether anything matched."""
    index = NoteIndex(text)
    return index, bool(matcher.find_in_text(index))
