"""The clinical sentence splitter on its own."""

from __future__ import annotations

import spacy

from extractor.components.sentences import ClinicalSentencizer


def test_run_on_sentences_are_capped_at_max_tokens() -> None:
    """ConText scope and matcher cost stay bounded on text without punctuation."""
    nlp = spacy.blank("en")
    run_on = " ".join(["word"] * 300) + ". Next sentence here."
    doc = ClinicalSentencizer(nlp, "s", max_tokens=120)(nlp.make_doc(run_on))
    starts = [t.i for t in doc if t.is_sent_start]
    assert starts == [0, 120, 240, 301]  # 300 words and the full stop, then "Next"


def test_a_line_end_turned_into_a_comma_ends_the_sentence() -> None:
    """Scraped and exported notes write a lost line end as ".,": the heading after it
    starts a new sentence, so a negation before it cannot reach into the next section."""
    from extractor.components.sentences import sentence_boundaries

    text = "He did not think surgery was indicated.,PAST MEDICAL HISTORY: , He has had diabetes for five years."
    starts = sentence_boundaries(text)
    assert text.index("PAST MEDICAL") in starts


def test_a_comma_after_an_abbreviation_inside_a_sentence_is_not_a_boundary() -> None:
    from extractor.components.sentences import sentence_boundaries

    text = "Seen by Dr. Smith, who found a 2 cm mass, i.e., a small tumour."
    assert sentence_boundaries(text) == []


def test_a_lettered_specimen_line_starts_a_sentence() -> None:
    from extractor.components.sentences import sentence_boundaries

    text = "-NO EVIDENCE OF METASTATIC DISEASE (0/7)\nJ. Portal lymph nodes, excision: metastatic carcinoma."
    assert text.index("J. Portal") in sentence_boundaries(text)


def test_a_full_stop_set_apart_from_its_word_ends_the_sentence() -> None:
    """OCR and some exports write "cervix .The mass": the next sentence starts at "The"."""
    from extractor.components.sentences import sentence_boundaries

    text = "A 3 cm mass lies in the cervix .The endometrial cavity measures 4 cm. See e.g .5 mm"
    assert sentence_boundaries(text) == [text.index("The endometrial"), text.index("See")]
