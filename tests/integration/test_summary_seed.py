"""The summary of ``extractor batch`` on the demo corpus reproduces the source paper's Results,
``extractor summarize`` gives the same summary, bad input is named line by line, and the HTML
page opens offline in a browser with every value escaped."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.summary import summarize as summarize_module
from extractor.summary.summarize import SUMMARY_FILES, read_records, summarize, write_batch_summary, write_summary

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "corpora" / "seed-cohort" / "notes"
DEV_GOLD = REPO / "corpora" / "dev" / "records.jsonl"


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The check the issue asks for: ``extractor batch corpora/seed-cohort/notes --out DIR``."""
    out = tmp_path_factory.mktemp("seed") / "out"
    result = CliRunner().invoke(app, ["batch", str(DEMO), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    return out, result.output


def figures_of(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary" / "summary.json").read_text(encoding="utf-8"))


def test_batch_writes_the_summary_into_its_output_folder(seed_run: tuple[Path, str]) -> None:
    out, printed = seed_run
    assert {p.name for p in (out / "summary").iterdir()} == set(SUMMARY_FILES)
    assert f"summary:  {out / 'summary' / 'table1.html'}" in printed


def test_the_summary_reproduces_the_papers_results(seed_run: tuple[Path, str]) -> None:
    """Each figure of the source series' Results paragraph (diabetes: Table 1's 5/7, see README)."""
    summary = figures_of(seed_run[0])
    fields = summary["fields"]
    assert summary["n_patients"] == 7
    assert fields["sex"]["counts"] == {"female": 6, "male": 1}
    age = fields["age_at_diagnosis"]
    assert (round(age["mean"], 1), age["min"], age["max"]) == (40.1, 23, 51)
    months = fields["months_symptoms_to_diagnosis"]
    assert (round(months["mean"]), months["min"], months["max"]) == (14, 2, 36)

    def present(name: str) -> tuple[int, int]:
        figure = fields[f"findings.{name}"]
        return figure["counts"].get("present", 0), figure["known"]

    assert present("nme") == (7, 7)
    assert present("diabetes") == (5, 7)
    assert present("stomatitis") == (2, 7) and present("weight_loss") == (4, 7)
    assert present("anemia") == (4, 7) and present("diarrhea") == (1, 7) and present("dvt") == (1, 7)
    glucagon = fields["glucagon_peak_pg_ml"]
    assert (glucagon["min"], glucagon["max"], glucagon["known"]) == (217, 3155, 7)
    assert glucagon["bounds"] == {"P06": ">800"}
    assert (fields["metastasis_sites"]["counts"]["liver"], fields["metastasis_sites"]["known"]) == (4, 7)
    assert (fields["surgery"]["any"], fields["surgery"]["known"]) == (6, 7)
    assert (fields["somatostatin_analogue"]["any"], fields["somatostatin_analogue"]["known"]) == (7, 7)
    assert (fields["symptoms_improved"]["counts"]["true"], fields["symptoms_improved"]["known"]) == (6, 7)
    assert (fields["vital_status"]["counts"]["deceased"], fields["vital_status"]["known"]) == (3, 7)
    assert summary["eligibility_counts"] == {"meets": 7, "does_not_meet": 0, "unknown": 0}


def test_the_results_paragraph_states_them_in_the_papers_words(seed_run: tuple[Path, str]) -> None:
    text = (seed_run[0] / "summary" / "results.md").read_text(encoding="utf-8")
    for phrase in ("six females and one male", "average age at diagnosis of 40.1 years (range 23-51)",
                   "(range 2-36 months)", "necrolytic migratory erythema (NME) 7/7 (100%)",
                   "diabetes mellitus (DM) 5/7 (71%)", "stomatitis 2/7 (29%)", "weight loss 4/7 (57%)",
                   "anaemia 4/7 (57%)", "diarrhoea 1/7 (14%)", "DVT 1/7 (14%)", "(range 217-3155 pg/mL)",
                   "Four of seven patients had liver metastasis", "Six of seven patients received surgical resection",
                   "all seven received somatostatin analogue therapy", "Symptoms improved in 6 out of 7 patients",
                   "Three of seven patients died"):
        assert phrase in text, phrase


def test_summarize_gives_the_same_summary_as_the_batch(seed_run: tuple[Path, str], tmp_path: Path) -> None:
    out = seed_run[0]
    result = CliRunner().invoke(app, ["summarize", str(out / "records.jsonl"), "--out", str(tmp_path / "s"),
                                      "--json", str(tmp_path / "figures.json")])
    assert result.exit_code == 0, result.output
    for name in ("table1.md", "table1.csv", "results.md", "completeness.png", "completeness.csv", "eligibility.csv"):
        assert (tmp_path / "s" / name).read_bytes() == (out / "summary" / name).read_bytes(), name
    copied = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert copied["fields"] == figures_of(out)["fields"]
    assert copied["n_patients"] == 7 and set(copied["eligibility"]) == {f"P0{i}" for i in range(1, 8)}


def test_summarize_names_every_line_it_leaves_out(tmp_path: Path) -> None:
    good = DEV_GOLD.read_text(encoding="utf-8").splitlines()[:2]
    wrong_schema = json.loads(good[1]) | {"patient_id": "X9", "sex": "SECRET-NOTE-TEXT"}
    lines = [good[0], "{not json SECRET-NOTE-TEXT", "[1, 2]", json.dumps(wrong_schema), good[0], good[1]]
    path = tmp_path / "records.jsonl"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8") + b"\xff\xfe\n")
    result = CliRunner().invoke(app, ["summarize", str(path), "--out", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert f"{path}:2: not JSON" in result.output and f"{path}:3: not a JSON object" in result.output
    assert f"{path}:4: does not follow the record schema: [sex]" in result.output
    assert f"{path}:5: a second record of patient 'D001'" in result.output
    assert f"{path}:7: not UTF-8" in result.output
    assert "SECRET-NOTE-TEXT" not in result.output and "Traceback" not in result.output
    summary = json.loads((tmp_path / "s" / "summary.json").read_text(encoding="utf-8"))
    assert summary["n_patients"] == 2 and len(summary["records"]["problems"]) == 5


@pytest.mark.parametrize("case", ["missing", "folder", "empty", "criteria"])
def test_summarize_that_cannot_run_says_why_in_one_line(tmp_path: Path, case: str) -> None:
    path = {"missing": tmp_path / "none.jsonl", "folder": tmp_path}.get(case, tmp_path / "records.jsonl")
    path_args = [str(path)]
    if case == "empty":
        path.write_text("\n", encoding="utf-8")
    if case == "criteria":
        path.write_text(DEV_GOLD.read_text(encoding="utf-8"), encoding="utf-8")
        (tmp_path / "c.json").write_text('{"name": "x", "criteria": []}', encoding="utf-8")
        path_args += ["--criteria", str(tmp_path / "c.json")]
    result = CliRunner().invoke(app, ["summarize", *path_args, "--out", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and result.output.startswith("extractor summarize: ")
    assert not (tmp_path / "s").exists()


def test_eligible_only_counts_the_patients_who_meet_the_definition(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["summarize", str(DEV_GOLD), "--out", str(tmp_path), "--eligible-only"])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    meets = [pid for pid, e in summary["eligibility"].items() if e["status"] == "meets"]
    assert summary["population"] == "eligible" and summary["n_patients"] == len(meets) < summary["n_records"]
    assert summary["fields"]["sex"]["known"] == len(meets)
    assert "patients who meet the cohort definition" in summary["results"]


def test_a_failing_summary_costs_the_summary_not_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = io.StringIO()
    assert write_batch_summary(tmp_path, stderr) == {}
    line = stderr.getvalue()
    assert line.startswith("extractor batch: summary not written: ") and "records.jsonl" in line
    (tmp_path / "records.jsonl").write_text(DEV_GOLD.read_text(encoding="utf-8"), encoding="utf-8")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("SECRET-NOTE-TEXT")

    monkeypatch.setattr(summarize_module, "summarize", broken)
    stderr = io.StringIO()
    assert write_batch_summary(tmp_path, stderr) == {}
    assert stderr.getvalue() == "extractor batch: summary not written: internal error (RuntimeError)\n"


# --------------------------------------------------------------------------- the page in a browser

HOSTILE_ID = '<img src=x onerror="document.title=1">'
HOSTILE_TEXT = "</td><script>document.title='pwned'</script>"


def _hostile_summary(tmp_path: Path) -> Path:
    read = read_records(DEV_GOLD)
    records = read.records[:3]
    records[0] = records[0] | {"patient_id": HOSTILE_ID, "first_department": HOSTILE_TEXT}
    records[1]["somatostatin_analogue"] = [{"drug": "lanreotide", "dose": 120, "unit": "mg",
                                            "frequency": HOSTILE_TEXT}]
    write_summary(summarize(records), tmp_path)
    return tmp_path / "table1.html"


def test_the_page_is_self_contained_and_escapes_values(tmp_path: Path) -> None:
    page = _hostile_summary(tmp_path).read_text(encoding="utf-8")
    without_image = re.sub(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', "", page)
    assert not re.search(r"(?:https?:|ftp:)?//|url\(|@import|<[^<>]*\b(?:src|href)=", without_image)
    assert "<script" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page
    assert "default-src 'none'" in page


def test_the_page_shows_table1_and_the_heat_map_in_a_browser(seed_run: tuple[Path, str], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get((seed_run[0] / "summary" / "table1.html").as_uri())
    header = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.table1 thead th")]
    assert header == ["", *(f"P0{i}" for i in range(1, 8)), "Cohort (n=7)"]
    nme = browser.find_element(By.CSS_SELECTOR, 'table.table1 tr[data-field="findings.nme"]')
    assert [td.text for td in nme.find_elements(By.TAG_NAME, "td")] == ["Y"] * 7 + ["7/7 (100%)"]
    image = browser.find_element(By.ID, "heatmap")
    shown = browser.execute_script(
        "const i = arguments[0]; return [i.complete, i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width]",
        image)
    assert shown[0] and shown[1] > 100 and shown[2] > 50 and shown[3] > 100
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith("data:") for name in loaded)
    assert "Three of seven patients died" in browser.find_element(By.ID, "results").text


def test_hostile_values_stay_text_in_a_browser(tmp_path: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get(_hostile_summary(tmp_path).as_uri())
    assert browser.title == "Cohort summary"
    assert browser.find_elements(By.TAG_NAME, "script") == []
    header = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.table1 thead th")]
    assert header[1] == HOSTILE_ID
    assert HOSTILE_TEXT in browser.find_element(By.ID, "table1").text


def test_summarize_writes_beside_the_records_by_default(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text(DEV_GOLD.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(app, ["summarize", str(records)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "summary").iterdir()} == set(SUMMARY_FILES)
    assert "36 meet, 9 do not, 0 unknown" in result.output
