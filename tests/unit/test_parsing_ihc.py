"""IHC statements in every common notation."""

from __future__ import annotations

import pytest

from extractor.parsing.ihc import ihc_result, stain_of_a_node


def _result(sentence: str, marker: str, others: tuple[str, ...] = ()) -> str | None:
    start = sentence.index(marker)
    spans = [(sentence.index(o), sentence.index(o) + len(o)) for o in others]
    return ihc_result(sentence, (start, start + len(marker)), spans)


@pytest.mark.parametrize(
    ("sentence", "marker", "others", "expected"),
    [
        ("CgA(+), Syn(+), SSTR2(±)", "CgA", ("Syn", "SSTR2"), "positive"),
        (
            "The tumor is negative for synaptophysin but a few scattered neoplastic cells are positive for chromogranin.",
            "chromogranin", ("synaptophysin",), "equivocal",
        ),
        ("The tumour nuclei in some areas express NSE, synaptophysin and chromogranin A.", "synaptophysin", ("NSE", "chromogranin A"), "equivocal"),
        ("Rare tumour cells stain for chromogranin.", "chromogranin", (), "equivocal"),
        ("Glucagon: focally positive. Insulin: negative.", "Glucagon", ("Insulin",), "equivocal"),
        ("SSTR2 is weakly positive in the tumour cells.", "SSTR2", (), "equivocal"),
        ("Negative staining for synaptophysin and chromogranin argues against it.", "synaptophysin", ("chromogranin",), "negative"),
        ("Tumor cells show no reactivity with cytokeratin AE1/AE3.", "cytokeratin AE1/AE3", (), "negative"),
        ("The tumour cells strongly express synaptophysin.", "synaptophysin", (), "positive"),
        ("CgA(+), Syn(-), SSTR2(±)", "Syn", ("CgA", "SSTR2"), "negative"),
        ("CgA(+), Syn(+), SSTR2(±)", "SSTR2", ("CgA", "Syn"), "equivocal"),
        ("SSTR2: ±", "SSTR2", (), "equivocal"),
        ("Syn 3+", "Syn", (), "positive"),
        ("SSTR2 1+", "SSTR2", (), "equivocal"),
        ("SSTR2: focal weak staining", "SSTR2", (), "equivocal"),
        ("Chromogranin A      Positive (diffuse)", "Chromogranin A", (), "positive"),
        ("Gastrin           -", "Gastrin", (), "negative"),
        ("Insulin           Negative", "Insulin", (), "negative"),
        # a list, then the stain noun standing for the verb
        ("Insulin and glucagon immunostains negative.", "Insulin", ("glucagon",), "negative"),
        ("Chromogranin and synaptophysin stains positive in the tumour.", "Chromogranin", ("synaptophysin",), "positive"),
        # "stains" as the verb of a result for other stains is not this list's result
        ("No immunoreactivity for neuroendocrine markers (chromogranin, CD56), stains positive for pan-keratin.", "chromogranin", ("CD56", "pan-keratin"), "negative"),
        # the stains named before a shared verb that denies what they were done for
        ("Immunostains for chromogranin and synaptophysin do not support this.", "chromogranin", ("synaptophysin",), "negative"),
        ("Immunostains for chromogranin and synaptophysin do not support this.", "synaptophysin", ("chromogranin",), "negative"),
        ("IHC for gastrin was not performed.", "gastrin", (), "not_done"),
        ("Glucagon immunostain: positive", "Glucagon", (), "positive"),
        ("glucagon: diffusely positive", "glucagon", (), "positive"),
        ("The tumour was chromogranin-positive and insulin-negative", "insulin", ("chromogranin",), "negative"),
        ("Tumour cells express glucagon, CgA and synaptophysin", "CgA", ("glucagon", "synaptophysin"), "positive"),
        ("CgA and synaptophysin were diffusely positive.", "synaptophysin", ("CgA",), "positive"),
        # a strength word right before the marker qualifies its staining, whatever the verb after it
        ("Strong staining with p16 and focal synaptophysin was present.", "synaptophysin", (), "equivocal"),
        ("Weak chromogranin expression is seen in the tumour cells.", "chromogranin", (), "equivocal"),
        ("Diffuse strong synaptophysin expression is present in the tumour.", "synaptophysin", (), "positive"),
        ("This focus shows absence of staining for keratin AE1/AE3 and positive staining for CD68.", "keratin AE1/AE3", (), "negative"),
        ("Vimentin stains both components of the tumor. Synaptophysin and Melan A are negative.", "Synaptophysin", (), "negative"),
        ("The neoplastic cells exhibit immunoreactivity for GFAP. CAM 5.2 is essentially negative.", "CAM 5.2", (), "negative"),
    ],
)
def test_notations(sentence: str, marker: str, others: tuple[str, ...], expected: str) -> None:
    assert _result(sentence, marker, others) == expected


@pytest.mark.parametrize(
    ("marker", "expected"),
    [("chromogranin A", "positive"), ("synaptophysin", "positive"), ("insulin", "negative"), ("gastrin", "negative")],
)
def test_distributive_scope(marker: str, expected: str) -> None:
    """A cue governs the list after it until the next cue."""
    sentence = "Tumour cells are positive for chromogranin A and synaptophysin, negative for insulin and gastrin."
    others = tuple(m for m in ("chromogranin A", "synaptophysin", "insulin", "gastrin") if m != marker)
    assert _result(sentence, marker, others) == expected


@pytest.mark.parametrize(
    ("sentence", "marker", "others"),
    [
        ("Positive and negative controls for chromogranin and synaptophysin react appropriately.", "chromogranin", ("synaptophysin",)),
        ("The chromogranin and synaptophysin controls stained appropriately.", "synaptophysin", ("chromogranin",)),
        ("Immunostains for chromogranin and synaptophysin have been ordered and will be reported in an addendum.", "chromogranin", ("synaptophysin",)),
        ("Synaptophysin and CD56 stains are pending.", "CD56", ("Synaptophysin",)),
        # the stains named, not their result
        (
            "Immunohistochemical stains with antibodies directed against GFAP, synaptophysin, CD 56 and vimentin demonstrate heterogeneous differentiation.",
            "synaptophysin", ("CD 56",),
        ),
    ],
)
def test_controls_and_stains_not_yet_read_give_no_result(sentence: str, marker: str, others: tuple[str, ...]) -> None:
    assert _result(sentence, marker, others) is None


def test_a_result_read_with_appropriate_controls_stands() -> None:
    sentence = "Immunohistochemical stains with appropriate controls show the tumor to be positive for synaptophysin."
    assert _result(sentence, "synaptophysin") == "positive"


def test_no_statement_gives_none() -> None:
    assert _result("Synaptophysin was ordered.", "Synaptophysin") is None


@pytest.mark.parametrize(
    ("sentence", "marker", "others", "expected"),
    [
        # a stain that "highlights" / "decorates" the tumour shows it: positive; a few cells only: equivocal
        ("Pankeratin highlights the infiltrating tumor at the deep margin.", "Pankeratin", (), "positive"),
        ("CAM5.2 stains highlight tumor nests within the stroma.", "CAM5.2", (), "positive"),
        ("Cytokeratin decorates scattered tumor cells in the lymph node.", "Cytokeratin", (), "equivocal"),
        ("The neoplastic cells are highlighted by synaptophysin.", "synaptophysin", (), "positive"),
        # "no <stain> reaction / staining": negative, also for a marker at the head of a list
        ("Within the solid tumor there is no chromogranin or GFAP reaction.", "chromogranin", (), "negative"),
        ("There is no synaptophysin or chromogranin staining in the lesion.", "synaptophysin", ("chromogranin",), "negative"),
    ],
)
def test_stains_that_show_or_do_not_react_with_the_tumour(sentence: str, marker: str, others: tuple[str, ...], expected: str) -> None:
    assert _result(sentence, marker, others) == expected


@pytest.mark.parametrize(
    ("sentence", "marker"),
    [
        # what the stain shows is not the tumour: vessels, entrapped native cells
        ("Cytokeratin highlights the entrapped benign glands.", "Cytokeratin"),
        ("Synaptophysin highlights the residual native neurons.", "Synaptophysin"),
    ],
)
def test_a_stain_that_highlights_something_else_gives_no_result(sentence: str, marker: str) -> None:
    assert _result(sentence, marker) is None


@pytest.mark.parametrize(
    ("sentence", "marker", "others", "expected"),
    [
        # a list of stains sharing "show" and its result
        ("Immunohistochemical stains for CD56 and chromogranin show patchy positivity.", "CD56", ("chromogranin",), "equivocal"),
        ("Chromogranin and CD56 immunostains show no staining of the tumour cells.", "Chromogranin", ("CD56",), "negative"),
        # the staining's pattern stated without a result word
        ("Synaptophysin shows strong diffuse staining throughout the carcinoma.", "Synaptophysin", (), "positive"),
        ("CD56 shows membranous staining of the tumor cells.", "CD56", (), "positive"),
        ("Keratin CAM5.2 shows dot-like paranuclear positivity in the neoplastic cells.", "Keratin CAM5.2", (), "positive"),
        ("Chromogranin stains scattered tumor cells.", "Chromogranin", (), "equivocal"),
        # positive in only some of the tumour cells
        ("CD56 is positive in a subset of the tumour cells.", "CD56", (), "equivocal"),
        ("Staining for chromogranin is present in scattered tumor cells only.", "chromogranin", (), "equivocal"),
        # negations that name the stain after "neither ... nor", "but not", "fail to"
        ("Neither CD56 nor synaptophysin is expressed by the neoplasm.", "synaptophysin", ("CD56",), "negative"),
        ("Neither CD56 nor synaptophysin is expressed by the neoplasm.", "CD56", ("synaptophysin",), "negative"),
        ("The carcinoma expresses CD56 and synaptophysin but not chromogranin.", "chromogranin", ("CD56", "synaptophysin"), "negative"),
        ("Stains for synaptophysin and chromogranin fail to show neuroendocrine differentiation.", "synaptophysin", ("chromogranin",), "negative"),
        # a pair that shares its result, the second name damaged past reading
        ("Stains for synaptophysin and chrornogrenin are both negative.", "synaptophysin", (), "negative"),
        # a list with its result and no verb
        ("The neoplasm is CD56 and synaptophysin positive.", "CD56", ("synaptophysin",), "positive"),
    ],
)
def test_stain_statements_of_neuroendocrine_panels(sentence: str, marker: str, others: tuple[str, ...], expected: str) -> None:
    assert _result(sentence, marker, others) == expected


@pytest.mark.parametrize(
    ("sentence", "marker", "others"),
    [
        ("Chromogranin shows strong staining of the normal islets.", "Chromogranin", ()),
        ("CD56 and synaptophysin show staining of the native islets only.", "synaptophysin", ("CD56",)),
    ],
)
def test_staining_of_non_tumour_cells_gives_no_result(sentence: str, marker: str, others: tuple[str, ...]) -> None:
    assert _result(sentence, marker, others) is None


def test_a_result_after_and_belongs_to_the_next_stain() -> None:
    sentence = "The nodule shows absence of staining for keratin and positive staining for CD68."
    assert _result(sentence, "keratin") == "negative"


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [("Synaptophysin: positive (focal, weak)", "equivocal"), ("Synaptophysin: positive (diffuse)", "positive")],
)
def test_a_strength_in_brackets_after_the_result(sentence: str, expected: str) -> None:
    assert _result(sentence, "Synaptophysin") == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The negative keratin stain rules out a metastasis to this lymph node.", True),
        ("A pankeratin immunostain was performed on the left obturator lymph node.", True),
        ("Cytokeratin staining excludes a lymph node micrometastasis.", True),
        ("AE1/AE3 is negative in all twelve axillary lymph nodes.", True),
        ("Synaptophysin is negative in the tumour; lymph nodes are free of tumour.", False),
        ("The tumour is negative for cytokeratin; lymph nodes are free of tumour (0/11).", False),
        ("Synaptophysin negativity rules out a neuroendocrine carcinoma.", False),
    ],
)
def test_a_stain_done_on_a_lymph_node(sentence: str, expected: bool) -> None:
    assert stain_of_a_node(sentence) is expected
