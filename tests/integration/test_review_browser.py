"""The review pages in a real headless Chromium (the ``browser`` fixture): evidence
highlighted on a click, a correction kept and exported as a gold record that
``extractor evaluate`` scores, hostile note text that runs nothing, sort and filter."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.schema import CohortRecord

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "corpora" / "seed-cohort" / "notes"
HOSTILE = ('Date: 2021-01-05\n\nDERMATOLOGY: <script>document.title="pwned";window.pwned=1</script> '
           'necrolytic migratory erythema of the groins <img src=x onerror="window.pwned=2"> confirmed. '
           'No DVT. Ki-67 index 4%. </pre><b onmouseover="window.pwned=3">bold</b>\n')


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("review-browser") / "out"
    result = CliRunner().invoke(app, ["batch", str(DEMO), "--out", str(out), "--workers", "2", "--review"])
    assert result.exit_code == 0, result.output
    return out


def _records(path: Path) -> dict[str, dict[str, Any]]:
    return {r["patient_id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def _open(browser: Any, page: Path) -> None:
    browser.get(page.as_uri())
    browser.execute_script("window.localStorage.clear()")
    browser.get(page.as_uri())


def _highlighted(browser: Any) -> list[str]:
    """The highlighted text, one string per run of adjacent highlighted segments."""
    return browser.execute_script("""
        const runs = [];
        let last = null;
        for (const node of document.querySelectorAll('pre.text .hl')) {
          const previous = node.previousSibling;
          if (last && previous === last) runs[runs.length - 1] += node.textContent;
          else runs.push(node.textContent);
          last = node;
        }
        return runs;""")


@pytest.mark.parametrize(("field", "evidence_key"), [("findings.dvt", "findings.dvt"),
                                                      ("ki67_percent", "ki67_percent"),
                                                      ("tnm.t", "tnm")])
def test_clicking_a_value_highlights_its_evidence(seed: Path, browser: Any, field: str, evidence_key: str) -> None:
    from selenium.webdriver.common.by import By

    record = _records(seed / "records.jsonl")["P03"]
    _open(browser, seed / "review" / "patients" / "P03.html")
    browser.find_element(By.CSS_SELECTOR, f'[data-field="{field}"] button.value').click()
    expected = [span["text"] for span in record["evidence"][evidence_key]]
    assert sorted(_highlighted(browser)) == sorted(expected)
    first = browser.find_element(By.CSS_SELECTOR, "pre.text .hl")
    visible = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(), p = document.getElementById('notes').getBoundingClientRect();"
        "return r.top >= p.top && r.bottom <= p.bottom", first)
    assert visible  # scrolled to


def test_a_negated_mention_is_shown_as_negated(seed: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    record = _records(seed / "records.jsonl")["P03"]
    assert record["findings"]["dvt"] == "absent"
    spans = record["evidence"]["findings.dvt"]
    assert all(span["flags"] == ["negated"] for span in spans)
    span = spans[0]
    _open(browser, seed / "review" / "patients" / "P03.html")
    field = browser.find_element(By.CSS_SELECTOR, '[data-field="findings.dvt"]')
    assert "cited: negated" in field.text
    field.find_element(By.CSS_SELECTOR, "button.value").click()
    marks = browser.find_elements(By.CSS_SELECTOR, "pre.text .hl")
    assert len(marks) == len(spans)
    for mark in marks:
        assert "neg" in mark.get_attribute("class").split() and "dvt NEG" in mark.get_attribute("data-tag")
    mark = marks[0]
    mark.click()  # the mention's details: label, flags, section, rule
    detail = browser.find_element(By.ID, "detail").text
    assert "dvt" in detail and "negated" in detail and span["rule"] in detail and span["section"] in detail


def _download(browser: Any, folder: Path, button: Any, name: str) -> str:
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})
    button.click()
    target = folder / name
    for _ in range(100):
        if target.exists() and not list(folder.glob("*.crdownload")):
            return target.read_text(encoding="utf-8")
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded")


def test_corrections_are_kept_exported_and_scored(seed: Path, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    pipeline = _records(seed / "records.jsonl")
    page = seed / "review" / "patients" / "P04.html"
    _open(browser, page)
    # change a value: depression was not stated, the reviewer reads it as present
    field = browser.find_element(By.CSS_SELECTOR, '[data-field="findings.depression"]')
    field.find_element(By.CSS_SELECTOR, '[data-act="edit"]').click()
    Select(field.find_element(By.CSS_SELECTOR, ".editor select")).select_by_visible_text("present")
    field.find_element(By.CSS_SELECTOR, "[data-save]").click()
    # add an item to a list: a second glucagon measurement
    field = browser.find_element(By.CSS_SELECTOR, '[data-field="glucagon"]')
    field.find_element(By.CSS_SELECTOR, '[data-act="edit"]').click()
    field.find_element(By.XPATH, ".//button[text()='add an item']").click()
    item = field.find_elements(By.CSS_SELECTOR, ".editor .list-item")[-1]
    item.find_element(By.CSS_SELECTOR, 'input[type="number"]').send_keys("64")
    Select(item.find_elements(By.CSS_SELECTOR, "select")[-1]).select_by_visible_text("postoperative")
    field.find_element(By.CSS_SELECTOR, "[data-save]").click()
    # clear a value the reviewer finds unsupported, accept the rest
    browser.find_element(By.CSS_SELECTOR, '[data-field="first_department"] [data-act="clear"]').click()
    browser.find_element(By.CSS_SELECTOR, '[data-act="accept-all"]').click()
    assert browser.find_element(By.ID, "progress").text == "52 of 52 fields reviewed, 3 corrected"

    browser.get(page.as_uri())  # kept between visits
    assert browser.find_element(By.ID, "progress").text == "52 of 52 fields reviewed, 3 corrected"
    assert "present" in browser.find_element(By.CSS_SELECTOR, '[data-field="findings.depression"] .corrected').text

    # a patient begun but not finished is not gold yet
    browser.get((seed / "review" / "patients" / "P05.html").as_uri())
    browser.find_element(By.CSS_SELECTOR, '[data-field="sex"] [data-act="accept"]').click()

    browser.get((seed / "review" / "index.html").as_uri())
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-pid="P04"] td.review')
    assert row.text == "52 reviewed, 3 corrected"
    assert browser.find_element(By.CSS_SELECTOR, 'tr[data-pid="P05"] td.review').text == "1 reviewed"
    exported = _download(browser, tmp_path, browser.find_element(By.ID, "export-all"), "records.jsonl")
    assert exported == browser.find_element(By.ID, "export-box").get_attribute("value")
    assert browser.find_element(By.ID, "status").text == (
        "1 reviewed record(s) exported; 1 patient(s) left out: some of their fields are not reviewed yet")

    (reviewed,) = [json.loads(line) for line in exported.splitlines()]
    CohortRecord.model_validate(reviewed)  # a gold record of the schema: every key, no evidence
    assert list(reviewed) == [k for k in CohortRecord.model_fields if k != "evidence"]
    expected = {k: v for k, v in pipeline["P04"].items() if k != "evidence"}
    expected["findings"] = {**expected["findings"], "depression": "present"}
    expected["glucagon"] = [*expected["glucagon"], {"value": 64, "comparator": "=", "unit": "pg/mL",
                                                    "timing": "postoperative"}]
    expected["first_department"] = None
    assert reviewed == expected

    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "records.jsonl").write_text(exported, encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", str(gold), "--pred", str(seed / "records.jsonl"),
                                      "--gold-patients-only", "--json", str(tmp_path / "report.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    fields = {name: c for name, c in report["fields"].items() if c["fp"] or c["fn"]}
    # glucagon measurements are paired one to one (the spec's scoring units): the added one is missed
    assert {name: (c["fp"], c["fn"]) for name, c in fields.items()} == {
        "findings.depression": (0, 1), "glucagon": (0, 1), "first_department": (1, 0)}
    assert report["patients"]["predicted"] == 1


def test_hostile_note_text_runs_nothing(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "X1__01-derm.txt").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(notes), "--out", str(out), "--workers", "1", "--review"])
    assert result.exit_code == 0, result.output
    record = _records(out / "records.jsonl")["X1"]
    assert record["findings"]["nme"] == "present"
    _open(browser, out / "review" / "patients" / "X1.html")
    assert browser.title == "Review: X1"
    assert browser.execute_script("return window.pwned === undefined && document.scripts.length === 2")
    note = browser.find_element(By.CSS_SELECTOR, "pre.text")
    assert note.text == HOSTILE.rstrip("\n")  # shown as written, tags and all
    assert not browser.find_elements(By.CSS_SELECTOR, "pre.text img, pre.text script, pre.text b")
    browser.find_element(By.CSS_SELECTOR, '[data-field="findings.nme"] button.value').click()
    assert _highlighted(browser) == [span["text"] for span in record["evidence"]["findings.nme"]]
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded == []  # nothing fetched: the image of the note is text, and CSP forbids loads
    policy = browser.find_element(By.CSS_SELECTOR, 'meta[http-equiv="Content-Security-Policy"]')
    assert policy.get_attribute("content").startswith("default-src 'none'")
    assert "patient text" in browser.find_element(By.ID, "phi-warning").text


def test_the_index_sorts_and_filters(seed: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, seed / "review" / "index.html")
    assert "patient text" in browser.find_element(By.ID, "phi-warning").text

    def shown(attribute: str = "pid") -> list[str]:
        return browser.execute_script(
            f"return Array.from(document.querySelectorAll('tbody tr:not(.hidden)')).map(r => r.dataset.{attribute})")

    assert shown() == [f"P0{i}" for i in range(1, 8)]
    header = browser.find_element(By.CSS_SELECTOR, 'th[data-key="conflicts"]')
    header.click()
    ascending = [int(n) for n in shown("conflicts")]
    assert ascending == sorted(ascending) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert [int(n) for n in shown("conflicts")] == sorted(ascending, reverse=True)
    browser.find_element(By.CSS_SELECTOR, 'input[data-only="conflicts"]').click()
    assert all(int(n) > 0 for n in shown("conflicts")) and len(shown()) == sum(1 for n in ascending if n)
    browser.find_element(By.CSS_SELECTOR, 'input[data-only="conflicts"]').click()
    browser.find_element(By.ID, "filter-text").send_keys("p05")
    assert shown() == ["P05"]
    browser.find_element(By.LINK_TEXT, "P05").click()
    assert browser.title == "Review: P05"


def test_hostile_ids_and_values_run_nothing(browser: Any, tmp_path: Path) -> None:
    """Records and notes from elsewhere (--records): a patient id, a value and a quote that are markup."""
    from selenium.webdriver.common.by import By

    pid = '<img src=x onerror="window.pwned=1">'
    text = 'Referred by "><script>window.pwned=2</script> for the rash.'
    notes = tmp_path / "notes.jsonl"
    notes.write_text(json.dumps({"patient_id": pid, "doc_id": "d1</title>", "text": text}) + "\n", encoding="utf-8")
    record = CohortRecord(patient_id=pid).model_dump(mode="json")
    record["first_department"] = "</script><script>window.pwned=3</script>"
    start = text.index('">')
    record["evidence"] = {"first_department": [{"doc_id": "d1</title>", "start": start, "end": len(text) - 1,
                                                "text": text[start:-1]}]}
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(record) + "\n", encoding="utf-8")
    out = tmp_path / "review"
    result = CliRunner().invoke(app, ["review", str(notes), "--records", str(records), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (page,) = (out / "patients").iterdir()
    assert page.name.startswith("img_src_x_onerror_window_pwned_1") and page.name.endswith(".html")
    _open(browser, out / "index.html")
    assert browser.find_element(By.CSS_SELECTOR, "tbody th a").text == pid
    browser.find_element(By.CSS_SELECTOR, "tbody th a").click()
    assert browser.title == f"Review: {pid}"
    field = browser.find_element(By.CSS_SELECTOR, '[data-field="first_department"]')
    assert record["first_department"] in field.text
    field.find_element(By.CSS_SELECTOR, "button.value").click()
    assert _highlighted(browser) == [text[start:-1]]
    assert browser.execute_script("return window.pwned === undefined && document.scripts.length === 2")
    assert browser.find_element(By.CSS_SELECTOR, "pre.text").text == text
