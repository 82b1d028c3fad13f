"""The review pages' building blocks: escaped note markup, inert JSON, the CSP's hashes,
safe file names and editors whose choices are the schema's vocabularies."""

from __future__ import annotations

import base64
import hashlib
import html.parser
import json
import re
import typing

import pytest

from extractor.review.editors import field_editors
from extractor.review.pages import json_for_script, marked_text, page, page_names
from extractor.schema import Assertion, CohortRecord, Mention
from extractor.summary.catalogue import SUMMARY_FIELDS

NOTE = 'Seen for <b>rash</b>. No DVT. <script>alert("x")</script> Ki-67 index 12% & rising.'


def _mention(label: str, text: str, **flags: bool) -> Mention:
    start = NOTE.index(text)
    return Mention(label=label, doc_id="d", start=start, end=start + len(text), text=text,
                   assertion=Assertion(**flags), section="hpi", rule=f"{label}.rule")


class _Segments(html.parser.HTMLParser):
    """Text and attributes of the page fragment's <span>s, as a browser parses them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[tuple[str, dict[str, str | None]]] = []
        self._attrs: list[dict[str, str | None]] = [{}]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._attrs.append(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        self._attrs.pop()

    def handle_data(self, data: str) -> None:
        self.text.append((data, self._attrs[-1]))


def test_note_text_is_escaped_and_marked_by_segments() -> None:
    dvt = _mention("dvt", "DVT", negated=True)
    ki67 = _mention("ki67_percent", "Ki-67 index 12%")
    evidence_start = NOTE.index("12%")
    fragment = marked_text(NOTE, [(0, dvt), (1, ki67)], [(7, evidence_start, evidence_start + 3)])
    parsed = _Segments()
    parsed.feed(fragment)
    assert set(parsed.tags) == {"span"}  # the note's <b> and <script> are text, not elements
    assert "".join(text for text, _ in parsed.text) == NOTE
    by_text = {text: attrs for text, attrs in parsed.text}
    assert by_text["DVT"]["class"] == "m neg tag" and by_text["DVT"]["data-m"] == "0"
    assert by_text["DVT"]["data-tag"] == "dvt NEG"
    assert "negated" in by_text["DVT"]["title"] and "section hpi" in by_text["DVT"]["title"]
    assert "rule dvt.rule" in by_text["DVT"]["title"]
    # the evidence span inside the Ki-67 mention is its own segment, covered by both
    assert by_text["Ki-67 index "]["data-m"] == "1" and "data-e" not in by_text["Ki-67 index "]
    assert by_text["12%"]["data-m"] == "1" and by_text["12%"]["data-e"] == "7"
    assert by_text["12%"]["data-tag"] == "ki67_percent"  # the tag sits where the mention ends


def test_offsets_outside_the_note_mark_nothing() -> None:
    stray = Mention(label="nme", doc_id="d", start=5, end=500, text="x")
    assert marked_text("short", [(0, stray)], [(1, 3, 2)]) == "short"


def test_json_for_a_script_element_cannot_close_it() -> None:
    data = {"text": "</script><script>alert(1)</script><!-- & \u2028"}
    encoded = json_for_script(data)
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded and "\u2028" not in encoded
    assert json.loads(encoded) == data


def test_the_policy_allows_exactly_the_inline_script_and_style() -> None:
    text = page("t", "<p>body</p>", {"storage": "x:"}, "index.js", "index")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text).group(1)
    assert policy.startswith("default-src 'none';") and "unsafe-inline" not in policy
    scripts = re.findall(r"<script>(.*?)</script>", text, re.DOTALL)
    (style,) = re.findall(r"<style>(.*?)</style>", text, re.DOTALL)
    assert len(scripts) == 1

    def sha(source: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()

    assert f"script-src '{sha(scripts[0])}'" in policy and f"style-src '{sha(style)}'" in policy
    assert not re.search(r"\son[a-z]+=|\sstyle=|https?://|//[a-z]", text.replace(policy, ""))
    assert text.index('id="phi-warning"') < text.index("<p>body</p>")  # the warning comes first


def test_page_names_are_safe_unique_files() -> None:
    ids = ["P01", "p01", "../etc/passwd", '<img src=x onerror="alert(1)">', "CON", "a b", "D-7"]
    names = page_names(ids)
    assert names["D-7"] == "D-7.html"
    assert len({n.lower() for n in names.values()}) == len(ids)
    for pid, name in names.items():
        assert re.fullmatch(r"[A-Za-z0-9_.-]+\.html", name), pid
        assert not name.startswith(".")
    assert names["P01"] != "P01.html"  # P01 and p01 would be one file on a case-insensitive disk
    assert page_names(ids) == names


def _literals(annotation: typing.Any) -> list[str]:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    return [v for a in typing.get_args(annotation) for v in _literals(a)]


def test_editors_offer_the_schema_vocabularies() -> None:
    editors = field_editors()
    assert set(editors) == set(SUMMARY_FIELDS)
    fields = CohortRecord.model_fields
    assert editors["metastasis_sites"]["i"]["o"] == _literals(fields["metastasis_sites"].annotation)
    assert editors["metastasis_sites"]["null"] and editors["metastasis_sites"]["empty"] is None
    assert editors["findings.nme"] == {"t": "enum", "o": ["present", "absent"], "null": True, "empty": None}
    assert editors["who_grade"]["o"] == ["G1", "G2", "G3"]
    assert editors["age_at_diagnosis"]["t"] == "int" and editors["ki67_percent"]["t"] == "num"
    assert editors["surgery"]["empty"] == [] and editors["glucagon"]["empty"] == []
    glucagon_item = {p["k"]: p for p in editors["glucagon"]["i"]["p"]}
    assert glucagon_item["value"]["req"] and glucagon_item["timing"]["d"] == "unknown"
    assert glucagon_item["timing"]["e"]["o"] == ["preoperative", "postoperative", "unknown"]
    assert editors["tnm.t"] == {"t": "str", "null": True, "empty": None}


@pytest.mark.parametrize("field", SUMMARY_FIELDS)
def test_clearing_a_field_gives_a_record_the_schema_accepts(field: str) -> None:
    record = CohortRecord(patient_id="p").model_dump(mode="json")
    head, _, sub = field.partition(".")
    empty = field_editors()[field]["empty"]
    if sub:
        record[head] = record[head] or {}
        record[head][sub] = empty
    else:
        record[head] = empty
    CohortRecord.model_validate(record)
