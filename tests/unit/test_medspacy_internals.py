"""medspaCy internals we rely on are where extractor/medspacy_internals.py says they are."""

from __future__ import annotations

from importlib.metadata import version

from spacy.language import Language

from extractor import medspacy_internals


def test_installed_medspacy_is_the_version_the_internals_were_checked_against() -> None:
    installed = version("medspacy")
    assert installed == medspacy_internals.MEDSPACY_VERSION, (
        f"medspaCy {installed} is installed, but extractor/medspacy_internals.py was checked against "
        f"{medspacy_internals.MEDSPACY_VERSION}: re-read search/matcher.py, components/sections.py and "
        "components/context.py against the new medspaCy, then update MEDSPACY_VERSION"
    )


def test_every_internal_is_reachable_on_the_built_pipeline(nlp: Language) -> None:
    # Act / Assert: raises MedspacyInternalsChanged naming the attribute that moved
    medspacy_internals.check(
        nlp.get_pipe("medspacy_target_matcher"), nlp.get_pipe("extractor_sections"), nlp.get_pipe("extractor_context")
    )


def test_the_gated_backend_replaced_medspacys_regex_matcher(nlp: Language) -> None:
    from extractor.search.matcher import GatedRegexMatcher

    # Arrange
    matchers = [medspacy_internals.component_matcher(nlp.get_pipe(n)) for n in ("medspacy_target_matcher", "extractor_sections")]
    # Assert
    assert all(isinstance(medspacy_internals.regex_matcher(m), GatedRegexMatcher) for m in matchers)


def test_a_moved_internal_is_a_loud_error() -> None:
    import pytest

    class Moved:
        pass

    with pytest.raises(medspacy_internals.MedspacyInternalsChanged, match="_MedspacyMatcher__matcher"):
        medspacy_internals.token_matcher(Moved())
