"""The concept lexicon: its file validates, placeholders expand, rules and parsers read it."""

from __future__ import annotations

import json
import re

import pytest

from extractor.errors import RuleFileError
from extractor.lexicon import Concept, concept_finder, concepts_of, expand, lexicon, parse_lexicon
from extractor.resources import rules_root
from extractor.ruleset import TargetRuleSpec, parse_rules

KINDS_READ_BY_PARSERS = {"pancreas_part", "metastatic_site", "department"}


def _raw_rule_regexes() -> list[str]:
    regexes = []
    for entry in rules_root().iterdir():
        if entry.name.startswith("targets_") and entry.name.endswith(".jsonl"):
            regexes += [json.loads(line).get("regex") or "" for line in entry.read_text(encoding="utf-8").splitlines()]
    return regexes


def test_every_concept_is_used_by_a_rule_or_a_parser() -> None:
    # Arrange
    placeholders = {m for regex in _raw_rule_regexes() for m in re.findall(r"\{\{@?([^{}:]+)", regex)}
    # Act
    unused = [
        c.concept
        for c in lexicon().values()
        if c.concept not in placeholders and c.kind not in placeholders and c.kind not in KINDS_READ_BY_PARSERS
        and c.usual_unit is None
    ]
    # Assert
    assert unused == []


def test_a_synonym_added_to_a_concept_is_found_by_its_rule() -> None:
    # Arrange: the drug as the lexicon has it, plus one new brand name
    everolimus = lexicon()["everolimus"]
    widened = everolimus.model_copy(update={"brands": (*everolimus.brands, "Votubia")})
    regex = rf"\b(?:{'|'.join(widened.forms())})\b"
    # Act / Assert
    assert re.search(regex, "She was switched to Votubia 10 mg daily.", re.IGNORECASE)
    assert not re.search(rf"\b{expand('{{everolimus}}')}\b", "She was switched to Votubia 10 mg daily.", re.IGNORECASE)


@pytest.mark.parametrize(
    ("placeholder", "text", "found"),
    [
        ("{{nme}}", "Typical NME on both shins.", "NME"),
        ("{{nme:written}}", "Typical NME on both shins.", None),
        ("{{nme:abbreviations}}", "typical nme on both shins", None),  # abbreviations keep their case
        ("{{nme}}", "necrolytic  migratory\nerythema", "necrolytic  migratory\nerythema"),  # any white space
        ("{{diabetes}}", "type 2 diabetes mellitus", "diabetes mellitus"),  # the longest form wins
        ("{{@department}}", "referred by her GP", "GP"),
        ("{{@department}}", "seen in the dermatology clinic", "dermatology"),  # a stem takes the whole word
    ],
)
def test_placeholders_expand_to_the_concepts_forms(placeholder: str, text: str, found: str | None) -> None:
    match = re.search(expand(placeholder), text, re.IGNORECASE)
    assert (match.group(0) if match else None) == found


def test_phrases_are_literal_and_sorted_longest_first() -> None:
    concept = Concept(concept="x", kind="drug", names=("5.5 mg", "a"), abbreviations=("A.B",))
    assert concept.forms() == [r"5\.5\s+mg", r"(?-i:A\.B)", "a"]


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ('{"concept": "x", "kind": "drugg", "names": ["x"]}', "[kind] Input should be"),
        ('{"concept": "x", "kind": "drug", "nmes": ["x"]}', "[nmes] Extra inputs are not permitted"),
        ('{"concept": "x", "kind": "drug", "patterns": ["x("]}', "does not compile"),
    ],
)
def test_a_malformed_lexicon_line_is_a_load_error_naming_file_and_line(line: str, where: str) -> None:
    with pytest.raises(RuleFileError) as raised:
        parse_lexicon('{"concept": "ok", "kind": "drug", "names": ["ok"]}\n' + line + "\n", "lexicon.jsonl")
    assert str(raised.value).startswith("lexicon.jsonl:2 ") and where in str(raised.value)


def test_a_concept_listed_twice_is_a_load_error() -> None:
    line = '{"concept": "ok", "kind": "drug", "names": ["ok"]}\n'
    with pytest.raises(RuleFileError, match="listed twice"):
        parse_lexicon(line + line, "lexicon.jsonl")


def test_a_rule_naming_an_unknown_concept_is_a_load_error() -> None:
    line = '{"id": "sys.x", "label": "systemic_therapy", "regex": "\\\\b{{everolimuss}}\\\\b", "value": "everolimus"}'
    with pytest.raises(RuleFileError, match=r"targets_x.jsonl:1 \[regex\].*unknown concept 'everolimuss'"):
        parse_rules(line, "targets_x.jsonl", TargetRuleSpec)


@pytest.mark.parametrize(
    ("text", "department"),
    [("referred by her family doctor", "general practice"), ("general surgical clinic", "surgery"), ("oncologist", "oncology")],
)
def test_parsers_find_departments_from_the_lexicon(text: str, department: str) -> None:
    found = next(c.record_value for c, search in concept_finder("department", "word_start") if search.search(text))
    assert found == department


def test_site_kinds_list_the_vocabularies_of_their_fields() -> None:
    from extractor.fields import FIELDS_BY_KEY

    assert [c.record_value for c in concepts_of("metastatic_site")] == list(FIELDS_BY_KEY["metastasis_sites"].vocabulary)
    assert {c.record_value for c in concepts_of("pancreas_part")} == set(FIELDS_BY_KEY["tumor_location"].vocabulary)
