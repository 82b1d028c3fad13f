"""Treatment values: drug regimens, PRRT agents and cycles, which operations count."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from extractor.parsing.context import SpanContext, vocab_regex, vocab_regexes
from extractor.parsing.numbers import NUMBER, parse_number
from extractor.resources import vocabulary

_DOSE = re.compile(
    rf"(?P<dose>{NUMBER})\s*(?P<unit>mg|mcg|µg|μg|ug|micrograms?|milligrams?)\b",
    re.IGNORECASE,
)
_MAIN_PROCEDURES = re.compile(
    r"pancreat\w*ectom|duodenectom|whipple|pppd|enucleat|splenectom|metastasectom|hepatectom|transplant|resection|laparotomy|exploration",
    re.IGNORECASE,
)
_PANCREATIC_RESECTION = re.compile(r"pancreat\w*ectom|duodenectom|whipple|\bpppd\b|enucleat", re.IGNORECASE)
_NEXT_DRUG = re.compile(
    r"\b(?:octreotide|sandostatin|lanreotide|somatuline|pasireotide|signifor|everolimus|sunitinib|capecitabine|temozolomide|insulin|metformin)\b",
    re.IGNORECASE,
)


_BLEEDING_DRIP = re.compile(r"\b(?:drip|infusion|gtt)\b", re.IGNORECASE)
_BLEEDING = re.compile(
    r"\b(?:bleed\w*|varice\w*|variceal|h(?:a)?emorrhag\w*|h(?:a)?ematemesis|mel(?:a)?ena|hematochezia|coffee[- ]ground)", re.IGNORECASE
)


@cache
def _frequencies() -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(p, re.IGNORECASE), name) for p, name in vocabulary()["frequencies"]]


def normalise_frequency(text: str) -> str | None:
    """The first dosing frequency in ``text`` in the spec's vocabulary, or None."""
    best: tuple[int, str] | None = None
    for pattern, name in _frequencies():
        match = pattern.search(text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), name)
    return best[1] if best else None


def parse_regimen(ctx: SpanContext) -> dict[str, Any] | None:
    """``octreotide LAR 30 mg every 4 weeks`` -> drug, dose, unit, frequency (each may be null);
    None for an octreotide drip given for gastrointestinal bleeding (varices), not a tumour."""
    if ctx.rule_value == "octreotide" and _BLEEDING_DRIP.search(ctx.sentence) and _BLEEDING.search(ctx.doc_head + ctx.preceding + ctx.sentence):
        return None
    after = ctx.after
    stop = _NEXT_DRUG.search(after)
    window = after[: stop.start()] if stop else after
    window = window[:80]
    regimen: dict[str, Any] = {"drug": ctx.rule_value, "dose": None, "unit": None, "frequency": None}
    dose = _DOSE.search(window)
    if dose and not re.search(r"\b(?:increased|reduced|escalated|titrated)\s+(?:from|to)\s*$", window[: dose.start()], re.IGNORECASE):
        regimen["dose"] = parse_number(dose.group("dose"))
        regimen["unit"] = vocabulary()["dose_units"].get(dose.group("unit").lower().rstrip("s"), vocabulary()["dose_units"].get(dose.group("unit").lower()))
        regimen["frequency"] = normalise_frequency(window[dose.start() :])
    return regimen


def parse_prrt(ctx: SpanContext) -> dict[str, Any] | None:
    """PRRT agent as written in the spec's style, with activity and cycles from the sentence."""
    agent = ctx.rule_value
    if agent == "90Y":
        ligand = re.search(r"DOTA-?(TOC|TATE|LAN)|edotreotide|DOTALAN", ctx.text, re.IGNORECASE)
        name = (ligand.group(1) if ligand and ligand.group(1) else "TOC").upper()
        agent = f"90Y-DOTA{name}"
    elif agent == "PRRT":
        named = re.search(r"(177\s*-?\s*Lu|Lu\s*-?\s*177|90\s*-?\s*Y|Y\s*-?\s*90)\s*-?\s*(DOTA-?\w+)", ctx.sentence, re.IGNORECASE)
        if named is None and not re.search(r"lutathera", ctx.sentence, re.IGNORECASE):
            agent = None
        elif named is None:
            agent = "177Lu-DOTATATE"
        else:
            isotope = "177Lu" if "lu" in named.group(1).lower() else "90Y"
            agent = f"{isotope}-{named.group(2).upper().replace('-', '')}"
    activity = re.search(rf"({NUMBER})\s*(GBq|mCi|MBq)\b", ctx.sentence, re.IGNORECASE)
    cycles = re.search(
        r"(\d+|one|two|three|four|five|six)\s+(?:cycles?|courses?|doses|treatments|fractions|administrations)\b|(?:x|×)\s*(\d)\b(?!\s*(?:mg|cm))",
        ctx.sentence,
        re.IGNORECASE,
    )
    cycle_count: int | None = None
    if cycles:
        raw = cycles.group(1) or cycles.group(2)
        number = parse_number(raw)
        cycle_count = int(number) if number is not None else None
    if agent is None:
        return {"agent": None, "activity": None, "cycles": cycle_count}
    unit = activity.group(2) if activity else None
    return {
        "agent": agent,
        "activity": f"{activity.group(1)} {unit}" if activity else None,
        "cycles": cycle_count,
    }


def embolization_payload(ctx: SpanContext) -> bool:
    """The drug is the load of a chemoembolization ("Lipiodol emulsified with streptozotocin",
    "doxorubicin-eluting beads"): liver-directed therapy, recorded as TACE, not systemic."""
    return bool(vocab_regex("embolization_payload_before").search(ctx.before) or vocab_regex("embolization_payload_after").match(ctx.after))


def parse_chemotherapy(ctx: SpanContext) -> Any:
    """A cytotoxic drug is systemic therapy unless it is a chemoembolization's load."""
    return None if embolization_payload(ctx) else ctx.rule_value


def parse_systemic(ctx: SpanContext) -> Any:
    """A drug that also treats other diseases (methotrexate, cyclophosphamide, interferon,
    hydroxyurea), or an ablation that also treats nerves, arrhythmias and veins
    (radiofrequency, microwave), is tumour therapy only where the note names the
    neoplasm it treats."""
    return ctx.rule_value if tumour_context(ctx) else None


def parse_systemic_chemotherapy(ctx: SpanContext) -> Any:
    """A cytotoxic drug that also treats other diseases (mitomycin in the eye, epirubicin in
    the bladder) is systemic tumour therapy where the note names the neoplasm, unless it is a
    chemoembolization's load."""
    return None if embolization_payload(ctx) else parse_systemic(ctx)


def parse_surgery(ctx: SpanContext) -> list[str] | None:
    """Which procedures a match stands for; approach words and "other" need a tumour operation."""
    rules = vocab_regexes("surgery_purpose")
    value = ctx.rule_value
    if isinstance(value, dict):
        # an abbreviation after an operation word: the value depends on which one
        abbreviation = re.search(r"\b(PPPD|PPD|PD|DP|LDP|TP)\b", ctx.text)
        value = value.get(abbreviation.group(1)) if abbreviation else None
        if value is None:
            return None
    values = list(value) if isinstance(value, list) else [value]
    if values in (["robotic"], ["laparoscopic"]):
        # an approach only counts beside a procedure in the same sentence (not "laparoscopic biopsy")
        return values if _MAIN_PROCEDURES.search(ctx.sentence) and not re.search(r"\bbiops", ctx.after[:30], re.IGNORECASE) else None
    if values == ["hepatic_metastasectomy"] and rules["resection_of_unnamed_organ"].match(ctx.text) and not rules["liver_named"].search(ctx.sentence):
        values = ["other"]  # "resected the lesion by wedge resection and reanastomosed the small bowel": a bowel's, not the liver's
    oncologic = values == ["other"] and rules["oncologic_resection"].search(ctx.text)
    if oncologic:
        # a resection the vocabulary does not list (lobectomy, mastectomy, excision of a
        # carcinoma) is a tumour operation when its sentence or the note's diagnoses name the tumour
        if not tumour_context(ctx, near_only=True):
            return None
    elif values == ["other"] and not re.search(r"pancrea", ctx.text, re.IGNORECASE) and not (
        _MAIN_PROCEDURES.search(ctx.sentence[: ctx.start] + " " + ctx.sentence[ctx.end :])
        or vocab_regex("tumour_words").search(ctx.sentence)
    ):
        return None
    if (
        values == ["hepatic_metastasectomy"]
        and not re.search(r"metasta|nodule|lesion|deposit|secondar|tumou?r|glucagonoma|net\b", ctx.sentence, re.IGNORECASE)
        and not liver_metastases_named_before(ctx)
    ):
        return None
    if (
        values == ["hepatic_metastasectomy"]
        and not re.search(r"liver|hepat|segment|section", ctx.text, re.IGNORECASE)
        and rules["metastasectomy_elsewhere"].search(ctx.sentence)
    ):
        values = ["other"]  # "left metastasectomy ... with mediastinal lymph node dissection": a lung's, not the liver's
    if values == ["exploration"] and rules["explored_not_abdomen"].match(ctx.after):
        return None  # "open exploration of the subclavian vein" for a port: no tumour operation
    if values == ["enucleation"] and not re.search(r"tumou?r|mass|lesion|glucagonoma|insulinoma|pancrea|net\b|nodule", ctx.sentence, re.IGNORECASE):
        return None
    clause = re.split(r"[.;]", ctx.after, maxsplit=1)[0][:80]
    if rules["other_purpose"].search(clause):
        return None  # "exploratory laparotomy for stab wounds", "Whipple's procedure for a benign stricture"
    if set(values) - PANCREATIC_OPERATIONS and not (_PANCREATIC_RESECTION.search(ctx.sentence) or tumour_context(ctx, near_only=True)):
        return None  # a splenectomy, laparotomy or hysterectomy of a note that names no neoplasm
    return values


def liver_metastases_named_before(ctx: SpanContext) -> bool:
    """Whether the note has named the tumour's liver metastases before the operation's sentence
    ("Re: insulinoma with liver metastases ... her operation (distal pancreatectomy, splenectomy
    and right hepatectomy)"): a hepatectomy there resects them. Not "no liver metastases"."""
    not_asserted = vocab_regexes("surgery_purpose")["not_asserted_before"]
    for text in (ctx.preceding, ctx.doc_head):
        for match in vocab_regex("liver_metastases_named").finditer(text):
            if not not_asserted.search(text[max(0, match.start() - 30) : match.start()]):
                return True
    return False


PANCREATIC_OPERATIONS = {
    "pancreaticoduodenectomy",
    "pylorus_preserving_pancreaticoduodenectomy",
    "distal_pancreatectomy",
    "enucleation",
    "total_pancreatectomy",
}


def tumour_context(ctx: SpanContext, *, near_only: bool = False) -> bool:
    """Whether the operation's sentence, the text before it (unless ``near_only``) or the
    note's opening (an operative note's diagnoses) names a neuroendocrine tumour or a
    malignancy the note asserts (not "rule out", "possible", "no evidence of malignancy",
    a relative's)."""
    texts = (ctx.sentence, ctx.doc_head) if near_only else (ctx.sentence, ctx.preceding, ctx.doc_head)
    return any(names_tumour(text) for text in texts)


def names_tumour(text: str) -> bool:
    """Whether ``text`` names a neuroendocrine tumour or asserts a malignancy."""
    rules = vocab_regexes("surgery_purpose")
    if rules["net_words"].search(text):
        return True
    return any(
        not rules["not_asserted_before"].search(text[max(0, match.start() - 50) : match.start()])
        for match in rules["malignancy"].finditer(text)
    )
