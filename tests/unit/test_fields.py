"""The field catalogue agrees with the pydantic models, the rules, the merges and the spec."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from extractor.aggregate import MERGES
from extractor.fields import (
    DERIVED_LABELS,
    FIELDS,
    FIELDS_BY_KEY,
    HELPER_LABELS,
    assertion_policies,
    field_labels,
    labels_valued_by,
    scoring_units,
)
from extractor.ruleset import target_rules
from extractor.schema import CohortRecord

REPO = Path(__file__).resolve().parents[2]
# ../shared beside the repository (or beside the folder holding a git worktree)
SPEC = next(
    (p / "shared" / "spec" / "cohort-record.md" for p in REPO.parents if (p / "shared" / "spec").is_dir()),
    REPO.parent / "shared" / "spec" / "cohort-record.md",
)
ITEM_KINDS = {"items", "measurements", "regimens"}


def _model_of(key: str) -> type[BaseModel] | None:
    annotation = CohortRecord.model_fields[key].annotation
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _is_list(key: str) -> bool:
    annotation = CohortRecord.model_fields[key].annotation
    return typing.get_origin(annotation) is list or any(typing.get_origin(a) is list for a in typing.get_args(annotation))


def test_one_row_per_record_key_in_record_order() -> None:
    keys = [k for k in CohortRecord.model_fields if k not in ("patient_id", "evidence")]
    assert [f.key for f in FIELDS] == keys


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.key)
def test_object_fields_are_scored_by_their_model_keys(field) -> None:  # type: ignore[no-untyped-def]
    model = _model_of(field.key)
    if model is None or field.key == "glucagon" or field.key == "somatostatin_analogue":
        assert field.scoring not in ("sub_keys", "marker_value_status", "parts")
    elif field.scoring == "parts":
        assert set(field.parts) <= set(model.model_fields)
    else:
        assert field.scoring in ("sub_keys", "marker_value_status") and field.sub_keys == tuple(model.model_fields)


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.key)
def test_list_fields_and_only_they_have_an_order(field) -> None:  # type: ignore[no-untyped-def]
    assert (field.list_order is not None) == _is_list(field.key)
    if field.list_order == "vocabulary":
        assert field.vocabulary, "a vocabulary order needs a closed vocabulary in the model"
    assert not field.empty_list_is_value or _is_list(field.key)


def test_every_merge_is_a_registered_function_and_every_function_is_used() -> None:
    assert {f.merge for f in FIELDS} == set(MERGES)


def test_a_label_has_one_assertion_policy_and_one_component() -> None:
    # Arrange
    policies: dict[str, set[str]] = {}
    components: dict[str, set[str]] = {}
    for f in FIELDS:
        for label in f.labels:
            policies.setdefault(label, set()).add(f.assertion.name)
            components.setdefault(label, set()).add(f.valued_by)
    # Assert
    assert all(len(p) == 1 for p in policies.values()), policies
    assert all(len(c) == 1 for c in components.values()), components
    assert set(assertion_policies()) == set(field_labels()) | {h.name for h in HELPER_LABELS}


def test_every_label_is_made_by_some_rule_or_from_markers() -> None:
    rule_labels = {r.label for r in target_rules()}
    for label in [*field_labels(), *(h.name for h in HELPER_LABELS if h.from_rules)]:
        assert label in rule_labels or label in DERIVED_LABELS, f"no rule gives label {label}"
    assert not DERIVED_LABELS & rule_labels


def test_every_label_read_by_a_merge_exists() -> None:
    known = set(field_labels()) | {h.name for h in HELPER_LABELS}
    for f in FIELDS:
        assert set(f.reads) <= known, f.key


def test_the_value_components_together_value_every_rule_label() -> None:
    valued = {label for c in ("lab_values", "ihc", "pathology", "treatments", "clinical") for label in labels_valued_by(c)}
    assert {r.label for r in target_rules()} <= valued


# -- the spec's "Scoring units" -------------------------------------------------------


def _scoring_units_section() -> str:
    if not SPEC.exists():
        pytest.skip("../shared/spec/cohort-record.md not beside the repository")
    text = SPEC.read_text(encoding="utf-8")
    assert "### Scoring units" in text
    section = text.split("### Scoring units", 1)[1]
    return re.split(r"\n#{1,3} ", section)[0]


def _bullet(section: str, opening: str) -> str:
    bullets = re.split(r"\n- ", section)
    found = [b for b in bullets if b.startswith(opening)]
    assert len(found) == 1, f"no bullet opening {opening!r} in the spec's scoring units"
    return " ".join(found[0].split())


def _ticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def _spec_single_units(section: str) -> set[str]:
    bullet = _bullet(section, "One unit each:")
    units: set[str] = set()
    for token in _ticked(bullet):
        if token.endswith(".*"):
            key = token[:-2]
            stated = re.search(rf"the (\d+) `{re.escape(token)}`", bullet)
            subs = tuple(_model_of(key).model_fields)  # type: ignore[union-attr]
            assert stated and int(stated.group(1)) == len(subs), f"the spec counts {token} differently"
            units |= {f"{key}.{sub}" for sub in subs}
        elif "<marker>" in token:
            key, _, part = token.split(".")
            subs = tuple(_model_of(key).model_fields)  # type: ignore[union-attr]
            stated = re.search(r"for each of the (\d+) markers", bullet)
            assert stated and int(stated.group(1)) == len(subs)
            units |= {f"{key}.{sub}.{part}" for sub in subs}
        else:
            units.add(token)
    return units


def test_single_value_units_are_the_specs() -> None:
    # Arrange
    expected = _spec_single_units(_scoring_units_section())
    # Act
    ours = {unit for field, unit in scoring_units() if field.scoring not in ITEM_KINDS}
    # Assert
    assert ours == expected


def test_item_units_are_the_specs() -> None:
    bullet = _bullet(_scoring_units_section(), "One unit per distinct item:")
    keys = [t for t in _ticked(bullet) if t in CohortRecord.model_fields]
    assert {f.key for f in FIELDS if f.scoring == "items"} == set(keys) - {"glucagon", "somatostatin_analogue"}
    assert FIELDS_BY_KEY["glucagon"].scoring == "measurements" and "paired one to one" in bullet
    assert FIELDS_BY_KEY["somatostatin_analogue"].scoring == "regimens"
    assert "each drug, each (drug, dose) and each (drug, frequency)" in bullet
    empty_is_value = re.findall(r"`(\w+)` \(`\[\]` is the one item", bullet)
    assert {f.key for f in FIELDS if f.empty_list_is_value} == set(empty_is_value)


def test_tolerances_and_aliases_are_the_specs() -> None:
    bullet = _bullet(_scoring_units_section(), "Tolerances:")
    absolute = _ticked(bullet.split("0.5 absolute for", 1)[1].split(";", 1)[0])
    assert {f.key for f in FIELDS if f.absolute_tolerance} == set(absolute)
    aliases = dict(re.findall(r"`(\w+)` = `(\w+)`", bullet))
    assert {a: c for f in FIELDS for a, c in f.aliases.items()} == aliases


def test_every_record_key_is_scored_by_the_spec() -> None:
    section = _scoring_units_section()
    mentioned = {u.split(".")[0] for u in _spec_single_units(section)} | set(
        _ticked(_bullet(section, "One unit per distinct item:"))
    )
    assert {f.key for f in FIELDS} <= mentioned


def test_the_readme_field_table_is_the_catalogues() -> None:
    from extractor.fields import catalogue_table

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- field-table:start -->\n", 1)[1].split("\n<!-- field-table:end -->", 1)[0]
    assert block == catalogue_table(), "regenerate it: python bench/field_table.py --write"
