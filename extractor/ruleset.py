"""Rule files: pydantic models, one validating loader, conversion to medspaCy rules.

Rules ship inside the package as ``extractor.rules`` (the top-level ``rules/``
folder of the repository) and are found with ``importlib.resources``, so an
installed tool works from any folder.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from extractor.errors import RuleFileError

RULES_PACKAGE = "extractor.rules"

ContextCategory = Literal[
    "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "HISTORICAL", "FAMILY", "TERMINATE"
]
Direction = Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"]


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

    @model_validator(mode="after")
    def _one_pattern(self) -> TargetRuleSpec:
        given = [p for p in (self.regex, self.phrase, self.tokens) if p]
        if len(given) != 1:
            raise ValueError("exactly one of regex, phrase, tokens is required")
        if self.regex:
            re.compile(self.regex, re.IGNORECASE)
        return self


class ContextRuleSpec(_Rule):
    """A ConText modifier rule (extends medspaCy's defaults; same literal replaces one)."""

    literal: str
    category: ContextCategory
    direction: Direction
    pattern: str | list[dict[str, Any]] | None = None
    max_scope: int | None = None
    allowed_types: list[str] | None = None


class SectionRuleSpec(_Rule):
    """A section heading and the category its section gets."""

    literal: str
    category: str
    pattern: str | list[dict[str, Any]] | None = None


@cache
def rules_root() -> Traversable:
    """Where the rule files are: the installed package ``extractor.rules``.

    In a source checkout imported without installing (a worker started from the
    repository root), ``extractor.rules`` does not exist; the repository's
    ``rules/`` beside the package is the same data. Found from this file's
    location, never from the working directory.
    """
    try:
        return resources.files(RULES_PACKAGE)
    except ModuleNotFoundError:
        source_rules = Path(__file__).resolve().parent.parent / "rules"
        if (source_rules / "vocab.json").is_file():
            return source_rules
        raise RuleFileError(f"rule files not found: no package {RULES_PACKAGE} and no {source_rules}") from None


def _rule_files(prefix: str) -> list[str]:
    names = [
        entry.name
        for entry in rules_root().iterdir()
        if entry.name.startswith(prefix) and entry.name.endswith(".jsonl")
    ]
    return sorted(names)


def load_rules(filename: str, model: type[_Rule]) -> list[Any]:
    """Load and validate one JSONL rule file from the packaged rules.

    Raises RuleFileError with one ``<file>:<line> [loc] msg`` line per problem.
    """
    text = rules_root().joinpath(filename).read_text(encoding="utf-8")
    rules: list[Any] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            rules.append(model.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(f"{filename}:{number} [json] {exc.msg}")
        except ValidationError as exc:
            for err in exc.errors():
                loc = " -> ".join(str(p) for p in err["loc"]) or "rule"
                problems.append(f"{filename}:{number} [{loc}] {err['msg']}")
    if problems:
        raise RuleFileError("\n".join(problems))
    return rules


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


@cache
def vocabulary() -> dict[str, Any]:
    """Lookup tables the value parsers use (units, frequencies, number words ...)."""
    text = rules_root().joinpath("vocab.json").read_text(encoding="utf-8")
    return json.loads(text)


def rules_fingerprint() -> dict[str, Any]:
    """sha256 over the rule files (names and contents) and their count, for manifests."""
    import hashlib

    digest = hashlib.sha256()
    entries = sorted(
        (entry.name, entry.read_bytes())
        for entry in rules_root().iterdir()
        if entry.name.endswith((".json", ".jsonl"))
    )
    for name, data in entries:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return {"files": len(entries), "sha256": digest.hexdigest()}


class ReadingRulesSpec(_Rule):
    """Words the reading layer needs (``extractor/reading.py``), as data.

    ``ocr_words``: domain words that OCR and line ends break ("neuroe ndocrine");
    ``continuation_words``: words a statement cannot end on, so a line ending on
    one goes on in the next line; ``value_labels``: names whose result may stand
    alone on the next line ("Insulin" / "Negative").
    """

    ocr_words: list[str]
    continuation_words: frozenset[str]
    value_labels: frozenset[str]

    @model_validator(mode="after")
    def _lower_case(self) -> ReadingRulesSpec:
        for name in ("ocr_words", "continuation_words", "value_labels"):
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
