"""Evidence spans carry the cited mention's context (date, section, ConText flags, rule),
additively: the spec's ``{doc_id, start, end, text}`` stays, records without the
extra keys still validate and score the same."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from extractor.cli import app
from extractor.evaluate import read_records
from extractor.schema import CohortRecord, EvidenceSpan
from extractor.scoring import score_records

NOTES = (
    ("2021-03-04", "Date: 2021-03-04\n\nHISTORY OF PRESENT ILLNESS: Migratory rash, biopsy consistent with NME.\n"
                   "Her mother has diabetes. No history of DVT.\n"),
    ("2021-05-02", "Date: 2021-05-02\n\nFINAL DIAGNOSIS: Well-differentiated neuroendocrine tumour of the "
                   "pancreatic tail. Ki-67 index of 12%.\n"),
)


def test_a_negated_finding_cites_its_span_with_the_negation(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(*NOTES)
    assert record.findings.dvt == "absent" and record.findings.diabetes is None  # the mother's is not hers
    (dvt,) = record.evidence["findings.dvt"]
    assert dvt.text == "DVT" and dvt.flags == ["negated"]
    assert dvt.date == "2021-03-04" and dvt.section == "hpi" and dvt.rule
    ki67 = record.evidence["ki67_percent"][0]
    assert ki67.flags == [] and ki67.date == "2021-05-02" and ki67.rule
    for spans in record.evidence.values():
        for span in spans:  # every cited span says where it comes from
            assert span.rule and span.flags is not None and span.date in ("2021-03-04", "2021-05-02")


def test_the_spec_keys_stay_and_the_context_keys_are_additive(record_of: Callable[..., CohortRecord]) -> None:
    dumped = record_of(*NOTES).model_dump(mode="json")
    span = dumped["evidence"]["findings.dvt"][0]
    assert list(span)[:4] == ["doc_id", "start", "end", "text"]
    assert set(span) == {"doc_id", "start", "end", "text", "date", "section", "flags", "rule"}
    bare = EvidenceSpan(doc_id="d", start=0, end=3, text="DVT").model_dump(mode="json")
    assert bare == {"doc_id": "d", "start": 0, "end": 3, "text": "DVT"}  # a gold or older span: the spec's keys
    undated = EvidenceSpan(doc_id="d", start=0, end=3, text="DVT", flags=[]).model_dump(mode="json")
    assert undated["date"] is None and undated["flags"] == []  # context present: every key, null where unknown
    schema = CohortRecord.model_json_schema()["$defs"]["EvidenceSpan"]
    assert set(schema["required"]) == {"doc_id", "start", "end", "text"}


def test_evaluate_scores_records_with_and_without_the_context_keys(
    tmp_path: Path, record_of: Callable[..., CohortRecord]
) -> None:
    predicted = record_of(*NOTES).model_dump(mode="json")
    predicted["patient_id"] = "P01"
    stripped = json.loads(json.dumps(predicted))
    for spans in stripped["evidence"].values():
        for span in spans:
            for key in ("date", "section", "flags", "rule"):
                del span[key]
    gold = CohortRecord(patient_id="P01").model_dump(mode="json", exclude={"evidence"})
    gold["findings"]["nme"] = "present"
    gold["ki67_percent"] = 10
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / "records.jsonl").write_text(json.dumps(gold) + "\n", encoding="utf-8")
    reports = []
    for name, record in (("with.jsonl", predicted), ("without.jsonl", stripped)):
        path = tmp_path / name
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        records, problems = read_records(path)
        assert problems == []  # both follow the schema
        reports.append(score_records({"P01": gold}, records))
        result = CliRunner().invoke(app, ["evaluate", str(gold_dir), "--pred", str(path), "--errors"])
        assert result.exit_code == 0, result.output
        assert '"Ki-67 index of 12%"' in result.output
    with_context, without_context = reports
    assert with_context.micro == without_context.micro and with_context.micro.tp >= 1
    assert [d.field for d in with_context.disagreements] == [d.field for d in without_context.disagreements]
