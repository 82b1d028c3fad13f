"""The review as HTML: one index page and one page per patient, each self-contained.

Every page carries its CSS and script inline and a Content-Security-Policy that
allows exactly that style and that script (by their SHA-256) and nothing else:
no network, no other script, no inline handler, no form target. Every string
that comes from the notes or the records is HTML-escaped here, or handed to the
script as JSON (with ``<``, ``>`` and ``&`` escaped) that the script only ever
writes with ``textContent``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from html import escape
from importlib import resources
from typing import Any

from extractor.schema import Mention
from extractor.review.conflicts import Loser
from extractor.review.sources import NoteText

FLAG_CLASSES = {"negated": "neg", "historical": "hist", "hypothetical": "hyp", "family": "fam", "uncertain": "unc"}
FLAG_TAGS = {"negated": "NEG", "historical": "HIST", "hypothetical": "HYP", "family": "FAM", "uncertain": "UNC"}
DOT = " \u00b7 "
LOSERS_SHOWN = 30
"""Other mentions listed per field at most (the page says how many more there are)."""
WARNING = ("This page contains patient text from clinical notes. Keep it on an approved machine; "
           "do not email, upload or share it.")


@cache
def asset(name: str) -> str:
    """A stylesheet or script, each line stripped of its indent and comment lines dropped
    (every page carries them: ~25% less on each of 10,000 pages)."""
    text = resources.files("extractor.review").joinpath("assets", name).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def _sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def json_for_script(data: Any) -> str:
    """JSON that cannot end its ``<script type="application/json">`` element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def page(title: str, body: str, data: dict[str, Any] | str, script: str, body_class: str) -> str:
    """A whole page: the warning first, the data as inert JSON (``data`` may come encoded by
    ``json_for_script``), the one allowed script last."""
    style = asset("review.css")
    code = asset("common.js") + asset(script)
    policy = (f"default-src 'none'; script-src '{_sha(code)}'; style-src '{_sha(style)}'; img-src data:; "
              "base-uri 'none'; form-action 'none'")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{style}</style></head>"
        f'<body class="{body_class}"><div class="phi" role="alert" id="phi-warning">{_e(WARNING)} '
        "<small>Corrections are kept in this browser only until exported.</small></div>"
        f"{body}"
        f'<script type="application/json" id="review-data">'
        f'{data if isinstance(data, str) else json_for_script(data)}</script>'
        f"<script>{code}</script></body></html>\n"
    )


# --------------------------------------------------------------------------- file names

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10)), "index"}


def page_names(patient_ids: Sequence[str]) -> dict[str, str]:
    """A file name for each patient's page: the id itself where it is a safe, case-insensitively
    unique name, else a slug and a hash of the id (any id: ``../x``, ``<img ...>``, ``P01`` and ``p01``)."""
    lower = Counter(pid.lower() for pid in patient_ids)
    names: dict[str, str] = {}
    for pid in patient_ids:
        stem = pid.lower().split(".")[0]
        if _SAFE_ID.fullmatch(pid) and lower[pid.lower()] == 1 and stem not in _RESERVED:
            names[pid] = f"{pid}.html"
        else:
            slug = re.sub(r"[^A-Za-z0-9_-]+", "_", pid).strip("_")[:40] or "patient"
            names[pid] = f"{slug}-{hashlib.sha256(pid.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}.html"
    taken = Counter(name.lower() for name in names.values())
    for pid, name in names.items():  # a plain id that looks like another's slug-hash name
        if taken[name.lower()] > 1 and not name.endswith(f"-{hashlib.sha256(pid.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}.html"):
            names[pid] = f"id-{hashlib.sha256(pid.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}.html"
    return names


# --------------------------------------------------------------------------- note text with its marks


def mention_value_text(value: Any) -> str:
    """A mention's normalised value in a few words (``{"sites": ["liver"]}`` -> ``sites liver``)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        parts = [f"{k} {mention_value_text(v)}" for k, v in value.items() if v not in (None, [], "") and k != "scope"]
        text = ", ".join(parts)
    elif isinstance(value, list):
        text = ", ".join(mention_value_text(v) for v in value)
    else:
        text = str(value)
    return text if len(text) <= 120 else text[:119] + "\u2026"


def said_text(says: Any) -> str:
    """What a mention says about a field, in words: ``no liver``, ``none``, ``yes``, ``octreotide lar``."""
    if isinstance(says, dict) and set(says) == {"no"}:
        return "no " + (", ".join(says["no"]) if says["no"] else "metastasis")
    if isinstance(says, bool):
        return "yes" if says else "no"
    if isinstance(says, list) and not says:
        return "none"
    text = mention_value_text(says) if isinstance(says, dict | list) else str(says)
    return text.replace("_", " ")


def mention_title(m: Mention) -> str:
    flags = [flag for flag, on in m.assertion if on]
    value = mention_value_text(m.value)
    return " \u00b7 ".join(filter(None, [
        m.label + (f" = {value}" if value else ""),
        ", ".join(flags) if flags else "asserted",
        f"section {m.section}" if m.section else "no section",
        f"rule {m.rule}" if m.rule else None,
    ]))


def mention_tag(m: Mention) -> str:
    flags = [FLAG_TAGS[flag] for flag, on in m.assertion if on]
    return " ".join([m.label, *flags])


def marked_text(text: str, mentions: Sequence[tuple[int, Mention]], spans: Sequence[tuple[int, int, int]]) -> str:
    """The note as HTML: every character escaped; each stretch covered by mentions or evidence spans
    one ``<span>`` naming them (``data-m``: mention numbers, ``data-e``: evidence span numbers), with
    the covering mentions' ConText flags as classes, their details as its title and, where a mention
    ends, its label and flags as a tag."""
    n = len(text)
    starts: dict[int, list[tuple[str, int, int]]] = {}
    bounds = {0, n}
    for index, m in mentions:
        if 0 <= m.start < m.end <= n:
            starts.setdefault(m.start, []).append(("m", index, m.end))
            bounds.update((m.start, m.end))
    for index, start, end in spans:
        if 0 <= start < end <= n:
            starts.setdefault(start, []).append(("e", index, end))
            bounds.update((start, end))
    info = dict(mentions)
    points = sorted(bounds)
    active_m: dict[int, int] = {}
    active_e: dict[int, int] = {}
    out: list[str] = []
    for a, b in zip(points, points[1:], strict=False):
        active_m = {i: end for i, end in active_m.items() if end > a}
        active_e = {i: end for i, end in active_e.items() if end > a}
        for kind, index, end in starts.get(a, ()):
            (active_m if kind == "m" else active_e)[index] = end
        piece = escape(text[a:b], quote=False)
        if not active_m and not active_e:
            out.append(piece)
            continue
        classes: list[str] = []
        attrs: list[str] = []
        if active_m:
            covering = [info[i] for i in sorted(active_m)]
            classes.append("m")
            flags = {flag for m in covering for flag, on in m.assertion if on}
            classes.extend(FLAG_CLASSES[f] for f in FLAG_CLASSES if f in flags)
            attrs.append(f'data-m="{" ".join(str(i) for i in sorted(active_m))}"')
            attrs.append(f'title="{_e(chr(10).join(mention_title(m) for m in covering))}"')
            ending = [info[i] for i in sorted(active_m) if active_m[i] == b]
            if ending:
                classes.append("tag")
                attrs.append(f'data-tag="{_e(" | ".join(mention_tag(m) for m in ending))}"')
        if active_e:
            classes.append("ev")
            attrs.append(f'data-e="{" ".join(str(i) for i in sorted(active_e))}"')
        out.append(f'<span class="{" ".join(classes)}" {" ".join(attrs)}>{piece}</span>')
    return "".join(out)


# --------------------------------------------------------------------------- the patient page


@dataclass(frozen=True)
class SpanView:
    """One evidence span of the record, as the page lists it."""

    id: int
    doc_id: str
    start: int
    end: int
    text: str
    where: str  # "ok", "stale" (the note's text differs there), "missing" (no such note)
    date: str | None = None
    section: str | None = None
    flags: tuple[str, ...] = ()
    rule: str | None = None


@dataclass(frozen=True)
class FieldView:
    field: str
    sub_label: str | None
    value_text: str
    filled: bool
    spans: tuple[int, ...]
    items: tuple[tuple[str, tuple[int, ...]], ...] = ()
    losers: tuple[Loser, ...] = ()
    gold: tuple[str, str] | None = None  # (kind, the gold value as a reader writes it)


@dataclass(frozen=True)
class RowView:
    label: str
    fields: tuple[FieldView, ...]


@dataclass(frozen=True)
class SectionView:
    heading: str | None
    rows: tuple[RowView, ...]


@dataclass
class PatientView:
    patient_id: str
    sections: list[SectionView]
    spans: dict[int, SpanView]
    notes: list[NoteText]
    mentions: list[Mention]
    mention_doc: list[int]
    evidence: dict[str, list[dict[str, Any]]]  # the record's spans of each field
    eligibility: Any
    filled: int
    fields_total: int
    without_evidence: int
    conflicts: int
    gold_disagreements: int | None
    nav: dict[str, tuple[str, str] | None] = field(default_factory=dict)  # prev/next: (href, id)


def _span_line(span: SpanView) -> str:
    parts = [span.doc_id, span.date or "undated"]
    if span.section:
        parts.append(span.section)
    parts.append(", ".join(span.flags) if span.flags else "asserted")
    if span.rule:
        parts.append(f"rule {span.rule}")
    note = {"stale": " (the note's text differs at these offsets)", "missing": " (note not found)"}.get(span.where, "")
    return f"{DOT.join(parts)}: \u201c{span.text}\u201d{note}"


def _losers_html(view: PatientView, losers: Sequence[Loser]) -> str:
    if not losers:
        return ""
    order = {"conflict": 0, "lost": 1, "not_counted": 2, "agrees": 3}
    shown = sorted(losers, key=lambda item: (order[item.kind], item.mention))
    counts = Counter(item.kind for item in losers)
    summary = ", ".join(f"{counts[k]} {k.replace('_', ' ')}" for k in order if counts[k])
    items = []
    for item in shown[:LOSERS_SHOWN]:
        m = view.mentions[item.mention]
        said = said_text(item.says)
        also = f" (cited for {', '.join(item.cited_for)})" if item.cited_for else ""
        items.append(
            f'<li class="{item.kind}" data-m="{item.mention}"><span class="kind">{_e(item.kind.replace("_", " "))}'
            f"</span> \u201c{_e(m.text)}\u201d says {_e(said)} ({_e(m.doc_id)}): {_e(item.reason)}{_e(also)}</li>"
        )
    more = f"<li>and {len(shown) - LOSERS_SHOWN} more</li>" if len(shown) > LOSERS_SHOWN else ""
    return (f'<details class="losers"><summary>{len(losers)} other mention{"s" if len(losers) != 1 else ""}: '
            f"{_e(summary)}</summary><ul>{''.join(items)}{more}</ul></details>")


@lru_cache(maxsize=4096)
def _bare_field_html(field: str, sub_label: str | None, value_text: str, filled: bool) -> str:
    """A field with no evidence, no other mention and no gold mark: most fields of most records."""
    return _field_html(None, FieldView(field, sub_label, value_text, filled, ()))


def _field_html(view: PatientView | None, f: FieldView) -> str:
    if view is not None and not (f.spans or f.items or f.losers or f.gold):
        return _bare_field_html(f.field, f.sub_label, f.value_text, f.filled)
    spans = [view.spans[i] for i in f.spans] if view is not None else []
    found = [s.id for s in spans if s.where == "ok"]
    classes = ["value", "has-evidence" if found else "", "" if f.filled else "none"]
    parts = [f'<div class="field{" gold-differs" if f.gold else ""}" data-field="{_e(f.field)}">']
    if f.sub_label:
        parts.append(f'<span class="sub">{_e(f.sub_label)}</span>')
    parts.append(f'<button type="button" class="{" ".join(c for c in classes if c)}" '
                 f'data-spans="{" ".join(map(str, found))}">{_e(f.value_text)}</button>')
    if f.items:
        chips = "".join(
            f'<button type="button" class="item" data-spans="{" ".join(str(i) for i in ids if view.spans[i].where == "ok")}">'
            f"{_e(text)}</button>" for text, ids in f.items)
        parts.append(f'<span class="items">{chips}</span>')
    flagged = Counter(flag for s in spans for flag in s.flags) if spans else None
    if flagged:
        words = [flag if flagged[flag] == len(spans) else f"{flagged[flag]} of {len(spans)} {flag}"
                 for flag in FLAG_CLASSES if flagged[flag]]
        parts.append(f'<span class="flag-note">cited: {_e(", ".join(words))}</span>')
    if f.filled and not spans:
        parts.append('<span class="nev flag-note">no evidence</span>')
    elif len(found) < len(spans):
        parts.append(f'<span class="stale flag-note">{len(spans) - len(found)} span(s) not found in the notes</span>')
    if f.gold:
        kind, gold_text = f.gold
        words = {"fn": "gold has a value the output lacks", "fp": "gold has no value",
                 "mismatch": "gold differs"}.get(kind, kind)
        parts.append(f'<span class="gold" title="{_e(words)}">gold: {_e(gold_text)} ({_e(kind)})</span>')
    parts.append('<span class="actions"></span>')  # the script fills in the buttons, the correction, the editor
    if spans:
        lines = "".join(f'<li data-spans="{s.id if s.where == "ok" else ""}">{_e(_span_line(s))}</li>' for s in spans)
        parts.append(f'<details class="spans"><summary>evidence: {len(spans)} span{"s" if len(spans) != 1 else ""}'
                     f"</summary><ol>{lines}</ol></details>")
    parts.append(_losers_html(view, f.losers))
    parts.append("</div>")
    return "".join(parts)


def _eligibility_html(eligibility: Any) -> tuple[str, str]:
    status = eligibility.status
    items = "".join(
        f'<li><span class="{_e(r.status)}">{_e(r.criterion.id)}: {_e(r.status.replace("_", " "))}</span> '
        f"\u2013 {_e(r.because)}</li>" for r in eligibility.results)
    return (f'<span class="badge {_e(status)}">cohort definition: {_e(status.replace("_", " "))}</span>',
            f'<details class="criteria-box"><summary>cohort definition: {_e(status.replace("_", " "))}, '
            f'criterion by criterion</summary><ul class="criteria">{items}</ul></details>')


def _legend() -> str:
    swatches = [("m", "mention"), ("m neg", "negated"), ("m hist", "historical"), ("m hyp", "hypothetical"),
                ("m fam", "family"), ("m unc", "uncertain"), ("ev", "cited as evidence"), ("hl", "highlighted")]
    inner = "".join(f'<span class="swatch {c}">{_e(label)}</span>' for c, label in swatches)
    return f'<span class="legend text">{inner}</span>'


def patient_page(view: PatientView, data: dict[str, Any] | str) -> str:
    badge, criteria = _eligibility_html(view.eligibility)
    nav = ['<a href="../index.html">all patients</a>']
    for key, arrow in (("prev", "\u2039 "), ("next", "")):
        target = view.nav.get(key)
        if target:
            href, pid = target
            text = f"{arrow}{pid}" + (" \u203a" if key == "next" else "")
            nav.append(f'<a href="{_e(href)}" rel="{key}">{_e(text)}</a>')
    counts = [f"{view.filled}/{view.fields_total} fields filled",
              f"{view.without_evidence} without evidence", f"{view.conflicts} with conflicting mentions"]
    if view.gold_disagreements is not None:
        counts.append(f"{view.gold_disagreements} differ from gold")
    record_html = [f"<h2>Record</h2>{criteria}"]
    for section in view.sections:
        if section.heading:
            record_html.append(f"<h3>{_e(section.heading)}</h3>")
        for row in section.rows:
            record_html.append(f'<div class="row"><div class="row-label">{_e(row.label)}</div>'
                               f'{"".join(_field_html(view, f) for f in row.fields)}</div>')
    by_doc: dict[int, list[tuple[int, Mention]]] = {}
    for index, (m, doc) in enumerate(zip(view.mentions, view.mention_doc, strict=True)):
        by_doc.setdefault(doc, []).append((index, m))
    spans_by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for span in view.spans.values():
        if span.where == "ok":
            spans_by_doc.setdefault(span.doc_id, []).append((span.id, span.start, span.end))
    notes_html = [f"<h2>Notes ({len(view.notes)}, in date order)</h2>"]
    if not view.notes:
        notes_html.append('<p class="note-small">No note of this patient was found.</p>')
    for index, note in enumerate(view.notes):
        marks = by_doc.get(index, [])
        status = "" if note.status in ("processed", "read") else f' \u00b7 <span class="status">{_e(note.status)}</span>'
        head = (f"<strong>{_e(note.doc_id)}</strong> \u00b7 {_e(note.date or 'undated')}"
                + (f" \u00b7 {_e(note.note_type)}" if note.note_type else "") + status
                + f" \u00b7 {len(marks)} mention{'s' if len(marks) != 1 else ''}")
        if note.text is None:
            body = '<p class="note-small">The run read this note, but its text is not in the inputs now.</p>'
        else:
            body = f'<pre class="text">{marked_text(note.text, marks, spans_by_doc.get(note.doc_id, []))}</pre>'
        notes_html.append(f'<article class="note" id="doc-{index}"><header>{head}</header>{body}</article>')
    body = (
        f'<header class="top"><nav>{"".join(nav)}</nav><h1>Patient {_e(view.patient_id)}</h1>{badge}'
        f'<span class="meta">{_e("; ".join(counts))}</span></header>'
        '<div class="toolbar"><label><input type="checkbox" id="show-tags" checked> labels on mentions</label>'
        f"{_legend()}"
        '<span id="progress"></span>'
        '<button type="button" data-act="accept-all">accept all remaining</button>'
        '<button type="button" data-act="export">export this record</button>'
        '<button type="button" data-act="reset">forget my corrections</button>'
        '<span id="status" role="status"></span></div>'
        '<textarea id="export-box" readonly hidden aria-label="exported record"></textarea>'
        f'<main class="split"><section class="record" id="record">{"".join(record_html)}</section>'
        f'<section class="notes" id="notes">{"".join(notes_html)}</section></main>'
        '<aside id="detail" hidden></aside>'
    )
    return page(f"Review: {view.patient_id}", body, data, "patient.js", "patient")


# --------------------------------------------------------------------------- the index page


@dataclass(frozen=True)
class IndexRow:
    patient_id: str
    href: str
    status: str
    filled: int
    fields_total: int
    without_evidence: int
    conflicts: int
    gold: int | None
    notes: int
    mentions: int


def index_page(rows: Sequence[IndexRow], meta: Sequence[str], data: dict[str, Any], gold: bool) -> str:
    counts = Counter(r.status for r in rows)
    head = [("pid", "patient", False), ("status", "cohort definition", False), ("complete", "complete", True),
            ("noev", "without evidence", True), ("conflicts", "conflicting mentions", True)]
    if gold:
        head.append(("gold", "differ from gold", True))
    head += [("notes", "notes", True), ("mentions", "mentions", True), ("review", "your review", True)]
    th = "".join(f'<th scope="col" data-key="{k}"{" data-num" if num else ""}>{_e(label)}</th>' for k, label, num in head)
    body = []
    for order, r in enumerate(rows):
        percent = round(100 * r.filled / r.fields_total) if r.fields_total else 0
        gold_cell = ""
        if gold:
            gold_cell = (f'<td class="n">{r.gold}</td>' if r.gold is not None
                         else '<td class="n" title="no gold record for this patient">no gold</td>')
        body.append(
            f'<tr data-pid="{_e(r.patient_id)}" data-status="{_e(r.status)}" data-complete="{percent}" '
            f'data-noev="{r.without_evidence}" data-conflicts="{r.conflicts}" data-gold="{r.gold or 0}" '
            f'data-notes="{r.notes}" data-mentions="{r.mentions}" data-order="{order}" data-review="0">'
            f'<th scope="row"><a href="{_e(r.href)}">{_e(r.patient_id)}</a></th>'
            f'<td><span class="{_e(r.status)}">{_e(r.status.replace("_", " "))}</span></td>'
            f'<td class="n">{percent}%</td><td class="n">{r.without_evidence}</td><td class="n">{r.conflicts}</td>'
            f'{gold_cell}<td class="n">{r.notes}</td><td class="n">{r.mentions}</td><td class="review"></td></tr>'
        )
    gold_filter = ('<label><input type="checkbox" data-only="gold"> differ from gold</label>' if gold else "")
    status_counts = ", ".join(f"{counts[s]} {s.replace('_', ' ')}" for s in ("meets", "does_not_meet", "unknown"))
    content = (
        f'<header class="top"><h1>Review of {len(rows)} patients</h1>'
        f'<span class="meta">{_e(status_counts)}</span></header>'
        '<main class="index">'
        + "".join(f'<p class="meta">{_e(line)}</p>' for line in meta)
        + '<div class="filters"><label>patient <input type="search" id="filter-text"></label>'
        '<label>cohort definition <select id="filter-status"><option value="">any</option>'
        '<option value="meets">meets</option><option value="does_not_meet">does not meet</option>'
        '<option value="unknown">unknown</option></select></label>'
        '<label><input type="checkbox" data-only="conflicts"> with conflicting mentions</label>'
        '<label><input type="checkbox" data-only="noev"> with values without evidence</label>'
        f"{gold_filter}"
        '<label>reviewed <select id="filter-review"><option value="">any</option><option value="yes">yes</option>'
        '<option value="no">no</option></select></label>'
        '<span><span id="shown"></span> shown</span></div>'
        '<div class="filters"><button type="button" id="export-all">export reviewed records (records.jsonl)</button>'
        '<span><span id="reviewed-count">0</span> patients reviewed in this browser</span>'
        '<span id="status" role="status"></span></div>'
        '<textarea id="export-box" readonly hidden aria-label="exported records"></textarea>'
        f'<table class="patients"><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        "</main>"
    )
    return page("Review: index", content, data, "index.js", "index")
