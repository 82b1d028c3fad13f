"""The Results paragraph, in the source paper's style, every number taken from the figures.

"The seven patients consisted of six females and one male with an average age at
diagnosis of 40.1 years (range 23-51). ... Four of seven patients had liver
metastasis ..." A sentence whose figures are missing is left out; a denominator
smaller than the cohort is said ("of the six patients whose vital status is stated").
"""

from __future__ import annotations

from typing import Any

from extractor.summary.layout import SummaryLayout
from extractor.summary.reading import number_text, share_text

_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


def number_word(n: int) -> str:
    """``7`` -> ``seven`` up to twenty, digits beyond (as the paper writes counts)."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plural(word: str, n: int) -> str:
    return word if n == 1 else word + "s"


def _of(n: int, known: int, patients: int, stated: str) -> str:
    """``six of seven patients`` or ``three of the six patients whose <stated> is stated``."""
    if known == patients:
        if n == known and n > 2:
            return f"all {number_word(n)} patients"
        return f"{number_word(n)} of {number_word(known)} patients"
    return f"{number_word(n)} of the {number_word(known)} patients whose {stated} is stated"


def _range(figure: dict[str, Any], decimals: int | None = None) -> str:
    low = figure.get("min_comparator", "") + number_text(float(figure["min"]), decimals)
    high = figure.get("max_comparator", "") + number_text(float(figure["max"]), decimals)
    return f"{low} to {high}" if figure.get("min_comparator") or figure.get("max_comparator") else f"{low}-{high}"


def _mean(figure: dict[str, Any]) -> str:
    return figure.get("mean_comparator", "") + number_text(float(figure["mean"]), 1)


def _stated_for(known: int, patients: int) -> str:
    return "" if known == patients else f"; stated for {known} of {patients}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def results_paragraph(layout: SummaryLayout, figures: dict[str, dict[str, Any]], patients: int,
                      who: str = "patients") -> str:
    """The paragraph for a cohort of ``patients`` (``who`` names them: "patients who meet the cohort definition")."""
    if patients == 0:
        return "No patient records were summarised."
    sentences = [_demographics(layout, figures, patients, who), _months(figures, patients),
                 _presentation(layout, figures, patients), _glucagon(layout, figures, patients),
                 _metastasis(layout, figures, patients), _treatment(figures, patients),
                 _outcome(figures, patients)]
    return " ".join(s for s in sentences if s)


def _demographics(layout: SummaryLayout, figures: dict[str, dict[str, Any]], patients: int, who: str) -> str:
    sex = figures["sex"]
    words = layout.terms.values.get("sex", {})
    parts = [f"{number_word(n)} {_plural(words.get(k, k), n)}" for k, n in _in_order(sex["counts"], words)]
    opening = f"The {number_word(patients)} {who}"
    if parts:
        text = f"{opening} consisted of {_join(parts)}"
        if sex["known"] < patients:
            text += f" (sex not stated for {number_word(patients - sex['known'])})"
    else:
        text = f"{opening} had no sex stated"
    age = figures["age_at_diagnosis"]
    if age["known"]:
        text += (f" with an average age at diagnosis of {_mean(age)} years "
                 f"(range {_range(age)}{_stated_for(age['known'], patients)})")
    return text + "."


def _in_order(counts: dict[str, int], order: dict[str, str]) -> list[tuple[str, int]]:
    keys = list(order)
    return sorted(counts.items(), key=lambda kv: (keys.index(kv[0]) if kv[0] in keys else len(keys), kv[0]))


def _months(figures: dict[str, dict[str, Any]], patients: int) -> str:
    months = figures["months_symptoms_to_diagnosis"]
    if not months["known"]:
        return ""
    return (f"The average time from onset of symptoms to diagnosis was {_mean(months)} months "
            f"(range {_range(months)} months{_stated_for(months['known'], patients)}).")


def _presentation(layout: SummaryLayout, figures: dict[str, dict[str, Any]], patients: int) -> str:
    text = ""
    department = figures["first_department"]
    counts = department["counts"]
    if len(counts) == 1:
        (name, n), = counts.items()
        whom = "All the patients" if n == patients else _capital(_of(n, department["known"], patients,
                                                                        "first department"))
        text = f"{whom} first visited {name}."
    elif counts:
        listed = _join([f"{name} {share_text(n, department['known'])}" for name, n in counts.items()])
        text = f"The first department visited was {listed}."
    present, none = [], []
    for field, term in layout.terms.fields.items():
        figure = figures.get(field)
        if not figure or not figure["known"]:
            continue
        n = figure["counts"].get("present", 0)
        if n:
            present.append(f"{term} {share_text(n, figure['known'])}")
        else:
            none.append(f"{term} (0/{figure['known']})")
    if present:
        text += f" Presenting findings were {_join(present)}."
    if none:
        text += f" No patient had {_join(none).replace(' and ', ' or ')}."
    return text.strip()


def _glucagon(layout: SummaryLayout, figures: dict[str, dict[str, Any]], patients: int) -> str:
    peak = figures["glucagon_peak_pg_ml"]
    if not peak["known"]:
        return ""
    elevated = peak.get("elevated")
    label = next((d.label for d in layout.derived if d.name == "elevated"), "")
    if elevated:
        text = (f"Plasma glucagon before surgery was elevated ({label}) in "
                f"{_of(elevated['n'], elevated['of'], patients, 'glucagon')} (range {_range(peak, 0)} pg/mL)")
    else:
        text = f"Plasma glucagon before surgery ranged from {_range(peak, 0).replace('-', ' to ')} pg/mL"
    fell = figures["glucagon_post_surgery_pg_ml"].get("fell_from_peak")
    if fell and fell["of"]:
        whom = "all" if fell["n"] == fell["of"] else number_word(fell["n"])
        text += (f" and fell after surgery in {whom} of the {number_word(fell['of'])} "
                 f"{_plural('patient', fell['of'])} with a postoperative value")
    return text + "."


def _metastasis(layout: SummaryLayout, figures: dict[str, dict[str, Any]], patients: int) -> str:
    sites = figures["metastasis_sites"]
    known = sites["known"]
    if not known:
        return ""
    words = layout.terms.values.get("metastasis_sites", {})
    counts = {k: n for k, n in sites["counts"].items() if k != "none"}
    parts = []
    if counts:
        (site, n), *others = counts.items()
        text = f"{_capital(_of(n, known, patients, 'metastatic status'))} had {words.get(site, site)} metastasis"
        if others:
            text += " (" + ", ".join(f"{words.get(k, k)} {m}/{known}" for k, m in others) + ")"
        parts.append(text)
    free = sites["counts"].get("none", 0)
    if free:
        parts.append(f"{number_word(free)} had no metastasis")
    return _capital("; ".join(parts)) + "." if parts else ""


def _treatment(figures: dict[str, dict[str, Any]], patients: int) -> str:
    parts = []
    resection = figures["surgery"].get("resection")
    if resection and resection["of"]:
        parts.append(f"{_of(resection['n'], resection['of'], patients, 'surgery')} received surgical resection")
    analogue = figures["somatostatin_analogue"]
    if analogue["known"]:
        n = analogue["any"]
        whom = f"all {number_word(n)}" if n == patients and n > 2 else _of(n, analogue["known"], patients, "treatment")
        parts.append(f"{whom} received somatostatin analogue therapy")
    return _capital(", and ".join(parts)) + "." if parts else ""


def _outcome(figures: dict[str, dict[str, Any]], patients: int) -> str:
    text = ""
    improved = figures["symptoms_improved"]
    if improved["known"]:
        n = improved["counts"].get("true", 0)
        text = f"Symptoms improved in {n} out of {improved['known']} patients"
        text += "." if improved["known"] == patients else f" whose outcome is stated ({patients} in all)."
    vital = figures["vital_status"]
    if vital["known"]:
        died = vital["counts"].get("deceased", 0)
        text += f" {_capital(_of(died, vital['known'], patients, 'vital status'))} died by the time of follow-up."
    return text.strip()
