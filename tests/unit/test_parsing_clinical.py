"""Clinical parsers and context helpers on realistic phrases (pure functions, no spaCy)."""

from __future__ import annotations

import pytest

from extractor.parsing.context import in_risk_discussion


def _risk(sentence: str, target: str, preceding: str = "") -> bool:
    start = sentence.index(target)
    return in_risk_discussion(sentence, start, start + len(target), preceding)


@pytest.mark.parametrize(
    ("sentence", "target", "preceding", "expected"),
    [
        ("The risks include bleeding, infection, DVT, PE and death.", "DVT", "", True),
        ("Risks and benefits were discussed, including infection, nerve damage, paralysis and death.", "death", "", True),
        ("Pain, bleeding and deep vein thrombosis were discussed as possible complications.", "deep vein thrombosis", "", True),
        ("6.  Deep venous thrombosis.", "Deep venous thrombosis",
         "The risks of the procedure include but are not limited to:,1.  Infection.,2.  Bleeding.,", True),
        # risk factors, actual complications and a list that has ended are the patient's
        ("Ongoing risks including current smoking, diabetes, hypertension.", "diabetes", "", False),
        ("Coronary risk factors include diabetes and smoking.", "diabetes", "", False),
        ("COMPLICATIONS:  DVT.", "DVT", "", False),
        ("The patient developed a DVT on day 4 despite mobilisation and stockings.", "DVT",
         "Risks include:,1.  Bleeding.,HOSPITAL COURSE:  Uneventful at first.,", False),
    ],
)
def test_risk_discussion(sentence: str, target: str, preceding: str, expected: bool) -> None:
    assert _risk(sentence, target, preceding) is expected
