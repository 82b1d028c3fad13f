"""Rule-file hygiene and rule examples: every packaged rule validates and does what it says."""

from __future__ import annotations

import re

import pytest

from extractor.errors import RuleFileError
from extractor.resources import vocabulary
from extractor.ruleset import TargetRuleSpec, context_rules, section_rules, target_rules

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


def test_a_rule_needs_exactly_one_pattern() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        TargetRuleSpec(id="x", label="nme")
