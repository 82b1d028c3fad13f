"""Tumour-only fields stay quiet in notes about other problems (issue 16: a whole hospital archive)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from extractor.schema import CohortRecord


@pytest.mark.parametrize(
    "note",
    [
        "PROCEDURE: Open reduction and internal fixation with an 8.0 mm cannulated screw.",
        "The wound was closed. POSTOP SIZE: 2.7 x 2 cm defect after Mohs excision of the lesion.",
        "Ultrasound: a 3.2 cm simple cyst in the right ovary. No solid lesion.",
        "CT: a 1.5 cm hypodense lesion in the liver, most likely a hemangioma.",
    ],
)
def test_a_measured_thing_that_is_not_a_tumour_is_not_a_tumour_size(record_of: Callable[..., CohortRecord], note: str) -> None:
    assert record_of(note).tumor_size_cm is None


def test_a_tumour_of_a_patient_with_cancer_keeps_its_size(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("CT chest: a 3.4 cm spiculated mass in the right upper lobe. Biopsy: adenocarcinoma of the lung.")
    assert record.tumor_size_cm == [3.4]


def test_a_pancreatic_mass_is_measured_before_any_diagnosis(record_of: Callable[..., CohortRecord]) -> None:
    assert record_of("CT abdomen: a 2.1 x 1.8 cm enhancing mass in the pancreatic tail.").tumor_size_cm == [2.1, 1.8]


def test_no_metastasis_says_nothing_of_a_patient_without_a_tumour(record_of: Callable[..., CohortRecord]) -> None:
    assert record_of("MRI brain for headache: no mass, no metastasis, no acute infarct.").metastasis_sites is None


@pytest.mark.parametrize(
    ("note", "sites"),
    [
        # enlarged nodes on a scan of a mass that no one has called malignant: not a metastasis
        ("CT NECK: 3 cm lobulated mass of the supraglottic larynx. Enlarged right level II and III nodes, "
         "consistent with bilateral cervical nodal disease. IMPRESSION: Laryngeal mass with nodal disease.", None),
        ("Soft-tissue swelling of the left groin with lymph node involvement; cellulitis versus abscess.", None),
        # the same words once a malignancy is stated are its nodal spread
        ("Squamous cell carcinoma of the supraglottic larynx, biopsy proven. CT: bilateral cervical nodal disease.",
         ["lymph_nodes"]),
        ("History of nasopharyngeal carcinoma treated with radiation for spread to the lymph nodes of the neck.",
         ["lymph_nodes"]),
    ],
)
def test_nodal_disease_is_a_metastasis_only_of_a_stated_malignancy(
    record_of: Callable[..., CohortRecord], note: str, sites: list[str] | None
) -> None:
    assert record_of(note).metastasis_sites == sites


def test_another_diseases_stage_is_not_a_tumour_stage(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("ASSESSMENT: 1. Chronic kidney disease, stage IV, secondary to diabetes. 2. Anemia of chronic disease.")
    assert record.tnm is None


@pytest.mark.parametrize(
    "note",
    [
        "CT abdomen: there is a question of liver metastases from her known breast cancer.",
        "Breast cancer, treated. There is a possibility she could have liver metastasis; MRI is planned.",
    ],
)
def test_a_suspected_metastasis_is_not_a_site(record_of: Callable[..., CohortRecord], note: str) -> None:
    assert record_of(note).metastasis_sites in (None, [])
    assert "liver" not in (record_of(note).metastasis_sites or [])


def test_an_indeterminate_study_for_pe_states_no_pe(record_of: Callable[..., CohortRecord]) -> None:
    assert record_of("CT angiogram was an indeterminate study for a pulmonary embolism.").findings.dvt is None
