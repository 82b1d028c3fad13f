"""The field catalogue: one row per field of the cohort record, the one home of what a field is.

A row says which mention labels feed the field and which value component gives
those mentions their values, how negated / uncertain / historical / family
mentions count (its assertion policy), how the mentions of all notes become
one value (its merge: a named function of :mod:`extractor.aggregate`), in what
order list items are written, and how it is scored (its scoring units, their
tolerance, whether ``[]`` is a value). Aggregation, scoring, the value
components' label lists, rule validation and the README's field table read it;
nothing else restates it. ``tests/unit/test_fields.py`` ties it to the pydantic
models and to the spec's "Scoring units".

The keys, types and vocabularies of the record are the pydantic models'
(:mod:`extractor.schema`); this module adds what the models cannot say.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from extractor.schema import CohortRecord, IHC, SerumMarkers, TNM, Findings

Component = Literal["lab_values", "ihc", "pathology", "treatments", "clinical"]
"""The value component that gives a label's mentions their values."""

ListOrder = Literal["vocabulary", "alphabetical", "as_found", "largest_first"]
"""How list items are written: in the vocabulary's order (the spec's), sorted
alphabetically, in the order the notes state them (notes in date order), or
largest first (tumour dimensions)."""

ScoringKind = Literal["value", "sub_keys", "marker_value_status", "parts", "largest", "items", "measurements", "regimens"]
"""How a field turns into the spec's scoring units (see :attr:`Field.scoring_units`)."""


@dataclass(frozen=True)
class AssertionPolicy:
    """How a mention's ConText flags decide whether it counts for the patient.

    Family and hypothetical mentions never count; historical ones always do.

    Attributes
    ----------
    name
        Short name used in tables.
    negation_ignored
        A negated mention still states the value: the value's own parser reads
        polarity ("IHC negative", "biopsy not consistent with NME") or the value
        is a measurement. Otherwise a negated mention does not assert; the merge
        may read it as a statement of absence ("absent", ``false``, ``[]``).
    uncertain_counts
        Hedged mentions ("possible", "suspicious for", a differential) count.
    meaning
        One line for the README.
    """

    name: str
    negation_ignored: bool
    uncertain_counts: bool
    meaning: str


ASSERTED = AssertionPolicy(
    "asserted",
    negation_ignored=False,
    uncertain_counts=False,
    meaning="asserted mentions; a negated one states absence; uncertain ones never count",
)
STATED_VALUE = AssertionPolicy(
    "stated value",
    negation_ignored=True,
    uncertain_counts=True,
    meaning="the stated value counts whatever ConText says (its parser reads polarity); hedging tolerated",
)
TUMOUR_SITE = AssertionPolicy(
    "tumour site",
    negation_ignored=False,
    uncertain_counts=True,
    meaning="asserted mentions, hedged ones included; negated ones never count",
)


@dataclass(frozen=True)
class Field:
    """One top-level field of the cohort record.

    Attributes
    ----------
    key
        The record key.
    labels
        Mention labels whose values make the field, in the order its merge reads
        them.
    valued_by
        The value component that parses those labels' mentions.
    assertion
        Which of those mentions count.
    merge
        Name of the merge function (``extractor.aggregate.MERGES``): how the
        mentions of all notes (in date order) become one value.
    reads
        Other labels the merge consults (a tumour diagnosis, a tumour operation).
    list_order
        Order of list items (list fields only).
    scoring
        How the field is scored: its kind of scoring units.
    parts
        For ``scoring="parts"``: the sub-keys scored one unit each.
    absolute_tolerance
        Numbers match within 0.5 absolute instead of 1% relative.
    empty_list_is_value
        ``[]`` is a value (the item "none"), not nothing.
    aliases
        Item spellings scored as another item (``sulfatinib`` = ``surufatinib``).
    """

    key: str
    labels: tuple[str, ...]
    valued_by: Component
    assertion: AssertionPolicy
    merge: str
    reads: tuple[str, ...] = ()
    list_order: ListOrder | None = None
    scoring: ScoringKind = "value"
    parts: tuple[str, ...] = ()
    absolute_tolerance: bool = False
    empty_list_is_value: bool = False
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def sub_keys(self) -> tuple[str, ...]:
        """The fixed keys of an object field, from its model (``()`` for other fields)."""
        model = _object_model(self.key)
        return tuple(model.model_fields) if model is not None else ()

    @property
    def scoring_units(self) -> tuple[str, ...]:
        """The names of the spec's scoring units this field gives.

        ``value`` and ``items`` fields give their key; ``measurements`` (glucagon
        values) too; ``sub_keys`` fields one per sub-key (``findings.nme``);
        ``marker_value_status`` two per marker (``serum_markers.nse.value``,
        ``serum_markers.nse.status``); ``parts`` one per listed part
        (``prrt.agent``); ``largest`` its largest number (``tumor_size_cm.max``);
        ``regimens`` the drug, the (drug, dose) and the (drug, frequency)
        (``somatostatin_analogue.drug``, ``.dose``, ``.frequency``).
        """
        key = self.key
        if self.scoring == "sub_keys":
            return tuple(f"{key}.{sub}" for sub in self.sub_keys)
        if self.scoring == "marker_value_status":
            return tuple(f"{key}.{sub}.{part}" for sub in self.sub_keys for part in ("value", "status"))
        if self.scoring == "parts":
            return tuple(f"{key}.{part}" for part in self.parts)
        if self.scoring == "largest":
            return (f"{key}.max",)
        if self.scoring == "regimens":
            return (f"{key}.drug", f"{key}.dose", f"{key}.frequency")
        return (key,)

    @property
    def vocabulary(self) -> tuple[str, ...]:
        """The closed vocabulary of a list field's items, from its model (``()`` when open)."""
        return _literal_values(CohortRecord.model_fields[self.key].annotation)


def _object_model(key: str) -> type | None:
    return {"findings": Findings, "serum_markers": SerumMarkers, "ihc": IHC, "tnm": TNM}.get(key)


def _literal_values(annotation: object) -> tuple[str, ...]:
    """The strings of the Literal(s) inside an annotation (``list[Literal[...] | Literal[...]] | None``)."""
    if typing.get_origin(annotation) is Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    return tuple(v for arg in typing.get_args(annotation) for v in _literal_values(arg))


FINDINGS_LABELS: tuple[str, ...] = tuple(Findings.model_fields)
"""Each finding is fed by the label of the same name."""

FIELDS: tuple[Field, ...] = (
    Field("sex", ("age_at_diagnosis", "sex"), "clinical", STATED_VALUE, "first_sex_stated"),
    Field(
        "age_at_diagnosis", ("age_at_diagnosis", "sex"), "clinical", STATED_VALUE, "age_at_diagnosis",
        reads=("diagnosis", "tumor_location"), absolute_tolerance=True,
    ),
    Field("findings", FINDINGS_LABELS, "clinical", ASSERTED, "findings_present_absent", scoring="sub_keys"),
    Field("first_department", ("first_department",), "clinical", STATED_VALUE, "first_department"),
    Field("skin_biopsy_diagnostic", ("skin_biopsy_diagnostic",), "clinical", STATED_VALUE, "skin_biopsy"),
    Field(
        "months_symptoms_to_diagnosis", ("months_symptoms_to_diagnosis",), "clinical", STATED_VALUE,
        "symptom_duration_before_diagnosis", reads=("diagnosis", "tumor_location"), absolute_tolerance=True,
    ),
    Field(
        "glucagon", ("glucagon",), "lab_values", STATED_VALUE, "glucagon_measurements",
        reads=("surgery",), list_order="as_found", scoring="measurements",
    ),
    Field("glucagon_peak_pg_ml", ("glucagon",), "lab_values", STATED_VALUE, "glucagon_peak", reads=("surgery",)),
    Field(
        "glucagon_post_surgery_pg_ml", ("glucagon",), "lab_values", STATED_VALUE, "glucagon_after_surgery",
        reads=("surgery",),
    ),
    Field(
        "serum_markers", ("serum_markers",), "lab_values", STATED_VALUE, "serum_marker_first_preoperative",
        scoring="marker_value_status",
    ),
    Field("ihc", ("ihc",), "ihc", STATED_VALUE, "ihc_strongest_result", scoring="sub_keys"),
    Field("ki67_percent", ("ki67_percent",), "pathology", STATED_VALUE, "highest", absolute_tolerance=True),
    Field("who_grade", ("who_grade",), "pathology", STATED_VALUE, "who_grade", reads=("ki67_percent", "diagnosis")),
    Field(
        "tumor_location", ("tumor_location",), "pathology", TUMOUR_SITE, "ordered_set",
        list_order="vocabulary", scoring="items",
    ),
    Field(
        "tumor_size_cm", ("tumor_size_cm",), "pathology", TUMOUR_SITE, "tumour_size",
        list_order="largest_first", scoring="largest",
    ),
    Field(
        "metastasis_sites", ("metastasis_sites",), "pathology", ASSERTED, "metastasis_sites",
        list_order="vocabulary", scoring="items", empty_list_is_value=True,
    ),
    Field("tnm", ("tnm",), "pathology", STATED_VALUE, "tnm_first_parts", scoring="sub_keys"),
    Field(
        "surgery", ("surgery",), "treatments", ASSERTED, "tumour_operations", list_order="vocabulary",
        scoring="items",
    ),
    Field(
        "somatostatin_analogue", ("somatostatin_analogue",), "treatments", ASSERTED, "analogue_regimens",
        list_order="as_found", scoring="regimens",
    ),
    Field("amino_acid_infusion", ("amino_acid_infusion",), "treatments", ASSERTED, "given_or_negated"),
    Field("zinc_supplementation", ("zinc_supplementation",), "treatments", ASSERTED, "given_or_negated"),
    Field(
        "systemic_therapy", ("systemic_therapy",), "treatments", ASSERTED, "ordered_set",
        list_order="alphabetical", scoring="items", aliases=MappingProxyType({"sulfatinib": "surufatinib"}),
    ),
    Field("prrt", ("prrt",), "treatments", ASSERTED, "prrt_first_named", scoring="parts", parts=("agent", "cycles")),
    Field(
        "locoregional_therapy", ("locoregional_therapy",), "treatments", ASSERTED, "ordered_set",
        list_order="alphabetical", scoring="items",
    ),
    Field(
        "symptoms_improved", ("symptoms_improved",), "clinical", STATED_VALUE, "syndrome_improved",
        reads=("diagnosis", "nme"),
    ),
    Field(
        "days_to_improvement", ("symptoms_improved",), "clinical", STATED_VALUE, "days_to_rash_improvement",
        reads=("diagnosis", "nme"), absolute_tolerance=True,
    ),
    Field("vital_status", ("vital_status",), "clinical", ASSERTED, "vital_status"),
    Field(
        "survival_months_from_diagnosis", ("vital_status",), "clinical", ASSERTED, "survival_if_deceased",
        absolute_tolerance=True,
    ),
)
"""Every field of the record, in record order (``patient_id`` and ``evidence`` are not fields)."""


@dataclass(frozen=True)
class HelperLabel:
    """A mention label that feeds no field directly but is read by merges or components."""

    name: str
    valued_by: Component
    assertion: AssertionPolicy
    meaning: str
    from_rules: bool = True


HELPER_LABELS: tuple[HelperLabel, ...] = (
    HelperLabel(
        "diagnosis", "clinical", ASSERTED,
        "a stated tumour diagnosis (glucagonoma, pNET): age and months to diagnosis, grade from Ki-67 and "
        "improvement need one",
    ),
    HelperLabel(
        "malignancy_diagnosis", "clinical", ASSERTED,
        "a malignancy newly diagnosed in the note ('recently diagnosed squamous cell carcinoma'): the age the "
        "note states is the age at that tumour's diagnosis",
    ),
    HelperLabel(
        "malignancy", "pathology", ASSERTED,
        "a malignant neoplasm or neuroendocrine tumour stated for the patient (carcinoma, lymphoma, a NET): "
        "a size of an unnamed 'mass' or 'lesion', and 'no metastasis', are the tumour's only when one is",
    ),
    HelperLabel(
        "marker", "lab_values", STATED_VALUE,
        "a hormone or marker name: becomes a glucagon or serum marker value, an IHC stain, or is dropped",
    ),
)

DERIVED_LABELS: frozenset[str] = frozenset({"glucagon", "serum_markers", "ihc"})
"""Labels no target rule carries: the lab-values component makes them from ``marker`` mentions."""

FIELDS_BY_KEY: Mapping[str, Field] = MappingProxyType({f.key: f for f in FIELDS})


def field_labels() -> tuple[str, ...]:
    """Every label that feeds a field, each once, in catalogue order."""
    return tuple(dict.fromkeys(label for f in FIELDS for label in f.labels))


def assertion_policies() -> dict[str, AssertionPolicy]:
    """The assertion policy of every label (a field label takes its fields' policy)."""
    policies = {label: f.assertion for f in FIELDS for label in f.labels}
    policies.update({h.name: h.assertion for h in HELPER_LABELS})
    return policies


def labels_valued_by(component: Component) -> tuple[str, ...]:
    """The labels whose mentions ``component`` gives values, in catalogue order."""
    found = [label for f in FIELDS if f.valued_by == component for label in f.labels]
    found += [h.name for h in HELPER_LABELS if h.valued_by == component]
    return tuple(dict.fromkeys(found))


def rule_labels() -> frozenset[str]:
    """The labels a target rule may carry: every field or helper label not derived from markers."""
    return frozenset(field_labels()) - DERIVED_LABELS | {h.name for h in HELPER_LABELS if h.from_rules}


def scoring_units() -> Iterator[tuple[Field, str]]:
    """(field, unit name) of every scoring unit of the record, in record order."""
    for f in FIELDS:
        for unit in f.scoring_units:
            yield f, unit


_TOLERANCE = {True: "±0.5", False: "1%"}


def _holds_numbers(annotation: object) -> bool:
    """Whether a field's type has a number anywhere in it (a list of, a model holding one)."""
    if annotation in (int, float):
        return True
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return any(_holds_numbers(f.annotation) for f in annotation.model_fields.values())  # type: ignore[attr-defined]
    return any(_holds_numbers(arg) for arg in typing.get_args(annotation))


def catalogue_table() -> str:
    """The catalogue as a Markdown table (the README's field table is this, between markers)."""
    rows = [
        "| field | mention labels (+ read) | which mentions count | merge | list order | scoring units | numbers |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in FIELDS:
        labels = ", ".join(f"`{label}`" for label in f.labels)
        if f.key == "findings":
            labels = "the finding's own label (`nme`, `diabetes`, ...)"
        if f.reads:
            labels += " (+ " + ", ".join(f"`{label}`" for label in f.reads) + ")"
        units = ", ".join(f"`{u}`" for u in f.scoring_units)
        if f.scoring == "sub_keys":
            units = f"`{f.key}.*` ({len(f.sub_keys)})"
        elif f.scoring == "marker_value_status":
            units = f"`{f.key}.<marker>.value`, `.status` ({2 * len(f.sub_keys)})"
        if f.scoring == "items":
            units += " per item" + (", `[]` = the item none" if f.empty_list_is_value else "")
        elif f.scoring == "measurements":
            units += " per measurement (paired within 1% + 0.5)"
        elif f.scoring == "regimens":
            units += " per distinct one"
        if f.aliases:
            units += "; " + ", ".join(f"{a} = {c}" for a, c in f.aliases.items())
        rows.append(
            f"| `{f.key}` | {labels} | {f.assertion.name} | `{f.merge}` | {f.list_order or '-'} | {units} | "
            f"{_TOLERANCE[f.absolute_tolerance] if _holds_numbers(CohortRecord.model_fields[f.key].annotation) else '-'} |"
        )
    return "\n".join(rows)
