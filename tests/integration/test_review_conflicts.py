"""The mentions a record does not cite, sorted by why: they do not count, they lost a
conflict (and the merge rule says why the winner won), or they agree with the value."""

from __future__ import annotations

from typing import Any

import pytest
from spacy.language import Language

from extractor.core import process_patient
from extractor.notes import NoteInput
from extractor.review.conflicts import FIELD_SOURCES, Loser, conflicting_fields, load_reasons, losers_of_patient
from extractor.schema import Mention
from extractor.summary.catalogue import SUMMARY_FIELDS, value_of
from extractor.summary.criteria import field_spans

NOTES = [
    ("2019-02-01", "Date: 2019-02-01\n\nDERMATOLOGY: Migratory rash of the groins, biopsy consistent with "
                   "necrolytic migratory erythema. Her mother has diabetes. No history of DVT. No weight loss.\n"),
    ("2019-02-20", "Date: 2019-02-20\n\nPATHOLOGY (EUS biopsy of the pancreatic tail): well-differentiated "
                   "neuroendocrine tumour, Ki-67 index 3%.\nPlasma glucagon 1240 pg/mL.\n"),
    ("2019-03-15", "Date: 2019-03-15\n\nOPERATION: distal pancreatectomy and splenectomy.\n"
                   "FINAL DIAGNOSIS: glucagonoma of the pancreatic tail, 4.2 x 3.0 x 2.5 cm, Ki-67 index 12%.\n"
                   "Left leg swelling: duplex shows DVT of the left popliteal vein.\n"),
    ("2019-04-20", "Date: 2019-04-20\n\nFOLLOW-UP: plasma glucagon 95 pg/mL after resection "
                   "(1240 pg/mL before it). "
                   "The tumour measured 4.2 cm. Rule out liver metastases on the next CT.\n"),
]


@pytest.fixture(scope="module")
def explained(nlp: Language) -> tuple[dict[str, Any], list[Mention], dict[str, list[Loser]]]:
    notes = [NoteInput(patient_id="p", doc_id=f"d{i}", text=text, date=when) for i, (when, text) in enumerate(NOTES)]
    result = process_patient(nlp, "p", notes)
    record = result.record.model_dump(mode="json")
    return record, result.mentions, losers_of_patient(record, result.mentions, field_spans, value_of)


def _kinds(explained: Any, field: str) -> list[tuple[str, str, Any]]:
    _, mentions, losers = explained
    return [(item.kind, mentions[item.mention].text, item.says) for item in losers[field]]


def test_a_lower_ki67_lost_to_the_highest(explained: Any) -> None:
    record, _, losers = explained
    assert record["ki67_percent"] == 12.0
    assert _kinds(explained, "ki67_percent") == [("conflict", "Ki-67 index 3%", 3.0)]
    (item,) = losers["ki67_percent"]
    assert item.reason == load_reasons().merges["highest"]
    assert "ki67_percent" in conflicting_fields(losers)


def test_a_negation_lost_to_an_assertion(explained: Any) -> None:
    record, _, losers = explained
    assert record["findings"]["dvt"] == "present"
    assert _kinds(explained, "findings.dvt") == [("conflict", "DVT", "absent")]
    assert losers["findings.dvt"][0].reason.startswith("present when any note asserts it")


def test_a_family_mention_does_not_count(explained: Any) -> None:
    record, _, losers = explained
    assert record["findings"]["diabetes"] is None
    assert _kinds(explained, "findings.diabetes") == [("not_counted", "diabetes", "present")]
    assert losers["findings.diabetes"][0].reason == load_reasons().not_counted.family
    assert "findings.diabetes" not in conflicting_fields(losers)


def test_a_hypothetical_site_does_not_count(explained: Any) -> None:
    record, _, losers = explained
    assert record["metastasis_sites"] is None
    assert [k for k, _, _ in _kinds(explained, "metastasis_sites")] == ["not_counted"]
    assert losers["metastasis_sites"][0].reason == load_reasons().not_counted.hypothetical


def test_values_held_elsewhere_are_not_conflicts(explained: Any) -> None:
    record, _, losers = explained
    assert record["glucagon_peak_pg_ml"] == 1240.0 and record["glucagon_post_surgery_pg_ml"] == 95.0
    # the postoperative value is not the peak, but it is one of the record's glucagon values
    assert ("lost", "glucagon 95 pg/mL", 95.0) in _kinds(explained, "glucagon_peak_pg_ml")
    # the peak restated after the operation is not the first postoperative value, and the
    # record holds it as a glucagon value: lost, no conflict
    post = losers["glucagon_post_surgery_pg_ml"]
    assert {(item.kind, item.says) for item in post} == {("lost", 1240.0)}
    assert [item.cited_for for item in post] == [("glucagon", "glucagon_peak_pg_ml"), ()]  # cited; restated
    assert not {"glucagon_peak_pg_ml", "glucagon_post_surgery_pg_ml"} & set(conflicting_fields(losers))
    # "4.2 cm" measures the tumour the pathology measured in full: it agrees
    assert record["tumor_size_cm"] == [4.2, 3.0, 2.5]
    assert ("agrees", "4.2 cm", [4.2]) in _kinds(explained, "tumor_size_cm")
    assert "tumor_size_cm" not in conflicting_fields(losers)


def test_cited_mentions_are_not_listed(explained: Any) -> None:
    record, mentions, losers = explained
    for field in SUMMARY_FIELDS:
        cited = {(s["doc_id"], s["start"], s["end"]) for s in field_spans(record, field)}
        for item in losers[field]:
            m = mentions[item.mention]
            assert (m.doc_id, m.start, m.end) not in cited, field


def test_every_field_has_a_source_and_every_merge_its_words() -> None:
    assert {f.partition(".")[0] for f in SUMMARY_FIELDS} == set(FIELD_SOURCES)
    assert {s.merge for s in FIELD_SOURCES.values()} <= set(load_reasons().merges)
