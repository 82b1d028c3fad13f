"""The assembled pipeline on realistic sentences: concepts, context flags, what must not count."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from spacy.language import Language

from extractor.notes import NoteInput
from extractor.ruleset import target_rules
from extractor.schema import CohortRecord, Mention


def _flags(mentions: list[Mention], label: str) -> list[dict[str, bool]]:
    return [m.assertion.model_dump() for m in mentions if m.label == label]


@pytest.mark.parametrize(
    ("sentence", "label", "flag"),
    [
        ("She denies diarrhoea.", "diarrhea", "negated"),
        ("No evidence of deep vein thrombosis.", "dvt", "negated"),
        ("Abdomen: negative for weight loss.", "weight_loss", "negated"),
        ("History of DVT in 2012, treated with warfarin.", "dvt", "historical"),
        ("Rule out glucagonoma.", "diagnosis", "hypothetical"),
        ("Glucagon levels to exclude glucagonoma.", "diagnosis", "hypothetical"),
        ("Return if diarrhoea develops.", "diarrhea", "hypothetical"),
        ("Her mother had type 2 diabetes mellitus.", "diabetes", "family"),
        ("Sister with glucagonoma.", "diagnosis", "family"),
        ("Differential includes pellagra, zinc deficiency and necrolytic migratory erythema.", "nme", "uncertain"),
        ("Possible necrolytic migratory erythema.", "nme", "uncertain"),
    ],
)
def test_context_categories(mentions_of: Callable[[str], list[Mention]], sentence: str, label: str, flag: str) -> None:
    flags = _flags(mentions_of(sentence), label)
    assert flags and flags[0][flag], flags


def test_family_history_section_marks_family(mentions_of: Callable[[str], list[Mention]]) -> None:
    flags = _flags(mentions_of("FAMILY HISTORY:\nDiabetes mellitus. Anaemia.\n"), "diabetes")
    assert flags and flags[0]["family"]


@pytest.mark.parametrize(
    "note",
    [
        "FAMILY HISTORY: Mother with glucagonoma, necrolytic migratory erythema and diabetes.",
        "Differential diagnosis includes necrolytic migratory erythema and zinc deficiency.",
        "Rule out glucagonoma; check fasting glucagon.",
        "If diarrhoea or weight loss develops she should return.",
        "Her father had a deep vein thrombosis.",
    ],
)
def test_sentences_that_must_not_count(record_of: Callable[..., CohortRecord], note: str) -> None:
    record = record_of(note)
    assert all(v in (None, "absent") for v in record.findings.model_dump().values())
    assert record.findings.nme is None and record.findings.diabetes is None


def test_defined_abbreviation_resolves(mentions_of: Callable[[str], list[Mention]]) -> None:
    text = "Skin changes of necrolytic migratory erythema (NME) were noted. The nme subsided."
    labels = [m.label for m in mentions_of(text)]
    assert labels.count("nme") >= 2


def test_abbreviation_defined_as_something_else_is_dropped(mentions_of: Callable[[str], list[Mention]]) -> None:
    text = "Dermatomyositis (DM) was considered. DM remains unlikely."
    assert not [m for m in mentions_of(text) if m.label == "diabetes"]


@pytest.mark.parametrize(
    ("note", "value", "comparator"),
    [
        ("Plasma glucagon 217 pg/mL (normal < 200 pg/mL).", 217.0, "="),
        ("Fasting glucagon 62.3 pmol/L (reference 0-50).", 217.12, "="),
        ("Glucagon was 410 ng/L.", 410.0, "="),
        ("Serum glucagon > 800 pg/mL.", 800.0, ">"),
        ("GLUCAGON: 1720 PG/ML (H)", 1720.0, "="),
        # immunoreactive glucagon, as older reports and lab tables abbreviate it
        ("IRG ........................ 75 pg/ml", 75.0, "="),
        ("Immunoreactive glucagon is up to\n6,000 pg/ml (normal less than 200 pg/ml).", 6000.0, "="),
    ],
)
def test_glucagon_units_and_comparators(record_of: Callable[..., CohortRecord], note: str, value: float, comparator: str) -> None:
    record = record_of(note)
    assert [(g.value, g.comparator, g.timing) for g in record.glucagon] == [(value, comparator, "unknown")]


def test_glucagon_is_not_an_ihc_result_and_vice_versa(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of(
        "LABS: glucagon 720 pg/mL (ref < 200).\n\nIMMUNOHISTOCHEMISTRY: glucagon (+), CgA (+), Syn (+), insulin (-)."
    )
    assert [g.value for g in record.glucagon] == [720.0]
    assert (record.ihc.glucagon, record.ihc.chromogranin_a, record.ihc.insulin) == ("positive", "positive", "negative")


def test_octreotide_scan_is_not_therapy(record_of: Callable[..., CohortRecord]) -> None:
    assert record_of("Octreotide scan showed avid uptake in the pancreatic tail.").somatostatin_analogue == []


def test_evidence_points_at_the_note(nlp, record_of: Callable[..., CohortRecord]) -> None:
    text = "Date: 2020-01-01\n\nA 3.1 x 2.3 x 1.6 cm mass in the head of the pancreas. Ki-67 index 8%."
    record = record_of(("2020-01-01", text))
    for path in ("tumor_size_cm", "ki67_percent", "tumor_location[0]"):
        span = record.evidence[path][0]
        assert text[span.start : span.end] == span.text


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("REVIEW OF SYSTEMS:\n- No diarrhoea, normal bowel habit\n", "diarrhea"),
        ("Liver normal in size with no focal lesion - no liver metastases.", "metastasis_sites"),
        ("FBC: Hb 12.8 g/dL, indices normal - no anaemia.", "anemia"),
        ("Diarrhoea: no", "diarrhea"),
    ],
)
def test_dash_bullets_and_colon_answers_negate(mentions_of: Callable[[str], list[Mention]], text: str, label: str) -> None:
    flags = _flags(mentions_of(text), label)
    assert flags and flags[0]["negated"], flags


def test_family_history_block_ends_at_the_next_heading(mentions_of: Callable[[str], list[Mention]]) -> None:
    text = "FAMILY HISTORY:\nMother with type 2 diabetes.\nLABORATORY:\nGlucagon 980 ng/L (normal range 50-150)\n"
    flags = {m.label: m.assertion.family for m in mentions_of(text)}
    assert flags == {"diabetes": True, "glucagon": False}


def test_glued_ihc_shorthand(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("IHC:\nCgA(+), Syn(+), SSTR2(±), glucagon(+), insulin(-), gastrin(-)\nKi-67 <2%\n")
    ihc = record.ihc
    assert (ihc.chromogranin_a, ihc.synaptophysin, ihc.sstr2, ihc.glucagon, ihc.insulin, ihc.gastrin) == (
        "positive", "positive", "equivocal", "positive", "negative", "negative"
    )


def test_a_gloss_in_brackets_is_not_an_abbreviation(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("Immunostains:\nGlucagon - positive (diffuse)\nSSTR2 - 2+ membranous (positive)\nInsulin - negative\n")
    assert (record.ihc.glucagon, record.ihc.sstr2, record.ihc.insulin) == ("positive", "positive", "negative")


@pytest.mark.parametrize(
    "note",
    [
        "Octreotide was not used perioperatively.",
        "Capecitabine/temozolomide was discussed as an option but she declined chemotherapy.",
    ],
)
def test_treatment_not_given(record_of: Callable[..., CohortRecord], note: str) -> None:
    record = record_of(note)
    assert record.somatostatin_analogue == [] and record.systemic_therapy == []


def test_insulin_dose_change_is_not_a_serum_result(record_of: Callable[..., CohortRecord]) -> None:
    record = record_of("Switched to pasireotide; glucose control worsened, insulin increased.")
    assert record.serum_markers.insulin is None


def test_slash_joined_regimen_keeps_both_drugs(record_of: Callable[..., CohortRecord]) -> None:
    assert record_of("First-line Streptozocin/5-FU was given for six cycles.").systemic_therapy == [
        "5-fluorouracil",
        "streptozocin",
    ]


def test_positivity_wording(record_of: Callable[..., CohortRecord]) -> None:
    assert record_of("IHC: SSTR2 shows complete membranous positivity (score 3).").ihc.sstr2 == "positive"


def test_note_without_target_matches_is_not_tokenized(nlp: Language) -> None:
    from extractor.components._common import text_of
    from extractor.focus import GAPS_KEY

    text = "Seen in clinic today.\nLungs clear. Plan: review in one year."
    doc = nlp(text)
    assert doc.user_data[GAPS_KEY] == [(0, len(text))] and not doc.ents
    assert text_of(doc) == text and len(doc.text) == len(text)  # offsets are the note's
    assert "Lungs" not in [t.text for t in doc]
    # nor split into sentences or sections: its heading ("Plan:") is not looked for
    assert len(list(doc.sents)) == 1 and [s.category for s in doc._.sections] == [None]
    # one target match and the note is tokenized as usual
    read = nlp(text + " Glucagon 410 pg/mL.")
    assert "Glucagon" in [t.text for t in read]
    assert len(list(read.sents)) > 1 and [s.category for s in read._.sections] == [None, "assessment_plan"]


def test_untokenized_text_does_not_grow_the_vocabulary(mtsamples: Callable[[int], list[str]]) -> None:
    """spaCy keeps every token string for good: the untokenized text must not go in."""
    from extractor.pipeline import build_pipeline

    nlp = build_pipeline()
    texts = mtsamples(100)
    before = sum(len(s) for s in nlp.vocab.strings)
    for text in texts:
        nlp(text)
    added = sum(len(s) for s in nlp.vocab.strings) - before
    # the new words of the tokenized sentences (~11%); gaps kept as tokens would add ~70%
    assert added < 0.25 * sum(len(t) for t in texts)


def test_tokenizing_less_loses_no_mention(
    nlp: Language, mtsamples: Callable[[int], list[str]], tcga_reports: Callable[[int], list[str]]
) -> None:
    """The same mentions as a pipeline that tokenizes every note in full, on real reports:
    notes without target matches are not tokenized, the others only around matches."""
    from extractor.core import note_mentions
    from extractor.focus import GAPS_KEY
    from extractor.pipeline import build_pipeline

    tokenizing_all = build_pipeline()
    tokenizing_all.target_search = None
    texts = mtsamples(300) + tcga_reports(300)  # pathology reports: brackets by the dozen
    notes = [NoteInput(patient_id="p", doc_id=str(i), text=t) for i, t in enumerate(texts)]
    docs = [nlp.make_doc(t) for t in texts]
    untokenized = [d.user_data.get(GAPS_KEY) == [(0, len(t))] for d, t in zip(docs, texts, strict=True)]
    assert sum(untokenized) > 10  # the sample has notes no target rule matches
    assert sum(bool(d.user_data.get(GAPS_KEY)) for d in docs) > 100  # and notes tokenized in part
    assert [note_mentions(nlp, n) for n in notes] == [note_mentions(tokenizing_all, n) for n in notes]


def test_short_form_used_where_nothing_was_tokenized(nlp: Language) -> None:
    """A note-defined abbreviation used in a sentence without any target match is still
    read as its long form: the note is redone fully tokenized."""
    from extractor.focus import GAPS_KEY

    filler = " ".join(f"Entry {i} concerns her garden, her dog and the weather." for i in range(12))
    text = (
        f"Imaging shows a pancreatic neuroendocrine tumour (PNT) in the tail.\n\n{filler}\n\n"
        f"She says that the PNT keeps her awake.\n\n{filler}"
    )
    assert nlp.make_doc(text).user_data.get(GAPS_KEY)  # the use sits in a gap
    uses = [e for e in nlp(text).ents if e.text == "PNT"]
    assert len(uses) == 2 and {e.label_ for e in uses} == {"diagnosis"}


def test_another_sentence_splitter_gets_every_sentence_tokenized(mtsamples: Callable[[int], list[str]]) -> None:
    """The focus is cut at our splitter's sentence starts: PyRuSH's sentences may straddle them."""
    from extractor.focus import GAPS_KEY
    from extractor.pipeline import build_pipeline

    pyrush = build_pipeline(sentences="medspacy_pyrush")
    texts = [t for t in mtsamples(40) if len(t) > 2000][:5]
    gaps = [pyrush.make_doc(t).user_data.get(GAPS_KEY) for t in texts]
    # a note without any target match is still left untokenized as a whole
    assert all(g in (None, [], [(0, len(t))]) for g, t in zip(gaps, texts, strict=True))
    assert any(not g for g in gaps)


@pytest.mark.parametrize("rule", target_rules(), ids=lambda r: r.id)
def test_a_rule_example_gives_a_mention_of_that_rule(rule, mentions_of) -> None:  # type: ignore[no-untyped-def]
    """Through the whole pipeline (sections, ConText, value parsers), not only the regex."""
    # Act
    found = [any(m.rule == rule.id for m in mentions_of(example)) for example in rule.examples]
    # Assert
    assert any(found), f"no example of {rule.id} gives a mention of it"


def test_every_context_rule_is_matched_as_phrases(nlp: Language) -> None:
    """A ConText rule left as a token pattern (a REGEX test, a "+" operator) makes spaCy's
    token Matcher run over every target sentence: one such rule was a third of ConText's
    time (0.07 ms a note on MTSamples). Rules are written as word lists."""
    from extractor.medspacy_internals import component_matcher, token_matcher

    assert len(token_matcher(component_matcher(nlp.get_pipe("extractor_context")))) == 0
