"""The cohort record and the mention: the single source of the output schema.

Everything written by the tool (records, mentions, JSON Schema) is produced from
these models; `../shared/spec/cohort-record.md` is the contract they mirror.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

FindingStatus = Literal["present", "absent"]
IHCResult = Literal["positive", "negative", "equivocal", "not_done"]
Comparator = Literal["=", ">", "<"]
Timing = Literal["preoperative", "postoperative", "unknown"]
MarkerStatus = Literal["elevated", "normal", "low"]

FINDING_KEYS: tuple[str, ...] = (
    "nme",
    "diabetes",
    "igt",
    "stomatitis",
    "weight_loss",
    "anemia",
    "diarrhea",
    "dvt",
    "depression",
)
SERUM_MARKER_KEYS: tuple[str, ...] = ("chromogranin_a", "nse", "gastrin", "insulin", "c_peptide")
IHC_KEYS: tuple[str, ...] = (
    "glucagon",
    "chromogranin_a",
    "synaptophysin",
    "sstr2",
    "gastrin",
    "insulin",
    "somatostatin",
    "cd56",
    "nse",
    "cytokeratin",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Findings(_Strict):
    """Presenting findings: present, absent (explicitly negated, never asserted) or null."""

    nme: FindingStatus | None = None
    diabetes: FindingStatus | None = None
    igt: FindingStatus | None = None
    stomatitis: FindingStatus | None = None
    weight_loss: FindingStatus | None = None
    anemia: FindingStatus | None = None
    diarrhea: FindingStatus | None = None
    dvt: FindingStatus | None = None
    depression: FindingStatus | None = None


class GlucagonValue(_Strict):
    """One plasma/serum glucagon measurement, converted to pg/mL."""

    value: float
    comparator: Comparator = "="
    unit: Literal["pg/mL"] = "pg/mL"
    timing: Timing = "unknown"


class SerumMarker(_Strict):
    value: float | None = None
    unit: str | None = None
    status: MarkerStatus | None = None


class SerumMarkers(_Strict):
    chromogranin_a: SerumMarker | None = None
    nse: SerumMarker | None = None
    gastrin: SerumMarker | None = None
    insulin: SerumMarker | None = None
    c_peptide: SerumMarker | None = None


class IHC(_Strict):
    glucagon: IHCResult | None = None
    chromogranin_a: IHCResult | None = None
    synaptophysin: IHCResult | None = None
    sstr2: IHCResult | None = None
    gastrin: IHCResult | None = None
    insulin: IHCResult | None = None
    somatostatin: IHCResult | None = None
    cd56: IHCResult | None = None
    nse: IHCResult | None = None
    cytokeratin: IHCResult | None = None


class TNM(_Strict):
    t: str | None = None
    n: str | None = None
    m: str | None = None
    stage: str | None = None


class SomatostatinAnalogue(_Strict):
    drug: Literal["octreotide", "octreotide_lar", "lanreotide", "pasireotide"]
    dose: float | None = None
    unit: Literal["mg", "ug"] | None = None
    frequency: str | None = None


class PRRT(_Strict):
    agent: str
    activity: str | None = None
    cycles: int | None = None


AssertionFlag = Literal["negated", "historical", "hypothetical", "family", "uncertain"]

EVIDENCE_CONTEXT_KEYS: tuple[str, ...] = ("date", "section", "flags", "rule")
"""The keys an evidence span adds to the spec's ``{doc_id, start, end, text}``."""


class EvidenceSpan(_Strict):
    """A span of a note that supports a value; `start`/`end` are character offsets.

    ``doc_id``, ``start``, ``end`` and ``text`` are the spec's span. ``date``,
    ``section``, ``flags`` and ``rule`` are additive: where the pipeline cites a
    mention they say when the note was written, where in it the span sits, which
    ConText flags the mention carries (``["negated"]`` is why ``dvt: "absent"``
    cites "DVT") and which rule matched, so the JSON explains itself. A span
    that has none of them (a gold record, an older output) is written with the
    spec's four keys only; readers must not require them.
    """

    doc_id: str
    start: int = Field(ge=0, description="character offset into the document text")
    end: int = Field(ge=0, description="character offset (exclusive) into the document text")
    text: str
    date: str | None = Field(default=None, description="the note's date (YYYY-MM-DD), when known")
    section: str | None = Field(default=None, description="the section the span sits in, when known")
    flags: list[AssertionFlag] | None = Field(
        default=None, description="ConText flags of the cited mention ([] when it carries none)"
    )
    rule: str | None = Field(default=None, description="the id of the rule that matched")

    @model_serializer(mode="wrap")
    def _spec_keys_unless_context(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        if all(getattr(self, key) is None for key in EVIDENCE_CONTEXT_KEYS):
            for key in EVIDENCE_CONTEXT_KEYS:
                data.pop(key, None)
        return data


class CohortRecord(_Strict):
    """One patient's cohort record, exactly the keys of the spec, plus `evidence`."""

    patient_id: str
    sex: Literal["female", "male"] | None = None
    age_at_diagnosis: int | None = None
    findings: Findings = Field(default_factory=Findings)
    first_department: str | None = None
    skin_biopsy_diagnostic: bool | None = None
    months_symptoms_to_diagnosis: float | None = None
    glucagon: list[GlucagonValue] = Field(default_factory=list)
    glucagon_peak_pg_ml: float | None = None
    glucagon_post_surgery_pg_ml: float | None = None
    serum_markers: SerumMarkers = Field(default_factory=SerumMarkers)
    ihc: IHC = Field(default_factory=IHC)
    ki67_percent: float | None = None
    who_grade: Literal["G1", "G2", "G3"] | None = None
    tumor_location: list[Literal["head", "uncinate", "neck", "body", "tail"]] = Field(
        default_factory=list
    )
    tumor_size_cm: list[float] | None = None
    metastasis_sites: (
        list[Literal["liver", "lymph_nodes", "bone", "lung", "peritoneum", "other"]] | None
    ) = None
    tnm: TNM | None = None
    surgery: list[str] = Field(default_factory=list)
    somatostatin_analogue: list[SomatostatinAnalogue] = Field(default_factory=list)
    amino_acid_infusion: bool | None = None
    zinc_supplementation: bool | None = None
    systemic_therapy: list[str] = Field(default_factory=list)
    prrt: PRRT | None = None
    locoregional_therapy: list[Literal["tace", "tae", "rfa", "microwave_ablation", "sirt"]] = (
        Field(default_factory=list)
    )
    symptoms_improved: bool | None = None
    days_to_improvement: float | None = None
    vital_status: Literal["alive", "deceased"] | None = None
    survival_months_from_diagnosis: float | None = None
    evidence: dict[str, list[EvidenceSpan]] = Field(default_factory=dict)


RECORD_KEYS: tuple[str, ...] = tuple(k for k in CohortRecord.model_fields if k != "evidence")


class Assertion(_Strict):
    """ConText flags of a mention (medspaCy attributes, spec BRAT attribute names)."""

    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    family: bool = False
    uncertain: bool = False

    @property
    def counts_for_patient(self) -> bool:
        """True when the mention asserts something about this patient (historical counts)."""
        return not (self.hypothetical or self.family or self.uncertain)


class Mention(_Strict):
    """One extracted mention in one document: the unit between Doc and record."""

    label: str = Field(description="the record key the mention supports, e.g. 'nme', 'glucagon'")
    value: Any = Field(default=None, description="the normalised value for that key")
    assertion: Assertion = Field(default_factory=Assertion)
    section: str | None = None
    doc_id: str
    start: int = Field(ge=0, description="character offset into the document text")
    end: int = Field(ge=0, description="character offset (exclusive) into the document text")
    text: str
    rule: str | None = Field(default=None, description="the id of the rule that matched")


class ErrorRow(_Strict):
    """A note or input that could not be (fully) used; never contains note text."""

    source: str = Field(description="file, archive member or file:line")
    patient_id: str | None = None
    doc_id: str | None = None
    kind: str = Field(description="e.g. unreadable, not_utf8, empty, binary, too_long, timeout, error")
    reason: str
    fatal: bool = Field(description="true when the note could not be processed at all")


def record_json_schema() -> dict[str, Any]:
    """JSON Schema of the cohort record, generated from the model."""
    return CohortRecord.model_json_schema()
