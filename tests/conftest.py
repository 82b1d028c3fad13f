"""Shared fixtures: one pipeline per test session, built from spacy.blank("en")."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from spacy.language import Language

from extractor.core import process_patient
from extractor.notes import NoteInput
from extractor.schema import CohortRecord, Mention

REPO = Path(__file__).resolve().parents[1]


def _shared_folder() -> Path:
    """``../shared`` beside the repository, or beside a folder holding it (a git worktree)."""
    for parent in REPO.parents:
        if (parent / "shared" / "spec").is_dir():
            return parent / "shared"
    return REPO.parent / "shared"


SHARED = _shared_folder()
MTSAMPLES = SHARED / "data" / "mtsamples" / "mtsamples.csv"
TCGA_REPORTS = SHARED / "data" / "tcga-pathology-reports" / "tcga_pathology_reports_subset.csv"
RESERVED = SHARED / "eval" / "reserved.md"


def reserved_ids() -> set[str]:
    """Report ids kept for blind evaluation: no test, audit or tuning run reads them."""
    if not RESERVED.exists():
        return set()
    lines = RESERVED.read_text(encoding="utf-8").splitlines()
    return {line[2:].strip() for line in lines if line.startswith("- TCGA-")}


def _evenly_spaced(path: Path, column: str) -> Callable[[int], list[str]]:
    if not path.exists():
        pytest.skip(f"../shared/data/{path.parent.name} not beside the repository")
    csv.field_size_limit(10**9)
    reserved = reserved_ids()
    with path.open(encoding="utf-8") as handle:
        texts = [
            row[column]
            for row in csv.DictReader(handle)
            if row[column] and row.get("report_id") not in reserved and row.get("patient_barcode") not in reserved
        ]

    def sample(limit: int) -> list[str]:
        return texts[:: max(1, len(texts) // limit)][:limit]

    return sample


@pytest.fixture(scope="session")
def mtsamples() -> Callable[[int], list[str]]:
    """``limit`` real transcribed reports evenly spaced through MTSamples (the test
    is skipped when ../shared is not beside the repository)."""
    return _evenly_spaced(MTSAMPLES, "transcription")


@pytest.fixture(scope="session")
def tcga_reports() -> Callable[[int], list[str]]:
    """``limit`` real (OCR'd) TCGA surgical pathology reports, evenly spaced."""
    return _evenly_spaced(TCGA_REPORTS, "ocr_text")


@pytest.fixture(scope="session")
def nlp() -> Language:
    from extractor.pipeline import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def mentions_of(nlp: Language) -> Callable[[str], list[Mention]]:
    """Mentions of one note text."""
    from extractor.core import note_mentions

    def _run(text: str) -> list[Mention]:
        return note_mentions(nlp, NoteInput(patient_id="p", doc_id="d", text=text))

    return _run


@pytest.fixture(scope="session")
def record_of(nlp: Language) -> Callable[..., CohortRecord]:
    """The record of one patient from (date, text) notes or plain texts."""

    def _run(*notes: str | tuple[str | None, str]) -> CohortRecord:
        inputs = []
        for index, note in enumerate(notes):
            when, text = note if isinstance(note, tuple) else (None, note)
            inputs.append(NoteInput(patient_id="p", doc_id=f"d{index}", text=text, date=when))
        return process_patient(nlp, "p", inputs).record

    return _run


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """A headless Chromium driven by Selenium, as a person sees a page.

    Debian's ``chromium`` and ``chromium-driver`` packages (``.ci/run`` installs
    them). Where they are missing the test fails and says so: a page test that
    silently passes without a browser proves nothing.
    """
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"headless browser not found ({', '.join(missing)}): install Debian's chromium and "
            "chromium-driver (apt-get install chromium chromium-driver), as .ci/run does",
            pytrace=False,
        )
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="extractor-chromium-")
    # offline and quiet: this machine's network is closed and the pages must load nothing
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
