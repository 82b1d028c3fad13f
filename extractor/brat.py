r"""BRAT standoff gold and span-level scoring of predicted mentions.

Reading
-------
Only two kinds of lines matter; every other line (relations ``R``, events
``E``, normalisations ``N``, notes ``#``, equivalences ``*``, blank lines) is
ignored:

- ``T<n>\t<label> <start> <end>[;<start> <end>...]\t<text>``: an entity. A
  discontinuous entity becomes one span from its smallest start to its largest
  end.
- ``A<n>\t<Attribute> T<n> [<value>]`` (or the older ``M<n>``): a binary
  attribute; a value ``false``/``no``/``0``/``off`` leaves the flag unset.
  ``Negated``, ``Historical``, ``Hypothetical``, ``FamilyHistory`` and
  ``Uncertain`` set the assertion flags ``negated``, ``historical``,
  ``hypothetical``, ``family`` and ``uncertain``.

A malformed line is skipped and reported as ``file:line: reason``; problems
never quote the note. With the note's text at hand the reader also reports
entities whose offsets run past the note or whose text differs from the note.

Scoring
-------
Only the documents that have an ``.ann`` file are scored, and only the labels
that occur in the gold files (others we emit, e.g. ``sex``, are ignored).
Within one document and one label, gold and predicted spans are paired one to
one (a maximum matching):

- *strict*: same start and end;
- *lenient*: overlapping (``max(starts) < min(ends)``); exact pairs are
  preferred, then larger overlaps.

Paired spans are TPs, unpaired predicted spans FPs, unpaired gold spans FNs.
Each assertion flag is scored over the lenient pairs (all labels): accuracy is
the share of pairs on which gold and prediction agree; tp/fp/fn count the flag
set on both / only in prediction / only in gold.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, computed_field

from extractor.schema import Mention
from extractor.metrics import Counts, maximum_matching, total

ATTRIBUTE_FLAGS: dict[str, str] = {
    "Negated": "negated",
    "Historical": "historical",
    "Hypothetical": "hypothetical",
    "FamilyHistory": "family",
    "Uncertain": "uncertain",
}
"""BRAT attribute name -> assertion flag of :class:`extractor.schema.Assertion`."""

ASSERTION_FLAGS: tuple[str, ...] = tuple(ATTRIBUTE_FLAGS.values())

_FALSE_VALUES = frozenset({"false", "no", "0", "off"})
_ENTITY_ID = re.compile(r"T\d+\Z")
_OFFSETS = re.compile(r"\d+ \d+(;\d+ \d+)*\Z")

DocKey = tuple[str, str]
"""(patient_id, doc_id) of a document."""


@dataclass(frozen=True)
class SpanAnnotation:
    """A labelled character span with its set assertion flags.

    Attributes
    ----------
    label
        The entity type / record key (``"nme"``, ``"glucagon"``, ...).
    start, end
        Character offsets into the note (end exclusive).
    flags
        The assertion flags that are set (``{"negated"}``, ...).
    ann_id
        The BRAT id (``"T3"``) for gold spans, None for predicted ones.
    """

    label: str
    start: int
    end: int
    flags: frozenset[str] = frozenset()
    ann_id: str | None = None


@dataclass(frozen=True)
class AnnDocument:
    """The entities of one ``.ann`` file and the problems met reading it."""

    entities: tuple[SpanAnnotation, ...] = ()
    problems: tuple[str, ...] = field(default=())


def _parse_entity(line: str, where: str) -> tuple[SpanAnnotation | None, str | None, str | None]:
    """Parse a ``T`` line into (span, its text or None, problem or None)."""
    parts = line.split("\t")
    if len(parts) < 2 or not _ENTITY_ID.match(parts[0]):
        return None, None, f"{where}: malformed entity line (expected 'T<n><TAB>label start end<TAB>text')"
    head = parts[1].split(" ", 1)
    if len(head) != 2 or not head[0]:
        return None, None, f"{where}: entity {parts[0]} has no offsets"
    label, offsets = head[0], head[1].strip()
    if not _OFFSETS.match(offsets):
        return None, None, f"{where}: entity {parts[0]} has malformed offsets"
    fragments = [tuple(int(x) for x in piece.split(" ")) for piece in offsets.split(";")]
    if any(start >= end for start, end in fragments):
        return None, None, f"{where}: entity {parts[0]} has an empty or reversed fragment"
    span = SpanAnnotation(
        label=label,
        start=min(start for start, _ in fragments),
        end=max(end for _, end in fragments),
        ann_id=parts[0],
    )
    ann_text = parts[2] if len(parts) > 2 else None
    return span, ann_text, None


def _fragments_text(offsets_line: str, text: str) -> str:
    pieces = offsets_line.split("\t")[1].split(" ", 1)[1].strip().split(";")
    return " ".join(text[int(s) : int(e)] for s, e in (p.split(" ") for p in pieces))


def parse_ann(content: str, *, source: str, text: str | None = None) -> AnnDocument:
    """Parse the content of a BRAT ``.ann`` file.

    Parameters
    ----------
    content
        The file's text.
    source
        The file name used in problem messages (``source:line: reason``).
    text
        The note's text, if known: entities running past its end or whose
        text differs from it are reported (and kept).

    Returns
    -------
    AnnDocument
        The entities (attributes applied) in file order, and the problems.
    """
    problems: list[str] = []
    spans: dict[str, SpanAnnotation] = {}
    attributes: list[tuple[str, str, str]] = []  # (where, name, target)
    for number, raw in enumerate(content.split("\n"), start=1):
        line = raw.rstrip("\r")
        where = f"{source}:{number}"
        if not line.strip():
            continue
        kind = line[0]
        if kind == "T":
            span, ann_text, problem = _parse_entity(line, where)
            if problem or span is None:
                problems.append(problem or f"{where}: malformed entity line")
                continue
            if span.ann_id in spans:
                problems.append(f"{where}: duplicate entity id {span.ann_id} (line skipped)")
                continue
            if text is not None:
                if span.end > len(text):
                    problems.append(f"{where}: entity {span.ann_id} ends past the end of the note")
                elif ann_text is not None and _fragments_text(line, text) != ann_text:
                    problems.append(
                        f"{where}: entity {span.ann_id} text differs from the note at {span.start}-{span.end}"
                    )
            spans[span.ann_id or ""] = span
        elif kind in "AM" and re.match(r"[AM]\d+\t", line):
            fields = line.split("\t")[1].split()
            if len(fields) not in (2, 3):
                problems.append(f"{where}: malformed attribute line")
                continue
            if len(fields) == 3 and fields[2].lower() in _FALSE_VALUES:
                continue
            attributes.append((where, fields[0], fields[1]))
        elif kind in "AM" and re.match(r"[AM]\d+\b", line):
            problems.append(f"{where}: malformed attribute line (expected a TAB after the id)")
    flags: dict[str, set[str]] = {ann_id: set() for ann_id in spans}
    for where, name, target in attributes:
        if name not in ATTRIBUTE_FLAGS:
            problems.append(f"{where}: unknown attribute {name!r} (ignored)")
        elif target not in spans:
            problems.append(f"{where}: attribute {name} refers to unknown entity {target!r}")
        else:
            flags[target].add(ATTRIBUTE_FLAGS[name])
    entities = tuple(
        SpanAnnotation(s.label, s.start, s.end, frozenset(flags[i]), s.ann_id) for i, s in spans.items()
    )
    return AnnDocument(entities=entities, problems=tuple(problems))


def read_ann(path: Path, *, text: str | None = None) -> AnnDocument:
    """Read a BRAT ``.ann`` file; an unreadable file is one problem, not an exception.

    Parameters
    ----------
    path
        The ``.ann`` file.
    text
        The note's text, if known (see :func:`parse_ann`).

    Returns
    -------
    AnnDocument
        The entities and problems (file and line numbers only).
    """
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return AnnDocument(problems=(f"{path}: not valid UTF-8 (file skipped)",))
    except OSError as exc:
        return AnnDocument(problems=(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})",))
    return parse_ann(content, source=str(path), text=text)


def mention_spans(mentions: Iterable[Mention], patient_id: str) -> dict[DocKey, list[SpanAnnotation]]:
    """Turn a patient's predicted mentions into spans grouped by document.

    Parameters
    ----------
    mentions
        ``PatientResult.mentions``.
    patient_id
        The patient the mentions belong to.

    Returns
    -------
    dict
        ``(patient_id, doc_id) -> spans`` with the mentions' set assertion flags.
    """
    docs: dict[DocKey, list[SpanAnnotation]] = {}
    for mention in mentions:
        flags = frozenset(k for k, v in mention.assertion.model_dump().items() if v is True)
        span = SpanAnnotation(mention.label, mention.start, mention.end, flags)
        docs.setdefault((patient_id, mention.doc_id), []).append(span)
    return docs


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------


class LabelScores(BaseModel):
    """Counts of one matching mode: micro over labels and per label."""

    model_config = ConfigDict(extra="forbid")

    micro: Counts
    labels: dict[str, Counts]


class FlagScore(Counts):
    """Agreement on one assertion flag over the lenient pairs.

    ``tp``/``fp``/``fn`` count the flag set on both sides / only predicted /
    only gold; ``accuracy`` is ``correct / pairs`` (0.0 without pairs).
    """

    pairs: int = 0
    correct: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def accuracy(self) -> float:
        """Share of lenient pairs on which gold and prediction agree."""
        return self.correct / self.pairs if self.pairs else 0.0


class SpanReport(BaseModel):
    """Span-level result over the documents that have BRAT gold."""

    model_config = ConfigDict(extra="forbid")

    documents: int
    labels: list[str]
    strict: LabelScores
    lenient: LabelScores
    assertions: dict[str, FlagScore] = Field(default_factory=dict)


def _overlap(a: SpanAnnotation, b: SpanAnnotation) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def match_spans(
    gold: Sequence[SpanAnnotation], pred: Sequence[SpanAnnotation], *, lenient: bool
) -> list[tuple[int, int]]:
    """Pair gold and predicted spans of one document one to one.

    Parameters
    ----------
    gold, pred
        The spans of one document (any labels; only equal labels pair).
    lenient
        Pair overlapping spans (preferring exact, then larger overlap) instead
        of only spans with identical offsets.

    Returns
    -------
    list of (int, int)
        ``(gold index, pred index)`` pairs of a maximum matching.
    """

    def _edge(i: int, j: int) -> bool:
        g, p = gold[i], pred[j]
        if g.label != p.label:
            return False
        if lenient:
            return _overlap(g, p) > 0
        return g.start == p.start and g.end == p.end

    def _order(i: int) -> list[int]:
        g = gold[i]
        return sorted(
            range(len(pred)),
            key=lambda j: (
                (pred[j].start, pred[j].end) != (g.start, g.end),
                -_overlap(g, pred[j]),
                abs(pred[j].start - g.start),
                j,
            ),
        )

    return maximum_matching(len(gold), len(pred), _edge, _order)


def _label_counts(
    gold: Sequence[SpanAnnotation], pred: Sequence[SpanAnnotation], pairs: Sequence[tuple[int, int]]
) -> dict[str, Counts]:
    counts: dict[str, list[int]] = {}
    for span in gold:
        counts.setdefault(span.label, [0, 0, 0])[2] += 1
    for span in pred:
        counts.setdefault(span.label, [0, 0, 0])[1] += 1
    for i, _ in pairs:
        row = counts[gold[i].label]
        row[0] += 1
        row[1] -= 1
        row[2] -= 1
    return {label: Counts(tp=tp, fp=fp, fn=fn) for label, (tp, fp, fn) in counts.items()}


def score_spans(
    gold: Mapping[DocKey, Sequence[SpanAnnotation]],
    pred: Mapping[DocKey, Sequence[SpanAnnotation]],
    *,
    labels: Collection[str] | None = None,
) -> SpanReport:
    """Score predicted spans against BRAT gold, strict and lenient, per label.

    Parameters
    ----------
    gold
        Gold spans of every annotated document (an empty list for a document
        annotated as having no mentions).
    pred
        Predicted spans by document; documents not in ``gold`` are ignored.
    labels
        Labels to score; default: every label that occurs in ``gold``.

    Returns
    -------
    SpanReport
        Strict and lenient counts (micro and per label, labels sorted) and the
        assertion-flag agreement over the lenient pairs.
    """
    scored = sorted(set(labels) if labels is not None else {s.label for v in gold.values() for s in v})
    wanted = set(scored)
    strict: dict[str, Counts] = {label: Counts() for label in scored}
    lenient: dict[str, Counts] = {label: Counts() for label in scored}
    flag_rows = {flag: [0, 0, 0, 0, 0] for flag in ASSERTION_FLAGS}  # tp fp fn pairs correct
    for doc in sorted(gold):
        g = [s for s in gold[doc] if s.label in wanted]
        p = [s for s in pred.get(doc, ()) if s.label in wanted]
        lenient_pairs = match_spans(g, p, lenient=True)
        for table, pairs in ((strict, match_spans(g, p, lenient=False)), (lenient, lenient_pairs)):
            for label, c in _label_counts(g, p, pairs).items():
                table[label] = total((table[label], c))
        for i, j in lenient_pairs:
            for flag, row in flag_rows.items():
                in_gold, in_pred = flag in g[i].flags, flag in p[j].flags
                row[0] += in_gold and in_pred
                row[1] += in_pred and not in_gold
                row[2] += in_gold and not in_pred
                row[3] += 1
                row[4] += in_gold == in_pred
    assertions = {
        flag: FlagScore(tp=tp, fp=fp, fn=fn, pairs=n, correct=ok)
        for flag, (tp, fp, fn, n, ok) in flag_rows.items()
    }
    return SpanReport(
        documents=len(gold),
        labels=scored,
        strict=LabelScores(micro=total(strict.values()), labels=strict),
        lenient=LabelScores(micro=total(lenient.values()), labels=lenient),
        assertions=assertions,
    )
