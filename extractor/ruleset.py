"""Rule files: pydantic models and one validating loader.

Every rule is checked when it loads, against what exists: a target rule's
``label`` against the field catalogue (:mod:`extractor.fields`), its ``parser``
against the parser registry (:mod:`extractor.parsing.registry`), a section's
``category`` and a ConText rule's ``category`` against their closed
vocabularies. A typo is a load error naming ``file:line``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from extractor.errors import RuleFileError
from extractor.fields import FIELDS, HELPER_LABELS, field_labels, rule_labels
from extractor.lexicon import expand
from extractor.parsing.registry import PARSERS
from extractor.resources import rules_root

ContextCategory = Literal[
    "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "HISTORICAL", "FAMILY", "TERMINATE"
]
Direction = Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"]
SectionCategory = Literal[
    "differential", "hpi", "pmh", "psh", "family_history", "birth_history", "social_history", "ros", "medications",
    "allergies", "physical_exam", "labs", "imaging", "findings", "impression", "assessment_plan",
    "final_diagnosis", "gross", "microscopic", "ihc", "synoptic", "procedure", "hospital_course",
    "follow_up", "comment", "disease_information",
]
"""Every section category a heading rule may give (components read some of them by name)."""


def _known(kind: str, value: str, known: Iterable[str]) -> str:
    names = sorted(known)
    if value not in names:
        raise ValueError(f"unknown {kind} {value!r}; known: {', '.join(names)}")
    return value


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetRuleSpec(_Rule):
    """A concept rule: a regex, a phrase or a token pattern, with the value it stands for.

    ``label`` is the record key the mention supports (or an internal label such as
    ``marker`` or ``diagnosis``); ``parser`` names the value parser that reads the
    number/regimen/result around the match; ``examples`` are sentences the rule must
    match and ``counter_examples`` sentences it must not (run by the tests).
    """

    id: str
    label: str
    regex: str | None = None
    phrase: str | None = None
    tokens: list[dict[str, Any]] | None = None
    value: Any = None
    parser: str | None = None
    examples: list[str] = []
    counter_examples: list[str] = []

    @field_validator("regex", mode="before")
    @classmethod
    def _expand_lexicon(cls, regex: object) -> object:
        # "{{nme}}", "{{@department}}": the concept lexicon's forms (extractor/lexicon.py)
        return expand(regex) if isinstance(regex, str) else regex

    @field_validator("label")
    @classmethod
    def _label_exists(cls, label: str) -> str:
        return _known("label", label, rule_labels())

    @field_validator("parser")
    @classmethod
    def _parser_exists(cls, parser: str | None) -> str | None:
        return None if parser is None else _known("parser", parser, PARSERS)

    @model_validator(mode="after")
    def _value_in_vocabulary(self) -> TargetRuleSpec:
        # a rule whose value goes into a list field as it is must give an item of its vocabulary
        if self.parser is None:
            for field in FIELDS:
                if self.label in field.labels and field.vocabulary:
                    for item in self.value if isinstance(self.value, list) else [self.value]:
                        _known(f"{field.key} item", item, field.vocabulary)
        return self

    @model_validator(mode="after")
    def _one_pattern(self) -> TargetRuleSpec:
        given = [p for p in (self.regex, self.phrase, self.tokens) if p]
        if len(given) != 1:
            raise ValueError("exactly one of regex, phrase, tokens is required")
        if self.regex:
            try:
                re.compile(self.regex, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"regex does not compile: {exc}") from None
        return self


class ContextRuleSpec(_Rule):
    """A ConText modifier rule (extends medspaCy's defaults; same literal replaces one)."""

    literal: str
    category: ContextCategory
    direction: Direction
    pattern: str | list[dict[str, Any]] | None = None
    max_scope: int | None = None
    allowed_types: list[str] | None = None

    @field_validator("allowed_types")
    @classmethod
    def _labels_exist(cls, labels: list[str] | None) -> list[str] | None:
        known = {*field_labels(), *(h.name for h in HELPER_LABELS)}
        return None if labels is None else [_known("label", label, known) for label in labels]


class SectionRuleSpec(_Rule):
    """A section heading and the category its section gets."""

    literal: str
    category: SectionCategory
    pattern: str | list[dict[str, Any]] | None = None


def _rule_files(prefix: str) -> list[str]:
    names = [
        entry.name
        for entry in rules_root().iterdir()
        if entry.name.startswith(prefix) and entry.name.endswith(".jsonl")
    ]
    return sorted(names)


def parse_rules(text: str, source: str, model: type[_Rule]) -> list[Any]:
    """Validate the lines of one JSONL rule file (``//`` lines and blank lines skipped).

    Raises RuleFileError with one ``<source>:<line> [loc] msg`` line per problem.
    """
    rules: list[Any] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            rules.append(model.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(f"{source}:{number} [json] {exc.msg}")
        except ValidationError as exc:
            for err in exc.errors():
                loc = " -> ".join(str(p) for p in err["loc"]) or "rule"
                problems.append(f"{source}:{number} [{loc}] {err['msg']}")
    if problems:
        raise RuleFileError("\n".join(problems))
    return rules


def load_rules(filename: str, model: type[_Rule]) -> list[Any]:
    """Load and validate one JSONL rule file from the packaged rules (see :func:`parse_rules`)."""
    return parse_rules(rules_root().joinpath(filename).read_text(encoding="utf-8"), filename, model)


@cache
def target_rules() -> tuple[TargetRuleSpec, ...]:
    """Every target rule of every ``targets_*.jsonl`` file, ids checked unique."""
    rules: list[TargetRuleSpec] = []
    for name in _rule_files("targets_"):
        rules.extend(load_rules(name, TargetRuleSpec))
    seen: set[str] = set()
    duplicates = sorted({r.id for r in rules if r.id in seen or seen.add(r.id)})
    if duplicates:
        raise RuleFileError(f"duplicate target rule ids: {', '.join(duplicates)}")
    return tuple(rules)


@cache
def context_rules() -> tuple[ContextRuleSpec, ...]:
    return tuple(load_rules("context.jsonl", ContextRuleSpec))


@cache
def section_rules() -> tuple[SectionRuleSpec, ...]:
    return tuple(load_rules("sections.jsonl", SectionRuleSpec))


class ReadingRulesSpec(_Rule):
    """Words the reading layer needs (``extractor/reading.py``), as data.

    ``ocr_words``: domain words that OCR and line ends break ("neuroe ndocrine");
    ``continuation_words``: words a statement cannot end on, so a line ending on
    one goes on in the next line; ``value_labels``: names whose result may stand
    alone on the next line ("Insulin" / "Negative"); ``list_statement_words``: words of
    a stain statement whose list of markers may go on past a line ending on a comma;
    ``continuation_starts``: words a statement cannot start with, so a line opening on one in
    lower case goes on from the line before ("reveals it to be positive" / "for CAM 5.2").
    """

    ocr_words: list[str]
    continuation_words: frozenset[str]
    value_labels: frozenset[str]
    list_statement_words: frozenset[str]
    continuation_starts: frozenset[str] = frozenset()

    @model_validator(mode="after")
    def _lower_case(self) -> ReadingRulesSpec:
        for name in ("ocr_words", "continuation_words", "value_labels", "list_statement_words", "continuation_starts"):
            words = getattr(self, name)
            if any(w != w.lower() or not w.strip() for w in words):
                raise ValueError(f"{name}: words are written in lower case, not blank")
        short = [w for w in self.ocr_words if len(w) < 7]
        if short:
            raise ValueError(f"ocr_words: shorter than 7 letters joins ordinary words: {', '.join(short)}")
        return self


@cache
def reading_rules() -> ReadingRulesSpec:
    """The reading layer's word lists (``rules/reading.json``), validated."""
    text = rules_root().joinpath("reading.json").read_text(encoding="utf-8")
    try:
        return ReadingRulesSpec.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise RuleFileError(f"reading.json:{exc.lineno} [json] {exc.msg}") from None
    except ValidationError as exc:
        raise RuleFileError(
            "\n".join(f"reading.json [{' -> '.join(map(str, e['loc'])) or 'file'}] {e['msg']}" for e in exc.errors())
        ) from None


class OmopConceptSpec(_Rule):
    """The OMOP concept of one mention label (NOTE_NLP export), with the public source that states it.

    ``concept_id`` 0 is OMOP's "no matching concept"; a non-zero id must name its
    Standard SNOMED or LOINC concept and where that is confirmed. ``unit``: the
    unit of the label's bare numeric value (``ki67_percent`` -> ``%``).
    """

    label: str
    concept_id: int
    concept_name: str | None = None
    vocabulary: Literal["SNOMED", "LOINC"] | None = None
    concept_code: str | None = None
    source: str | None = None
    unit: str | None = None

    @model_validator(mode="after")
    def _sourced(self) -> OmopConceptSpec:
        if self.concept_id < 0:
            raise ValueError("concept_id is 0 (no concept) or a positive OMOP concept id")
        described = (self.concept_name, self.vocabulary, self.concept_code, self.source)
        if self.concept_id and not all(described):
            raise ValueError("a concept id needs concept_name, vocabulary, concept_code and source")
        if not self.concept_id and any(described):
            raise ValueError("concept_id 0 takes no concept_name, vocabulary, concept_code or source")
        return self


class OmopConceptsSpec(_Rule):
    about: str
    labels: list[OmopConceptSpec]


@cache
def omop_concepts() -> dict[str, OmopConceptSpec]:
    """``rules/omop_concepts.json``: the OMOP concept of each mention label, validated, by label."""
    text = rules_root().joinpath("omop_concepts.json").read_text(encoding="utf-8")
    try:
        spec = OmopConceptsSpec.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise RuleFileError(f"omop_concepts.json:{exc.lineno} [json] {exc.msg}") from None
    except ValidationError as exc:
        raise RuleFileError(
            "\n".join(f"omop_concepts.json [{' -> '.join(map(str, e['loc'])) or 'file'}] {e['msg']}"
                      for e in exc.errors())
        ) from None
    by_label = {c.label: c for c in spec.labels}
    if len(by_label) != len(spec.labels):
        raise RuleFileError("omop_concepts.json: a label is listed twice")
    return by_label
