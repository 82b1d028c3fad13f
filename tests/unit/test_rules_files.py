"""Rule-file hygiene and rule examples: every packaged rule validates and does what it says."""

from __future__ import annotations

import re
import typing

import pytest

from extractor.errors import RuleFileError
from extractor.resources import vocabulary
from extractor.ruleset import (
    ContextRuleSpec,
    SectionCategory,
    SectionRuleSpec,
    TargetRuleSpec,
    context_rules,
    parse_rules,
    section_rules,
    target_rules,
)

RULES = target_rules()


def test_rule_files_validate_and_ids_are_unique() -> None:
    assert len(RULES) > 50 and len({r.id for r in RULES}) == len(RULES)
    assert context_rules() and section_rules() and vocabulary()["frequencies"]


@pytest.mark.parametrize(
    ("rule", "example"), [(r, e) for r in RULES for e in r.examples], ids=lambda v: getattr(v, "id", "")
)
def test_rule_matches_its_examples(rule: TargetRuleSpec, example: str) -> None:
    assert rule.regex is not None and re.search(rule.regex, example, re.IGNORECASE)


@pytest.mark.parametrize(
    ("rule", "example"), [(r, e) for r in RULES for e in r.counter_examples], ids=lambda v: getattr(v, "id", "")
)
def test_rule_does_not_match_its_counter_examples(rule: TargetRuleSpec, example: str) -> None:
    assert rule.regex is not None and not re.search(rule.regex, example, re.IGNORECASE)


@pytest.mark.parametrize("rule", [r for r in RULES if r.regex], ids=lambda r: r.id)
def test_regex_has_no_nested_unbounded_quantifier(rule: TargetRuleSpec) -> None:
    """A ReDoS guard: no (x+)+ / (x*)* shapes in shipped patterns."""
    assert not re.search(r"\([^()]*[+*]\)[+*]", rule.regex)


def test_loader_reports_file_line_and_field() -> None:
    from extractor.ruleset import load_rules

    with pytest.raises(RuleFileError):
        load_rules("vocab.json", TargetRuleSpec)


@pytest.mark.parametrize(
    ("model", "line", "where"),
    [
        (TargetRuleSpec, '{"id": "nme.x", "label": "nmee", "regex": "NME"}', "[label] Value error, unknown label 'nmee'"),
        (TargetRuleSpec, '{"id": "ki.x", "label": "ki67_percent", "regex": "Ki-67", "parser": "ki76"}', "[parser] Value error, unknown parser 'ki76'"),
        (TargetRuleSpec, '{"id": "l.x", "label": "locoregional_therapy", "regex": "TACE", "value": "tacee"}', "unknown locoregional_therapy item 'tacee'"),
        (TargetRuleSpec, '{"id": "g.x", "label": "glucagon", "regex": "glucagon"}', "unknown label 'glucagon'"),
        (TargetRuleSpec, '{"id": "r.x", "label": "nme", "regex": "NME("}', "regex does not compile"),
        (SectionRuleSpec, '{"literal": "fh", "category": "famliy_history"}', "[category] Input should be"),
        (ContextRuleSpec, '{"literal": "no", "category": "NEGATED", "direction": "FORWARD"}', "[category] Input should be"),
        (ContextRuleSpec, '{"literal": "no", "category": "NEGATED_EXISTENCE", "direction": "FORWARD", "allowed_types": ["nmee"]}', "unknown label 'nmee'"),
    ],
    ids=["label", "parser", "list item", "derived label", "regex", "section category", "context category", "allowed type"],
)
def test_a_typo_is_a_load_error_naming_file_and_line(model: type, line: str, where: str) -> None:
    # Arrange: the typo on the second line of a rule file
    text = "// a comment line\n" + line + "\n"
    # Act
    with pytest.raises(RuleFileError) as raised:
        parse_rules(text, "targets_typo.jsonl", model)
    # Assert
    assert str(raised.value).startswith("targets_typo.jsonl:2 ") and where in str(raised.value)


def test_pathology_sections_and_the_categories_components_read_exist() -> None:
    categories = set(typing.get_args(SectionCategory))
    assert set(vocabulary()["pathology_sections"]) <= categories
    assert {"family_history", "differential"} <= categories
    assert {r.category for r in section_rules()} <= categories


def test_a_rule_needs_exactly_one_pattern() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        TargetRuleSpec(id="x", label="nme")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_an_example(rule: TargetRuleSpec) -> None:
    assert rule.examples, f"{rule.id}: add a realistic sentence it must match (and a near miss it must not)"
