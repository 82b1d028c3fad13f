"""The gated regex backend returns exactly what medspaCy's RegexMatcher returns."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import spacy
from medspacy.common.regex_matcher import RegexMatcher

from extractor.search.matcher import GatedRegexMatcher, NoteIndex
from extractor.search.regex_analysis import regex_requirement
from extractor.ruleset import section_rules, target_rules

NOTES = [
    "A 44-year-old woman with an 8-month history of NME. Glucagon 217 pg/mL (normal < 200). CgA(+), Syn 3+.",
    "PANCREAS: 6.2 X 5.0 CM MASS IN THE PANCREATIC HEAD. pT2 pN0 (0/18) cM0, stage IIA. Ki-67 8-10%.",
    "She underwent a robotic pylorus-preserving pancreaticoduodenectomy; octreotide LAR 30 mg q4w.",
    "No rash.",
    # the lookahead of marker.insulin must see past the word: a regimen is not a serum marker
    "Despite frequent decreases in her insulin regimen, she continues to have lows.",
    "FAMILY HISTORY: Mother with type 2 DM.\nSOCIAL HISTORY: Nonsmoker.\nPE: BP 120/80.",
    # numbers glued to letters or written in other scripts: rules that open with a digit
    "Lesion 2x3cm, then 4.5cm; B12 low; x10 mm; a 12-month history; 44F; \u0663 cm; 1,200 pg/mL since 3yrs.",
    "a 4-cm mass; pT2 3 cm; t.7 x 0.9-cm nodule; T12 2.5 x 1.5 x 1.3-cm; A4 5mm; 1 9 cm",
    # durations that open with a number, a number word or "a"
    "She gave a year-long history of rash, a two-year history of diarrhoea and a several-month hx of weight loss.",
    # a rule whose match starts after a word its lookbehind requires; one that opens with a repeated list
    "HPI: watery diarrhoea x 2 yrs, loose stools x 6 mo, itchy rash x 3 wks. CT: liver, bone and lung metastases.",
    # rules read line by line: a line's first words, after an indent and a part letter
    "FINAL DIAGNOSIS:\nA. LYMPH NODES, PERIPANCREATIC (0/14):\n   - NO TUMOR SEEN.\n  B. LIVER, SEGMENT 6:\n"
    "  METASTATIC WELL-DIFFERENTIATED NEUROENDOCRINE TUMOR.\n C. OMENTUM: Metastatic carcinoma.\n",
]


@pytest.mark.parametrize("text", NOTES)
def test_same_matches_as_medspacy(text: str) -> None:
    nlp = spacy.blank("en")
    original = RegexMatcher(nlp.vocab)
    for rule in target_rules():
        if rule.regex:
            original.add(rule.id, [rule.regex])
    doc = nlp(text)
    expected = sorted(original(doc))
    original.__class__ = GatedRegexMatcher
    original.build_gates()
    assert sorted(original(doc)) == expected


@pytest.mark.parametrize(
    ("pattern", "keywords"),
    [
        (r"\bnecrolytic\s+migratory\s+erythema\b", {"necrolytic"}),
        (r"\b(?:octreotide|lanreotide)\s+\d+", {"octreotide", "lanreotide"}),
        (r"\d+\s*(?:cm|mm)", {"cm", "mm"}),
        (r"\d+(?:\.\d+)?", None),
    ],
)
def test_required_keywords(pattern: str, keywords: set[str] | None) -> None:
    requirement = regex_requirement(pattern, re.IGNORECASE)
    found = {k.text for k in requirement.selective.keywords} if requirement else None
    assert found == keywords


@pytest.mark.parametrize(
    ("pattern", "keywords", "anchored"),
    [
        # a section heading starts at its first word: tried only where those words are
        (r"(?:family\s+history|fhx|fh|family\s+hx)\s*:", {"family", "fh", "fhx"}, True),
        # case-sensitive abbreviations are looked for as written, and as whole words
        (r"\b(?-i:T2DM|DM)\b", {"T2DM", "DM"}, True),
        # an unbounded prefix ("\s+") leaves no anchor: scanned in windows
        (r"\b\w+(?:-|\s+)?years?\b", {"year", "years"}, False),
        # ... unless the match opens with a number: tried at each digit that starts a word
        (r"\b\d{1,3}(?:-|\s+)?years?\b", {"year", "years"}, True),
        # ... or at each digit no digit precedes, when a lookbehind says so instead of a word boundary
        (r"(?<![A-Za-z]\.)(?<!\d\.)(?<!\d)\d{1,3}(?:\.\d+)?(?:\s*|-)(?:cm|mm)\b", {"cm", "mm"}, True),
        (r"(?<![A-Za-z]\.)\d{1,3}(?:\.\d+)?(?:\s*|-)(?:cm|mm)\b", {"cm", "mm"}, False),
        # small character classes are spelled out: a TNM T category is looked for as "t1", "tis", ...
        (
            r"\b[ypcr]{0,2}T(?:[0-4][a-d]?|x|is)\b",
            {"tx", "tis"} | {f"t{n}{s}" for n in "01234" for s in ("", "a", "b", "c", "d")},
            True,
        ),
        # an optional opening word: a match starts at it or at the word after it
        (r"\b(?:WHO\s+)?grade\s*[123]\b", {"grade"}, True),
        # opening alternatives, one too short to look for ("a"): each with what follows it
        (r"\b(?:\d+(?:\.\d+)?|one|a)[- ](?:months?|years?)[- ](?:long\s+)?history\b", {"history"}, True),
        # the match starts at "x", a few characters after the word its lookbehind requires
        (r"[x×](?:(?<=diarrhoea\s[x×])|(?<=stools\s[x×]))\s*\d+\s*(?:months?|years?)\b", {"diarrhoea", "stools"}, True),
        # a list that opens the match: its first item starts it ("liver, bone and lung metastases")
        (r"\b(?:(?:liver|bone|lung)\s*(?:,|and)\s*){0,3}(?:liver|bone|lung)\s+metastases\b", {"metastases"}, True),
        # a report's line, however far indented: tried at line starts ("(?<=\n)" or "^" in multi-line mode)
        (r"(?:^|(?<=\n))[ \t]*(?:[A-Z]\.\s*)?lymph\s+nodes?\b[^\n:]{0,60}\n[ \t]*-[ \t]*no\s+tumou?r", {"lymph"}, True),
        (r"(?m)(?:^|(?<=^[ \t])|(?<=^[ \t]{2}))(?:[A-Z][.)][ \t]*)?liver\b[^:\n]{0,60}:[ \t]*metastatic", {"metastatic"}, True),
    ],
)
def test_regex_requirement(pattern: str, keywords: set[str], anchored: bool) -> None:
    requirement = regex_requirement(pattern, re.IGNORECASE)
    assert requirement is not None
    assert {k.text for k in requirement.selective.keywords} == keywords
    assert (requirement.anchoring.reach() <= 12) is anchored


def test_optional_opening_word_anchors_at_either_word() -> None:
    requirement = regex_requirement(r"\b(?:WHO\s+)?grade\s*[123]\b", re.IGNORECASE)
    assert requirement is not None
    assert {k.text for k in requirement.anchoring.keywords} == {"who", "grade"}
    assert requirement.anchoring.before == 0


def test_abbreviation_keywords_are_whole_case_sensitive_words() -> None:
    requirement = regex_requirement(r"\b(?-i:DM)\b", re.IGNORECASE)
    assert requirement is not None
    (keyword,) = requirement.selective.keywords
    assert keyword.case_sensitive and keyword.whole_word



@pytest.mark.parametrize("kind", ["targets", "sections"])
def test_same_matches_as_medspacy_on_real_notes(kind: str, mtsamples: Callable[[int], list[str]]) -> None:
    """Gating, anchoring and windowing change speed, not results, on 150 real transcribed reports."""
    nlp = spacy.blank("en")
    matcher = RegexMatcher(nlp.vocab)
    if kind == "targets":
        for rule in target_rules():
            if rule.regex:
                matcher.add(rule.id, [rule.regex])
    else:
        for section in section_rules():
            matcher.add(section.category + section.literal, [section.pattern])
    docs = [nlp(text) for text in mtsamples(150)]
    expected = [sorted(matcher(doc)) for doc in docs]
    matcher.__class__ = GatedRegexMatcher
    matcher.build_gates()
    assert [sorted(matcher(doc)) for doc in docs] == expected


def test_keywords_after_a_word_boundary_start_a_word() -> None:
    """A literal after ``\\b`` is found only where it starts a word: "at" in "patient" or
    "is" in "this" gives no try of the rule, and the matches are still finditer's."""
    pattern = r"\b(?:at|is)\s+(?:the\s+)?age\s+(?:of\s+)?(\d{1,3})"
    requirement = regex_requirement(pattern, re.IGNORECASE)
    assert requirement is not None
    assert {(k.text, k.word_start) for k in requirement.anchoring.keywords} == {("at", True), ("is", True)}
    nlp = spacy.blank("en")
    matcher = RegexMatcher(nlp.vocab)
    matcher.add("age", [pattern])
    doc = nlp("This patient, diagnosed at the age of 44, is at age 45 now; that is the patient's age.")
    expected = sorted(matcher(doc))
    matcher.__class__ = GatedRegexMatcher
    matcher.build_gates()
    assert sorted(matcher(doc)) == expected and len(expected) == 2
    occurrences = matcher._vocabulary.occurrences(NoteIndex(doc.text))
    starts = {
        keyword.text: sorted(occurrences.get(number, []))
        for keyword, number in matcher._vocabulary.ids.items()
        if keyword.text in ("at", "is")
    }
    text = doc.text.lower()
    assert starts == {
        "at": [m.start() for m in re.finditer(r"\bat", text)],
        "is": [m.start() for m in re.finditer(r"\bis", text)],
    }
    assert len(starts["at"]) < text.count("at")  # "patient", "that" gave no hit


def test_a_rule_is_opened_by_rarer_words_than_those_common_in_clinical_text() -> None:
    pattern = r"\b(?:nodal|lymph\s+node)\s+(?:disease|involvement)\b"
    longest = regex_requirement(pattern, re.IGNORECASE)
    avoiding = regex_requirement(pattern, re.IGNORECASE, frozenset({"disease", "involvement"}))
    assert longest is not None and avoiding is not None
    assert {k.text for k in longest.selective.keywords} == {"disease", "involvement"}
    assert {k.text for k in avoiding.selective.keywords} == {"nodal", "lymph"}
    # a rule whose only literals are common words still has them as its gate
    only_common = regex_requirement(r"\bdisease\b", re.IGNORECASE, frozenset({"disease"}))
    assert only_common is not None and {k.text for k in only_common.selective.keywords} == {"disease"}


# Rules the gate cannot anchor, scanned in windows around their keywords instead: each costs
# every note that holds one of its keywords a regex pass over ~1,000-2,000 characters.
WINDOW_SCANNED_RULES = {
    "malignancy.term": "opens with a word of any length before its stem ('\\w*carcinoma')",
    "tnm.string": "opens with up to two prefix letters before 'T' (too many spellings to list)",
    "prrt.yttrium": "its tracer names open with digits glued to letters ('90Y-DOTATOC')",
}


def test_target_rules_are_tried_only_at_their_keywords() -> None:
    """A new rule that opens with a character class, an unbounded run or a lookaround the gate
    cannot read is scanned in windows of every note holding its keywords (the symptom-duration
    rule's lookbehinds once cost more than any other rule): write it so that a keyword, a digit
    or a line start opens it, or add it here with the reason."""
    nlp = spacy.blank("en")
    matcher = RegexMatcher(nlp.vocab)
    for rule in target_rules():
        if rule.regex:
            matcher.add(rule.id, [rule.regex])
    matcher.__class__ = GatedRegexMatcher
    matcher.build_gates()
    windowed = {nlp.vocab.strings[match_id] for match_id, plan in matcher._plans.items() if plan.anchors is None}
    unexpected = sorted(windowed - set(WINDOW_SCANNED_RULES))
    assert not unexpected, f"rules scanned in windows: {unexpected}"
