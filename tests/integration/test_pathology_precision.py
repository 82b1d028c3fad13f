"""Pathology values that real reports of other organs and cells tempt the rules into: each test is a
sentence written the way surgical pathology reports write it, and the value a reviewer codes."""

from __future__ import annotations

from collections.abc import Callable

from extractor.schema import CohortRecord


def test_tumour_deposits_without_a_positive_node_are_no_nodal_metastasis(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "SURGICAL PATHOLOGY REPORT\n"
        "DIAGNOSIS: Right colon, hemicolectomy: moderately differentiated adenocarcinoma (pT3).\n"
        "Regional lymph nodes (pN): pN1c. Eighteen lymph nodes are negative for malignancy; a tumor\n"
        "deposit is present in the pericolonic fat.\n"
        "Distant metastasis (pM): pMX\n"
    )
    assert record.tnm is not None and record.tnm.n == "N1c"
    assert record.metastasis_sites == []
