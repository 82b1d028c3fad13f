"""Recall audit for text without gold: where a field's cue words occur but no mention came out.

For every note the pipeline is run as usual; then, sentence by sentence, each
field whose cue words occur in the sentence and which gave no mention there is a
candidate miss. Candidates are grouped into patterns (the words around the cue,
numbers written as ``0``), most frequent first, so that a rule author sees what
real text says that the rules do not read. Beside them, every rule's hit count
(and the rules that never fired).

The report quotes note text, so it is written only to a file the user names,
never to a log or the terminal.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from spacy.language import Language

from extractor.components.sentences import sentence_boundaries
from extractor.core import note_mentions
from extractor.notes import NoteInput
from extractor.ruleset import target_rules
from extractor.search.regex_analysis import regex_requirement

# labels that stand for a value of another field once classified (a marker name
# becomes a glucagon value, a serum marker or a stain)
_MARKER_FIELDS = ("glucagon", "serum_markers", "ihc")
_MIN_CUE_CHARS = 4
_PATTERN_WORDS = 5
_EXAMPLES_PER_PATTERN = 3


@dataclass(frozen=True)
class Cue:
    """A cue word of a field: found case-insensitively unless written in capitals."""

    field: str
    text: str
    pattern: re.Pattern[str]


@cache
def field_cues() -> dict[str, tuple[Cue, ...]]:
    """Each field's cue words: the literals its target rules need (every match holds one);
    the rules are built from the concept lexicon, so these are the lexicon's names.

    Short literals ("is", "at") only anchor a rule and say nothing of the field, so
    cues are words of four or more characters, or abbreviations written in capitals.
    """
    cues: dict[str, dict[str, Cue]] = defaultdict(dict)
    for rule in target_rules():
        if not rule.regex:
            continue
        fields = _MARKER_FIELDS if rule.label == "marker" else (rule.label,)
        requirement = regex_requirement(rule.regex)
        literals = {k.text for k in requirement.selective.keywords} if requirement else set()
        for literal in sorted(literals):
            word = literal.strip()
            capitals = word.isupper() and len(word) >= 2
            flags = 0 if capitals else re.IGNORECASE
            compiled = re.compile(rf"(?<![A-Za-z]){re.escape(word)}", flags)
            if not capitals and len(word) < _MIN_CUE_CHARS and word.isalpha() and len(word) >= 2:
                # a short name with a number ("Ki-67", "MIB-1") is a cue when every example
                # of the rule that has it writes it so; then the note's word must carry the number too
                numbered = re.compile(rf"(?<![A-Za-z]){re.escape(word)}(?=\s?-?\s?\d)", re.IGNORECASE)
                examples = [e for e in rule.examples if re.search(rule.regex, e, re.IGNORECASE) and compiled.search(e)]
                if not examples or not all(numbered.search(e) for e in examples):
                    continue
                compiled = numbered
            elif not capitals and (len(word) < _MIN_CUE_CHARS or not re.search("[a-z]", word)):
                continue
            for name in fields:
                cues[name].setdefault(word.lower() if not capitals else word, Cue(name, word, compiled))
    return {name: tuple(found.values()) for name, found in sorted(cues.items())}


@dataclass
class FieldMisses:
    """Candidate misses of one field: pattern -> count and a few example sentences."""

    sentences: int = 0
    patterns: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class AuditReport:
    """What ``audit_notes`` found over a set of notes."""

    notes: int = 0
    excluded: int = 0
    sentences: int = 0
    rule_hits: Counter[str] = field(default_factory=Counter)
    label_mentions: Counter[str] = field(default_factory=Counter)
    misses: dict[str, FieldMisses] = field(default_factory=lambda: defaultdict(FieldMisses))

    def to_json(self, *, top: int = 25) -> dict[str, Any]:
        """The report as plain data: per field its most frequent patterns, per rule its hits."""
        rule_ids = [rule.id for rule in target_rules()]
        return {
            "notes": self.notes,
            "excluded": self.excluded,
            "sentences": self.sentences,
            "fields": {
                name: {
                    "mentions": self.label_mentions.get(name, 0),
                    "sentences_with_cue_and_no_mention": misses.sentences,
                    "patterns": [
                        {"pattern": pattern, "count": count, "examples": misses.examples.get(pattern, [])}
                        for pattern, count in misses.patterns.most_common(top)
                    ],
                }
                for name, misses in sorted(self.misses.items())
            },
            "rules": {rule_id: self.rule_hits.get(rule_id, 0) for rule_id in rule_ids},
            "rules_never_fired": [rule_id for rule_id in rule_ids if not self.rule_hits.get(rule_id)],
        }


def _pattern(sentence: str, cue_start: int, cue_end: int) -> str:
    """The cue with a few words either side, lower-cased, numbers as 0."""
    before = sentence[:cue_start].split()[-_PATTERN_WORDS:]
    after = sentence[cue_end:].split()[:_PATTERN_WORDS]
    words = [*before, f"[{sentence[cue_start:cue_end]}]", *after]
    return re.sub(r"\d+(?:[.,]\d+)?", "0", " ".join(words).lower())


def _sentences(text: str) -> list[tuple[int, int]]:
    starts = [0, *(b for b in sentence_boundaries(text) if 0 < b < len(text))]
    ends = [*starts[1:], len(text)]
    return [(s, e) for s, e in zip(starts, ends, strict=True) if text[s:e].strip()]


def audit_note(nlp: Language, note: NoteInput, report: AuditReport) -> None:
    """Add one note's mentions and candidate misses to ``report``."""
    mentions = note_mentions(nlp, note)
    report.notes += 1
    covered: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for mention in mentions:
        report.rule_hits[mention.rule or "-"] += 1
        report.label_mentions[mention.label] += 1
        covered[mention.label].append((mention.start, mention.end))
    text = note.text
    for start, end in _sentences(text):
        report.sentences += 1
        sentence = text[start:end]
        for name, cues in field_cues().items():
            if any(s < end and e > start for s, e in covered.get(name, ())):
                continue
            hit = next((m for cue in cues if (m := cue.pattern.search(sentence))), None)
            if hit is None:
                continue
            misses = report.misses[name]
            misses.sentences += 1
            pattern = _pattern(sentence, hit.start(), hit.end())
            misses.patterns[pattern] += 1
            if len(misses.examples[pattern]) < _EXAMPLES_PER_PATTERN:
                misses.examples[pattern].append(
                    {"doc": f"{note.patient_id}/{note.doc_id}", "sentence": " ".join(sentence.split())[:400]}
                )


def audit_notes(nlp: Language, notes: Iterable[NoteInput], *, exclude: frozenset[str] = frozenset()) -> AuditReport:
    """Audit every note whose patient id, document id or source is not in ``exclude``."""
    report = AuditReport()
    for note in notes:
        if {note.patient_id, note.doc_id} & exclude or any(key in note.source for key in exclude if key):
            report.excluded += 1
            continue
        audit_note(nlp, note, report)
    return report


_ID_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{3,}")


def read_exclusions(path: Path) -> frozenset[str]:
    """Ids to leave out, one per line; a Markdown list (``- TCGA-...``) is read too.

    Lines that are prose (more than one word after the list marker) are ignored,
    so the blind-evaluation list ``reserved.md`` can be given as it is.
    """
    ids: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        item = line.strip().removeprefix("- ").strip()
        if not item or item.startswith("#") or " " in item:
            continue
        if _ID_TOKEN.fullmatch(item):
            ids.add(item)
            if "." in item:
                # a report id "BARCODE.UUID": the gold-set layout names its notes by the barcode
                ids.add(item.split(".", 1)[0])
    return frozenset(ids)


def write_report(report: AuditReport, path: Path, *, top: int = 25) -> None:
    """Write the report: JSON for ``.json``, otherwise Markdown (both quote note text)."""
    data = report.to_json(top=top)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    lines = [
        "# Recall audit (quotes note text: keep it where the notes are allowed)",
        "",
        f"{data['notes']} notes, {data['sentences']} sentences; {data['excluded']} notes excluded.",
        "",
        "## Fields: sentences with a cue word and no mention",
        "",
        "| field | mentions | sentences with cue, no mention |",
        "| --- | ---: | ---: |",
    ]
    for name, entry in data["fields"].items():
        lines.append(f"| `{name}` | {entry['mentions']} | {entry['sentences_with_cue_and_no_mention']} |")
    for name, entry in data["fields"].items():
        if not entry["patterns"]:
            continue
        lines += ["", f"### `{name}`", ""]
        for item in entry["patterns"]:
            lines.append(f"- **{item['count']}** × {item['pattern']}")
            for example in item["examples"]:
                lines.append(f"  - `{example['doc']}`: {example['sentence']}")
    lines += ["", "## Rules: hits", "", "| rule | hits |", "| --- | ---: |"]
    lines += [f"| `{rule}` | {hits} |" for rule, hits in sorted(data["rules"].items(), key=lambda kv: (-kv[1], kv[0]))]
    lines += ["", f"Rules that never fired: {', '.join(data['rules_never_fired']) or 'none'}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
