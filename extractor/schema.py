"""The cohort record and the mention: the single source of the output schema.

Everything written by the tool (records, mentions, JSON Schema) is produced from
these models; `../shared/spec/cohort-record.md` is the contract they mirror.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FindingStatus = Literal["present", "absent"]
IHCResult = Literal["positive", "negative", "equivocal", "not_done"]
Comparator = Literal["=", ">", "<"]
Timing = Literal["preoperative", "postoperative", "unknown"]
MarkerStatus = Literal["elevated", "normal", "low"]
SurgicalProcedure = Literal[
    "pancreaticoduodenectomy",
    "pylorus_preserving_pancreaticoduodenectomy",
    "distal_pancreatectomy",
    "enucleation",
    "total_pancreatectomy",
    "splenectomy",
    "hepatic_metastasectomy",
    "liver_transplant",
    "exploration",
    "other",
]
SurgicalApproach = Literal["robotic", "laparoscopic"]

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _finding(meaning: str) -> Any:
    return Field(
        default=None,
        description=f"{meaning}: 'present' when a note asserts it for the patient (now or in the past), "
        "'absent' when a note negates it and none asserts it, null when no note says",
    )


class Findings(_Strict):
    """Presenting findings of the patient; family history, differentials and "rule out" never count."""

    nme: FindingStatus | None = _finding(
        "necrolytic migratory erythema, named as such or a skin biopsy read as NME (an unnamed rash is not)"
    )
    diabetes: FindingStatus | None = _finding("diabetes mellitus (type 2, new-onset, hyperglycaemia needing treatment)")
    igt: FindingStatus | None = _finding("impaired glucose tolerance, impaired fasting glucose or prediabetes, without diabetes")
    stomatitis: FindingStatus | None = _finding("stomatitis, glossitis, cheilitis or aphthous ulcers")
    weight_loss: FindingStatus | None = _finding("weight loss or cachexia")
    anemia: FindingStatus | None = _finding("anaemia of any kind")
    diarrhea: FindingStatus | None = _finding("diarrhoea")
    dvt: FindingStatus | None = _finding("deep vein thrombosis, venous thromboembolism or pulmonary embolism")
    depression: FindingStatus | None = _finding("depression or another neuropsychiatric disturbance")


class GlucagonValue(_Strict):
    """One plasma or serum glucagon measurement, converted to pg/mL."""

    value: float = Field(
        description="the measured value in pg/mL (1 pmol/L = 3.485 pg/mL; 1 ng/L = 1 pg/mL; 1 ng/mL = 1000 pg/mL)"
    )
    comparator: Comparator = Field(default="=", description="'>' or '<' for a value stated as above or below a bound")
    unit: Literal["pg/mL"] = Field(default="pg/mL", description="always pg/mL")
    timing: Timing = Field(
        default="unknown",
        description="before or after the first tumour operation; 'unknown' when no tumour operation is mentioned",
    )


class SerumMarker(_Strict):
    """A serum tumour marker: the first value before tumour surgery, with the unit as stated."""

    value: float | None = Field(default=None, description="the number as stated (never converted)")
    unit: str | None = Field(default=None, description="the unit as stated, e.g. 'ng/mL', 'µg/L', 'U/L'")
    status: MarkerStatus | None = Field(
        default=None, description="against the stated reference range, else as the note words it"
    )


def _marker(name: str) -> Any:
    return Field(default=None, description=f"serum {name}; null when no note gives a value or a status")


class SerumMarkers(_Strict):
    """Serum tumour markers other than glucagon."""

    chromogranin_a: SerumMarker | None = _marker("chromogranin A")
    nse: SerumMarker | None = _marker("neuron-specific enolase")
    gastrin: SerumMarker | None = _marker("gastrin")
    insulin: SerumMarker | None = _marker("insulin")
    c_peptide: SerumMarker | None = _marker("C-peptide")


def _stain(name: str) -> Any:
    return Field(
        default=None,
        description=f"{name} immunostain of the tumour: 'equivocal' for weak, focal or ±; "
        "the strongest result when specimens differ; null when not reported",
    )


class IHC(_Strict):
    """Immunohistochemistry of the tumour."""

    glucagon: IHCResult | None = _stain("glucagon")
    chromogranin_a: IHCResult | None = _stain("chromogranin A")
    synaptophysin: IHCResult | None = _stain("synaptophysin")
    sstr2: IHCResult | None = _stain("somatostatin receptor 2")
    gastrin: IHCResult | None = _stain("gastrin")
    insulin: IHCResult | None = _stain("insulin")
    somatostatin: IHCResult | None = _stain("somatostatin")
    cd56: IHCResult | None = _stain("CD56")
    nse: IHCResult | None = _stain("neuron-specific enolase")
    cytokeratin: IHCResult | None = _stain("cytokeratin (any keratin stain)")


class TNM(_Strict):
    """TNM classification as stated; each part may be null."""

    t: str | None = Field(default=None, description="primary tumour category, e.g. 'T2', 'Tx', 'Tis'")
    n: str | None = Field(default=None, description="regional node category, e.g. 'N0', 'N1', 'NX'")
    m: str | None = Field(default=None, description="distant metastasis category, e.g. 'M0', 'M1'")
    stage: str | None = Field(default=None, description="stage group in upper-case Roman numerals with its letter, e.g. 'IIA', 'IV'")


class SomatostatinAnalogue(_Strict):
    """One somatostatin analogue regimen."""

    drug: Literal["octreotide", "octreotide_lar", "lanreotide", "pasireotide"] = Field(
        description="the analogue; 'octreotide_lar' is the long-acting depot"
    )
    dose: float | None = Field(default=None, description="the dose per administration, in `unit`")
    unit: Literal["mg", "ug"] | None = Field(default=None, description="the dose's unit (micrograms as 'ug')")
    frequency: str | None = Field(
        default=None,
        description="'monthly', 'every_28_days', 'daily', 'twice_daily', 'three_times_daily', or the stated text",
    )


class PRRT(_Strict):
    """Peptide receptor radionuclide therapy."""

    agent: str = Field(description="the radiopharmaceutical, written like '177Lu-DOTATATE' or '90Y-DOTATOC'")
    activity: str | None = Field(default=None, description="the activity as stated, e.g. '7.4 GBq', '200 mCi'")
    cycles: int | None = Field(default=None, description="the number of cycles given")


FINDING_KEYS: tuple[str, ...] = tuple(Findings.model_fields)
SERUM_MARKER_KEYS: tuple[str, ...] = tuple(SerumMarkers.model_fields)
IHC_KEYS: tuple[str, ...] = tuple(IHC.model_fields)
TNM_KEYS: tuple[str, ...] = tuple(TNM.model_fields)


class EvidenceSpan(_Strict):
    """A span of a note that supports a value; `start`/`end` are character offsets."""

    doc_id: str = Field(description="the document the span is in")
    start: int = Field(ge=0, description="character offset into the document text")
    end: int = Field(ge=0, description="character offset (exclusive) into the document text")
    text: str = Field(description="the document text between start and end")


class CohortRecord(_Strict):
    """One patient's cohort record: every key of the spec (null when the notes do not say), plus `evidence`."""

    patient_id: str = Field(description="the id the notes were grouped by")
    sex: Literal["female", "male"] | None = Field(default=None, description="as a note states it ('woman', 'F', 'Mrs')")
    age_at_diagnosis: int | None = Field(
        default=None, description="age in years at the diagnosis of the tumour; null when only a later age is stated"
    )
    findings: Findings = Field(default_factory=Findings, description="presenting findings")
    first_department: str | None = Field(
        default=None,
        description="lower-case specialty where the patient first presented or was first referred for the "
        "presenting complaint, e.g. 'dermatology', 'endocrinology', 'general practice'",
    )
    skin_biopsy_diagnostic: bool | None = Field(
        default=None, description="a skin biopsy was read as NME (true), or was done and was not (false)"
    )
    months_symptoms_to_diagnosis: float | None = Field(
        default=None, description="months from the first symptom to the diagnosis of the tumour"
    )
    glucagon: list[GlucagonValue] = Field(
        default_factory=list, description="every plasma/serum glucagon measurement stated, in pg/mL, in date order"
    )
    glucagon_peak_pg_ml: float | None = Field(
        default=None, description="the highest glucagon in pg/mL before any tumour surgery (overall without surgery)"
    )
    glucagon_post_surgery_pg_ml: float | None = Field(
        default=None, description="the first glucagon in pg/mL after tumour surgery"
    )
    serum_markers: SerumMarkers = Field(default_factory=SerumMarkers, description="serum tumour markers")
    ihc: IHC = Field(default_factory=IHC, description="tumour immunohistochemistry")
    ki67_percent: float | None = Field(
        default=None, description="Ki-67 proliferation index in percent; a range gives its upper bound, '<2%' gives 2"
    )
    who_grade: Literal["G1", "G2", "G3"] | None = Field(
        default=None, description="WHO grade as stated, else from Ki-67 (G1 < 3, G2 3-20, G3 > 20)"
    )
    tumor_location: list[Literal["head", "uncinate", "neck", "body", "tail"]] = Field(
        default_factory=list, description="parts of the pancreas the tumour is in"
    )
    tumor_size_cm: list[float] | None = Field(
        default=None,
        description="dimensions in cm, largest first (mm converted); pathology over imaging, the largest tumour",
    )
    metastasis_sites: (
        list[Literal["liver", "lymph_nodes", "bone", "lung", "peritoneum", "other"]] | None
    ) = Field(default=None, description="metastatic sites; [] when the notes state there is none, null when they say nothing")
    tnm: TNM | None = Field(default=None, description="TNM classification; null when not stated")
    surgery: list[SurgicalProcedure | SurgicalApproach] = Field(
        default_factory=list,
        description="tumour operations done (not planned, not declined), with 'robotic' or 'laparoscopic' where stated",
    )
    somatostatin_analogue: list[SomatostatinAnalogue] = Field(
        default_factory=list, description="somatostatin analogue regimens given (a named drug only)"
    )
    amino_acid_infusion: bool | None = Field(default=None, description="amino acid infusion or parenteral amino acids given")
    zinc_supplementation: bool | None = Field(default=None, description="oral or topical zinc given")
    systemic_therapy: list[str] = Field(
        default_factory=list,
        description="lower-case generic names of chemotherapy and targeted agents, e.g. 'everolimus', "
        "'sunitinib', 'surufatinib', 'streptozocin', 'temozolomide', 'capecitabine', '5-fluorouracil'",
    )
    prrt: PRRT | None = Field(default=None, description="peptide receptor radionuclide therapy; null when none stated")
    locoregional_therapy: list[Literal["tace", "tae", "rfa", "microwave_ablation", "sirt"]] = Field(
        default_factory=list, description="liver-directed treatments given"
    )
    symptoms_improved: bool | None = Field(default=None, description="NME or the syndrome improved after treatment")
    days_to_improvement: float | None = Field(
        default=None, description="days after surgery at which the rash was seen to improve"
    )
    vital_status: Literal["alive", "deceased"] | None = Field(
        default=None, description="as a note states it; any stated death wins over earlier 'alive' wording"
    )
    survival_months_from_diagnosis: float | None = Field(
        default=None, description="months from the diagnosis of the tumour to death, for the deceased, as stated"
    )
    evidence: dict[str, list[EvidenceSpan]] = Field(
        default_factory=dict,
        description="for every non-null value, the note spans that support it, keyed by its dotted path "
        "('findings.nme', 'ki67_percent', 'glucagon[0]')",
    )


RECORD_KEYS: tuple[str, ...] = tuple(k for k in CohortRecord.model_fields if k != "evidence")


class Assertion(_Strict):
    """ConText flags of a mention (medspaCy attributes, spec BRAT attribute names)."""

    negated: bool = Field(default=False, description="the note says it is not so ('no rash', 'denies')")
    historical: bool = Field(default=False, description="said of the past (it still counts for the patient)")
    hypothetical: bool = Field(default=False, description="planned, feared or conditional ('rule out', 'if ...')")
    family: bool = Field(default=False, description="said of a relative")
    uncertain: bool = Field(default=False, description="hedged ('possible', 'suspicious for') or in a differential")


class Mention(_Strict):
    """One extracted mention in one document: the unit between Doc and record."""

    label: str = Field(description="the record key the mention supports, e.g. 'nme', 'glucagon'")
    value: Any = Field(default=None, description="the normalised value for that key")
    assertion: Assertion = Field(default_factory=Assertion, description="what ConText says about it")
    section: str | None = Field(default=None, description="the section category of its heading (None before any)")
    doc_id: str = Field(description="the document it is in")
    start: int = Field(ge=0, description="character offset into the document text")
    end: int = Field(ge=0, description="character offset (exclusive) into the document text")
    text: str = Field(description="the document text between start and end")
    rule: str | None = Field(default=None, description="the id of the rule that matched")


class ErrorRow(_Strict):
    """A note or input that could not be (fully) used; never contains note text."""

    source: str = Field(description="file, archive member or file:line")
    patient_id: str | None = Field(default=None, description="the patient, when known")
    doc_id: str | None = Field(default=None, description="the document, when known")
    kind: str = Field(description="e.g. unreadable, not_utf8, empty, binary, too_long, timeout, error")
    reason: str = Field(description="why, in words; file names and exception classes only")
    fatal: bool = Field(description="true when the note could not be processed at all")


def record_json_schema() -> dict[str, Any]:
    """JSON Schema of the cohort record, generated from the model."""
    return CohortRecord.model_json_schema()
