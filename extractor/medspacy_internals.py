"""Every medspaCy internal this package relies on, read or written here and nowhere else.

Three speed-ups reach inside medspaCy's classes: the regex backend
(:mod:`extractor.search.matcher`) replaces the RegexMatcher inside the
TargetMatcher's and the Sectionizer's MedspacyMatcher; the sectionizer
(:mod:`extractor.components.sections`) repeats ``Sectionizer.__call__`` without
its per-token loop; ConText (:mod:`extractor.components.context`) runs the
MedspacyMatcher's token and phrase matchers sentence by sentence. The private
attributes they need (name-mangled ``__matcher`` fields, ``_patterns``,
``_prune``, ...) are reached only through the functions below, which were
checked against medSpaCy :data:`MEDSPACY_VERSION`.

``tests/unit/test_medspacy_internals.py`` fails loudly when an installed medspaCy
differs from that version or lacks one of these attributes: re-read the three
modules above against the new medspaCy before changing the version here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MEDSPACY_VERSION = "1.3.1"
"""The medspaCy release these internals were checked against."""

# the name-mangled MedspacyMatcher of each medspaCy component
_COMPONENT_MATCHERS = ("_TargetMatcher__matcher", "_Sectionizer__matcher", "_ConText__matcher")


class MedspacyInternalsChanged(RuntimeError):
    """An internal of medspaCy that this package uses is not where it was."""


def _get(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name)
    except AttributeError:
        raise MedspacyInternalsChanged(
            f"{type(obj).__name__} has no attribute {name!r}: medspaCy changed since {MEDSPACY_VERSION}; "
            "see extractor/medspacy_internals.py"
        ) from None


def component_matcher(component: Any) -> Any:
    """The MedspacyMatcher inside a TargetMatcher, Sectionizer or ConText (None for others)."""
    for name in _COMPONENT_MATCHERS:
        matcher = getattr(component, name, None)
        if matcher is not None:
            return matcher
    return None


def token_matcher(matcher: Any) -> Any:
    """The spaCy ``Matcher`` of a MedspacyMatcher (its token-pattern rules)."""
    return _get(matcher, "_MedspacyMatcher__matcher")


def phrase_matcher(matcher: Any) -> Any:
    """The spaCy ``PhraseMatcher`` of a MedspacyMatcher (its literal rules)."""
    return _get(matcher, "_MedspacyMatcher__phrase_matcher")


def regex_matcher(matcher: Any) -> Any:
    """The medspaCy ``RegexMatcher`` of a MedspacyMatcher (its regex rules)."""
    return _get(matcher, "_MedspacyMatcher__regex_matcher")


def prunes_overlaps(matcher: Any) -> bool:
    """Whether a MedspacyMatcher prunes overlapping matches (its ``prune`` setting)."""
    return bool(_get(matcher, "_prune"))


def regex_patterns(regex: Any) -> dict[int, list[re.Pattern[str]]]:
    """A RegexMatcher's compiled patterns by match id."""
    return _get(regex, "_patterns")


def regex_callbacks(regex: Any) -> dict[int, Callable[..., Any] | None]:
    """A RegexMatcher's ``on_match`` callbacks by match id."""
    return _get(regex, "_callbacks")


def parent_sections(sectionizer: Any) -> dict[str, Any]:
    """A Sectionizer's parent-section rules (empty when none are declared)."""
    return _get(sectionizer, "_parent_sections")


def applies_sentence_boundary(sectionizer: Any) -> bool:
    """Whether a Sectionizer makes each section heading start a sentence."""
    return bool(_get(sectionizer, "_apply_sentence_boundary"))


def check(target_matcher: Any, sectionizer: Any, context: Any) -> None:
    """Reach every internal above on built components; raise MedspacyInternalsChanged if one is gone."""
    for component in (target_matcher, sectionizer, context):
        matcher = component_matcher(component)
        if matcher is None:
            raise MedspacyInternalsChanged(f"no MedspacyMatcher found in {type(component).__name__}")
        token_matcher(matcher)
        phrase_matcher(matcher)
        prunes_overlaps(matcher)
        regex = regex_matcher(matcher)
        regex_patterns(regex)
        regex_callbacks(regex)
    parent_sections(sectionizer)
    applies_sentence_boundary(sectionizer)
