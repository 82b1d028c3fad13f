"""The reading layer: what the rules read, with a map back to the note as written.

Real notes reach us laid out for eyes, not for rules: IHC panels with dotted
leaders, a result on the line after its marker, synoptic checklists where only
the ticked option is true, statements wrapped mid-sentence by a PDF or a fax,
and OCR damage (``pNO``, ``p T 4``, ``less than I%``, ``neuroe ndocrine``).
Before a note is tokenized, ``read_note`` builds a *view* of it in which these
are written the way the rules expect, together with an offset map: every
mention found in the view is mapped back, so its evidence span is the original
text byte for byte.

Each reader is a pure function ``text -> edits`` (an edit replaces
``text[start:end]``); readers run in a fixed order, each on the view the
previous ones produced, and only where a cheap test says they can apply, so a
note that needs none of them is its own view at no cost. Words the readers need
(domain words OCR splits, words that cannot end a statement) are data in
``rules/reading.json``; only layout patterns live here.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from extractor.regex_tools import character_classes, finditer_each, matches_at, positions
from extractor.ruleset import reading_rules


VIEW_KEY = "extractor_reading_view"


class Edit(NamedTuple):
    """Replace ``text[start:end]`` by ``replacement`` (offsets into the reader's input)."""

    start: int
    end: int
    replacement: str


class ReadingView:
    """A normalised text and the map from its offsets to the original note's.

    Inside a replaced stretch a start maps to the stretch's start and an end to
    its end, so a span that touches a replacement covers all of what it replaced;
    a deletion is skipped on both sides.
    """

    __slots__ = ("text", "original", "_parent", "_view_starts", "_view_ends", "_edits")

    def __init__(self, original: str, text: str | None = None, *, parent: ReadingView | None = None,
                 edits: Sequence[Edit] = ()) -> None:
        self.original = original
        self.text = original if text is None else text
        self._parent = parent
        self._edits: tuple[Edit, ...] = tuple(edits)
        view_starts: list[int] = []
        view_ends: list[int] = []
        shift = 0
        for edit in self._edits:
            view_start = edit.start + shift
            view_starts.append(view_start)
            view_ends.append(view_start + len(edit.replacement))
            shift += len(edit.replacement) - (edit.end - edit.start)
        self._view_starts = view_starts
        self._view_ends = view_ends

    @property
    def is_identity(self) -> bool:
        """True when the view is the note itself (no reader changed anything)."""
        return self.text is self.original or self.text == self.original

    def with_edits(self, edits: Iterable[Edit]) -> ReadingView:
        """A view of this view's text with ``edits`` applied (overlapping edits: the first wins)."""
        kept: list[Edit] = []
        last_end = -1
        for edit in sorted(edits, key=lambda e: (e.start, e.end)):
            if edit.start < last_end or edit.end < edit.start:
                continue
            if self.text[edit.start : edit.end] == edit.replacement:
                continue
            kept.append(edit)
            last_end = edit.end
        if not kept:
            return self
        pieces: list[str] = []
        position = 0
        for edit in kept:
            pieces.append(self.text[position : edit.start])
            pieces.append(edit.replacement)
            position = edit.end
        pieces.append(self.text[position:])
        return ReadingView(self.original, "".join(pieces), parent=self, edits=kept)

    def _to_parent_start(self, position: int) -> int:
        index = bisect_right(self._view_starts, position) - 1
        # inside a replacement: its start (the whole replaced stretch is cited)
        if index >= 0 and position < self._view_ends[index]:
            return self._edits[index].start
        # after the last edit ending at or before position
        index = bisect_right(self._view_ends, position) - 1
        if index < 0:
            return position
        return position - self._view_ends[index] + self._edits[index].end

    def _to_parent_end(self, position: int) -> int:
        index = bisect_left(self._view_starts, position) - 1
        if index >= 0 and position <= self._view_ends[index]:
            return self._edits[index].end
        index = bisect_left(self._view_ends, position) - 1
        if index < 0:
            return position
        return position - self._view_ends[index] + self._edits[index].end

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original note's (start, end) for a span of the view."""
        view: ReadingView | None = self
        while view is not None and view._parent is not None:
            start, end = view._to_parent_start(start), view._to_parent_end(end)
            view = view._parent
        return start, max(end, start)


# -- readers ------------------------------------------------------------------

Reader = Callable[[str], list[Edit]]


def _same_length_blank(text: str, start: int, end: int) -> Edit:
    """Blank ``text[start:end]`` with spaces, keeping its line ends."""
    return Edit(start, end, re.sub(r"[^\n]", " ", text[start:end]))


# Synoptic (CAP-style) checklists: "___ G1: Well differentiated", "_X_ G2 ...",
# "[ ] Present  [x] Not identified", "(X) pN1", ballot boxes.
_BOX_TICKED = r"(?:_{1,3}[xX✓✔]_{1,3}|\[\s*[xX✓✔]\s*\]|\(\s*[xX✓✔]\s*\)|[☒☑✓✔])"
_BOX_EMPTY_AT_LINE_START = r"(?:_{2,6}|\[\s?\]|\(\s\)|[☐□])"
_BOX_EMPTY_INLINE = r"(?:\[\s?\]|\(\s\)|[☐□])"
# an option box opens a line, or (brackets and ballot boxes only) follows a blank on it;
# transcription blanks ("pulses ______ procedure") are underscores inside a line
_CHECKLIST_OPTION = re.compile(
    rf"(?:(?<=\n)|^)[ \t]*(?P<box>{_BOX_TICKED}|{_BOX_EMPTY_AT_LINE_START})[ \t]*(?=[A-Za-z0-9(<>])"
    rf"|(?<=[ \t])(?P<inline>{_BOX_TICKED.replace('_{1,3}[xX✓✔]_{1,3}|', '')}|{_BOX_EMPTY_INLINE})[ \t]*(?=[A-Za-z0-9(<>])",
)
_TICKED = re.compile(_BOX_TICKED)
_BALLOT_TICKS = ("☒", "☑", "✓", "✔")
_OPTION_MAX_CHARS = 160


def _has_ticked_box(text: str) -> bool:
    """The cheap test before the line-by-line pattern: a form needs a ticked box, and every
    ticked box holds a ballot tick, or an x after an underscore ("_x_") or after an opening
    bracket and blanks ("[ x ]"); unticked blanks and transcription "____" do not pass.
    The x's are found with str.find: a pattern opening with a character class is tried at
    every character of the note (it cost as much as the rest of the checklist reader)."""
    if not text.isascii() and any(tick in text for tick in _BALLOT_TICKS):
        return True
    for x in "xX":
        found = text.find(x, 1)
        while found > 0:
            before = found - 1
            if text[before] == "_":
                return True
            while before >= 0 and text[before].isspace():
                before -= 1
            if before >= 0 and text[before] in "[(":
                return True
            found = text.find(x, found + 1)
    return False


def read_checklists(text: str) -> list[Edit]:
    """A ticked option is read without its box; an unticked option is not read at all.

    An option runs from its box to the end of its line or the next box on the
    same line (at most a line's worth of text). The blanking keeps the length,
    so nothing after it moves. A form needs two or more boxes, one of them
    ticked: a lone box, or boxes none of which is ticked, are blanks to fill in.
    """
    if not _has_ticked_box(text):
        return []
    boxes = list(_CHECKLIST_OPTION.finditer(text))
    if len(boxes) < 2:
        return []
    ticked = [_TICKED.fullmatch((m.group("box") or m.group("inline")).strip()) is not None for m in boxes]
    if not any(ticked):
        return []
    edits: list[Edit] = []
    for index, match in enumerate(boxes):
        box = match.group("box") or match.group("inline")
        box_start = match.start("box") if match.group("box") else match.start("inline")
        box_end = box_start + len(box)
        line_end = text.find("\n", box_end)
        line_end = len(text) if line_end < 0 else line_end
        next_box = boxes[index + 1].start() if index + 1 < len(boxes) else len(text)
        option_end = min(line_end, next_box, box_end + _OPTION_MAX_CHARS)
        if ticked[index]:
            edits.append(_same_length_blank(text, box_start, box_end))
        else:
            edits.append(_same_length_blank(text, box_start, option_end))
    return edits


# Dotted leaders of panels and forms: "Chromogranin A ........ +".
_LEADER = re.compile(r"(?<=\S)[ \t]*(?:\.[ \t]?){3,}[ \t]*(?=\S)")


def read_leaders(text: str) -> list[Edit]:
    """Dotted leaders become a colon: "Chromogranin A ........ +" -> "Chromogranin A: +"."""
    if "..." not in text and ". . ." not in text:
        return []
    return [Edit(m.start(), m.end(), ": ") for m in _LEADER.finditer(text)]


# TNM and grade codes as OCR and typists break them: "p T 4", "pNO", "N l", "M X", "G 3".
_CODE_DIGIT = {"O": "0", "o": "0", "l": "1", "I": "1", "i": "1", "|": "1"}
_TNM_CODE = re.compile(
    # the leading lookahead fails fast where the lookbehind would be tried at every character
    r"(?=[ypcrTNM])(?<![A-Za-z0-9])(?P<prefix>(?:y[ \t]?)?(?:[pcr][ \t]?)?)(?P<letter>[TNM])[ \t]?"
    r"(?P<value>[0-4]|[Xx](?![A-Za-z])|is(?![A-Za-z])|[OolI|](?![A-Za-z])|[lI](?=[a-d](?![A-Za-z])))(?P<sub>[ \t]?[a-d](?![A-Za-z]))?(?![0-9])"
)
# (one pattern a letter: re scans for a pattern's opening literal fast, but tries a
# pattern opening with a character class at every character)
_CODE_HINTS = (
    *(re.compile(rf"{letter}[ \t]?[0-4Xx]") for letter in "TNM"),
    re.compile(r"G[ \t][1-4lI]"),
    re.compile(r"p[ \t]?[TNM][ \t]?[OolI]"),
)
_GRADE_CODE = re.compile(r"(?i:grade)[ \t:]{1,4}G[ \t]([1-4Xx]|[lI](?![A-Za-z]))(?![A-Za-z0-9])")
# a synoptic grade whose G was read as a zero: "HISTOLOGIC GRADE:" / "02: Moderately differentiated"
_GRADE_ZERO = re.compile(r"(?i:grade)[ \t]*:?[ \t]*(?:\n[ \t]*)?(?P<zero>[O0])(?=[1-3][ \t]*[:(-])")
# a synoptic grade written in Roman numerals that OCR turned into letters: "GI:", "Gill:" (GIII)
_GRADE_ROMAN = re.compile(r"(?i:grade)[ \t]*:?[ \t]*(?:\n[ \t]*)?G(?P<roman>[Il1|]{1,3}|i[il]{0,2})(?=[ \t]*:)")
_CODE_GAP = re.compile(r"[ \t,;/]{0,3}")
# a spaced-out word that OCR made of a heading ("D I A c N O S I S"): its letters are no code
_SPACED_LETTERS_BEFORE = re.compile(r"(?:^|[^A-Za-z])[A-Za-z][ \t][A-Za-z][ \t]\Z")
# Where a code's or a TNM string's letter stands (the letter and the start of its value, as
# the patterns above ask): both patterns are tried only there and up to four characters
# before (a "y p " prefix), not at every y, p, c and r of the note.
_CODE_LETTERS = tuple(
    re.compile(rf"{letter}(?=[ \t]?(?:[0-4]|[Xx](?![A-Za-z])|is(?![A-Za-z])|[OolI|](?![A-Za-z])|[lI](?=[a-d](?![A-Za-z]))))")
    for letter in "TNM"
)
_STRING_T = re.compile(r"T(?=[ \t]?(?:[0-4]|is|[lIi](?=[ \t]?[a-d])|[xX]))")
_CODE_PREFIX_LETTERS = "ypcr"
_MAX_CODE_PREFIX = 4


# A whole TNM string as OCR and typists write it: "pT3cN1MO", "T 3a NOM x",
# "pT3bNOMXRI", "(T1 b/N 1 /MX)", "T1b2/NO/MX", "[AJCC pT3NO]": a T part and an N
# part at least, each letter followed by its value, OCR letters for digits allowed.
_TNM_STRING = re.compile(
    # the leading lookahead fails fast where the lookbehind would be tried at every character
    r"(?=[ypcrT])(?<![A-Za-z0-9])(?P<tp>(?:y[ \t]?)?(?:[pcr][ \t]?)?)T[ \t]?(?P<t>[0-4]|is|[lIi](?=[ \t]?[a-d])|[xX])"
    # a sub-letter is glued ("T3bN0") or, after a blank, stands alone ("T1 b/N 1"), never the next code's prefix ("T2 cN0")
    # or, OCR's blank moved after it, is glued to the N part ("pT1 aNXMX"; never c, a prefix)
    r"(?:(?P<ts>[a-d][12]?)|[ \t](?P<ts2>[a-d][12]?)(?![A-Za-z])|[ \t](?P<ts3>[abd])(?=N[ \t]?(?:[0-3OolIi]|[xX])))?"
    r"(?P<s1>[ \t]?[,/]?[ \t]?)(?P<np>(?:y[ \t]?)?(?:[pc][ \t]?)?)N[ \t]?(?P<n>[0-3OolIi]|[xX])(?:(?P<ns>[a-c](?![a-z]))|[ \t](?P<ns2>[a-c])(?![A-Za-z]))?"
    r"(?:(?P<s2>[ \t]?[,/]?[ \t]?)(?P<mp>(?:[pc][ \t]?)?)M[ \t]?(?P<m>[01OolI]|[xX])(?P<ms>[a-c](?![a-z]))?)?"
    r"(?=[^A-Za-z0-9]|R[0-2OlIxX]|$)"
)


def _certain_tnm_string(match: re.Match[str]) -> bool:
    """A TNM string whose N was read as a letter ("NO") needs a p/c/y prefix or an M part:
    "T2 No abnormal signal" is an MRI sequence and a word."""
    if match.group("n") not in _CODE_DIGIT:
        return True
    return bool(match.group("tp").strip()) or (match.group("m") is not None and match.group("n") != "o")


def _tnm_string(match: re.Match[str]) -> str:
    def value(raw: str | None) -> str:
        raw = raw or ""
        return raw if raw == "is" else _CODE_DIGIT.get(raw, raw).upper()

    def prefix(raw: str | None) -> str:
        return (raw or "").replace(" ", "").replace("\t", "")

    def separator(raw: str | None) -> str:
        return ", " if "," in (raw or "") else " "

    written = f"{prefix(match.group('tp'))}T{value(match.group('t'))}{match.group('ts') or match.group('ts2') or match.group('ts3') or ''}"
    written += f"{separator(match.group('s1'))}{prefix(match.group('np'))}N{value(match.group('n'))}{match.group('ns') or match.group('ns2') or ''}"
    if match.group("m"):
        written += f"{separator(match.group('s2'))}{prefix(match.group('mp'))}M{value(match.group('m'))}{match.group('ms') or ''}"
    return written


def _is_digit_code(match: re.Match[str]) -> bool:
    return match.group("value") not in _CODE_DIGIT


def _code_starts(letters: Sequence[re.Pattern[str]], text: str) -> list[int]:
    """Where a code can start: at each letter the ``letters`` patterns find, or at a prefix
    letter (y, p, c, r) up to four characters before it."""
    starts = set()
    for letter in (found for pattern in letters for found in pattern.finditer(text)):
        position = letter.start()
        starts.add(position)
        for before in range(max(0, position - _MAX_CODE_PREFIX), position):
            if text[before] in _CODE_PREFIX_LETTERS:
                starts.add(before)
    return sorted(starts)


def _word_starts(word: str, text: str) -> list[int]:
    """Where ``word`` (lower case) starts in ``text``, in any case."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: offsets would shift
        return [match.start() for match in re.finditer(re.escape(word), text, re.IGNORECASE)]
    return positions(lowered, word)


def read_codes(text: str) -> list[Edit]:
    """Join and repair staging and grade codes where the context makes the reading certain.

    A code is rewritten only with its p/c/y prefix ("p T 4", "pNO") or inside a
    run of T/N/M codes that holds a written digit ("T1c, Nx, M0"; "pT2 N l"). A
    letter read as a digit ("NO", "N l") needs the prefix or to follow a code
    of the run directly, so "T1 ... No known allergies" and "TO MEDICATIONS:
    No ..." stay as written; so does a lone "T 4" (a vertebra).
    """
    graded = "rade" in text or "RADE" in text
    # the three grade patterns open with "grade": tried where it stands, not at every character
    grades = _word_starts("grade", text) if graded else []
    if not any(hint.search(text) for hint in _CODE_HINTS) and not (
        graded and (matches_at(_GRADE_ZERO, text, grades) or matches_at(_GRADE_ROMAN, text, grades))
    ):
        return []
    edits: list[Edit] = []
    strings = [
        (m.start(), m.end())
        for m in matches_at(_TNM_STRING, text, _code_starts((_STRING_T,), text))
        if _certain_tnm_string(m)
    ]
    for start, end in strings:
        match = _TNM_STRING.match(text, start)
        assert match is not None
        written = _tnm_string(match)
        if written != text[start:end]:
            edits.append(Edit(start, end, written))
    codes = [
        m for m in matches_at(_TNM_CODE, text, _code_starts(_CODE_LETTERS, text))
        if not any(s <= m.start() < e for s, e in strings)
    ]
    for index, match in enumerate(codes):
        prefix = match.group("prefix").replace(" ", "").replace("\t", "")
        value = match.group("value")
        if " " in match.group(0) and _SPACED_LETTERS_BEFORE.search(text, max(0, match.start() - 5), match.start()):
            continue
        previous = codes[index - 1] if index > 0 else None
        follows_code = (
            previous is not None
            and previous.group("letter") != match.group("letter")
            and (previous.group("prefix").strip() or _is_digit_code(previous))
            and _CODE_GAP.fullmatch(text, previous.end(), match.start()) is not None
        )
        if value in _CODE_DIGIT:
            if not prefix and not (follows_code and value != "o"):
                continue
        elif not prefix:
            in_run = any(
                other is not match
                and other.group("letter") != match.group("letter")
                and _is_digit_code(other)
                and abs(other.start() - match.start()) <= 30
                for other in codes[max(0, index - 2) : index + 3]
            )
            if not in_run:
                continue
        letter = match.group("letter")
        value = _CODE_DIGIT.get(value, value).upper() if value != "is" else "is"
        sub = (match.group("sub") or "").strip()
        written = f"{prefix}{letter}{value}{sub}"
        if written != match.group(0):
            edits.append(Edit(match.start(), match.end(), written))
    for match in matches_at(_GRADE_CODE, text, grades if graded else _word_starts("grade", text)):
        value = _CODE_DIGIT.get(match.group(1), match.group(1)).upper()
        edits.append(Edit(match.start(1) - 2, match.end(1), f"G{value}"))
    if graded:
        for match in matches_at(_GRADE_ZERO, text, grades):
            edits.append(Edit(match.start("zero"), match.end("zero"), "G"))
        for match in matches_at(_GRADE_ROMAN, text, grades):
            edits.append(Edit(match.start("roman"), match.end("roman"), str(len(match.group("roman")))))
    return edits


# Numbers with a unit as OCR damages them: letters for digits ("less than I%", "2.O cm",
# "l.5 cm"), centimetres misread ("5 em", "3.5 crn", "2.0 c m"), a unit glued to the next
# heading ("2.0 cmHISTOLOGIC"; "120/80 mmHg" is a unit of its own), stray marks after it
# ("3 cm_"). A unit is matched from the
# character before it that can end a number (``_UNITS``), tried only where str.find finds
# a unit's spelling (``_unit_matches``); the number before it is checked in Python.
_UNIT_PATTERN = r"[ \t]?(?:(?P<unit>%|[cm]m(?:\b|(?=(?!Hg\b)[A-Z][A-Za-z])))|(?P<ocr>(?i:em|crn|cnn|c[ \t]m)\b))"
_UNITS = re.compile(rf"[0-9OolI](?=[ \t]?[%cmeCME]){_UNIT_PATTERN}")
_NUMBER_ENDS = frozenset("0123456789OolI")
# every spelling the unit pattern opens with: as written, and (OCR'd units, any case) lower-cased
_UNIT_SPELLINGS = ("%", "cm", "mm")
_OCR_UNIT_SPELLINGS = ("em", "crn", "cnn", "c m", "c\tm")
_NUMBER_BEFORE_UNIT = re.compile(r"(?<![A-Za-z0-9.])(?:[0-9OolI]+(?:[.,][0-9OolI]+)?)[ \t]?\Z")
# a decimal point OCR set apart from its digits: "2 .8 cm", "3. 0 x 2.5 cm", or a colon glued after it
# ("7.:3cm") (only before a unit
# or a dimension's "x", where it cannot be a list number or the end of a sentence)
_SPACED_DECIMAL = re.compile(r"(\d{1,3})(?:[ \t]\.|\.[ \t]|\.:)(\d{1,2})(?=[ \t]*(?:[xX×*]|cm\b|mm\b|CM\b|MM\b|%))")
# a list number glued to the size after it ("1.4.5 cm in greatest dimension" is item 1, 4.5 cm)
_LIST_NUMBER_ON_SIZE = re.compile(r"([ \t]*\d{1,2}\.)(?=\d{1,3}\.\d{1,2}[ \t]?(?:cm|mm|CM|MM)\b)")
# a decimal comma in a measurement ("8,0 X 5,5 X 4,5 CM", "RENAL CELL CARCINOMA (3,4 CM)"): one digit
# after the comma and a dimension sign or unit next, so lists ("3, 4 cm") and thousands stay
_COMMA_DECIMAL = re.compile(r"(\d{1,2}),(\d)(?=[ \t]?(?:[xX×*](?![A-Za-z])|[cCmM][mM]\b|%))")
_DIGITS_AND_POINT = frozenset("0123456789.")
_DECIMAL_SEPARATORS = (" .", "\t.", ". ", ".\t", ".:")
_STRAY_MARKS = "_|~^`"


def _unit_matches(text: str) -> list[re.Match[str]]:
    """``_UNITS.finditer(text)``, tried only before the unit spellings str.find finds: the
    pattern opens with a character class of common letters, which re tries at every
    character (the pass cost more than the rest of the number reader). The matches are
    the same: one never holds the character another opens with (a unit's letters and the
    blank before it cannot end a number)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: offsets would shift
        return list(_UNITS.finditer(text))
    unit_starts: set[int] = set()
    for source, spellings in ((text, _UNIT_SPELLINGS), (lowered, _OCR_UNIT_SPELLINGS)):
        for spelling in spellings:
            unit_starts.update(positions(source, spelling))
    unit_starts.discard(0)  # a unit opening the note has no number before it
    leads = set()
    for start in unit_starts:
        if text[start - 1] in _NUMBER_ENDS:
            leads.add(start - 1)
        elif start > 1 and text[start - 1] in " \t" and text[start - 2] in _NUMBER_ENDS:
            leads.add(start - 2)
    return [match for match in (_UNITS.match(text, lead) for lead in sorted(leads)) if match is not None]


def read_numbers(text: str) -> list[Edit]:
    """OCR letters inside numbers that carry a unit become digits; OCR'd centimetres become cm;
    a unit glued to a heading is read apart; stray marks after a value go."""
    edits: list[Edit] = []
    for unit in _unit_matches(text):
        position = unit.start("unit") if unit.group("unit") else unit.start("ocr")
        digit_before = text[unit.start()].isdigit()
        if unit.group("ocr"):
            if digit_before:
                written = unit.group("ocr")
                edits.append(Edit(position, unit.end(), "CM" if written[0].isupper() else "cm"))
            continue
        if unit.end() < len(text) and text[unit.end()].isupper() and digit_before:
            edits.append(Edit(unit.end(), unit.end(), " "))  # "2.0 cmHISTOLOGIC"
        before = _NUMBER_BEFORE_UNIT.search(text, max(0, position - 12), position)
        if before is None:
            continue
        written = before.group(0).rstrip(" \t")
        if written.isdigit() or not (any(c.isdigit() for c in written) or (written in "Il" and unit.group("unit") == "%")):
            continue
        fixed = "".join(_CODE_DIGIT.get(c, c) for c in written)
        if fixed != written:
            edits.append(Edit(before.start(), before.start() + len(written), fixed))
    edits.extend(_spaced_decimals(text))
    edits.extend(_comma_decimals(text))
    edits.extend(_list_numbers_on_sizes(text))
    for start, end in _stray_mark_runs(text):
        after_value = text[start - 1] in "0123456789%" or (
            text[max(0, start - 2) : start] in ("cm", "mm") and not text[max(0, start - 3) : start - 2].isalpha()
        )
        if after_value:  # marks after a value only: "2.0 cm_", "15%|"
            edits.append(_same_length_blank(text, start, end))
    return edits


def _stray_mark_runs(text: str) -> list[tuple[int, int]]:
    """The runs of stray marks that a blank, a punctuation mark or the end of the note
    follows, not at the note's start. Found with str.find: a pattern opening with the
    marks' character class is tried at every character of the note."""
    runs = set()
    for mark in _STRAY_MARKS:
        found = text.find(mark, 1)
        while found > 0:
            start = found
            while start > 0 and text[start - 1] in _STRAY_MARKS:
                start -= 1
            end = found + 1
            while end < len(text) and text[end] in _STRAY_MARKS:
                end += 1
            if start > 0 and (end == len(text) or text[end].isspace() or text[end] in ".,;:)"):
                runs.add((start, end))
            found = text.find(mark, end)
    return sorted(runs)


def _digits_before(text: str, end: int, most: int) -> int:
    """Where the run of at most ``most`` digits that ends at ``end`` starts (the decimal
    patterns' ``\\d{1,most}`` before the point); a longer run is seen by the caller's check
    of the character before."""
    start = end
    while start > end - most and start and text[start - 1].isdigit():
        start -= 1
    return start


# every ASCII digit as a 9 (bytes.translate: a table lookup a byte, where str.translate
# looks each character up in a dict): a digit beside a sign is then one find away
_DIGITS_AS_NINE = bytes.maketrans(b"012345678", b"999999999")


def _digit_sign_digit(text: str, signs: Sequence[str]) -> list[int]:
    """Where each of ``signs`` stands between two digits (the sign's position), in order.
    An ASCII note is searched as a byte copy with every digit a 9; ". " ends every sentence and
    "," is everywhere, so looking at each of them cost more than the rest of the reader."""
    nines = character_classes(text, _DIGITS_AS_NINE)
    if nines is not None:
        return sorted(found + 1 for sign in signs for found in positions(nines, f"9{sign}9".encode("ascii")))
    found_at = []
    for sign in signs:
        found = text.find(sign, 1)
        while found > 0:
            if text[found - 1].isdigit() and text[found + len(sign) : found + len(sign) + 1].isdigit():
                found_at.append(found)
            found = text.find(sign, found + 1)
    return sorted(found_at)


def _spaced_decimals(text: str) -> list[Edit]:
    """Each point set apart from a digit on both sides ("2 .8 cm") is tried as a spaced decimal."""
    starts = {_digits_before(text, found, 3) for found in _digit_sign_digit(text, _DECIMAL_SEPARATORS)}
    edits = []
    for start in sorted(starts):
        if start and text[start - 1] in _DIGITS_AND_POINT:
            continue  # inside a longer number
        match = _SPACED_DECIMAL.match(text, start)
        if match:
            edits.append(Edit(match.start(), match.end(), f"{match.group(1)}.{match.group(2)}"))
    return edits


def _comma_decimals(text: str) -> list[Edit]:
    """Each comma between digits (found with str.find, no regex pass over the text) that is a
    measurement's decimal comma ("8,0 X 5,5 X 4,5 CM") becomes a point."""
    edits = []
    for comma in _digit_sign_digit(text, (",",)):
        start = _digits_before(text, comma, 2)
        if (start == 0 or text[start - 1] not in "0123456789.,") and _COMMA_DECIMAL.match(text, start):
            edits.append(Edit(comma, comma + 1, "."))
    return edits


_LINE_OPENING_WITH_DIGIT = re.compile(r"\n[ \t]*\d")


def _list_numbers_on_sizes(text: str) -> list[Edit]:
    """A list number glued to the size that opens its line ("1.4.5 cm in greatest dimension")
    is read apart; only the first line and lines that open with a digit are tried, found
    from their line end (a pattern led by a literal: a Python loop over every line cost a
    third of the number reader on pathology reports, which are mostly short lines)."""
    edits = []
    for line_start in (0, *(found.start() + 1 for found in _LINE_OPENING_WITH_DIGIT.finditer(text))):
        glued = _LIST_NUMBER_ON_SIZE.match(text, line_start)
        if glued:
            edits.append(Edit(glued.end(), glued.end(), " "))
    return edits


# Letters a fax or OCR read as digits inside a word: "necro1ytic migrat0ry", "b0dy and tai1".
# A seed (a digit touching a letter) is found in one pass; the word around it is rewritten
# only when the rewriting is a word the rules read (a lexicon name or an OCR domain word),
# so codes and units ("T1", "CD10", "HbA1c", "10mg") stay as written.
# one pattern a digit, led by it: re scans for an opening literal fast, but tries a pattern
# opening with a character class (or with alternatives) at every character
_DIGITS_BESIDE_LETTER = tuple(re.compile(rf"{digit}(?:(?<=[A-Za-z]{digit})|(?=[A-Za-z]))") for digit in "01")
_OCR_LETTERS = {"0": ("o",), "1": ("l", "i")}
_MAX_DIGITS_IN_WORD = 3


@cache
def _known_words() -> frozenset[str]:
    """The words a digit-for-letter repair may produce: the lexicon's names and the OCR words."""
    from extractor.lexicon import lexicon

    words = set(reading_rules().ocr_words)
    for concept in lexicon().values():
        for phrase in (*concept.names, *concept.spellings, *concept.misspellings):
            words.update(w for w in re.findall(r"[a-z]+", phrase.lower()) if len(w) >= 4)
    return frozenset(words)


@cache
def _shortest_known_word() -> int:
    return min(map(len, _known_words()), default=0)


def _letter_readings(word: str) -> Iterable[str]:
    """``word`` with each 0 / 1 read as the letters OCR confuses them with."""
    readings = [""]
    for char in word:
        options = _OCR_LETTERS.get(char, (char,))
        readings = [r + o for r in readings for o in options]
    return readings


def read_digit_letters(text: str) -> list[Edit]:
    """A word with 0 or 1 for o, l or i is read as the word: "tai1" -> "tail"."""
    known = _known_words()
    shortest = _shortest_known_word()
    edits: list[Edit] = []
    end = 0
    for seed in finditer_each(_DIGITS_BESIDE_LETTER, text):
        if seed.start() < end:
            continue
        start = seed.start()
        while start > 0 and (text[start - 1].isalpha() or text[start - 1] in "01"):
            start -= 1
        end = seed.end()
        while end < len(text) and (text[end].isalpha() or text[end] in "01"):
            end += 1
        if end - start < shortest:
            continue  # "T1", "pN0", "L1": shorter than any word a repair may produce
        word = text[start:end]
        digits = sum(c in "01" for c in word)
        if digits > _MAX_DIGITS_IN_WORD or digits == len(word) or not word.isascii():
            continue
        if (start > 0 and text[start - 1].isdigit()) or (end < len(text) and text[end].isdigit()):
            continue  # part of a number or a code ("210mg", "1a2")
        letters = [c for c in word if c.isalpha()]
        upper = all(c.isupper() for c in letters)
        for reading in _letter_readings(word.lower()):
            if reading in known:
                edits.append(Edit(start, end, reading.upper() if upper else _keep_case(word, reading)))
                break
    return edits


def _keep_case(written: str, reading: str) -> str:
    """``reading`` with the capitals of ``written`` where it has letters ("Tai1" -> "Tail")."""
    return "".join(w if w.isalpha() else r for w, r in zip(written, reading, strict=True))


@dataclass(frozen=True)
class _SplitWords:
    """An automaton of domain words with one or two breaks inside ("neuroe ndocrine")."""

    automaton: Any


@cache
def _split_words() -> _SplitWords:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for word in reading_rules().ocr_words:
        word = word.lower()
        for variant in _broken_variants(word):
            automaton.add_word(variant, (variant, word))
    automaton.make_automaton()
    return _SplitWords(automaton)


def _broken_variants(word: str) -> Iterable[str]:
    """``word`` with one break (any position leaving a letter before it and two after), or two."""
    n = len(word)
    for i in range(1, n - 1):
        for sep in (" ", "- ", " -", "-\n", "\n", " =", "= "):
            yield word[:i] + sep + word[i:]
        for j in range(i + 2, n - 1):
            yield word[:i] + " " + word[i:j] + " " + word[j:]


def read_split_words(text: str) -> list[Edit]:
    """Domain words broken by OCR or a line end are joined: "neuroe ndocrine" -> "neuroendocrine"."""
    automaton = _split_words().automaton
    if len(automaton) == 0:
        return []
    lowered = text.lower()
    edits: list[Edit] = []
    for end_index, (variant, word) in automaton.iter(lowered):
        start = end_index - len(variant) + 1
        end = end_index + 1
        if (start > 0 and lowered[start - 1].isalpha()) or (end < len(text) and lowered[end].isalpha()):
            continue
        written = text[start:end]
        letters = [c for c in written if c.isalpha()]
        joined = "".join(letters)
        edits.append(Edit(start, end, joined))
    return edits


# Capitals spaced out by OCR: "PAN C REATO D U O D E N ECTO MY".
_SPACED_CAPITALS_HINT = re.compile(r"[A-Z] [A-Z]{1,2} ")
# the hint from its blank (a literal, which re scans for fast; the capital before is checked
# in Python); its own blank after is left unread so the next hint's blank is found
_SPACED_CAPITALS_FROM_BLANK = re.compile(r" [A-Z]{1,2}(?= )")
_CAPITAL_RUN = re.compile(r"\b[A-Z]{1,10}(?: [A-Z]{1,10}){2,15}\b")


_CAPITALS_AS_A = bytes.maketrans(bytes(range(ord("A"), ord("Z") + 1)), b"A" * 26)


def _spaced_capital_starts(text: str) -> list[int]:
    """Where ``_SPACED_CAPITALS_HINT`` can match: in an ASCII note, where a byte copy with
    every capital an A holds "A A " or "A AA " (bytes.find); else before each blank the
    blank-led pattern finds."""
    capitals = character_classes(text, _CAPITALS_AS_A)
    if capitals is not None:
        return sorted(start for shape in (b"A A ", b"A AA ") for start in positions(capitals, shape))
    return [blank.start() - 1 for blank in _SPACED_CAPITALS_FROM_BLANK.finditer(text) if blank.start() > 0]


def _spaced_capital_hints(text: str) -> Iterable[re.Match[str]]:
    """``_SPACED_CAPITALS_HINT.finditer(text)`` without its scan: the pattern opens with a
    character class, which re tries at every character of the note."""
    end = 0
    for start in _spaced_capital_starts(text):
        if start < end or not ("A" <= text[start] <= "Z"):
            continue
        hint = _SPACED_CAPITALS_HINT.match(text, start)
        if hint is not None:
            end = hint.end()
            yield hint


def _spaced_capital_runs(text: str) -> Iterable[re.Match[str]]:
    """The runs of capitals that hold a spaced-out letter or two ("C REATO"), found from
    those hints rather than by scanning every heading of whole words."""
    done = 0
    for hint in _spaced_capital_hints(text):
        if hint.start() < done:
            continue
        start = hint.start()
        while start > 0 and start > hint.start() - 160 and (text[start - 1].isupper() or text[start - 1] == " "):
            start -= 1
        while start < hint.start() and not text[start].isupper():
            start += 1  # the run starts on a capital
        line_end = text.find("\n", hint.end())
        # a run never crosses a line end, so the search stops there (not inside a word)
        run = next((r for r in _CAPITAL_RUN.finditer(text, start, line_end if line_end >= 0 else len(text)) if r.end() > hint.start()), None)
        if run is None:
            done = hint.end()
            continue
        done = run.end()
        yield run


def read_spaced_capitals(text: str) -> list[Edit]:
    """A domain word written in capitals with blanks inside it is read as the word."""
    if next(iter(_spaced_capital_hints(text)), None) is None:
        return []
    words, longest = _spaced_capital_words()
    edits: list[Edit] = []
    for run in _spaced_capital_runs(text):
        tokens = list(re.finditer(r"[A-Z]+", run.group(0)))
        pieces = [t.group(0) for t in tokens]
        if sum(len(piece) <= 2 for piece in pieces) < 2:
            continue
        first = 0
        while first < len(tokens):
            joined_at = None
            # the longest run of tokens from here that spells a domain word (none is
            # longer than the longest word, so longer runs are not joined and looked up)
            reach = first
            size = len(pieces[first])
            while reach + 1 < len(pieces) and size + len(pieces[reach + 1]) <= longest:
                reach += 1
                size += len(pieces[reach])
            for last in range(reach, first, -1):
                if "".join(pieces[first : last + 1]) in words:
                    joined_at = last
                    break
            if joined_at is None:
                first += 1
                continue
            start = run.start() + tokens[first].start()
            end = run.start() + tokens[joined_at].end()
            edits.append(Edit(start, end, "".join(pieces[first : joined_at + 1])))
            first = joined_at + 1
    return edits


@cache
def _spaced_capital_words() -> tuple[frozenset[str], int]:
    """The OCR domain words in capitals, and the length of the longest."""
    words = frozenset(w.upper() for w in reading_rules().ocr_words)
    return words, max((len(w) for w in words), default=0)


# A statement wrapped by a line end: the line stops on a word that cannot end
# a statement ("positive for" / "synaptophysin", "tumor measures" / "3.2 cm").


_UNIT_OPENING = re.compile(r"(?:cm|mm)\b")

# A stain statement that ends its line on a colon and lists one marker a line below it
# ("positive for:" / "- Synaptophysin" / "- Chromogranin A"): each item is a short line,
# maybe after a bullet, holding no colon of its own (a new field ends the list).
_LIST_BULLETS = ("- ", "-\t", "* ", "• ", "· ", "– ", "o ", "> ")
_LIST_ITEM_MOST = 40


def _list_item(text: str, line_start: int, line_end: int) -> tuple[int, int] | None:
    """The (start, end) of a vertical list's item on this line, or None if the line is no item."""
    start = line_start
    while start < line_end and text[start] in " \t":
        start += 1
    if text[start : start + 1].isdigit() and text[start + 1 : start + 2] in (".", ")") and text[start + 2 : start + 3] in (" ", "\t"):
        start += 3  # a numbered item: "1. Synaptophysin"
    for bullet in _LIST_BULLETS:
        if text.startswith(bullet, start):
            start += len(bullet)
            while start < line_end and text[start] in " \t":
                start += 1
            break
    end = line_end
    while end > start and text[end - 1] in " \t,;.":
        end -= 1
    item = text[start:end]
    if not item or len(item) > _LIST_ITEM_MOST or not item[0].isalnum() or ":" in item or item.count(" ") > 4:
        return None
    return start, end


def _vertical_list(text: str, colon: int) -> tuple[list[Edit], int]:
    """Edits that write the list under ``text[colon] == ":"`` on its opening line, and where the list ends."""
    edits: list[Edit] = []
    previous_end = colon
    line_start = text.find("\n", colon) + 1
    while line_start:
        line_end = text.find("\n", line_start)
        if line_end < 0:
            line_end = len(text)
        item = _list_item(text, line_start, line_end)
        if item is None:
            break
        edits.append(Edit(previous_end, item[0], " " if previous_end == colon else ", "))
        previous_end = item[1]
        line_start = line_end + 1 if line_end < len(text) else 0
    if edits:
        # the list is one statement: it ends where its items end
        stop = previous_end
        while text[stop : stop + 1] in (",", ";"):
            stop += 1
        if text[stop : stop + 1] != ".":
            edits.append(Edit(previous_end, stop, "."))
    return edits, previous_end


def read_wrapped_lines(text: str) -> list[Edit]:
    """Join a line to the next where the statement plainly goes on."""
    if "\n" not in text:
        return []
    continuing = reading_rules().continuation_words
    stain_words = tuple(reading_rules().list_statement_words)
    starts = reading_rules().continuation_starts
    edits: list[Edit] = []
    in_stain_list = False
    line_start = 0
    newline = text.find("\n")
    while newline >= 0:
        joined = False
        # only the line's last two words decide (split from the right, not into every word)
        tail = text[line_start:newline].rsplit(None, 2)
        if tail and tail[-1].endswith(":") and text[line_start : newline].rstrip()[:-1].rstrip().lower().endswith(stain_words):
            list_edits, list_end = _vertical_list(text, line_start + text[line_start:newline].rindex(":"))
            if list_edits:
                edits.extend(list_edits)
                in_stain_list = False
                line_start = text.find("\n", list_end) + 1
                newline = text.find("\n", line_start) if line_start else -1
                continue
        if tail:
            last = tail[-1]
            ends_statement = last.lower() not in continuing
            # a stain statement's list of markers that stops on a comma goes on ("negative for CK7, CK20," / "ER, synaptophysin")
            in_stain_list = last.endswith(",") and (
                in_stain_list or any(w in text[line_start:newline].lower() for w in stain_words)
            )
            number_last = last[-1:].isdigit()
            letter_last = last[-1:].isalpha()
            if not ends_statement or in_stain_list or number_last or letter_last:
                following = text[newline + 1 : newline + 40].lstrip(" \t")
                # a measurement whose unit went to the next line ("measuring 5.0 x 4.0" / "cm is found")
                unit_next = number_last and _UNIT_OPENING.match(following) is not None
                # a line opening in lower case on a word no statement starts with ("positive" / "for CAM 5.2")
                opens_within = letter_last and following[: following.find(" ")] in starts
                # a form's answer ("Variant histology (%): No") ends its field, whatever line follows
                answered = len(tail) >= 2 and tail[-2].endswith(":") and last in ("No", "NO")
                if not answered and (not ends_statement or in_stain_list or unit_next or opens_within) and following[:1].isalnum() or (
                    not ends_statement and following[:1] == "("
                ):
                    edits.append(Edit(newline, newline + 1, " "))
                    joined = True
        if not joined:
            in_stain_list = False
        line_start = newline + 1
        newline = text.find("\n", line_start)
    return edits


# A T category's sub-letter that OCR glued to the definition after it: "pT1 aTumor 4 cm or less" is "pT1a Tumor".
_SPLIT_SUB_LETTER = re.compile(r"pT[0-4] [a-d](?=[A-Z][a-z])")


def read_split_sub_letters(text: str) -> list[Edit]:
    """Move the space after a T category's sub-letter that OCR set before it (same length, offsets kept)."""
    if "pT" not in text:
        return []
    return [Edit(match.end() - 2, match.end(), match.group(0)[-1] + " ") for match in _SPLIT_SUB_LETTER.finditer(text)]


# A result sign glued to its marker in a stain list: "chromogranin-, CD56-; synaptophysin+".
_GLUED_SIGNS = ("-,", "+,", "-;", "+;", "-)", "+)", "-.", "+.", "+\n", "-\n", "±")
_WORD_BEFORE = re.compile(r"[A-Za-z][A-Za-z0-9./-]*\Z")


def read_glued_signs(text: str) -> list[Edit]:
    """Set a glued result sign apart from its marker name, so the name is a word of its own."""
    labels = reading_rules().value_labels
    edits: list[Edit] = []
    # most notes have no "+": one look for it spares a pass for each of its pairs
    pairs = _GLUED_SIGNS if "+" in text else [pair for pair in _GLUED_SIGNS if "+" not in pair]
    for pair in pairs:
        position = text.find(pair)
        while position > 0:
            word = _WORD_BEFORE.search(text, max(0, position - 20), position)
            # a word hyphenated at the line end goes on in lower case ("chromogranin-" / "positive cells")
            wrapped = pair == "-\n" and text[position + 2 : position + 3].islower()
            if word is not None and word.group(0).lower() in labels and not wrapped:
                edits.append(Edit(position, position, " "))
            position = text.find(pair, position + 1)
    return sorted(set(edits))


# A label alone on its line and its result alone on the next: "Insulin" / "Negative".
_LONE_VALUE = re.compile(
    r"[ \t]*(?:\(?[-+±]\)?|(?:focally |weakly |strongly |diffusely )?(?:positive|negative|equivocal|not performed|pos|neg)"
    r"|[<>≤≥]?[ \t]?\d+(?:\.\d+)?[ \t]?(?:%|cm|mm))[ \t]*(?:\n|\Z)",
    re.IGNORECASE,
)


def read_label_lines(text: str) -> list[Edit]:
    """A result on the line after its label is read on the label's line: "Insulin: Negative"."""
    if "\n" not in text:
        return []
    labels = reading_rules().value_labels
    edits: list[Edit] = []
    line_start = 0
    while True:
        newline = text.find("\n", line_start)
        if newline < 0:
            break
        label = text[line_start:newline].strip().lower()
        if label and len(label) <= 40 and (label in labels or label.rsplit(" ", 1)[0] in labels):
            value = _LONE_VALUE.match(text, newline + 1)
            if value:
                label_end = line_start + len(text[line_start:newline].rstrip())
                value_start = newline + 1
                while text[value_start : value_start + 1] in (" ", "\t"):
                    value_start += 1
                edits.append(Edit(label_end, value_start, ": "))
        line_start = newline + 1
    return edits


# a list dash glued to its first word ("-NO EVIDENCE OF ...", "-Grade of tumor: 3"): the
# tokenizer keeps "-NO" as one token, which no negation or heading rule reads. Flattened
# reports run their list on after a full stop: "Benign adrenal tissue. -No metastatic ..."
_DASH_BEFORE_LETTER = re.compile(r"-(?=[A-Za-z])")


def read_list_dashes(text: str) -> list[Edit]:
    """A dash that opens a line or an item of a run-on list is read apart from the word it touches."""
    if "\n-" not in text and not text.startswith("-") and " -" not in text:
        return []
    edits = []
    for match in _DASH_BEFORE_LETTER.finditer(text):
        # what stands before the dash, past spaces and tabs: a line start, or a full stop,
        # semicolon or colon with at least one space between (not "well-differentiated")
        position = match.start()
        while position and text[position - 1] in " \t":
            position -= 1
        if position == 0 or text[position - 1] == "\n" or (position < match.start() and text[position - 1] in ".;:"):
            edits.append(Edit(match.end(), match.end(), " "))
    return edits


READERS: tuple[tuple[str, Reader], ...] = (
    ("list_dashes", read_list_dashes),
    ("checklists", read_checklists),
    ("leaders", read_leaders),
    ("digit_letters", read_digit_letters),
    ("split_words", read_split_words),
    ("spaced_capitals", read_spaced_capitals),
    ("codes", read_codes),
    ("numbers", read_numbers),
    ("glued_signs", read_glued_signs),
    ("split_sub_letters", read_split_sub_letters),
    ("label_lines", read_label_lines),
    ("wrapped_lines", read_wrapped_lines),
)


def read_note(text: str, readers: Sequence[tuple[str, Reader]] = READERS) -> ReadingView:
    """The view the rules read, and its map back to ``text``."""
    view = ReadingView(text)
    for _, reader in readers:
        edits = reader(view.text)
        if edits:
            view = view.with_edits(edits)
    return view
