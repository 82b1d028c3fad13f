"""Immunohistochemistry statements: the result a sentence gives for one marker.

Notations handled: ``CgA(+)``, ``Syn 3+``, ``SSTR2: ±``, ``glucagon: diffusely
positive``, tables (``Chromogranin A    Positive``), prose lists with distributive
scope ("positive for chromogranin A and synaptophysin, negative for insulin"),
lists before the verb ("CgA and Syn were positive"), "focal weak" (equivocal) and
"not performed". The order is: the marker's own postfix, then a verb after a
list it belongs to, then the nearest governing cue before it.
"""

from __future__ import annotations

import re
from functools import cache

from extractor.parsing.context import vocab_regex

_PLACEHOLDER = "§"
_RESULTS: tuple[tuple[str, str], ...] = (
    ("not_done", r"not\s+(?:done|performed|tested|assessed|available|carried\s+out)|n/?d\b|n/a\b|na\b"),
    (
        "equivocal",
        r"±|\+/-|\+/−|\+/–|1\s*\+|equivocal|indeterminate|weak(?:ly)?(?:\s+(?:and\s+)?(?:focal(?:ly)?|patchy))?(?:\s+(?:positive|positivity|staining|expression|reactivity|immunoreactivity|\+))?"
        r"|focal(?:ly)?(?:\s+(?:and\s+)?(?:weak(?:ly)?|strong(?:ly)?|patchy))?(?:\s+(?:positive|positivity|staining|expression|reactivity|immunoreactivity|\+))?|patchy(?:\s+(?:positive|positivity|staining))?|heterogeneous(?:\s+staining)?|scattered\s+(?:positive\s+)?cells",
    ),
    (
        "positive",
        r"\+{1,3}|[23]\s*\+|\(\s*\+\s*\)|positivity|pos(?:itive|\.|\b)|diffuse(?:ly)?\s*(?:and\s+strong(?:ly)?\s+)?(?:positive|\+|expressed|immunoreactive|staining)|"
        r"strong(?:ly)?\s+(?:and\s+diffuse(?:ly)?\s+)?(?:positive|\+|staining|expression)|immunoreactive|reactive|expressed|retained|present",
    ),
    (
        "negative",
        r"neg(?:ative|\.|\b)|(?:do|does|did)\s+not\s+(?:support|stain|express|show)\b|\(\s*[-−–]\s*\)|[-−–](?=\s*(?:$|[,;.)\n]|and\b|or\b))|not\s+(?:expressed|detected|identified|seen|reactive)|absent|lost|no\s+(?:staining|expression|immunoreactivity)|non-?reactive|unreactive",
    ),
)
_RESULT_RE = [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in _RESULTS]
_FILLER = (
    r"(?:[\s:=()\[\]|]|-(?=\s*[a-z0-9+±]))*(?:(?:immuno)?(?:stain(?:ing|s)?|immunostain(?:ing)?|expression|immunoreactivity|ihc)\s*)?"
    r"(?:(?:was|is|were|are|shows?|showed|demonstrates?|:)\s*)?"
    r"(?:(?:diffusely|strongly|completely|also|complete|strong|diffuse|intense|moderate|membranous|cytoplasmic|nuclear|essentially|entirely|uniformly"
    r"|{pattern_words})\s+){{0,3}}"
)


@cache
def _filler() -> re.Pattern[str]:
    """The words between a marker and its result; a stain's pattern words ("dot-like paranuclear") among them."""
    return re.compile(_FILLER.format(pattern_words=vocab_regex("ihc_pattern_words").pattern), re.IGNORECASE)


_BACKWARD_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("not_done", re.compile(r"not\s+(?:performed|done)\s+(?:for|on)", re.IGNORECASE)),
    (
        "equivocal",
        re.compile(
            r"(?:weak(?:ly)?|focal(?:ly)?|patchy|equivocal)(?:\s+(?:and\s+)?(?:weak|focal|patchy))?\s+(?:positive|positivity|staining|expression|reactivity|immunoreactivity)(?:\s+(?:for|with|of))?"
            # only some of the tumour stains: "a few scattered neoplastic cells are positive for", "in some areas express"
            r"|(?:a\s+few|rare|occasional|isolated|scattered|some|a\s+subset\s+of|a\s+minority\s+of)\s+(?:[\w-]+\s+){0,2}?(?:cells|nuclei|areas|foci)"
            r"(?:\s+[\w-]+){0,3}?\s+(?:(?:are|is|were|was)\s+)?(?:positive|immunoreactive|reactive|express\w*|stain(?:s|ed)?)(?:\s+(?:for|with))?",
            re.IGNORECASE,
        ),
    ),
    (
        "negative",
        re.compile(
            r"(?:negative|no|absence\s+of|absent)\s+(?:(?:significant|definite|convincing|appreciable|specific|nuclear|cytoplasmic|membranous)\s+)?(?:immuno)?(?:staining|stain|reactivity|expression|immunoreactivity|labell?ing)\s+(?:for|with|of)"
            r"|(?:negative|negativity|immunonegative|non-?reactive|unreactive)(?:\s+(?:for|with|of|to))?|no\s+(?:staining|expression|immunoreactivity)\s+(?:for|of|with)|(?:did|do|does)\s+not\s+(?:stain|express|show)(?:\s+(?:for|with))?|lack(?:ed|s|ing)?(?:\s+(?:expression|staining)\s+(?:of|for))?|loss\s+of|without\s+(?:expression\s+of|staining\s+for)",
            re.IGNORECASE,
        ),
    ),
    (
        "positive",
        re.compile(
            r"(?:positive|positivity|immunoreactive|immunopositive|reactive)(?:\s+(?:for|with|of|to))?|(?<!immunohistochemical )(?<!special )(?<!immuno)(?:stain(?:s|ed|ing)?|labell?ed)(?:\s+(?:diffusely|strongly|positively))?\s+(?:for|with)(?!\s+antibod)|express(?:es|ed|ing)?|expression\s+of|(?:reactivity|immunoreactivity)\s+(?:for|with)",
            re.IGNORECASE,
        ),
    ),
)


# Stain statements that give no result of the tumour: the controls' reaction, a stain only ordered
_NOT_THE_TUMOURS = re.compile(
    r"\bcontrols?\s+(?:for|of)\b|\bcontrols?\b[^.;]{0,60}?\b(?:react(?:ed|s)?|stain(?:ed|s)?|work(?:ed|s)?|perform(?:ed|s)?)\s+(?:appropriately|satisfactorily|as\s+expected)"
    r"|\b(?:ordered|requested|pending|will\s+be\s+reported|to\s+follow)\b",
    re.IGNORECASE,
)


def _clause_of(sentence: str, start: int, end: int) -> str:
    """The clause holding the marker: from the last ";" or ". " before it to the next after it."""
    before = max(sentence.rfind(";", 0, start), sentence.rfind(". ", 0, start))
    after = [i for i in (sentence.find(";", end), sentence.find(". ", end)) if i >= 0]
    return sentence[before + 1 : min(after) if after else len(sentence)]


_SHARED_VERB_AFTER_LIST = re.compile(
    r"(?:\s*(?:,|\band\b|\bor\b|&)\s*[A-Za-z0-9§/-]+(?:\s[A-Za-z0-9§/-]+)?){1,5}\s*(?:(?:immuno)?stains?\s+)?(?:were|was|are|is|show(?:s|ed)?)\s+"
    r"(?:(?:all|both|diffusely|strongly|focally|weakly|essentially|entirely|completely|uniformly)\s+)?",
    re.IGNORECASE,
)
_PRESENCE = re.compile(r"(?:seen|noted|identified|observed|detected)\b", re.IGNORECASE)
_STRENGTH_BEFORE = re.compile(r"\b(?:focal(?:ly)?|weak(?:ly)?|patchy)(?:\s+(?:and\s+)?(?:focal|weak|patchy))?\s+$", re.IGNORECASE)


@cache
def _showing_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A stain that shows the tumour: "cytokeratin highlights the tumour", "AE1/3 stains decorate
    scattered tumour cells" (after the marker); "tumour cells are highlighted by CAM5.2" (before it).
    Only the tumour as object: "CD34 highlights the vessels" is no result of the tumour."""
    verbs = vocab_regex("ihc_showing_verbs").pattern
    objects = vocab_regex("ihc_tumour_objects").pattern
    some = vocab_regex("ihc_some_cells").pattern
    after = re.compile(
        rf"(?:(?:AE|CAM|clone)\S*\s+)?(?:(?:immuno)?stains?\s+)?(?:{verbs})\s+(?:only\s+)?(?:the\s+)?(?P<some>(?:{some})\s+)?(?:[a-z-]+\s+){{0,2}}?(?:{objects})",
        re.IGNORECASE,
    )
    before = re.compile(
        rf"(?P<some>\b(?:{some})\s+)?(?:[a-z-]+\s+){{0,2}}?(?:{objects})\s+(?:[a-z-]+\s+){{0,2}}?(?:is|are|was|were)\s+(?:\w+\s+)?"
        rf"(?:{verbs})\s+(?:by|with)\s+(?:(?:immuno)?stains?\s+(?:for\s+)?)?$",
        re.IGNORECASE,
    )
    return after, before


# "there is no synaptophysin or GFAP reaction": "no" before the marker (or a list holding it), a stain word after
_NO_BEFORE = re.compile(rf"\bno\s+(?:[{_PLACEHOLDER}\w/-]+\s*(?:,|\bor\b|\band\b|/)\s*){{0,3}}$", re.IGNORECASE)
_STAIN_NOUN_AFTER = re.compile(
    rf"\s*(?:(?:,|\bor\b|\band\b|/)\s*[{_PLACEHOLDER}\w/-]+\s*){{0,3}}(?:immuno)?(?:reaction|reactivity|staining|stain|expression|immunoreactivity|labell?ing)\b",
    re.IGNORECASE,
)


@cache
def _stain_statement_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Statements of a stain's pattern: "shows strong membranous staining", "staining of tumour cells";
    "positive in a subset of tumour cells" (some cells only); "fail to show" (negative)."""
    nouns = vocab_regex("ihc_stain_nouns").pattern
    pattern_words = vocab_regex("ihc_pattern_words").pattern
    objects = vocab_regex("ihc_tumour_objects").pattern
    some = vocab_regex("ihc_some_cells").pattern
    stained_tumour = re.compile(
        rf"(?:{nouns})\b(?:\s+(?:of|in|within)\s+(?:the\s+)?(?P<some>(?:{some})\s+)?(?:[a-z-]+\s+){{0,2}}?(?:{objects}))?", re.IGNORECASE
    )
    strength = re.compile(rf"\b(?:{pattern_words})\b", re.IGNORECASE)
    # "positive in a subset of tumour cells", "positive (focal, weak)"
    only_some = re.compile(rf"\S+\s*(?:\s(?:in|within|of)\s+(?:only\s+)?(?:the\s+)?|\(\s*)(?:{some})\b", re.IGNORECASE)
    failed = re.compile(rf"(?:{vocab_regex('ihc_failed_verbs').pattern})\b", re.IGNORECASE)
    return stained_tumour, strength, only_some, failed


# "synaptophysin and chromogranin are both negative", where the second name is not read as a marker (OCR)
_BOTH_AFTER = re.compile(r"\s*,?\s*and\s+(?:the\s+)?[\w -]{1,30}?\s+(?:are|were)\s+both\s+", re.IGNORECASE)
# "Neither chromogranin nor synaptophysin is expressed": both negated
_NEITHER_BEFORE = re.compile(r"\bneither\b[^.;]*$", re.IGNORECASE)
# "express synaptophysin and CD56 but not chromogranin"
_BUT_NOT_BEFORE = re.compile(r"\b(?:but|and|while)\s+not\s+(?:for\s+|with\s+)?(?:[§\w/-]+\s*(?:,|\bor\b|\bnor\b)\s*){0,3}$", re.IGNORECASE)


def _match_result(text: str) -> str | None:
    for name, pattern in _RESULT_RE:
        if pattern.match(text):
            return name
    return None


def _mask(sentence: str, spans: list[tuple[int, int]]) -> str:
    chars = list(sentence)
    for start, end in spans:
        chars[start:end] = _PLACEHOLDER * (end - start)
    return "".join(chars)


def ihc_result(sentence: str, marker: tuple[int, int], other_markers: list[tuple[int, int]]) -> str | None:
    """The result ``sentence`` states for the marker at ``marker`` (offsets in the sentence).

    ``other_markers`` are the other marker names in the same sentence; they bound
    the marker's own postfix and may stand in a list before a shared verb.
    """
    start, end = marker
    masked = _mask(sentence, other_markers)
    if _NOT_THE_TUMOURS.search(_clause_of(masked, start, end)):
        return None  # "controls for chromogranin react appropriately", "stains have been ordered"
    following = [s for s, _ in other_markers if s >= end]
    own_end = min(following) if following else len(sentence)
    postfix = masked[end:own_end]
    stripped = _filler().match(postfix)
    rest = postfix[stripped.end() :] if stripped else postfix
    # "CgA -" / "CgA (-)" before the filler eats the dash
    if re.match(r"\s*[:=]?\s*\(?\s*[-−–]\s*\)?\s*(?:$|[,;.\n]|and\b|or\b)", postfix):
        return "negative"
    head = masked[:start]
    clause_start = max(head.rfind(";"), head.rfind(". "), head.rfind("\n"))
    head = head[clause_start + 1 :]
    if _NEITHER_BEFORE.search(head) and (re.search(r"\bnor\s*$", head, re.IGNORECASE) or re.match(r"\s*nor\b", postfix, re.IGNORECASE)):
        return "negative"
    if _BUT_NOT_BEFORE.search(head):
        return "negative"
    stained_tumour, strength, only_some, failed = _stain_statement_patterns()
    if failed.match(rest):
        return "negative"
    result = _match_result(rest)
    if result is None and (both := _BOTH_AFTER.match(postfix)):
        result = _match_result(postfix[both.end() :])  # "synaptophysin and <stain> are both negative"
    if result == "positive" and only_some.match(rest):
        return "equivocal"  # "positive in a subset of tumour cells", "present in scattered tumour cells only"
    if result is None:
        # "shows strong diffuse staining", "shows membranous staining of tumour cells"
        pattern = stained_tumour.match(rest)
        elsewhere = re.match(rf"\w+\s+(?:of|in|within)\s+(?:the\s+)?(?:{vocab_regex('ihc_not_tumour_cells').pattern})\b", rest, re.IGNORECASE)
        if pattern and not elsewhere and (strength.search(postfix[: len(postfix) - len(rest)]) or pattern.group(0) != pattern.group(0).split()[0]):
            return "equivocal" if pattern.group("some") else "positive"
    if (result == "positive" or _PRESENCE.match(rest)) and _STRENGTH_BEFORE.search(masked[max(0, start - 40) : start]):
        # "focal synaptophysin was present", "weak chromogranin expression": the word before the
        # marker qualifies its own staining, whatever verb follows
        return "equivocal"
    if result:
        return result
    showing_after, showing_before = _showing_patterns()
    shown = showing_after.match(rest) or showing_after.match(postfix.lstrip(" :"))
    if shown:
        return "equivocal" if shown.group("some") else "positive"
    # "CgA, Syn and glucagon were positive": skip the list, then a verb
    lst = re.match(
        rf"(?:[\s,/&(){_PLACEHOLDER}]|\band\b|\bor\b)*(?:(?:immuno)?stains?\s*)?(?:were|was|are|is|all|both|:|\s)*(?:(?:diffusely|strongly|focally|weakly|all)\s+)?",
        masked[end:],
        re.IGNORECASE,
    )
    consumed = masked[end : end + lst.end()] if lst else ""
    # "chromogranin and synaptophysin do not support this": the verb shared by the list
    after_list = masked[end + lst.end() :]
    if failed.match(after_list) and _PLACEHOLDER in consumed:
        return "negative"  # "stains for chromogranin and synaptophysin fail to show ..."
    # "chromogranin and synaptophysin positive": a list of markers with its result, no verb
    listed = _PLACEHOLDER in consumed and re.fullmatch(rf"[\s,{_PLACEHOLDER}]*(?:and|or|&)\s*{_PLACEHOLDER}+\s*", consumed, re.IGNORECASE)
    # "Insulin and glucagon immunostains negative": the stain noun after the list stands for the verb
    # (not the verb of "(chromogranin, CD56), stains positive for pan-keratin": a result for others)
    stain_noun = re.search(r"\band\b[^,()]*stains?\s*$", consumed, re.IGNORECASE) and not re.match(
        r"[\w-]+\s+for\b", after_list, re.IGNORECASE
    )
    if (
        re.search(r"\b(?:were|are|was|is)\b|:", consumed)
        or listed
        or stain_noun
        or re.match(r"(?:do|does|did)\s+not\b", after_list, re.IGNORECASE)
    ):
        result = _match_result(after_list)
        if result:
            return result
    # "Synaptophysin and Melan A are negative": stains the lexicon does not know share the verb
    shared = _SHARED_VERB_AFTER_LIST.match(masked[end:])
    if shared:
        result = _match_result(masked[end + shared.end() :])
        if result:
            return result
    # the nearest cue before the marker, within its clause
    if _NO_BEFORE.search(head) and _STAIN_NOUN_AFTER.match(masked, end):
        return "negative"
    shown = showing_before.search(head)
    if shown:
        return "equivocal" if shown.group("some") else "positive"
    best: tuple[int, str] | None = None
    for name, pattern in _BACKWARD_CUES:
        for match in pattern.finditer(head):
            if best is None or match.end() > best[0] or (match.end() == best[0] and name == "equivocal"):
                best = (match.end(), name)
    return best[1] if best else None


def stain_of_a_node(sentence: str) -> bool:
    """True when the sentence says a stain was done on a lymph node or rules a nodal metastasis out:
    "The negative keratin stain rules out a lymph node metastasis", "keratin stain performed on the
    lymph node". Such a stain's negative result is the node's, not the primary tumour's."""
    return vocab_regex("ihc_node_stain_cues").search(sentence) is not None
