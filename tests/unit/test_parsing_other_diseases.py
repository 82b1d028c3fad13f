"""Value parsers on sentences of notes about other diseases (the MTSamples precision review):
what is measured, stained or diagnosed there is not the tumour's value."""

from __future__ import annotations

import pytest

from extractor.parsing import clinical, pathology
from extractor.parsing.context import SpanContext
from extractor.parsing.ihc import ihc_result


def _ctx(sentence: str, match: str, value: object = None, kind: str | None = None) -> SpanContext:
    start = sentence.index(match)
    return SpanContext(match, sentence, start, start + len(match), None, value, kind)


@pytest.mark.parametrize(
    ("sentence", "match", "dims"),
    [
        # a distance from a landmark, not a size
        ("The incision was marked approximately 1.5 cm medial to the inferior border of the mandible.", "1.5 cm", None),
        ("The mass extends approximately 3.6 cm superior to the planum into both frontal regions.", "3.6 cm", None),
        # an axis of the tumour's own measurement is a size
        ("The tumor is 2.5 cm medial to lateral and 2.1 cm from the tongue surface to the deep margin.", "2.5 cm", [2.5]),
        ("The head of pancreas measures anterior to posterior 5.5 cm, superior to inferior 3.8 cm.", "5.5 cm", [5.5]),
        # a nodule or lesion of another organ
        ("There is a 3.1 cm right heterogeneous adrenal nodule and no upper tract lesion.", "3.1 cm", None),
        ("There is a 4.2 cm cystic lesion of the right adnexal region.", "4.2 cm", None),
        # a describing word that starts like an organ's ("ulcerated") leaves the mass the tumour's
        ("The opened bladder reveals a 3.5 x 2.5 cm white-tan, firm ulcerated mass with a raised rim.", "3.5 x 2.5 cm", [3.5, 2.5]),
        ("In the left trigone the mucosa is remarkable for a 2 x 1.5 x 1 cm deep ulcerated mass.", "2 x 1.5 x 1 cm", [2.0, 1.5, 1.0]),
        # a named carcinoma is the tumour, whatever its qualifier
        ("The pathology showed a 3.3 cm infiltrating ductal carcinoma, grade I.", "3.3 cm", [3.3]),
        # a lesion the reader calls a collection
        ("CT: hypodense lesion 9 x 9 cm in the pancreatic tail bed, attributed to a postoperative complication (lymphocele).", "9 x 9 cm", None),
        ("CT: a 4.1 cm hypervascular mass of the pancreatic tail, consistent with a neuroendocrine tumour.", "4.1 cm", [4.1]),
        # a nodule read as a metastasis; the primary beside metastases keeps its size
        ("There was also an 8 mm nodule in the left upper lobe suspicious for metastatic disease.", "8 mm", None),
        ("CT: a 4 cm pancreatic tail mass with liver lesions consistent with metastases.", "4 cm", [4.0]),
        # a margin taken around the tumour, a depth of invasion, a core's linear extent
        ("The tumour on the cheek was excised with about a 1 cm margin of normal mucosa.", "1 cm", None),
        ("The cone biopsy showed microinvasive squamous carcinoma with a 2 mm invasion.", "2 mm", None),
        ("Right base core: adenocarcinoma, Gleason 3 + 3; maximum linear extent of tumor in the core 4 mm.", "4 mm", None),
        ("Squamous carcinoma, depth of invasion 7 mm, lymphovascular invasion absent.", "7 mm", None),
        # a pancreatic lesion the reader calls cystic is not a stated tumour
        ("MRI: a lesion in the body of the pancreas, about 1.5 cm, most likely of cystic nature; a neoplasm is not excluded.", "1.5 cm", None),
        ("A 2.2 x 1.8 cm low attenuation cystic lesion appears to be originating off of the tail of the pancreas.", "2.2 x 1.8 cm", None),
        # a tumour with cystic change, a cystic neuroendocrine tumour: the tumour's size
        ("MRI: a 3.2 cm pancreatic tail mass with cystic change.", "3.2 cm", [3.2]),
        ("CT: a 3 cm cystic neuroendocrine tumour of the pancreatic body.", "3 cm", [3.0]),
        # a resected pancreas's focally cystic tumour, and the cystic duct of a Whipple specimen
        ("On section, the pancreatic parenchyma gives rise to an ill-defined, 4.7 x 4.5 x 4.2 cm indurated, focally cystic, tan-white tumor.", "4.7 x 4.5 x 4.2 cm", [4.7, 4.5, 4.2]),
        ("CT: a 3.4 cm hypodense mass in the pancreatic head; the gallbladder and cystic duct are normal.", "3.4 cm", [3.4]),
        # the margin named after the tumour's own size stays the tumour's size
        ("Pancreas, tail: well-differentiated neuroendocrine tumour, 2.2 cm, margins free.", "2.2 cm", [2.2]),
    ],
)
def test_what_a_size_measures(sentence: str, match: str, dims: list[float] | None) -> None:
    value = pathology.parse_size(_ctx(sentence, match))
    assert (value["dims"] if value else None) == dims


def test_a_bones_head_is_not_the_pancreatic_head() -> None:
    sentence = "The head size was measured to be 43 mm."
    start = sentence.index("43 mm")
    femoral = SpanContext("43 mm", sentence, start, start + 5, None, None, None, "", "Femoral head was retrieved with a corkscrew.  ")
    pancreatic = SpanContext("43 mm", sentence, start, start + 5, None, None, None, "", "CT of the pancreas: a hypervascular mass.  ")
    assert pathology.parse_size(femoral) is None
    assert pathology.parse_size(pancreatic) is not None


def test_a_palpated_size_is_marked_as_an_estimate() -> None:
    palpated = pathology.parse_size(_ctx("The left mass is approximately 8 cm in diameter upon palpation.", "8 cm"))
    sentence = "Firm, non-tender epigastric mass, about 6 cm."
    start = sentence.index("6 cm")
    exam = SpanContext("6 cm", sentence, start, start + 4, None, None, None, "", "Examination: Thin. ")
    measured = pathology.parse_size(_ctx("CT: a 5.4 x 4.8 cm hypervascular mass in the pancreatic body.", "5.4 x 4.8 cm"))
    assert palpated is not None and palpated.get("palpated") is True
    assert (pathology.parse_size(exam) or {}).get("palpated") is True
    assert measured is not None and "palpated" not in measured


@pytest.mark.parametrize(
    ("sentence", "marker", "expected"),
    [
        ("No significant reactivity with CAM5.2 is seen.", "CAM5.2", "negative"),
        ("Tumor cells show no definite staining for chromogranin.", "chromogranin", "negative"),
        ("Tumor cells show reactivity with synaptophysin.", "synaptophysin", "positive"),
    ],
)
def test_no_significant_reactivity_is_negative(sentence: str, marker: str, expected: str) -> None:
    start = sentence.index(marker)
    assert ihc_result(sentence, (start, start + len(marker)), []) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("She was recently diagnosed with recurrent pneumonia and does have a cancer on the CAT scan.", None),
        ("A 61-year-old man with recently diagnosed squamous cell carcinoma of the tongue and has dysphagia.", True),
    ],
)
def test_what_was_newly_diagnosed_ends_at_the_next_verb(sentence: str, expected: bool | None) -> None:
    match = "recently diagnosed"
    assert clinical.parse_new_malignancy(_ctx(sentence, match)) is expected
