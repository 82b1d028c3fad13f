"""Patient-level aggregation: the mentions of all documents -> one CohortRecord.

Documents arrive in date order. Which mentions count (the assertion policy) and
how conflicts are settled are written here once and repeated in the README:

* family, hypothetical and uncertain mentions never count for the patient
  (uncertainty is tolerated for stated measurements: size, site, stains, labs);
* a negated mention makes a finding ``absent`` only if no mention asserts it;
  negation is ignored for labels whose parser reads polarity itself (IHC
  results, skin biopsy, improvement) and for stated numbers;
* several Ki-67 values: the highest; several stated grades: the highest;
  IHC across specimens: positive > equivocal > negative > not_done;
* tumour size: pathology over imaging, then the largest tumour;
* glucagon timing: a cue in the sentence, else the note date against the first
  tumour operation; "unknown" when no tumour operation is mentioned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from extractor.schema import (
    FINDING_KEYS,
    IHC_KEYS,
    PRRT,
    SERUM_MARKER_KEYS,
    TNM,
    CohortRecord,
    EvidenceSpan,
    Findings,
    GlucagonValue,
    IHC,
    Mention,
    SerumMarker,
    SerumMarkers,
    SomatostatinAnalogue,
)


@dataclass(frozen=True)
class DocumentMentions:
    """The mentions of one document, with the document's date and text."""

    doc_id: str
    date: str | None
    text: str
    mentions: list[Mention]


# labels whose parser decides polarity, or that state a measured value
NEGATION_IGNORED = {
    "ihc",
    "skin_biopsy_diagnostic",
    "symptoms_improved",
    "glucagon",
    "serum_markers",
    "ki67_percent",
    "who_grade",
    "tnm",
    "age_at_diagnosis",
    "sex",
    "months_symptoms_to_diagnosis",
    "first_department",
}
UNCERTAINTY_TOLERATED = NEGATION_IGNORED | {"tumor_location", "tumor_size_cm"}
IHC_RANK = {"positive": 3, "equivocal": 2, "negative": 1, "not_done": 0}
SURGERY_ORDER = (
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
    "robotic",
    "laparoscopic",
)
MAIN_OPERATIONS = set(SURGERY_ORDER) - {"robotic", "laparoscopic"}
PANCREATIC_RESECTIONS = {
    "pancreaticoduodenectomy",
    "pylorus_preserving_pancreaticoduodenectomy",
    "distal_pancreatectomy",
    "enucleation",
    "total_pancreatectomy",
}
GENERIC_TUMOUR_OPERATION = re.compile(r"pancrea|\b(?:resection|excision|removal)\s+of\b|\btumou?r\s+(?:excision|resection)", re.IGNORECASE)
SITE_ORDER = ("head", "uncinate", "neck", "body", "tail")
METASTASIS_ORDER = ("liver", "lymph_nodes", "bone", "lung", "peritoneum", "other")
UNIT_DISPLAY = {"pg/ml": "pg/mL", "ng/ml": "ng/mL", "pmol/l": "pmol/L", "ng/l": "ng/L", "u/l": "U/L",
                "iu/l": "IU/L", "miu/l": "mIU/L", "mu/l": "mU/L", "µg/l": "µg/L", "ug/l": "µg/L",
                "nmol/l": "nmol/L", "uiu/ml": "µIU/mL", "µiu/ml": "µIU/mL", "pmol/ml": "pmol/mL"}


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
    """True when the mention asserts something of this patient (negation aside)."""
    flags = mention.assertion
    if flags.family or flags.hypothetical:
        return False
    return not (flags.uncertain and mention.label not in UNCERTAINTY_TOLERATED)


def asserted(mention: Mention) -> bool:
    return counts(mention) and (mention.label in NEGATION_IGNORED or not mention.assertion.negated)


def negated(mention: Mention) -> bool:
    return counts(mention) and mention.assertion.negated and mention.label not in NEGATION_IGNORED


class _Builder:
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
        return [i for i in self.items if i.mention.label == label and keep(i.mention)]

    def cite(self, path: str, items: Iterable[_Item]) -> None:
        spans = []
        seen: set[tuple[str, int, int]] = set()
        for item in items:
            m = item.mention
            key = (m.doc_id, m.start, m.end)
            if key not in seen:
                seen.add(key)
                spans.append(EvidenceSpan(doc_id=m.doc_id, start=m.start, end=m.end, text=m.text))
        if spans:
            self.evidence[path] = spans

    # -- timeline ------------------------------------------------------
    def surgery_date(self) -> tuple[bool, date | None, int | None]:
        """(any tumour operation mentioned, date of the first note reporting one, its position)."""
        operations = [
            i for i in self.of("surgery") if set(_as_list(i.mention.value)) & MAIN_OPERATIONS
        ]
        dates = [i.date for i in operations if i.date is not None]
        first_document = min((i.document for i in operations), default=None)
        return bool(operations), (min(dates) if dates else None), first_document

    def diagnosis_date(self) -> date | None:
        dates = [i.date for i in self.of("diagnosis") if i.date is not None]
        return min(dates) if dates else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _unit_display(unit: str | None) -> str | None:
    return UNIT_DISPLAY.get(unit, unit) if unit else None


def _findings(b: _Builder) -> Findings:
    values: dict[str, str | None] = {}
    for key in FINDING_KEYS:
        positive = b.of(key)
        if positive:
            values[key] = "present"
            b.cite(f"findings.{key}", positive)
            continue
        negative = b.of(key, negated)
        if negative:
            values[key] = "absent"
            b.cite(f"findings.{key}", negative)
        else:
            values[key] = None
    read_as_nme = [i for i in b.of("skin_biopsy_diagnostic") if i.mention.value is True]
    if values["nme"] != "present" and read_as_nme:
        # the spec's NME includes a skin biopsy read as NME ("suggestive of NME")
        values["nme"] = "present"
        b.cite("findings.nme", read_as_nme)
    if values["diabetes"] == "present" and values["igt"] == "present":
        # the spec's igt is "without diabetes"
        values["igt"] = None
        b.evidence.pop("findings.igt", None)
    return Findings(**values)


def _demographics(b: _Builder, record: dict[str, Any]) -> None:
    people = b.of("age_at_diagnosis") + b.of("sex")
    with_sex = [i for i in people if isinstance(i.mention.value, dict) and i.mention.value.get("sex")]
    stated = [i for i in with_sex if i.mention.rule != "sex.pronouns"]
    if stated:
        record["sex"] = stated[0].mention.value["sex"]
        b.cite("sex", stated[:3])
    elif with_sex:
        # only pronouns: notes that disagree decide nothing
        sexes = {i.mention.value["sex"] for i in with_sex}
        if len(sexes) == 1:
            record["sex"] = sexes.pop()
            b.cite("sex", with_sex[:3])
    ages = [
        i for i in people
        if isinstance(i.mention.value, dict) and i.mention.value.get("age") and not i.mention.value.get("other_diagnosis")
    ]
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
        elif diagnosed is None and not dated and b.of("diagnosis"):
            chosen = ages[0]
        elif diagnosed is None and dated and b.of("diagnosis"):
            chosen = ages[0]
    if chosen is None and ages and not b.of("diagnosis"):
        # a note written at the diagnosis of another malignancy ("recently diagnosed
        # squamous cell carcinoma"): the age that note states
        new = {i.mention.doc_id for i in b.of("malignancy_diagnosis")}
        same_note = [i for i in ages if i.mention.doc_id in new]
        if same_note:
            chosen = same_note[0]
            explicit = [chosen]
    if chosen is not None and (explicit or b.of("diagnosis")):
        # an age "at diagnosis" needs a tumour diagnosis (near misses have none)
        record["age_at_diagnosis"] = int(chosen.mention.value["age"])
        b.cite("age_at_diagnosis", [chosen])


def _diagnosis_path(b: _Builder, record: dict[str, Any]) -> None:
    departments = b.of("first_department")
    if departments:
        # "first presented to X" says it directly; a referral source only implies it
        explicit = [i for i in departments if re.search(r"\bfirst\b|initially|originally", i.mention.text, re.IGNORECASE)]
        chosen = (explicit or departments)[0]
        record["first_department"] = chosen.mention.value
        b.cite("first_department", [chosen])
    biopsies = b.of("skin_biopsy_diagnostic")
    for wanted in (True, False):
        chosen = [i for i in biopsies if i.mention.value is wanted]
        if chosen:
            record["skin_biopsy_diagnostic"] = wanted
            b.cite("skin_biopsy_diagnostic", chosen)
            break
    durations = b.of("months_symptoms_to_diagnosis")
    if durations and b.of("diagnosis"):
        diagnosed = b.diagnosis_date()
        before = [i for i in durations if diagnosed is None or i.date is None or i.date <= diagnosed]
        pool = before or durations
        chosen = max(pool, key=lambda i: (i.date or date.min, -i.order)) if diagnosed else pool[0]
        record["months_symptoms_to_diagnosis"] = chosen.mention.value
        b.cite("months_symptoms_to_diagnosis", [chosen])


def _glucagon(b: _Builder, record: dict[str, Any]) -> None:
    has_surgery, surgery_on, surgery_document = b.surgery_date()
    values: list[tuple[GlucagonValue, _Item]] = []
    seen: set[tuple[float, str, str]] = set()
    for item in b.of("glucagon"):
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
    record["glucagon"] = [v for v, _ in values]
    for index, (_, item) in enumerate(values):
        b.cite(f"glucagon[{index}]", [item])
    before = [(v, i) for v, i in values if v.timing != "postoperative"] if has_surgery else values
    if before:
        peak = max(before, key=lambda p: p[0].value)
        record["glucagon_peak_pg_ml"] = peak[0].value
        b.cite("glucagon_peak_pg_ml", [peak[1]])
    after = [(v, i) for v, i in values if v.timing == "postoperative"]
    if after:
        record["glucagon_post_surgery_pg_ml"] = after[0][0].value
        b.cite("glucagon_post_surgery_pg_ml", [after[0][1]])


def _serum_markers(b: _Builder) -> SerumMarkers:
    markers: dict[str, SerumMarker | None] = {}
    mentions = b.of("serum_markers")
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
        b.cite(f"serum_markers.{key}", [chosen])
    return SerumMarkers(**markers)


def _ihc(b: _Builder) -> IHC:
    results: dict[str, str | None] = {}
    stains = b.of("ihc")
    for key in IHC_KEYS:
        own = [i for i in stains if i.mention.value.get("marker") == key]
        if not own:
            results[key] = None
            continue
        best = max(IHC_RANK[i.mention.value["result"]] for i in own)
        winners = [i for i in own if IHC_RANK[i.mention.value["result"]] == best]
        results[key] = winners[0].mention.value["result"]
        b.cite(f"ihc.{key}", winners)
    return IHC(**results)


def _pathology(b: _Builder, record: dict[str, Any]) -> None:
    ki67 = b.of("ki67_percent")
    if ki67:
        top = max(i.mention.value for i in ki67)
        record["ki67_percent"] = top
        b.cite("ki67_percent", [i for i in ki67 if i.mention.value == top])
    grades = b.of("who_grade")
    if grades:
        top_grade = max(i.mention.value for i in grades)
        record["who_grade"] = top_grade
        b.cite("who_grade", [i for i in grades if i.mention.value == top_grade])
    elif record.get("ki67_percent") is not None and b.of("diagnosis"):
        # the G1-G3 cut-offs are those of neuroendocrine neoplasms (not gliomas, not carcinomas)
        k = record["ki67_percent"]
        record["who_grade"] = "G1" if k < 3 else ("G2" if k <= 20 else "G3")
        b.cite("who_grade", b.evidence.get("ki67_percent") and [i for i in ki67 if i.mention.value == k])
    sites = b.of("tumor_location")
    found = {s for i in sites for s in i.mention.value}
    record["tumor_location"] = [s for s in SITE_ORDER if s in found]
    for index, site in enumerate(record["tumor_location"]):
        b.cite(f"tumor_location[{index}]", [i for i in sites if site in i.mention.value])
    sizes = b.of("tumor_size_cm")
    if sizes:
        pathology = [i for i in sizes if i.mention.value.get("source") == "pathology"]
        pool = pathology or sizes
        # a report's tumour-size field says which measurement is the tumour's; gross
        # descriptions also measure specimens, nodules and other lesions
        pool = [i for i in pool if i.mention.value.get("labelled")] or pool
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
        record["tumor_size_cm"] = largest.mention.value["dims"]
        b.cite("tumor_size_cm", [largest])
    mets = b.of("metastasis_sites")
    named = {s for i in mets for s in i.mention.value["sites"]}
    if named:
        record["metastasis_sites"] = [s for s in METASTASIS_ORDER if s in named]
        for index, site in enumerate(record["metastasis_sites"]):
            b.cite(f"metastasis_sites[{index}]", [i for i in mets if site in i.mention.value["sites"]])
    else:
        # "0/12 nodes", "no metastatic disease": stated none; a bare "metastatic disease" names no site
        statements = [
            i for i in mets if i.mention.value["sites"] == [] and i.mention.value.get("scope") != "any"
        ] + b.of("metastasis_sites", negated)
        if statements:
            record["metastasis_sites"] = []
            b.cite("metastasis_sites", statements)
    tnm = b.of("tnm")
    if tnm:
        parts: dict[str, str | None] = {"t": None, "n": None, "m": None, "stage": None}
        used: list[_Item] = []
        for item in tnm:
            for part, value in item.mention.value.items():
                if value and parts[part] is None:
                    parts[part] = value
                    used.append(item)
        record["tnm"] = TNM(**parts)
        b.cite("tnm", used)
        _metastasis_from_stage(b, record, parts, used)


def _metastasis_from_stage(b: _Builder, record: dict[str, Any], parts: dict[str, str | None], used: list[_Item]) -> None:
    """The stage says what the report may not spell out: N1-N3 is nodal metastasis,
    N0 (or M0) with no site named is "no metastasis stated"."""
    n, m = (parts.get("n") or "").upper(), (parts.get("m") or "").upper()
    sites = record.get("metastasis_sites")
    evidence = [i for i in used if i.mention.value.get("n") or i.mention.value.get("m")]
    if re.fullmatch(r"N[1-3][A-C]?", n) and "lymph_nodes" not in (sites or []):
        record["metastasis_sites"] = [s for s in METASTASIS_ORDER if s in {*(sites or []), "lymph_nodes"}]
        for path in [p for p in b.evidence if p == "metastasis_sites" or p.startswith("metastasis_sites[")]:
            del b.evidence[path]
        for index, site in enumerate(record["metastasis_sites"]):
            own = [i for i in b.of("metastasis_sites") if site in i.mention.value["sites"]]
            b.cite(f"metastasis_sites[{index}]", own or evidence)
    elif sites is None and (n == "N0" or m == "M0"):
        record["metastasis_sites"] = []
        b.cite("metastasis_sites", evidence)


def _treatment(b: _Builder, record: dict[str, Any]) -> None:
    operations = b.of("surgery")
    done = {v for i in operations for v in _as_list(i.mention.value)}
    if not done & MAIN_OPERATIONS:
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
    record["surgery"] = [s for s in SURGERY_ORDER if s in done]
    for index, name in enumerate(record["surgery"]):
        b.cite(f"surgery[{index}]", [i for i in operations if name in _as_list(i.mention.value)])

    regimens = b.of("somatostatin_analogue")
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
    record["somatostatin_analogue"] = [a for a, _ in complete]
    for index, (_, items) in enumerate(complete):
        b.cite(f"somatostatin_analogue[{index}]", items)

    for key in ("amino_acid_infusion", "zinc_supplementation"):
        given = b.of(key)
        if given:
            record[key] = True
            b.cite(key, given)
        elif b.of(key, negated):
            record[key] = False
            b.cite(key, b.of(key, negated))

    drugs = b.of("systemic_therapy")
    names = sorted({v for i in drugs for v in _as_list(i.mention.value)})
    record["systemic_therapy"] = names
    for index, name in enumerate(names):
        b.cite(f"systemic_therapy[{index}]", [i for i in drugs if name in _as_list(i.mention.value)])

    prrt = [i for i in b.of("prrt") if i.mention.value]
    named_prrt = [i for i in prrt if i.mention.value.get("agent")]
    if named_prrt:
        first = named_prrt[0].mention.value
        activity = first.get("activity") or next((i.mention.value["activity"] for i in prrt if i.mention.value.get("activity")), None)
        cycles = first.get("cycles") or next((i.mention.value["cycles"] for i in prrt if i.mention.value.get("cycles")), None)
        record["prrt"] = PRRT(agent=first["agent"], activity=activity, cycles=cycles)
        b.cite("prrt", prrt)

    loco = b.of("locoregional_therapy")
    kinds = sorted({i.mention.value for i in loco})
    record["locoregional_therapy"] = kinds
    for index, kind in enumerate(kinds):
        b.cite(f"locoregional_therapy[{index}]", [i for i in loco if i.mention.value == kind])


def _outcome(b: _Builder, record: dict[str, Any]) -> None:
    # "NME / syndrome improved after treatment": a rash that is not NME in a
    # patient without a tumour (psoriasis, zinc deficiency) is not the syndrome
    syndrome = b.of("diagnosis") or b.of("nme")
    changes = b.of("symptoms_improved") if syndrome else []
    better = [i for i in changes if i.mention.value["improved"]]
    if better:
        record["symptoms_improved"] = True
        b.cite("symptoms_improved", better)
        timed = [i for i in better if i.mention.value.get("days") is not None]
        if timed:
            record["days_to_improvement"] = timed[0].mention.value["days"]
            b.cite("days_to_improvement", timed[:1])
    elif changes:
        record["symptoms_improved"] = False
        b.cite("symptoms_improved", changes)
    # "He ... died" in the notes of a woman is someone else's death (a relative in a narrative)
    sex = record.get("sex")
    status = [i for i in b.of("vital_status") if not (sex and i.mention.value.get("pronoun") not in (None, sex))]
    deaths = [i for i in status if i.mention.value["status"] == "deceased"]
    if deaths:
        record["vital_status"] = "deceased"
        b.cite("vital_status", deaths)
        timed = [i for i in deaths if i.mention.value.get("survival_months") is not None]
        if timed:
            record["survival_months_from_diagnosis"] = timed[0].mention.value["survival_months"]
            b.cite("survival_months_from_diagnosis", timed[:1])
    elif status:
        record["vital_status"] = "alive"
        b.cite("vital_status", status[-1:])


def aggregate(patient_id: str, documents: list[DocumentMentions]) -> CohortRecord:
    """Merge the documents' mentions (documents in date order) into one record."""
    b = _Builder(patient_id, documents)
    record: dict[str, Any] = {"patient_id": patient_id}
    record["findings"] = _findings(b)
    _demographics(b, record)
    _diagnosis_path(b, record)
    _glucagon(b, record)
    record["serum_markers"] = _serum_markers(b)
    record["ihc"] = _ihc(b)
    _pathology(b, record)
    _treatment(b, record)
    _outcome(b, record)
    record["evidence"] = dict(sorted(b.evidence.items()))
    return CohortRecord(**record)
