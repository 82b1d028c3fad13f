"""Patient-level aggregation: the mentions of all documents -> one CohortRecord.

Documents arrive in date order. For every field of the catalogue
(:mod:`extractor.fields`, record order) the named merge function below turns the
mentions that count into the field's value and files their evidence. Which
mentions count is the field's assertion policy; the merges are the conflict
rules the README lists ("Interpretation choices"):

* a negated mention makes a finding ``absent`` only if no mention asserts it;
* several Ki-67 values: the highest; several stated grades: the highest;
  IHC across specimens: positive > equivocal > negative > not_done;
* tumour size: pathology over imaging, then the largest tumour;
* glucagon timing: a cue in the sentence, else the note date against the first
  tumour operation; "unknown" when no tumour operation is mentioned.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from extractor.fields import FIELDS, Field, assertion_policies
from extractor.lexicon import concept_finder
from extractor.parsing.clinical import ELSEWHERE, visit_to_own_doctor
from extractor.schema import (
    FINDING_KEYS,
    IHC_KEYS,
    PRRT,
    SERUM_MARKER_KEYS,
    TNM,
    TNM_KEYS,
    CohortRecord,
    EvidenceSpan,
    Findings,
    GlucagonValue,
    IHC,
    Mention,
    SerumMarker,
    SerumMarkers,
    SomatostatinAnalogue,
    SurgicalProcedure,
)


@dataclass(frozen=True)
class DocumentMentions:
    """The mentions of one document, with the document's date and text."""

    doc_id: str
    date: str | None
    text: str
    mentions: list[Mention]


IHC_RANK = {"positive": 3, "equivocal": 2, "negative": 1, "not_done": 0}
PANCREATIC_RESECTIONS = frozenset({
    "pancreaticoduodenectomy",
    "pylorus_preserving_pancreaticoduodenectomy",
    "distal_pancreatectomy",
    "enucleation",
    "total_pancreatectomy",
})
GENERIC_TUMOUR_OPERATION = re.compile(r"pancrea|\b(?:resection|excision|removal)\s+of\b|\btumou?r\s+(?:excision|resection)", re.IGNORECASE)
UNIT_DISPLAY = {"pg/ml": "pg/mL", "ng/ml": "ng/mL", "pmol/l": "pmol/L", "ng/l": "ng/L", "u/l": "U/L",
                "iu/l": "IU/L", "miu/l": "mIU/L", "mu/l": "mU/L", "µg/l": "µg/L", "ug/l": "µg/L",
                "nmol/l": "nmol/L", "uiu/ml": "µIU/mL", "µiu/ml": "µIU/mL", "pmol/ml": "pmol/mL",
                "uu/ml": "µU/mL", "µu/ml": "µU/mL"}
_POLICIES = assertion_policies()
_PROCEDURES = frozenset(typing.get_args(SurgicalProcedure))


@dataclass(frozen=True)
class _Item:
    """A mention with its document's date, the document's position and the mention's order."""

    mention: Mention
    date: date | None
    order: int
    document: int = 0


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def counts(mention: Mention) -> bool:
    """True when the mention says something of this patient (negation aside).

    Family and hypothetical mentions never do; uncertain ones only where the
    label's assertion policy tolerates hedging.
    """
    flags = mention.assertion
    if flags.family or flags.hypothetical:
        return False
    # a label outside the catalogue (none comes from the rules) is held to the strictest policy
    policy = _POLICIES.get(mention.label)
    return not (flags.uncertain and not (policy is not None and policy.uncertain_counts))


def _negation_ignored(label: str) -> bool:
    policy = _POLICIES.get(label)
    return policy is not None and policy.negation_ignored


def asserted(mention: Mention) -> bool:
    """True when the mention counts and asserts its value."""
    return counts(mention) and (_negation_ignored(mention.label) or not mention.assertion.negated)


def negated(mention: Mention) -> bool:
    """True when the mention counts and states the value's absence."""
    return counts(mention) and mention.assertion.negated and not _negation_ignored(mention.label)


def _suspected(mention: Mention) -> bool:
    """A possible (not negated) mention of the patient: what the note leaves open."""
    flags = mention.assertion
    return flags.uncertain and not (flags.negated or flags.family or flags.hypothetical)


class Builder:
    """The counted mentions of one patient, the evidence filed so far, and what merges share."""

    def __init__(self, patient_id: str, documents: list[DocumentMentions]) -> None:
        self.patient_id = patient_id
        self.items: list[_Item] = []
        order = 0
        for position, document in enumerate(documents):
            when = _parse_date(document.date)
            for mention in document.mentions:
                self.items.append(_Item(mention, when, order, position))
                order += 1
        self.evidence: dict[str, list[EvidenceSpan]] = {}

    # -- helpers -------------------------------------------------------
    def of(self, label: str, keep: Callable[[Mention], bool] = asserted) -> list[_Item]:
        """The mentions of ``label`` that ``keep`` accepts, in document order."""
        return [i for i in self.items if i.mention.label == label and keep(i.mention)]

    def of_field(self, field: Field, keep: Callable[[Mention], bool] = asserted) -> list[_Item]:
        """The mentions of the field's labels (label by label, in the catalogue's order)."""
        return [i for label in field.labels for i in self.of(label, keep)]

    def cite(self, path: str, items: Iterable[_Item]) -> None:
        spans = []
        seen: set[tuple[str, int, int]] = set()
        for item in items:
            m = item.mention
            key = (m.doc_id, m.start, m.end)
            if key not in seen:
                seen.add(key)
                spans.append(EvidenceSpan(
                    doc_id=m.doc_id, start=m.start, end=m.end, text=m.text,
                    # the mention's context, so the record explains itself (why "DVT" means absent)
                    date=item.date.isoformat() if item.date else None, section=m.section,
                    flags=[flag for flag, on in m.assertion if on], rule=m.rule,
                ))
        if spans:
            self.evidence[path] = spans

    # -- timeline ------------------------------------------------------
    @cached_property
    def surgery(self) -> tuple[bool, date | None, int | None]:
        """(any tumour operation mentioned, date of the first note reporting one, its position)."""
        operations = [i for i in self.of("surgery") if set(_as_list(i.mention.value)) & _PROCEDURES]
        dates = [i.date for i in operations if i.date is not None]
        first_document = min((i.document for i in operations), default=None)
        return bool(operations), (min(dates) if dates else None), first_document

    def diagnosis_date(self) -> date | None:
        dates = [i.date for i in self.of("diagnosis") if i.date is not None]
        return min(dates) if dates else None

    # -- what several merges share ---------------------------------------
    @cached_property
    def glucagon_values(self) -> list[tuple[GlucagonValue, _Item]]:
        """Each glucagon measurement once, with its timing and the mention stating it."""
        has_surgery, surgery_on, surgery_document = self.surgery
        values: list[tuple[GlucagonValue, _Item]] = []
        seen: set[tuple[float, str, str]] = set()
        for item in self.of("glucagon"):
            reading = item.mention.value
            timing = "unknown"
            if has_surgery:
                timing = reading.get("timing_cue") or "unknown"
                if timing == "unknown" and surgery_on is not None and item.date is not None:
                    timing = "preoperative" if item.date <= surgery_on else "postoperative"
                elif timing == "unknown" and surgery_on is None and surgery_document is not None:
                    # undated notes: their order (file names sort chronologically) stands in for dates
                    if item.document != surgery_document:
                        timing = "preoperative" if item.document < surgery_document else "postoperative"
            value = GlucagonValue(value=reading["pg_ml"], comparator=reading["comparator"], timing=timing)
            key = (round(value.value, 2), value.comparator, value.timing)
            # a later note that repeats an earlier value without saying when it was
            # taken is restating it (discharge summaries, timelines), not a new result
            restated = not reading.get("timing_cue") and any(k[:2] == key[:2] for k in seen)
            if key in seen or restated:
                continue
            seen.add(key)
            values.append((value, item))
        return values

    @cached_property
    def syndrome_changes(self) -> list[_Item]:
        """Improvement statements, when the patient has the syndrome (NME or a tumour)."""
        # "NME / syndrome improved after treatment": a rash that is not NME in a
        # patient without a tumour (psoriasis, zinc deficiency) is not the syndrome
        syndrome = self.of("diagnosis") or self.of("nme")
        return self.of("symptoms_improved") if syndrome else []

    @cached_property
    def tumour_named(self) -> list[_Item]:
        """A tumour diagnosis, or else a tumour placed in a part of the pancreas ("a tumour in the
        head of the pancreas", "the pancreatic tail tumour"): the patient has a tumour whose
        diagnosis an age or a symptom's duration can be told against."""
        return self.of("diagnosis") or self.of("tumor_location")

    @cached_property
    def tumour_stated(self) -> bool:
        """A tumour of the cohort's kind or any malignancy is stated for the patient."""
        return bool(self.of("diagnosis") or self.of("malignancy"))

    @cached_property
    def tumour_only_past(self) -> bool:
        """No tumour of the cohort's kind, and every other malignancy the notes state is
        told as past ("history of Hodgkin's lymphoma 18 years ago, free of disease since"):
        a mass found now is not known to be it."""
        if self.of("diagnosis"):
            return False  # a pNET / glucagonoma: its sizes are read as the cohort's tumour's
        tumours = self.of("malignancy")
        return bool(tumours) and all(i.mention.assertion.historical for i in tumours)

    @cached_property
    def deaths(self) -> list[_Item]:
        return [i for i in self.of("vital_status") if i.mention.value["status"] == "deceased"]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _unit_display(unit: str | None) -> str | None:
    return UNIT_DISPLAY.get(unit, unit) if unit else None


def _in_order(field: Field, found: set[Any]) -> list[Any]:
    """The items of a list field in the catalogue's order."""
    if field.list_order == "vocabulary":
        return [v for v in field.vocabulary if v in found]
    return sorted(found)


Merge = Callable[[Builder, Field, dict[str, Any]], Any]
MERGES: dict[str, Merge] = {}
"""Merge functions by the name the field catalogue gives them."""


def merge(name: str) -> Callable[[Merge], Merge]:
    """Register a merge function under ``name``."""

    def register(function: Merge) -> Merge:
        MERGES[name] = function
        return function

    return register


# -- generic merges ---------------------------------------------------------


@merge("highest")
def _highest(b: Builder, field: Field, record: dict[str, Any]) -> Any:
    """The highest stated value; evidence: every mention stating it."""
    items = b.of_field(field)
    if not items:
        return None
    top = max(i.mention.value for i in items)
    b.cite(field.key, [i for i in items if i.mention.value == top])
    return top


@merge("ordered_set")
def _ordered_set(b: Builder, field: Field, record: dict[str, Any]) -> list[Any]:
    """Every item any counted mention names, once, in the field's list order."""
    items = b.of_field(field)
    values = _in_order(field, {v for i in items for v in _as_list(i.mention.value)})
    for index, value in enumerate(values):
        b.cite(f"{field.key}[{index}]", [i for i in items if value in _as_list(i.mention.value)])
    return values


@merge("given_or_negated")
def _given_or_negated(b: Builder, field: Field, record: dict[str, Any]) -> bool | None:
    """True when a note says it was given, else False when a note says it was not."""
    given = b.of_field(field)
    if given:
        b.cite(field.key, given)
        return True
    withheld = b.of_field(field, negated)
    if withheld:
        b.cite(field.key, withheld)
        return False
    return None


# -- demographics and diagnosis path -----------------------------------------


def _people(b: Builder, field: Field) -> list[_Item]:
    return [i for i in b.of_field(field) if isinstance(i.mention.value, dict)]


@merge("first_sex_stated")
def _sex(b: Builder, field: Field, record: dict[str, Any]) -> str | None:
    """The first sex stated in words; from pronouns alone only when the notes agree."""
    with_sex = [i for i in _people(b, field) if i.mention.value.get("sex")]
    stated = [i for i in with_sex if i.mention.rule != "sex.pronouns"]
    if stated:
        b.cite(field.key, stated[:3])
        return stated[0].mention.value["sex"]
    sexes = {i.mention.value["sex"] for i in with_sex}
    if len(sexes) != 1:
        return None  # no pronouns, or notes that disagree: nothing decided
    b.cite(field.key, with_sex[:3])
    return sexes.pop()


@merge("age_at_diagnosis")
def _age_at_diagnosis(b: Builder, field: Field, record: dict[str, Any]) -> int | None:
    """An age said to be at diagnosis, else the one stated closest to the diagnosis (within a year)."""
    # an age tied to another disease's diagnosis (bursitis, seizures) is never the tumour's
    ages = [i for i in _people(b, field) if i.mention.value.get("age") and not i.mention.value.get("other_diagnosis")]
    explicit = [i for i in ages if i.mention.value.get("at_diagnosis")]
    chosen: _Item | None = explicit[0] if explicit else None
    if chosen is None and ages:
        diagnosed = b.diagnosis_date()
        dated = [i for i in ages if i.date is not None]
        if diagnosed is not None and dated:
            # the age stated closest to the diagnosis, within a year of it
            near = [i for i in dated if abs((i.date - diagnosed).days) <= 366]
            if near:
                chosen = min(near, key=lambda i: (abs((i.date - diagnosed).days), i.order))
        elif diagnosed is None and not dated and b.tumour_named:
            chosen = ages[0]
        elif diagnosed is None and dated and b.tumour_named:
            chosen = ages[0]
    if chosen is None and ages and not b.tumour_named:
        # a note written at the diagnosis of another malignancy ("recently diagnosed
        # squamous cell carcinoma"): the age that note states
        new = {i.mention.doc_id for i in b.of("malignancy_diagnosis")}
        same_note = [i for i in ages if i.mention.doc_id in new]
        if same_note:
            chosen = same_note[0]
            explicit = [chosen]
    if chosen is not None and (explicit or b.tumour_named):
        # an age "at diagnosis" needs a tumour diagnosis (near misses have none)
        b.cite(field.key, [chosen])
        return int(chosen.mention.value["age"])
    return None


@merge("findings_present_absent")
def _findings(b: Builder, field: Field, record: dict[str, Any]) -> Findings:
    """Each finding present if any note asserts it, absent if one negates it and none asserts it."""
    values: dict[str, str | None] = {}
    # "resolution of diarrhoea", "NME resolved by day 5": an improvement's span holds the finding
    # word, so no finding mention of its own is left, yet the finding was there
    changed = b.of("symptoms_improved")
    for key in FINDING_KEYS:
        positive = b.of(key) or [i for i in changed if _finding_named(key, i.mention.text)]
        if positive:
            values[key] = "present"
            b.cite(f"{field.key}.{key}", positive)
            continue
        negative = b.of(key, negated)
        if negative:
            values[key] = "absent"
            b.cite(f"{field.key}.{key}", negative)
        else:
            values[key] = None
    read_as_nme = [i for i in b.of("skin_biopsy_diagnostic") if i.mention.value is True]
    if values["nme"] != "present" and read_as_nme:
        # the spec's NME includes a skin biopsy read as NME ("suggestive of NME")
        values["nme"] = "present"
        b.cite(f"{field.key}.nme", read_as_nme)
    if values["diabetes"] == "present" and values["igt"] == "present":
        # the spec's igt is "without diabetes"
        values["igt"] = None
        b.evidence.pop(f"{field.key}.igt", None)
    return Findings(**values)


def _finding_named(key: str, text: str) -> bool:
    """Whether ``text`` names the finding ``key`` (its lexicon forms)."""
    return any(concept.concept == key and search.search(text) for concept, search in concept_finder("finding"))


@merge("first_department")
def _first_department(b: Builder, field: Field, record: dict[str, Any]) -> str | None:
    departments = b.of_field(field)
    if not departments:
        return None
    # "first presented to X" says it directly; a referral source only implies it
    explicit = [
        i for i in departments
        if i.mention.value != ELSEWHERE and re.search(r"\bfirst\b|initially|originally", i.mention.text, re.IGNORECASE)
    ]
    chosen = (explicit or departments)[0]
    if not explicit and chosen.mention.value == "emergency medicine":
        # "presents to the emergency room ... He went to his primary care physician, who
        # prescribed ...": the patient's own doctor was seen before the emergency visit
        chosen = next((i for i in departments if visit_to_own_doctor(i.mention.text)), chosen)
    if chosen.mention.value == ELSEWHERE:
        return None  # first seen at a hospital or by "their doctor": a department named later came after
    b.cite(field.key, [chosen])
    return chosen.mention.value


@merge("skin_biopsy")
def _skin_biopsy(b: Builder, field: Field, record: dict[str, Any]) -> bool | None:
    """True when any skin biopsy was read as NME, else False when one was read otherwise."""
    biopsies = b.of_field(field)
    for wanted in (True, False):
        chosen = [i for i in biopsies if i.mention.value is wanted]
        if chosen:
            b.cite(field.key, chosen)
            return wanted
    return None


@merge("symptom_duration_before_diagnosis")
def _symptom_months(b: Builder, field: Field, record: dict[str, Any]) -> float | None:
    """The duration stated in the note closest before the diagnosis (needs a diagnosis)."""
    durations = b.of_field(field)
    if not (durations and b.tumour_named):
        return None
    diagnosed = b.diagnosis_date()
    before = [i for i in durations if diagnosed is None or i.date is None or i.date <= diagnosed]
    pool = before or durations
    chosen = max(pool, key=lambda i: (i.date or date.min, -i.order)) if diagnosed else pool[0]
    b.cite(field.key, [chosen])
    return chosen.mention.value


# -- laboratory -------------------------------------------------------------


@merge("glucagon_measurements")
def _glucagon(b: Builder, field: Field, record: dict[str, Any]) -> list[GlucagonValue]:
    for index, (_, item) in enumerate(b.glucagon_values):
        b.cite(f"{field.key}[{index}]", [item])
    return [v for v, _ in b.glucagon_values]


@merge("glucagon_peak")
def _glucagon_peak(b: Builder, field: Field, record: dict[str, Any]) -> float | None:
    """The highest value not taken after a tumour operation."""
    values = b.glucagon_values
    before = [(v, i) for v, i in values if v.timing != "postoperative"] if b.surgery[0] else values
    if not before:
        return None
    peak = max(before, key=lambda p: p[0].value)
    b.cite(field.key, [peak[1]])
    return peak[0].value


@merge("glucagon_after_surgery")
def _glucagon_post(b: Builder, field: Field, record: dict[str, Any]) -> float | None:
    """The first postoperative value in date order."""
    after = [(v, i) for v, i in b.glucagon_values if v.timing == "postoperative"]
    if not after:
        return None
    b.cite(field.key, [after[0][1]])
    return after[0][0].value


@merge("serum_marker_first_preoperative")
def _serum_markers(b: Builder, field: Field, record: dict[str, Any]) -> SerumMarkers:
    """Per marker: the first preoperative value, its status from the first reading that gives one."""
    markers: dict[str, SerumMarker | None] = {}
    mentions = b.of_field(field)
    for key in SERUM_MARKER_KEYS:
        own = [i for i in mentions if i.mention.value.get("marker") == key]
        if not own:
            markers[key] = None
            continue
        preop = [i for i in own if i.mention.value.get("timing_cue") != "postoperative"] or own
        valued = [i for i in preop if i.mention.value.get("value") is not None]
        chosen = valued[0] if valued else preop[0]
        reading = chosen.mention.value
        status = reading.get("status") or next(
            (i.mention.value.get("status") for i in preop if i.mention.value.get("status")), None
        )
        markers[key] = SerumMarker(value=reading.get("value"), unit=_unit_display(reading.get("unit")), status=status)
        b.cite(f"{field.key}.{key}", [chosen])
    return SerumMarkers(**markers)


# -- pathology --------------------------------------------------------------


@merge("ihc_strongest_result")
def _ihc(b: Builder, field: Field, record: dict[str, Any]) -> IHC:
    """Per stain, the strongest result of any specimen: positive > equivocal > negative > not done."""
    results: dict[str, str | None] = {}
    stains = b.of_field(field)
    for key in IHC_KEYS:
        own = [i for i in stains if i.mention.value.get("marker") == key]
        if not own:
            results[key] = None
            continue
        best = max(IHC_RANK[i.mention.value["result"]] for i in own)
        winners = [i for i in own if IHC_RANK[i.mention.value["result"]] == best]
        results[key] = winners[0].mention.value["result"]
        b.cite(f"{field.key}.{key}", winners)
    return IHC(**results)


@merge("who_grade")
def _who_grade(b: Builder, field: Field, record: dict[str, Any]) -> str | None:
    """The highest stated grade, else derived from Ki-67 for a neuroendocrine tumour."""
    grades = b.of_field(field)
    if grades:
        top_grade = max(i.mention.value for i in grades)
        b.cite(field.key, [i for i in grades if i.mention.value == top_grade])
        return top_grade
    k = record.get("ki67_percent")
    if k is None or not b.of("diagnosis"):
        return None
    # the G1-G3 cut-offs are those of neuroendocrine neoplasms (not gliomas, not carcinomas)
    b.cite(field.key, [i for i in b.of("ki67_percent") if i.mention.value == k])
    return "G1" if k < 3 else ("G2" if k <= 20 else "G3")


@merge("tumour_size")
def _tumour_size(b: Builder, field: Field, record: dict[str, Any]) -> list[float] | None:
    """Pathology over imaging, a report's tumour-size field over gross descriptions, the
    largest tumour; a fuller measurement of the same tumour wins."""
    sizes = b.of_field(field)
    if not b.tumour_stated:
        # a "mass", "lesion" or "nodule" of a patient with no tumour stated is not the
        # tumour (cysts, nodules, hardware); a pancreatic one is the cohort's lead
        sizes = [i for i in sizes if i.mention.value.get("pancreatic")]
    elif b.tumour_only_past:
        # a past malignancy and a mass measured now on examination or imaging (abscesses,
        # nodules of unstated nature): only a pathology report's or a pancreatic size is the tumour's
        sizes = [i for i in sizes if i.mention.value.get("pancreatic") or i.mention.value.get("source") == "pathology"]
    if not sizes:
        return None
    # a size palpated on examination is an estimate: a measured one (imaging, pathology) wins
    sizes = [i for i in sizes if not i.mention.value.get("palpated")] or sizes
    pathology = [i for i in sizes if i.mention.value.get("source") == "pathology"]
    pool = pathology or sizes
    # a report's tumour-size field says which measurement is the tumour's; gross
    # descriptions also measure specimens, nodules and other lesions
    pool = [i for i in pool if i.mention.value.get("labelled")] or pool
    # a precursor measured whole with its invasive carcinoma ("IPMN 60 mm, invasive component 30 mm"):
    # the carcinoma's own size is the tumour's
    pool = [i for i in pool if i.mention.value.get("invasive_component")] or pool
    # "an additional polypoid mass" beside the tumour described first is a polyp, not the primary
    pool = [i for i in pool if not i.mention.value.get("another_polyp")] or pool
    largest = max(pool, key=lambda i: (max(i.mention.value["dims"]), len(i.mention.value["dims"]), -i.order))
    # pathology giving only the greatest dimension of the same tumour imaging
    # measured in full: keep the fuller measurement
    fuller = [
        i for i in sizes
        if len(i.mention.value["dims"]) > len(largest.mention.value["dims"])
        and abs(max(i.mention.value["dims"]) - max(largest.mention.value["dims"])) <= 0.05 * max(largest.mention.value["dims"])
    ]
    if fuller:
        largest = max(fuller, key=lambda i: (len(i.mention.value["dims"]), -i.order))
    b.cite(field.key, [largest])
    return largest.mention.value["dims"]


@merge("metastasis_sites")
def _metastasis_sites(b: Builder, field: Field, record: dict[str, Any]) -> list[str] | None:
    """The sites named; else ``[]`` when a note states there is no metastasis; else null.

    The stage says what a report may not spell out: N1-N3 is nodal metastasis, and
    N0 (or M0) with no site named is "no metastasis stated".
    """
    mets = b.of_field(field)
    if not b.tumour_stated:
        # "nodal disease", "spread to the nodes" name no malignancy themselves: a site only of a stated one
        mets = [i for i in mets if not i.mention.value.get("of_stated_tumour")]
    named = {s for i in mets for s in i.mention.value["sites"]}
    parts, used = _stage_parts(b)
    n, m = (parts["n"] or "").upper(), (parts["m"] or "").upper()
    stage_items = [i for i in used if i.mention.value.get("n") or i.mention.value.get("m")]
    # N1c is tumour deposits in the fat without a positive node: not a nodal metastasis
    if re.fullmatch(r"N[1-3][A-C]?", n) and n != "N1C":
        named.add("lymph_nodes")
    if named:
        sites = _in_order(field, named)
        for index, site in enumerate(sites):
            own = [i for i in mets if site in i.mention.value["sites"]]
            b.cite(f"{field.key}[{index}]", own or stage_items)
        return sites
    if m.startswith("M1") or (parts["stage"] or "").upper() == "IV":
        # "stage IV metastatic disease" with no site named: metastases exist, so "no
        # cerebral metastasis" elsewhere does not make the list "none"
        return None
    # "0/12 nodes", "no metastatic disease": stated none; a bare "metastatic disease" names no site
    statements = [
        i for i in mets if i.mention.value["sites"] == [] and i.mention.value.get("scope") != "any"
    ] + b.of_field(field, negated)
    if n == "N0" or m == "M0":
        statements += stage_items
    counted = any((i.mention.value or {}).get("scope") == "lymph_nodes" for i in statements) or n == "N0" or m == "M0"
    if not counted and b.of_field(field, _suspected):
        # "suspicious for distant metastasis" beside "no locoregional metastasis": not a stated none
        # (a node count or an N0/M0 stage still is)
        return None
    if statements and b.tumour_stated:  # "no metastasis" of a patient with no tumour says nothing of one
        b.cite(field.key, statements)
        return []
    return None


def _stage_parts(b: Builder) -> tuple[dict[str, str | None], list[_Item]]:
    """Each TNM part from its first mention (a postoperative restaging first), and the
    mentions that gave them.

    "X" (TX, NX, MX: not assessed) gives way to a part a later mention assesses
    ("Clinical stage T2, NX, MX" before surgery, "T4a, N3, M1" after it).
    """
    parts: dict[str, str | None] = dict.fromkeys(TNM_KEYS)
    given_by: dict[str, _Item] = {}
    stagings = b.of("tnm")
    restaged = next((index for index, item in enumerate(stagings) if item.mention.value.get("restaged")), None)
    if restaged is not None and restaged > 0:
        # "PREOPERATIVE DIAGNOSES: stage T2, NX, MX" / "POSTOPERATIVE DIAGNOSES: stage T4a, N3, M1": the
        # operation restaged the tumour; the earlier staging only fills parts the later one leaves out
        stagings = stagings[restaged:] + stagings[:restaged]
    for item in stagings:
        for part in TNM_KEYS:
            value = item.mention.value.get(part)
            if value and (parts[part] is None or (_not_assessed(parts[part]) and not _not_assessed(value))):
                parts[part] = value
                given_by[part] = item
    used = [item for item in stagings if any(item is given for given in given_by.values())]
    return parts, used


def _not_assessed(part: str | None) -> bool:
    return part is not None and part.upper().endswith("X")


@merge("tnm_first_parts")
def _tnm(b: Builder, field: Field, record: dict[str, Any]) -> TNM | None:
    """Each TNM part from its first mention."""
    if not b.of_field(field):
        return None
    parts, used = _stage_parts(b)
    b.cite(field.key, used)
    return TNM(**parts)


# -- treatment --------------------------------------------------------------


@merge("tumour_operations")
def _operations(b: Builder, field: Field, record: dict[str, Any]) -> list[str]:
    """The procedures done, approach words only beside a tumour operation."""
    operations = b.of_field(field)
    done = {v for i in operations for v in _as_list(i.mention.value)}
    if not done & _PROCEDURES:
        done = set()
    if done & PANCREATIC_RESECTIONS:
        # "after the pancreatectomy", "resection of the glucagonoma": the typed operation
        # named elsewhere, not another one
        others = [
            i for i in operations
            if "other" in _as_list(i.mention.value) and not GENERIC_TUMOUR_OPERATION.search(i.mention.text)
        ]
        if not others:
            done.discard("other")
            operations = [i for i in operations if "other" not in _as_list(i.mention.value)]
    procedures = _in_order(field, done)
    for index, name in enumerate(procedures):
        b.cite(f"{field.key}[{index}]", [i for i in operations if name in _as_list(i.mention.value)])
    return procedures


@merge("analogue_regimens")
def _analogue_regimens(b: Builder, field: Field, record: dict[str, Any]) -> list[SomatostatinAnalogue]:
    """Each regimen once; an undosed mention of a drug dosed elsewhere, or a dosed one
    without frequency beside the same dose with one, adds nothing."""
    regimens = b.of_field(field)
    dosed_drugs = {i.mention.value["drug"] for i in regimens if i.mention.value.get("dose") is not None}
    analogues: list[tuple[SomatostatinAnalogue, list[_Item]]] = []
    for item in regimens:
        v = item.mention.value
        if v.get("dose") is None and v["drug"] in dosed_drugs:
            continue
        entry = SomatostatinAnalogue(drug=v["drug"], dose=v.get("dose"), unit=v.get("unit"), frequency=v.get("frequency"))
        match = next((a for a in analogues if a[0] == entry), None)
        if match is None:
            analogues.append((entry, [item]))
        else:
            match[1].append(item)
    # a dosed mention without frequency is the same regimen as one with it
    complete = [a for a in analogues if not (a[0].frequency is None and any(
        o[0].drug == a[0].drug and o[0].dose == a[0].dose and o[0].frequency for o in analogues))]
    for index, (_, items) in enumerate(complete):
        b.cite(f"{field.key}[{index}]", items)
    return [a for a, _ in complete]


@merge("prrt_first_named")
def _prrt(b: Builder, field: Field, record: dict[str, Any]) -> PRRT | None:
    """The first named agent; activity and cycles from it, else from the first mention giving them."""
    prrt = [i for i in b.of_field(field) if i.mention.value]
    named = [i for i in prrt if i.mention.value.get("agent")]
    if not named:
        return None
    first = named[0].mention.value
    activity = first.get("activity") or next((i.mention.value["activity"] for i in prrt if i.mention.value.get("activity")), None)
    cycles = first.get("cycles") or next((i.mention.value["cycles"] for i in prrt if i.mention.value.get("cycles")), None)
    b.cite(field.key, prrt)
    return PRRT(agent=first["agent"], activity=activity, cycles=cycles)


# -- outcome ----------------------------------------------------------------


@merge("syndrome_improved")
def _symptoms_improved(b: Builder, field: Field, record: dict[str, Any]) -> bool | None:
    changes = b.syndrome_changes
    better = [i for i in changes if i.mention.value["improved"]]
    if better:
        b.cite(field.key, better)
        return True
    if changes:
        b.cite(field.key, changes)
        return False
    return None


@merge("days_to_rash_improvement")
def _days_to_improvement(b: Builder, field: Field, record: dict[str, Any]) -> float | None:
    """The days of the first improvement statement that gives them."""
    timed = [i for i in b.syndrome_changes if i.mention.value["improved"] and i.mention.value.get("days") is not None]
    if not timed:
        return None
    b.cite(field.key, timed[:1])
    return timed[0].mention.value["days"]


def _patients_status(b: Builder, record: dict[str, Any]) -> list[_Item]:
    """Vital-status mentions about the patient: "He ... died" in the notes of a woman is
    someone else's death (a relative in a narrative)."""
    sex = record.get("sex")
    return [i for i in b.of("vital_status") if not (sex and i.mention.value.get("pronoun") not in (None, sex))]


@merge("vital_status")
def _vital_status(b: Builder, field: Field, record: dict[str, Any]) -> str | None:
    """Any stated death wins; else the last "alive" statement."""
    status = _patients_status(b, record)
    deaths = [i for i in status if i.mention.value["status"] == "deceased"]
    if deaths:
        b.cite(field.key, deaths)
        return "deceased"
    if status:
        b.cite(field.key, status[-1:])
        return "alive"
    return None


@merge("survival_if_deceased")
def _survival(b: Builder, field: Field, record: dict[str, Any]) -> float | None:
    """Survival as the first death statement that gives it."""
    deaths = [i for i in _patients_status(b, record) if i.mention.value["status"] == "deceased"]
    timed = [i for i in deaths if i.mention.value.get("survival_months") is not None]
    if not timed:
        return None
    b.cite(field.key, timed[:1])
    return timed[0].mention.value["survival_months"]


_UNKNOWN = sorted({f.merge for f in FIELDS} - set(MERGES))
if _UNKNOWN:  # a catalogue row naming a merge that does not exist is a programming error
    raise RuntimeError(f"extractor.fields names merges that extractor.aggregate lacks: {', '.join(_UNKNOWN)}")


def aggregate(patient_id: str, documents: list[DocumentMentions]) -> CohortRecord:
    """Merge the documents' mentions (documents in date order) into one record."""
    b = Builder(patient_id, documents)
    record: dict[str, Any] = {"patient_id": patient_id}
    for field in FIELDS:
        record[field.key] = MERGES[field.merge](b, field, record)
    record["evidence"] = dict(sorted(b.evidence.items()))
    return CohortRecord(**record)
