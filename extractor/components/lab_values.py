"""Marker names -> glucagon values, serum marker results, or IHC stains.

A marker name ("glucagon", "chromogranin A", "NSE") is a lab result when a
number with a unit (or the analyte's usual unit beside a reference range)
follows it in its sentence, an immunostain when IHC words or a pathology section
surround it, and a serum status when only "elevated"/"normal" follows.
"""


import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from extractor.components._common import rule_metadata, section_of, text_of
from extractor.lexicon import lexicon
from extractor.parsing.context import vocab_regex
from extractor.parsing.labs import (
    reference_spans,
    readings_in,
    status_before,
    status_from_reference,
    status_words,
    timing_cue,
    timing_cues,
    to_pg_per_ml,
)
from extractor.resources import vocabulary
from extractor.schema import SERUM_MARKER_KEYS

_IHC_RESULT_WORDS = re.compile(
    r"\bpositiv|\bnegativ|\(\s*[+±-]\s*\)|\b[123]\s*\+|±|\bnot\s+(?:performed|done)\b|\bfocal|\bweak|\bdiffuse|\bpatchy|\bexpress",
    re.IGNORECASE,
)


_BLOOD_WORDS = re.compile(r"\b(?:serum|plasma|blood|level|levels|concentration|assay|ng/ml|pg/ml|u/l|pmol/l)\b", re.IGNORECASE)


_CONTINUATION = re.compile(
    r"\n[ \t]*(?=(?-i:[a-z0-9(\-•*])|(?:pre|post|baseline|at\s|on\s|day|pod|follow|after|before|initial|repeat|fasting|random)\w*)",
    re.IGNORECASE,
)
_WINDOW_END = re.compile(r"\n[ \t]*\n|\.(?=\s+[A-Z])|\.[ \t]*(?=\n)|\.\s*$|\n")
WINDOW_CHARS = 300


def lab_window(text: str, end: int, stops: list[int], sentence_start: int = 0) -> tuple[str, str]:
    """The text after a marker that can hold its values: (line before the marker, window).

    The window runs over ";" and continuation lines ("Glucagon:" followed by
    "  preoperative ... / postoperative ..." rows) and stops at a blank line, a
    full stop before a capital, a new line that is not a continuation, the next
    marker or another analyte.
    """
    limit = min([end + WINDOW_CHARS, len(text), *[s for s in stops if s > end]])
    window = text[end:limit]
    analyte = vocab_regex("lab_analytes").search(window)  # other analytes, whole words
    if analyte:
        window = window[: analyte.start()]
    position = 0
    while True:
        match = _WINDOW_END.search(window, position)
        if match is None:
            break
        if match.group(0) == "\n" and _CONTINUATION.match(window, match.start()):
            position = match.end()
            continue
        window = window[: match.start()]
        break
    # the marker's line, but never beyond its sentence (one-line notes would make this the whole note)
    line_start = max(text.rfind("\n", 0, end) + 1, sentence_start)
    return text[line_start:end], window


def classify_marker(ent: Span, others: list[Span], section: str | None) -> tuple[str, Any] | None:
    """(label, value) for a marker mention, or None when it is neither a lab nor a stain."""
    marker = rule_metadata(ent).get("value")
    doc = ent.doc
    sent = ent.sent
    text = text_of(doc)
    sentence = text[sent.start_char : sent.end_char]
    start, end = ent.start_char - sent.start_char, ent.end_char - sent.start_char
    # the next marker ends the window, unless it is this marker's own abbreviation "(CgA)"
    stops = [
        o.start_char
        for o in others
        if rule_metadata(o).get("value") != marker or o.start_char - ent.end_char > 3
    ]
    line, window = lab_window(text, ent.end_char, stops, sent.start_char)
    pathology = section in vocabulary()["pathology_sections"]
    ihc_words = vocab_regex("ihc_context").search(sentence) is not None
    concept = lexicon().get(marker) if isinstance(marker, str) else None
    readings = readings_in(window, concept.usual_unit if concept is not None else None)
    leading = window[: readings[0].start] if readings else window
    if readings and not _IHC_RESULT_WORDS.search(leading) and not (pathology and "%" in window[: readings[0].end + 2]):
        references = reference_spans(window)
        context = line + text[ent.start_char : ent.end_char] + window
        offset = len(line) + (ent.end_char - ent.start_char)
        timings = timing_cues(context, [(offset + r.start, offset + r.end) for r in readings])
        # "very high serum gastrin, 12,037 pg/mL": the word before the analyte, when the value has no range
        said_before = status_before(sentence[:start])
        values = []
        for reading, timing in zip(readings, timings, strict=True):
            reference = next((r for s, _, r in references if s >= reading.end), None)
            status = status_from_reference(reading.value, reading.comparator, reference) or status_words(window) or said_before
            values.append(
                {
                    "value": reading.value,
                    "comparator": reading.comparator,
                    "unit": reading.unit,
                    "status": status,
                    "timing_cue": timing,
                    "start": ent.end_char + reading.start,
                    "end": ent.end_char + reading.end,
                }
            )
        # "fell from 1,200 pg/mL before surgery to 95 pg/mL": the later value of a fall is postoperative
        if re.search(r"\b(?:fell|fall(?:en|ing)?|dropp\w*|decreas\w*|declin\w*|normali[sz]\w*|came\s+down)\b", window, re.IGNORECASE):
            for before, after in zip(values, values[1:]):
                if before["timing_cue"] == "preoperative" and after["timing_cue"] is None:
                    after["timing_cue"] = "postoperative"
        if marker == "glucagon":
            for v in values:
                v["pg_ml"] = to_pg_per_ml(v["value"], v["unit"])
            values = [v for v in values if v["pg_ml"] is not None]
            return ("glucagon", {"readings": values}) if values else None
        if marker in SERUM_MARKER_KEYS:
            return ("serum_markers", {"marker": marker, "readings": values})
        return None
    sentence_window = sentence[end : min([len(sentence), *[s.start_char - sent.start_char for s in others if s.start_char > ent.start_char]])]
    # "positive for synaptophysin and NSE": a result before a list of markers is a stain's
    # result, unless the sentence speaks of blood ("serum chromogranin was elevated")
    stated_before = _IHC_RESULT_WORDS.search(sentence[:start]) is not None and not _BLOOD_WORDS.search(sentence)
    # "plasma immunoreactive glucagon", "serum chromogranin A - negative": an assay of the blood, not a stain
    blood_assay = vocab_regex("blood_immunoassay").search(sentence[max(0, start - 40) : start]) is not None
    # "plasma immunoreactive glucagon (IRG) is raised": an abbreviation is an assay of what its long form is
    for name in others:
        if rule_metadata(name).get("value") == marker and sent.start_char <= name.start_char and name.end_char <= ent.start_char and re.fullmatch(r"\s*\(\s*", text[name.end_char : ent.start_char]):
            name_start = name.start_char - sent.start_char
            blood_assay = blood_assay or vocab_regex("blood_immunoassay").search(sentence[max(0, name_start - 40) : name_start]) is not None
    if not blood_assay and (pathology or ihc_words or _IHC_RESULT_WORDS.search(sentence_window) or stated_before):
        if marker == "c_peptide":
            return None
        return ("ihc", {"marker": marker})
    status = status_words(window)
    if status is None and re.fullmatch(r"\s*(?:,|&|/|and|,\s*and)\s*", window):
        # "Insulin and C-peptide were elevated": the result after the list is each marker's
        status = status_words(sentence[end:])
    before = status_before(sentence[:start])
    # a result without a number needs lab wording ("insulin increased" can be a dose), or
    # a lab table's flag column at the end of the marker's row ("Insulin   elevated   H")
    lab_words = re.search(r"serum|plasma|fasting|level|concentration|measured|assay|test|\bwas\b|\bis\b|\bwere\b|\bare\b", sentence, re.IGNORECASE) or re.search(
        r"[ \t](?:H|L|\(H\)|\(L\))[ \t]*$", window.split("\n", 1)[0]
    )
    if status and marker != "insulin" and re.match(r"\s*(?:also\s+|again\s+|very\s+|markedly\s+|mildly\s+)?\w+", window) and status_words(window.split(",", 1)[0]):
        lab_words = lab_words or True  # "CgA also elevated": a level word right after a marker that is no drug
    if not status and before and marker in SERUM_MARKER_KEYS:
        status, lab_words = before, True  # "elevated gastrin": the word says it is a measured level
    if marker == "insulin" and vocab_regex("insulin_as_drug").search(sentence):
        return None  # "insulin and metformin were increased": the drug's dose, not a blood level
    if status and lab_words and marker in SERUM_MARKER_KEYS:
        reading = {"value": None, "unit": None, "status": status, "comparator": "=", "timing_cue": timing_cue(sentence, start, end)}
        return ("serum_markers", {"marker": marker, "readings": [reading]})
    return None


class LabValues:
    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        markers = [e for e in doc.ents if e.label_ == "marker"]
        if not markers:
            return doc
        kept: list[Span] = [e for e in doc.ents if e.label_ != "marker"]
        for index, ent in enumerate(markers):
            # neighbours only: the next few markers bound the window, the sentence bounds the rest
            others = [o for o in markers[max(0, index - 8) : index + 8] if o is not ent]
            result = classify_marker(ent, others, section_of(ent))
            if result is None:
                continue
            label, value = result
            span = Span(doc, ent.start, ent.end, label=label)
            span._.target_rule = getattr(ent._, "target_rule", None)
            span._.extractor_rule = rule_metadata(ent).get("rule")
            span._.extractor_value = value
            kept.append(span)
        doc.ents = sorted(kept, key=lambda s: s.start)
        return doc


@Language.factory("extractor_lab_values")
def make_lab_values(nlp: Language, name: str) -> LabValues:
    return LabValues(nlp, name)
