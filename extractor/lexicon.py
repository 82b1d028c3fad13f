"""The concept lexicon (``rules/lexicon.jsonl``): every concept's names in one place.

One line per concept (a finding, a diagnosis, a marker, a drug, a procedure, a
part of the pancreas, a metastatic site, a department, an outcome) lists what it is called: ``names``, ``spellings``
(British / American, adjectives), ``misspellings``, ``brands``,
``abbreviations`` (matched case-sensitively, as written), ``stems`` (word starts:
``dermatolog`` is dermatology, dermatologist, dermatological) and ``patterns``
(regular expressions, for forms a phrase cannot write). A space in a phrase
matches any run of white space; everything else is literal and
case-insensitive. Adding a synonym is adding it to its concept's line.

Target rules use the lexicon through placeholders in their regex, expanded
when the rules load:

- ``{{nme}}``: every form of a concept;
- ``{{nme:written}}``: every form but its abbreviations; ``{{nme:abbreviations}}``:
  only those;
- ``{{@department}}``: every form of every concept of a kind, concept by
  concept in the lexicon's order.

Value parsers that map a phrase to a concept (the department named, the parts of
the pancreas, the metastatic sites, a marker's usual unit) read the same entries
(:func:`concepts_of`, :func:`concept_finder`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from extractor.errors import RuleFileError
from extractor.resources import rules_root

LEXICON_FILE = "lexicon.jsonl"

ConceptKind = Literal[
    "finding", "diagnosis", "marker", "drug", "procedure", "pancreas_part", "metastatic_site", "department", "outcome"
]
FormSelection = Literal["all", "written", "abbreviations"]

_PLACEHOLDER = re.compile(r"\{\{(@?)([^{}:]+)(?::(\w+))?\}\}")


class Concept(BaseModel):
    """One concept and every way the notes write it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    concept: str
    kind: ConceptKind
    value: Any = None
    names: tuple[str, ...] = ()
    spellings: tuple[str, ...] = ()
    misspellings: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    stems: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    usual_unit: str | None = None

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
        return patterns

    @property
    def record_value(self) -> Any:
        """What the concept stands for in a record (its id unless it says otherwise)."""
        return self.concept if self.value is None else self.value

    def forms(self, selection: FormSelection = "all") -> list[str]:
        """The concept's forms as regular expressions: patterns first, then the phrases
        longest first (so "diabetes mellitus" is tried before "diabetes")."""
        phrases: list[tuple[str, str]] = []
        if selection != "abbreviations":
            for phrase in (*self.names, *self.spellings, *self.misspellings, *self.brands):
                phrases.append((phrase, _phrase_regex(phrase)))
            for stem in self.stems:
                phrases.append((stem, _phrase_regex(stem) + r"\w*"))
        if selection != "written":
            for abbreviation in self.abbreviations:
                phrases.append((abbreviation, f"(?-i:{_phrase_regex(abbreviation)})"))
        ordered = [regex for _, regex in sorted(phrases, key=lambda p: -len(p[0]))]
        patterns = list(self.patterns) if selection != "abbreviations" else []
        return list(dict.fromkeys([*patterns, *ordered]))


def _phrase_regex(phrase: str) -> str:
    """A written phrase as a regex: literal words, any white space between them."""
    return r"\s+".join(re.escape(word) for word in phrase.split())


@cache
def lexicon() -> Mapping[str, Concept]:
    """Every concept of ``rules/lexicon.jsonl`` by its id, in file order."""
    return parse_lexicon(rules_root().joinpath(LEXICON_FILE).read_text(encoding="utf-8"), LEXICON_FILE)


def parse_lexicon(text: str, source: str) -> Mapping[str, Concept]:
    """The concepts of a lexicon file; a malformed line is a RuleFileError naming ``source:line``."""
    concepts: dict[str, Concept] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            concept = Concept.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"{source}:{number} [json] {exc.msg}")
            continue
        except ValidationError as exc:
            for err in exc.errors():
                loc = " -> ".join(str(p) for p in err["loc"]) or "concept"
                problems.append(f"{source}:{number} [{loc}] {err['msg']}")
            continue
        if concept.concept in concepts:
            problems.append(f"{source}:{number} [concept] {concept.concept!r} is listed twice")
        concepts[concept.concept] = concept
    if problems:
        raise RuleFileError("\n".join(problems))
    return MappingProxyType(concepts)


def concepts_of(kind: ConceptKind) -> list[Concept]:
    """The concepts of one kind, in the lexicon's order."""
    return [c for c in lexicon().values() if c.kind == kind]


def forms_regex(concepts: list[Concept], selection: FormSelection = "all") -> str:
    """One non-capturing alternation of the concepts' forms (concept by concept)."""
    forms = [form for concept in concepts for form in concept.forms(selection)]
    if not forms:
        raise ValueError(f"no {selection} forms for {', '.join(c.concept for c in concepts)}")
    return "(?:" + "|".join(forms) + ")"


Bounds = Literal["word", "word_start", "anywhere"]


@cache
def concept_finder(kind: ConceptKind, bounds: Bounds = "word") -> tuple[tuple[Concept, re.Pattern[str]], ...]:
    """Each concept of ``kind`` (lexicon order) with a case-insensitive search for its forms:
    as whole words, from a word start (``\\bdermatolog``), or anywhere in a word."""
    before, after = {"word": (r"\b", r"\b"), "word_start": (r"\b", ""), "anywhere": ("", "")}[bounds]
    return tuple(
        (concept, re.compile(before + forms_regex([concept]) + after, re.IGNORECASE)) for concept in concepts_of(kind)
    )


def expand(regex: str) -> str:
    """``regex`` with every ``{{...}}`` placeholder replaced by the lexicon's forms.

    Raises
    ------
    ValueError
        For an unknown concept, kind or selection (the rule loader reports it
        with the rule's file and line).
    """

    def _replace(match: re.Match[str]) -> str:
        is_kind, name, selection = match.group(1), match.group(2), match.group(3) or "all"
        if selection not in ("all", "written", "abbreviations"):
            raise ValueError(f"unknown form selection {selection!r} in {match.group(0)}")
        if is_kind:
            if name not in ConceptKind.__args__:  # type: ignore[attr-defined]
                raise ValueError(f"unknown concept kind {name!r} in {match.group(0)}")
            return forms_regex(concepts_of(name), selection)  # type: ignore[arg-type]
        concept = lexicon().get(name)
        if concept is None:
            raise ValueError(f"unknown concept {name!r} in {match.group(0)} (not in {LEXICON_FILE})")
        return forms_regex([concept], selection)  # type: ignore[arg-type]

    return _PLACEHOLDER.sub(_replace, regex)
