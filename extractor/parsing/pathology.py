"""Pathology values: Ki-67, WHO grade, tumour size, site, metastases, TNM.

Each parser takes a SpanContext and returns the normalised value, or None when
the match is not what the field means here (the mention is then dropped).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from extractor.lexicon import concept_finder
from extractor.parsing.context import SpanContext, folded_regex, vocab_regex, vocab_regexes
from extractor.parsing.numbers import NUMBER, parse_number
from extractor.resources import vocabulary

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "one": 1, "two": 2, "three": 3}
# The WHO grade of a neuroendocrine neoplasm: other tumours' grades (breast, prostate,
# glioma, "high-grade dysplasia") are not this field.
_NET_CONTEXT = re.compile(
    r"neuroendocrine|\bNETs?\b|\bNENs?\b|\bNEC\b|glucagonoma|insulinoma|gastrinoma|somatostatinoma|VIPoma|islet|ki-?67|mib-?1|\bENETS\b",
    re.IGNORECASE,
)
_KI67_NAME = re.compile(r"ki\s?[- ]?\s?6\s?7|mib\s*-{0,2}\s*[1li]", re.IGNORECASE)


def parse_ki67(ctx: SpanContext) -> float | None:
    """Ki-67 percent: a range gives its upper bound, "<2%" gives 2.

    "A labeling index of 4.4%" is the Ki-67's only just after a Ki-67 / MIB-1 stain is named.
    """
    if not _KI67_NAME.search(ctx.text) and not _KI67_NAME.search((ctx.preceding + ctx.before)[-250:]):
        return None
    rules = vocab_regexes("ki67_not_index")
    if rules["reference"].search(ctx.text):
        return None  # "Ki-67 altered range (>10%)", "Ki-67 cut-off 20%": a report's reference, not the tumour's index
    # the match's own line and the rows just before and after it (a table's rows may each be a sentence)
    before_lines = (ctx.preceding + ctx.before).rsplit("\n", 2)
    after_lines = (ctx.after + ctx.following).split("\n", 2)
    own_line = before_lines[-1] + ctx.text + after_lines[0]
    rows = "\n".join([*before_lines[-2:], ctx.text + after_lines[0], *after_lines[1:2]])
    if rules["grade_label"].search(own_line) and len(
        {g or (n if n.isdigit() else str(len(n))) for g, n in rules["grade_label"].findall(rows)}
    ) > 1:
        return None  # "G1: Ki-67 <3%; G2: Ki-67 3-20%": a grading table's cut-offs, not the tumour's index
    tail = ctx.text
    numbers = re.findall(rf"({NUMBER})\s*(?:%|per\s*cent|percent)?", _KI67_NAME.sub(" ", tail))
    values = [v for v in (parse_number(n) for n in numbers) if v is not None and v <= 100]
    return max(values) if values else None


# A stated grade is the tumour's (any tumour's: the grade of a carcinoma is as much a
# stated grade as a NET's) when the report or the sentence is about a neoplasm.
_TUMOUR_CONTEXT = re.compile(
    r"carcinoma|adenocarcinoma|tumou?r|neoplas|malignan|sarcoma|melanoma|cancer|lymphoma|FIGO|Fuhrman|Nottingham|ISUP|histologic|nuclear\s+grade"
    # a staged tumour: "TNM Classification: ... pTla, GII", "for G3 pT2 TCC"
    r"|\bTNM\b|\bUICC\b|\bAJCC\b|(?-i:\bp[TN][0-4Xxl])",
    re.IGNORECASE,
)
# Grades of other things: a murmur, a sprain, dysplasia or intraepithelial lesions,
# Gleason patterns, CNS tumours (their WHO grades are another scale), block labels.
_NOT_TUMOUR_GRADE = re.compile(
    r"murmur|sprain|strain|tear\b|spondylolisthesis|esophagitis|oesophagitis|varice|h(?:a)?emorrhoid|reflux|encephalopathy|"
    r"burn|ulcer|decubitus|chondromalacia|edema|oedema|fever|procidentia|prolapse|cystocele|rectocele|ptosis|dysplasia|PanIN|Pan\s?IN|\bCIN\b|intraepithelial|\bSIL\b|"
    r"gleason|tertiary|intensity|\bash\b|clavien|vesicoureteral|glioma|astrocytoma|glioblastoma|oligodendro|ependymoma|meningioma|"
    r"\bblocks?\b|cassettes?|slides?\b|\bsections?\s+G"
    # the liver's background disease is graded and staged too: "chronic hepatitis, grade 2, stage 3 (Ishak)"
    r"|hepatitis|fibrosis|steatosis|steatohepatitis|\bishak\b|metavir|knodell|\bbatts\b|necroinflammat",
    re.IGNORECASE,
)
_CNS_TUMOUR = re.compile(
    r"glioma|astrocytoma|glioblastoma|oligodendroglioma|ependymoma|meningioma|medulloblastoma|astrocitoma|glial\s+neoplasm", re.IGNORECASE
)
_BARE_GRADE_CONTEXT = re.compile(
    r"grad(?:e|ing)|differentiated|differentiation|neuroendocrine|\bNETs?\b|\bNEC\b|carcinoma|tumou?r"
    # the companions of a European TNM line: "pT3a, pN1 (1/16), L1, V0; G3"
    r"|(?-i:\bp?T[0-4][a-d]?\b|\b[LV][01]\b|\bPn[01]\b)",
    re.IGNORECASE,
)
_GRADE_VALUE = re.compile(r"\b(?:G\s?)?([1-4]|iv|iii|ii|i|one|two|three|four)\b", re.IGNORECASE)
_GRADE_WORDS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "one": 1, "two": 2, "three": 3, "four": 4}


# An option of a printed checklist: a numbered or empty-box line naming a type, no statement (no colon).
_OPTION_LINE = re.compile(r"[ \t]*(?:\d{1,2}[.)]|_{2,}|\[\s?\]|\(\s?\)|[☐□])[ \t]*[A-Za-z][^:\n]{0,60}")


def _without_option_lists(text: str) -> str:
    """``text`` without the lines of printed option lists (three or more option lines in a row):
    a form that prints "5. Small cell/neuroendocrine carcinoma" among its histologic types says
    nothing about this tumour."""
    if "\n" not in text:
        return text
    lines = text.split("\n")
    option = [_OPTION_LINE.fullmatch(line) is not None for line in lines]
    kept = [
        "" if option[index] and sum(option[max(0, index - 2) : index + 3]) >= 3 else line
        for index, line in enumerate(lines)
    ]
    return "\n".join(kept)


# The tumour named neuroendocrine: not by a Ki-67 index (any tumour has one), not where the
# report denies it ("without neuroendocrine differentiation", "no carcinoid component").
_NET_NAMED = re.compile(
    r"neuroendocrine(?!\s+(?:differentiation\s+)?(?:markers?|stains?|immunostains?|panel))|\bp?NETs?\b|\bNENs?\b|\bNEC\b|carcinoid|glucagonoma|insulinoma|gastrinoma|somatostatinoma|VIPoma|islet\s+cell|\bENETS\b"
    r"|endocrine\s+(?:tumou?r|neoplasm|carcinoma)",
    re.IGNORECASE,
)


@cache
def _negated_net() -> re.Pattern[str]:
    return re.compile(rf"\b(?:{vocabulary()['net_negated_before']})\s+(?:[\w/-]+\s+){{0,3}}?$", re.IGNORECASE)


def _names_a_neuroendocrine_tumour(text: str) -> bool:
    return any(not _negated_net().search(text, max(0, found.start() - 60), found.start()) for found in _NET_NAMED.finditer(text))


def parse_grade(ctx: SpanContext) -> str | None:
    """G1/G2/G3 as stated for the tumour; the highest of a range ("grade 2-3"); none for grade 4.

    Words alone ("low grade", "high-grade") are the older NET terms and count only
    for a neuroendocrine tumour; a numbered grade counts for any tumour.
    """
    around = ctx.preceding[-200:] + ctx.sentence
    lead = ctx.sentence[max(0, ctx.start - 40) : ctx.start]
    if _NOT_TUMOUR_GRADE.search(lead + ctx.text + ctx.after[:40]) or _CNS_TUMOUR.search(around):
        return None
    if re.search(r"\(\s*(?:for\s[^()]*)?$", lead) and re.match(r"\s*\)", ctx.after) and re.search(r"\d\s*[-~·]\s*\d", ctx.text):
        return None  # "WHO grade (grade 1-3): ..." names the scale (OCR may print the dash as "·")
    if ctx.text.lstrip("-").startswith("G") and (re.search(r"[A-Za-z0-9]-$", lead) or re.match(r"-[A-Z0-9]{4}\b", ctx.after)):
        return None  # inside an identifier: "TCGA-G3-A25S", OCR'd "TCGA -G2-AA3D"
    if re.fullmatch(r"G[123](?:\s*[-/]\s*G[1-4])?", ctx.text.strip()) and not _BARE_GRADE_CONTEXT.search(
        ctx.sentence[max(0, ctx.start - 40) : ctx.end + 40] + " " + ctx.preceding[-40:]
    ):
        return None  # a bare "G2" is a grade beside grade or differentiation words, else a block label
    # (the statement may go on past a line end: "GRADE III/IV WITH FOCAL" / "GRADE IV AREAS.")
    if re.match(r"[^.;]{0,40}\b(?:with|and|to)\b[^.;]{0,40}\bgrade\s+(?:IV|4)\b", ctx.after + " " + ctx.following[:60], re.IGNORECASE):
        return None  # "predominant grade II with a focal area of grade IV": the tumour is grade 4
    net = _NET_CONTEXT.search(_without_option_lists(around)) is not None
    # (or the diagnosis line just after: "... warrants classification as anaplastic/grade III." / "Anaplastic
    # oligodendroglioma, grade III")
    cns = _CNS_TUMOUR.search(ctx.doc_head) or _CNS_TUMOUR.search(ctx.following)
    if cns and not re.search(r"neuroendocrine|\bNETs?\b|carcinoid|islet", around, re.IGNORECASE):
        return None  # a brain tumour's report ("Diffuse astrocytoma (WHO grade 2)" ... "the tumor is WHO grade 2")
    text = ctx.text.lower()
    if re.search(r"\b(?:low|intermediate|high)[- ]grade\b", text):
        # (the report's heading or the statements just before may name it: "Comment: the tumor is small, low grade")
        if not _names_a_neuroendocrine_tumour(_without_option_lists(ctx.doc_head + "\n" + ctx.preceding + ctx.sentence)):
            return None
        if "low" in text:
            return "G1"
        if "intermediate" in text:
            return "G2"
        return None if re.search(r"high[- ]grade\s+dysplasia", ctx.sentence, re.IGNORECASE) else "G3"
    if not (net or ctx.report_kind == "pathology" or _TUMOUR_CONTEXT.search(around)):
        return None
    # "(for RCC, grades 1-4): 2" and "II OF IV" name the scale, not the grade
    stated = re.sub(r"\([^)]*grades?\s+\d\s*[-~·]\s*\d[^)]*\)|\bof\s+(?:[34]|iii|iv)\b", " ", text)
    # "Fuhrman 3/4", "GRADE III/IV", "grade II/III": a grade over its scale's top (Fuhrman, Edmondson, FIGO),
    # not a range ("G2/G3" is one)
    stated = re.sub(r"(?<=[\di])\s*/\s*(?:4|iv|3|iii)\b", " ", stated)
    stated = re.sub(r"^.*?\b(?:grade|gr\.?)\b", " ", stated)
    # OCR prints the Roman I of "GII" as l: "Grade: Gil", "Gll: Moderately differentiated"
    stated = re.sub(r"\bg([il]{1,3})\b", lambda m: "g" + m.group(1).replace("l", "i"), stated)
    values = [int(v) if v.isdigit() else _GRADE_WORDS[v] for v in _GRADE_VALUE.findall(stated)]
    if not values or max(values) > 3:
        return None
    return f"G{max(values)}"


_PANCREATIC_SITE = re.compile(r"pancrea\w*\s+(?:head|neck|body|tail)|\b(?:head|neck|body|tail|uncinate)\b", re.IGNORECASE)
_DISTANCE_AFTER = re.compile(
    r"[\s,]*(?:from|away|distant|to\s+the\s+(?:\w+\s+)?margin|clear\s+of|beyond|above|below|beneath"
    # OCR's "form" for "from": "located 10 cm form the smaller circumference margin"
    r"|form\s+(?:the\s+)?(?:[\w:-]+\s+){0,3}?(?:margin|edge|surface|valve|border|capsule)"
    # "1.5 cm medial to the border", not a dimension's axis ("2.5 cm medial to lateral")
    r"|(?:proximal|distal|medial|lateral|superior|inferior|anterior|posterior|deep|superficial|cephalad|caudad|caudal)(?:ly)?\s+(?:to|from|of)"
    r"(?!\s+(?:proximal|distal|medial|lateral|superior|inferior|anterior|posterior|deep|superficial|cephalad|caudad|caudal)\b)"
    r")\b",
    re.IGNORECASE,
)
_DISTANCE_BEFORE = re.compile(r"(?:margin|closest|clearance|distance|within)\W*$", re.IGNORECASE)


def _last(pattern: re.Pattern[str], text: str) -> int:
    matches = list(pattern.finditer(text))
    return matches[-1].end() if matches else -1


@cache
def _qualified_tumour() -> str:
    """A tumour word qualified by another organ ("liver lesions", "nodal mass"); a carcinoma
    named after its organ ("renal cell carcinoma", "ovarian carcinoma") is a tumour itself,
    a metastatic or nodal one is not."""
    return (
        rf"(?:{vocabulary()['size_exclusions']})\w*\s+(?:[\w-]+\s+)?(?!carcinoma)(?:{vocabulary()['tumour_words']})\w*"
        r"|(?:metasta|lymph|nod)\w*\s+(?:[\w-]+\s+)?carcinoma\w*"  # "metastatic serous carcinoma (3 cm)" is a metastasis
        # "the serosa shows a deposit of tumour, 2 x 0.5 cm": a deposit is spread, not the primary
        r"|deposits?\s+of\s+(?:[\w-]+\s+)?(?:tumou?r|carcinoma)\w*"
    )


@cache
def _organ_qualifier() -> re.Pattern[str]:
    # "ulcerated" describes the tumour itself; "cystic", "adrenal" name another thing
    return re.compile(rf"\b(?:{vocabulary()['size_exclusions']})(?![a-z]*ated\b)", re.IGNORECASE)


def _qualified_after(words: str) -> bool:
    """The mass, lesion or nodule after a size is another organ's ("adrenal nodule", "cystic
    lesion"), not the pancreas's; a named neoplasm ("ductal carcinoma") is the tumour."""
    qualifier = _organ_qualifier().search(words)
    return (
        re.search(r"(?:mass|masses|lesions?|nodules?)$", words, re.IGNORECASE) is not None
        and qualifier is not None
        and re.search(r"pancrea", words, re.IGNORECASE) is None
        # a solid and cystic (or partly cystic) mass is a tumour with cysts in it, not a cyst
        and not (qualifier.group(0).lower().startswith("cyst") and vocab_regexes("cystic_lesion")["solid"].search(words))
    )


_OTHER_HEAD = re.compile(
    r"\b(?:femoral|humeral|radial|fibular|metatarsal|metacarpal|fetal|bipolar|prosthetic|trial)\s+(?:head|neck)\b"
    r"|\b(?:head|neck)\s+of\s+the\s+(?:femur|humerus|radius|fibula)\b",
    re.IGNORECASE,
)


def _another_head(text: str) -> bool:
    """The text speaks of a bone's (or a baby's, a prosthesis's) head or neck, not the pancreas's."""
    return _OTHER_HEAD.search(text) is not None and "pancrea" not in text.lower()


_NEXT_THING = re.compile(r"\b(?:and|with|plus|while|whereas|but)\b", re.IGNORECASE)


def _read_as_not_tumour(rest: str) -> bool:
    """The measured thing's own reading, before the sentence goes on to another thing,
    calls it a collection, a cyst or a metastasis ("..., attributed to a lymphocele");
    "a tail mass with liver lesions consistent with metastases" reads the lesions."""
    own = _NEXT_THING.split(rest, maxsplit=1)[0]
    reading = vocab_regex("size_read_as_not_tumour").search(own)
    # a later measurement's reading is that measurement's ("3 cm mass and a 2 cm cyst")
    return reading is not None and not re.search(r"\d", own[: reading.start()])


@cache
def _not_tumour_after() -> re.Pattern[str]:
    """A thing that is not a tumour just after a size: hardware, wounds, cysts, stones."""
    return re.compile(r"[\s,]*" + vocabulary()["size_not_tumour_after"], re.IGNORECASE)


def _lead_regex(pattern: str, folded: bool) -> re.Pattern[str]:
    """``pattern`` for the lead: run on it lower-cased when ``folded`` (faster), else case-insensitive."""
    return folded_regex(pattern) if folded else re.compile(pattern, re.IGNORECASE)


@cache
def _tumour_just_after() -> re.Pattern[str]:
    """A tumour word after a size and at most seven describing words ("6.2 x 5.0 cm heterogeneous mass",
    "12 x 10 x 10 cm, fairly well-circumscribed, yellow/tan mass", "a 4 cm solid and cystic mass",
    "2.1 x 1.5 cm firm, centrally ulcerated, bosselated bordered sessile, tan-brown mass"); an article,
    preposition or verb among them starts another thing ("a 9 mm lymph node lies adjacent to the mass",
    "a 3 mm balloon was used to dilate the lesion")."""
    return re.compile(
        rf"[\s,]*(?:(?!(?:{vocabulary()['size_description_stops']})\b)[\w/-]+(?:\s*,|\s+and)?\s+){{0,7}}?(?:{vocab_regex('tumour_words').pattern})",
        re.IGNORECASE,
    )


_SIZE_LABEL = re.compile(
    # (OCR prints the M of a capital TUMOR as H: "TUHOR SIZE: 4 X 3.4 CM")
    r"(?:tu[mh]ou?r|neoplasm|carcinoma|lesion|mass)\s*(?:size|diameter|dimensions?)"
    # a prostate form's tumour quantitation: "Largest contiguous focus is in the left mid measuring 2 cm"
    # (not "largest focus of necrosis / of PIN")
    # (a line end may cut "Largest" off its clause: "Largest" / "contiguous focus ... measuring 2 cm")
    r"|(?:largest\s+(?:contiguous\s+)?|contiguous\s+)(?:tumou?r\s+)?focus(?!\s+of\s+(?!(?:invasive\s+)?(?:adeno)?carcinoma|tumou?r))"
    r"|size\s+of\s+(?:the\s+)?(?:tumou?r|neoplasm|largest\s+tumou?r|primary)|size\s*\(if\s+multi"
    r"|diameter\s+of\s+(?:the\s+)?(?:tumou?r|neoplasm)|(?:greatest|maximum|maximal|largest)\s+(?:tumou?r\s+|nodular\s+)?(?:dimension|diameter)(?:\s+of)?",
    re.IGNORECASE,
)
_DIMENSION_AFTER = re.compile(r"\s*in\s+(?:its\s+)?(?:greatest|maximum|maximal|largest)\s+(?:dimension|diameter|extent)", re.IGNORECASE)
_COMPARED = re.compile(r"(?:more|mare|less|greater|smaller|larger|bigger)\s+than\s*$|[<>≤≥]\s*$|\b(?:exceeding|up\s+to|in\s+excess\s+of)\s*$", re.IGNORECASE)
_COMPARED_AFTER = re.compile(r"\s*or\s+(?:less|more|smaller|greater)\b", re.IGNORECASE)


@cache
def _organ_size_pattern() -> re.Pattern[str]:
    return re.compile(
        # on one line; "ulcerating" describes the tumour ("Gross: Ulcerating" / "Size: 4.5 cm")
        rf"\b(?:{vocabulary()['size_exclusions']})(?![a-z]*ated\b)\w*[ \t]+(?:size|dimensions?)\b|\bsize\s+of\s+(?:the\s+)?(?:{vocabulary()['size_exclusions']})"
        # the organ's own field line: "Prostate gland: Weight: 55 g, Volume: 50 ml, Size: 4.9 x 5.1 x 4.5 cm"
        rf"|\b(?:{vocabulary()['size_exclusions']})(?![a-z]*ated\b)\w*(?:[ \t]+gland)?[ \t]*:[^\n:]{{0,40}}:[^\n]{{0,40}}\bsize\b",
        re.IGNORECASE,
    )


def _organ_size_label(text: str) -> bool:
    """The last size label before the number is an organ's or the specimen's ("Prostate size:
    54 g, 5.6 x 4.0 x 3.0 cm", "Prostate Size / Weight: 42 g / Size: 5.0 x 4.7 x 4.0 cm"), with
    no tumour word after it."""
    labels = list(_organ_size_pattern().finditer(text))
    return bool(labels) and not vocab_regex("tumour_words").search(text[labels[-1].end() :])


_PRONOUN_MEASURES = re.compile(r"\s*(?:it|this|which)\s+(?:measures|measured|measuring)\s*", re.IGNORECASE)
_WRAPPED_NOT_TUMOUR = re.compile(r"metasta|lymph|node|deposit|pieces|fragment|aggregate|implant|polyp|each|rang", re.IGNORECASE)
# a specimen in pieces: a size label over it measures the pieces, not a tumour
_PIECES = re.compile(r"fragment|aggregate|pieces?\b|chips?\b", re.IGNORECASE)
_PALPATION = re.compile(r"\b(?:palpa\w*|firm|hard|(?:non-?)?tender|mobile)\b", re.IGNORECASE)


@cache
def _another_lesion() -> re.Pattern[str]:
    """The words that make a lesion a second one ("an additional ... polypoid mass"), ending the text."""
    return re.compile(rf"\b(?:{vocabulary()['another_lesion_words']})\s*$", re.IGNORECASE)


_INVASIVE_COMPONENT = re.compile(r"\binvasive\s+(?:component|focus)\W*(?:(?:measures|measuring|of|is|size|approximately)\W*){0,2}$", re.IGNORECASE)
_MEASURING_LAST = re.compile(r"(?:,|\band)\s*measuring\s*(?:approximately\s*|about\s*)?$", re.IGNORECASE)


@cache
def _subject_goes_on() -> re.Pattern[str]:
    """What follows the tumour word when the words up to "measuring" describe where it lies."""
    return re.compile(rf"\s*(?:{vocabulary()['size_subject_goes_on']})\b", re.IGNORECASE)


@cache
def _other_thing_measured() -> re.Pattern[str]:
    """Another thing, or the sentence going on to one ("with an attached segment of colon")."""
    return re.compile(rf"{vocabulary()['size_other_things_measured']}|\bwith\s+(?:an?|the|attached|adjacent)\b", re.IGNORECASE)


def _measuring_its_subject(before: str) -> bool:
    """"a large ulcerated mass occupying the posterior bladder wall and extending onto the lateral
    wall, measuring 5 x 5 x 2 cm": the participles describe the tumour word they follow, and the
    organ words only say where it lies. Not when a container that would make the mass a metastasis
    or a piece (liver, node, fragment), or another thing (polyp, cyst), is named on the way."""
    if not _MEASURING_LAST.search(before[-40:]):
        return False
    window = before[-220:]
    tumour = None
    for found in _lead_regex(vocabulary()["tumour_words"], False).finditer(window):
        tumour = found
    if tumour is None or _lead_regex(_qualified_tumour(), False).search(window[max(0, tumour.start() - 40) : tumour.end()]):
        return False
    # "the mid portion of the kidney" places the mass; "a portion of liver" would be a piece
    between = re.sub(r"\b(?:mid|upper|lower|middle|central)[\s-]+portion", " ", window[tumour.end() :], flags=re.IGNORECASE)
    return (
        _subject_goes_on().match(between) is not None
        and not re.search(r"\d|[;:]|\.(?:\s|$)", between)  # OCR glues words with a point: "onto.the"
        and not vocab_regex("size_vetoing_containers").search(between)
        and not _WRAPPED_NOT_TUMOUR.search(between)
        # "a tumor with an attached segment of colon, measuring ...": the sentence went on to another thing
        and not _other_thing_measured().search(between)
    )


def parse_size(ctx: SpanContext) -> dict[str, Any] | None:
    """Dimensions in cm, largest first, of a pancreatic tumour.

    What is measured is named just before the number ("nodule in the body, 2.4 x
    2.0 cm", "Head: 3.3 x 2.8 cm", "Tumour size: ...") or just after it ("a 42 mm
    tumour"). An organ, specimen or margin word nearer than any tumour/site word
    means something else is measured; "1.1 cm from the margin" is a distance.
    """
    sentence = ctx.sentence
    semicolon = sentence.rfind(";", 0, ctx.start)
    if semicolon >= 0 and not sentence[semicolon + 1 : ctx.start].strip() and _SIZE_LABEL.search(sentence[max(0, semicolon - 30) : semicolon]):
        semicolon = -1  # "Greatest dimension; 3.0 cm": OCR's semicolon for the label's colon
    clause_start = max(semicolon, sentence.rfind("\n", 0, ctx.start)) + 1
    lead = sentence[max(clause_start, ctx.start - 60) : ctx.start]
    trail = sentence[ctx.end : ctx.end + 60]
    trail = trail[: re.search(r"\d", trail).start()] if re.search(r"\d", trail) else trail
    # "4.4 x 4.0 cm. rubbery tan tumor mass", "1 cm. distal to the valve": the unit's abbreviation point
    trail = re.sub(r"^\.(?=,?[ \t\n]+[a-z])", "", trail)
    if _DISTANCE_AFTER.match(trail) or _DISTANCE_BEFORE.search(lead):
        return None
    if vocab_regex("size_not_tumour_before").search(lead) or vocab_regex("size_not_tumour_right_after").match(trail):
        # "maximum linear extent in a core was 6 mm", "a 1 cm margin", "a 1 mm invasion": not the tumour's size
        return None
    weighed = ctx.preceding[-40:] + lead
    if ("eigh" in weighed or "EIGH" in weighed) and vocab_regex("size_after_specimen_weight").search(weighed[-70:]):
        return None  # "Specimen type: radical prostatectomy. Weight: 30 grams. Size: 4 x 2.8 x 3 cm": the specimen's, beside its weight
    # the lead's words are looked up lower-cased (faster), unless that moves offsets
    lowered = lead.lower()
    folded = len(lowered) == len(lead)
    words = lowered if folded else lead
    # "liver lesions", "nodal mass": a tumour word qualified by another organ is about that organ
    # a statement wrapped by a line end: the line before may qualify the tumour word that opens this
    # one ("firm whorled intramural" / "nodule that measures 0.8 cm": the uterus's nodule, not the tumour)
    wrapped = ""
    if clause_start > 0 and sentence[clause_start - 1] == "\n" and not re.search(r"[.:;!?]\s*$", sentence[max(0, clause_start - 3) : clause_start - 1]):
        wrapped = sentence[max(0, clause_start - 41) : clause_start - 1].rsplit("\n", 1)[-1] + " "
        wrapped = wrapped.lower() if folded and len(wrapped.lower()) == len(wrapped) else wrapped
    qualified = _lead_regex(_qualified_tumour(), folded).sub(lambda m: "~" * len(m.group(0)), wrapped + words)[len(wrapped) :]
    site_before = _last(_PANCREATIC_SITE, qualified)
    if site_before >= 0 and _another_head(ctx.preceding[-300:] + sentence):
        site_before = -1  # "Femoral head was retrieved.  The head size was 43 mm": a bone's head
    if site_before >= 0 and _organ_qualifier().search(
        sentence[max(0, ctx.start - len(lead) + site_before - 30) : ctx.start - len(lead) + site_before][-30:].split(",")[-1]
    ) and not re.search(r"pancrea", sentence[: ctx.start], re.IGNORECASE):
        site_before = -1  # "the uterine body is 3.5 x 3.0 cm": another organ's body
    tumour_before = max(_last(_lead_regex(vocabulary()["tumour_words"], folded), qualified), site_before)
    if re.search(r"\d[ \t]*[%$#&*_~^|]?[ \t]+$|\b[xX×*]\.?[ \t]*$", lead):
        return None  # "1 9 cm", "3-2 21 cm", "12 S 9.6 % 2.4 CM", "1 .5 ar I x 1 cm": the tail of a number or dimension list OCR broke
    if re.match(r"\W*(?:\d{1,2}\.\s*)?(?:sites?|size)\s+of\s+(?:the\s+)?(?:largest\s+)?(?:\w+\s+)?metasta", sentence, re.IGNORECASE):
        return None  # "Sites of metastasis in pelvis and abdomen: ..., largest nodular mass 3.6 cm": a metastasis
    if _COMPARED.search(lead) or _COMPARED_AFTER.match(trail):
        return None  # "more than 2 cm in greatest dimension", "2 cm or less": a stage's definition
    # a form's tumour-size field ("Tumor size: Greatest dimension: 2.0 cm", "Diameter of
    # tumor: right ovary 9.5 x 6.5 cm") names what is measured, whatever organ follows
    # (a form field may end a "sentence" of its own: "B. TUMOR SIZE. 5 CM")
    label_lead = sentence[max(clause_start, ctx.start - 120) : ctx.start]
    if clause_start == 0 and len(label_lead) < 40:
        label_lead = ctx.preceding[-40:].split("\n")[-1] + label_lead
    # "1.0 cm in greatest dimension and 2.5 x 1.5 cm": the words after "in" measured the number before them
    labels = [label for label in _SIZE_LABEL.finditer(label_lead) if not re.search(r"\bin\s+(?:its\s+)?$", label_lead[: label.start()])]
    # the label names the first measurement after it, not one further on
    labelled = (
        bool(labels)
        # (OCR may print the label's colon as a semicolon: "Greatest dimension; 3.0 cm")
        and not re.search(r"\d|[(,;]|\)(?!\s*:)", re.sub(r"^\s*;", "", label_lead[labels[-1].end() :]))
        and not re.search(r"metasta|lymph|node", label_lead, re.IGNORECASE)
        and not _PIECES.search(label_lead)
    )
    if labelled and "ocus" in labels[-1].group(0).lower() and re.search(
        r"metasta|lymph|node", ctx.preceding[-200:] + sentence[: ctx.start] + sentence[ctx.end : ctx.end + 40], re.IGNORECASE
    ):
        labelled = False  # "2/11 lymph nodes positive ..., largest focus measuring 1.7 cm": a nodal deposit's focus
    if labelled and not re.search(r"tumou?r|neoplasm|carcinoma|lesion|mass|size|nodular|focus", labels[-1].group(0), re.IGNORECASE):
        # a bare "maximum diameter" is the tumour's only under a tumour heading, not the spleen's
        heading = (ctx.preceding[-80:] + sentence[: ctx.start])[-160:]
        labelled = (
            re.search(r"tumou?r|neoplasm|carcinoma|size", heading, re.IGNORECASE) is not None
            and not re.search(vocabulary()["size_exclusions"], label_lead[: labels[-1].start()], re.IGNORECASE)
            # "Specimen Size:" / "Greatest dimensions: 6.5 x 4.8 x 3.5 cm": the heading measures the specimen
            and not _organ_size_label(heading[: len(heading) - len(label_lead) + labels[-1].start()])
        )
    if not labelled and _DIMENSION_AFTER.match(trail) and not re.search(r"metasta|lymph|node|deposit", lead, re.IGNORECASE):
        # "- 2.8 cm in maximum dimension." on a diagnosis line, "Pancreatic head 3 cm in greatest
        # dimension": the tumour's size when the clause names it or only opens with the number
        excluded = _last(_lead_regex(vocabulary()["size_exclusions"], folded), words)
        # only a list mark before the number ("- 2.8 cm in maximum dimension."), not a verb whose subject
        # stands on the line before ("The uterine body" / "is 3.5 x 3.0 cm in greatest dimension")
        opens_clause = re.fullmatch(r"[\s\-–•*:]*(?:\d{1,2}[.)])?[\s\-–•*:]*", lead) is not None and _lead_regex(
            vocabulary()["tumour_words"], False
        ).search(ctx.preceding[-200:])
        labelled = bool((tumour_before >= 0 and excluded < tumour_before) or opens_clause)
        at_line_start = clause_start > 0 or ctx.preceding.rstrip(" \t").endswith("\n")
        if not labelled and excluded < 0 and at_line_start and not re.search(r"\d", lead):
            # a diagnosis line wrapped before its size: "- HEPATOCELLULAR CARCINOMA, WELL DIFFERENTIATED,
            # PREDOMINANTLY" / "TRABECULAR PATTERN, 8.0 CM IN GREATEST DIMENSION": the line before goes on
            # (no full stop) and names the carcinoma, and nothing else is named after it
            before_line = (ctx.preceding[-200:] + sentence[: max(clause_start - 1, 0)]).rstrip(" \t\n")
            before_line = before_line[before_line.rfind("\n") + 1 :]
            named = _last(_lead_regex(_qualified_tumour(), False), before_line)
            carcinoma = _last(re.compile(r"carcinoma|neoplasm", re.IGNORECASE), before_line)
            labelled = (
                not before_line.rstrip().endswith(".")
                and carcinoma > max(named, _last(_lead_regex(vocabulary()["size_exclusions"], False), before_line))
                and not _WRAPPED_NOT_TUMOUR.search(before_line + lead)
            )
    if tumour_before < 0 and _PRONOUN_MEASURES.fullmatch(lead):
        # "There is a well defined mass which occupies the lobe. It measures 13.5 x 9.0 cm": the sentence
        # before names what "it" is: a tumour, not another organ's lesion, a node, cyst or fragment
        before = ctx.preceding[-200:].rstrip()
        before = before[max(before.rfind(". ", 0, len(before) - 1), before.rfind("\n")) + 1 :]  # the sentence before
        named = _last(_lead_regex(vocabulary()["tumour_words"], False), before)
        if named >= 0 and named > _last(_lead_regex(_qualified_tumour(), False), before) and not re.search(
            r"lymph|node|cyst|metasta|polyp|fragment|aggregate", before, re.IGNORECASE
        ):
            tumour_before = len(lead)
    if "easuring" in lead and _measuring_its_subject(sentence[: ctx.start]):
        tumour_before = len(lead)
    size_words = re.search(r"tumou?r\s+size|size\s*:|(?<!\bin\s)greatest\s+(?:dimension|diameter)", lead, re.IGNORECASE)
    if size_words and not _PIECES.search(lead) and not _organ_size_label(
        ctx.preceding[-80:].split("\n", 1)[-1] + sentence[max(0, ctx.start - 120) : ctx.start]
    ):
        tumour_before = max(tumour_before, len(lead))
    # "a 42 mm tumour", "6.2 x 5.0 cm heterogeneous, hypervascular mass"; not "8 cm with a nodule"
    # (seven describing words may run past the 60 characters looked at for distances and labels)
    described = sentence[ctx.end : ctx.end + 100]
    if digit := re.search(r"\d", described):
        described = described[: digit.start()]
    tumour_after = _tumour_just_after().match(re.sub(r"^\.(?=,?[ \t\n]+[a-z])", "", described))
    if tumour_after is None and _not_tumour_after().match(trail):
        return None  # "an 8.0 mm cannulated screw", "a 3 cm cyst", "a 2.7 x 2 cm defect"
    if ctx.section == "physical_exam" and ctx.report_kind != "pathology" and _PALPATION.search(sentence):
        return None  # "Firm, non-tender epigastric mass, about 6 cm": felt, not measured
    if _read_as_not_tumour(sentence[ctx.end :]):
        return None  # "lesion 9 x 9 cm ..., attributed to a postoperative complication (lymphocele)"
    if not labelled and _read_as_cyst(ctx):
        return None  # "a 2.2 x 1.8 cm low attenuation cystic lesion ... off the tail of the pancreas"
    excluded_before = _last(_lead_regex(vocabulary()["size_exclusions"], folded), words)
    if tumour_after is not None and excluded_before >= 0:
        opened = _last(vocab_regex("size_new_statement"), words)
        if opened > excluded_before and not vocab_regex("size_vetoing_containers").search(words[:opened]):
            # "The bowel is opened, and there is a 5.3 x 5 cm mass": the organ holds the mass that the new
            # statement measures (a liver or a node holding it would make it a metastasis, a fragment a piece)
            excluded_before = -1
    if not labelled and tumour_after is None and (tumour_before < 0 or excluded_before > tumour_before):
        return None
    if not labelled and tumour_after is not None and excluded_before > max(tumour_before, 0) and not re.search(r"pancrea", lead, re.IGNORECASE):
        return None
    if not labelled and tumour_after is not None and _qualified_after(tumour_after.group(0)):
        return None  # "a 3.1 cm right adrenal nodule", "a 2 cm liver lesion": another organ's, not the tumour
    raw_numbers = re.findall(NUMBER, ctx.text)
    if any(re.fullmatch(r"0\d+", n) for n in raw_numbers):
        return None  # "05 em": a decimal point lost to OCR (0.5 or 5?), not a certain size
    numbers = [parse_number(n) for n in raw_numbers]
    dims = [n for n in numbers if n is not None]
    if not dims:
        return None
    unit_mm = re.search(r"mm\b", ctx.text, re.IGNORECASE) is not None and not re.search(r"cm\b", ctx.text, re.IGNORECASE)
    if unit_mm:
        dims = [round(d / 10, 2) for d in dims]
    if max(dims) > 30 or min(dims) <= 0:
        return None
    value: dict[str, Any] = {"dims": sorted(dims, reverse=True), "source": ctx.report_kind or "other"}
    if labelled:
        value["labelled"] = True
    if tumour_after is not None and "olyp" in tumour_after.group(0) and _another_lesion().search(lead):
        # "Within the cecum there is an additional 4.5 x 2.7 cm exophytic polypoid mass": a polyp beside the
        # tumour described before it, not the primary (unless it is the only lesion measured)
        value["another_polyp"] = True
    if "nvasive" in lead and _INVASIVE_COMPONENT.search(lead):
        value["invasive_component"] = True  # "IPMN 60 x 45 mm (invasive component 30 mm)": the carcinoma's own size
    if re.search(r"pancrea", lead + ctx.text + trail, re.IGNORECASE):
        value["pancreatic"] = True
    if _PALPATED.search(sentence) or _under_examination_heading(ctx.preceding + ctx.before):
        value["palpated"] = True  # an examiner's estimate; imaging and pathology measure
    return value


_PALPATED = re.compile(r"\bpalpat(?:ed|ion)\b|\bon\s+(?:physical\s+)?exam(?:ination)?\b", re.IGNORECASE)
_HEADING = re.compile(r"([A-Za-z][A-Za-z /&()-]{1,40}):")
_EXAMINATION = re.compile(r"\s*(?:physical\s+)?exam(?:ination)?|\s*on\s+examination|\s*o/e", re.IGNORECASE)


def _under_examination_heading(text: str) -> bool:
    """The last heading before the size is a physical examination's ("Examination: firm mass, about 6 cm")."""
    last = None
    for last in _HEADING.finditer(text):
        pass
    return last is not None and _EXAMINATION.fullmatch(last.group(1)) is not None


def _read_as_cyst(ctx: SpanContext) -> bool:
    """The lesion the sentence (or the next one, speaking of "this"/"it") calls cystic, in a
    sentence that names no tumour ("a 2.2 x 1.8 cm low attenuation cystic lesion ... tail of
    the pancreas"; "a 2.2 cm lesion at the pancreatic tail. This is felt to be ..., a cystic
    pancreatic neoplasm must be considered"): a cyst, not the tumour. A solid-and-cystic mass is a
    tumour, and so is a pathology specimen's cystic mass (ovarian, renal carcinomas)."""
    if ctx.report_kind == "pathology" or ctx.section in ("gross", "microscopic", "final_diagnosis", "synoptic"):
        return False  # a resected specimen's cystic mass is measured as the tumour it is
    rules = vocab_regexes("cystic_lesion")
    text = ctx.sentence
    if rules["refers_back"].match(ctx.following):
        text += " " + ctx.following
    if "pancrea" not in text.lower() or not rules["cystic"].search(text) or rules["solid"].search(text):
        return False
    return not _tumour_named().search(ctx.sentence)


@cache
def _tumour_named() -> re.Pattern[str]:
    """A neuroendocrine tumour or a malignancy named."""
    purpose = vocabulary()["surgery_purpose"]
    return re.compile(f"{purpose['net_words']}|{purpose['malignancy']}", re.IGNORECASE)


def parse_location(ctx: SpanContext) -> list[str] | None:
    """Parts of the pancreas named for a tumour ("body and tail of the pancreas")."""
    # a form's "Tumor site:" field may stand on the line before its answer ("Pancreatic head")
    site_field = re.search(
        # the field's answer may take two lines: "TUMOR SITE:" / "Pancreatic head" / "Uncinate process"
        r"(?:tumou?r|primary)\.?\s+(?:site|location)[\s.:]*(?:pancrea\w*\s+(?:head|neck|body|tail)[ \t]*\n\s*)?$",
        ctx.preceding[-70:] + ctx.before,
        re.IGNORECASE,
    ) or (
        re.match(r"(?:tumou?r|primary)\s+(?:site|location)", ctx.text, re.IGNORECASE)
        and re.search(r"pancrea|whipple", ctx.doc_head + ctx.preceding + ctx.sentence, re.IGNORECASE)
    )
    if not site_field and not vocab_regex("tumour_words").search(ctx.sentence):
        return None
    if re.match(r"[\s,]*(?:resection\s+|surgical\s+|transection\s+|parenchymal\s+)?(?:margin|edge)", ctx.after, re.IGNORECASE):
        return None  # "9 mm from the pancreatic neck margin" names a margin, not the tumour's site
    if not site_field and vocab_regexes("location_not_tumour_site")["specimen_after"].match(ctx.after):
        # "Pancreatic body and tail and spleen, partial pancreatectomy", "Head of pancreas, duodenum, common
        # bile duct, portion jejunum, stent, whipple resection:" name the specimen
        return None
    if not site_field and re.search(r"\bmargins?\b(?![^.;]*\b(?:tumou?r|carcinoma|mass|neoplasm|lesion)\b)[^.;]{0,60}$", ctx.before, re.IGNORECASE):
        return None  # "margins, including the uncinate, pancreatic neck, bile duct ...": margins, not the tumour's site
    if not site_field and _read_as_cyst(ctx):
        return None
    rules = vocab_regexes("location_not_tumour_site")
    if (
        not site_field
        and not rules["tumour_after"].search(ctx.after)  # "sections of the pancreatic tail mass" name the tumour's part
        and any(rules[key].search(ctx.before[-80:]) for key in ("beside", "sampled", "specimen_name"))
    ):
        # "mass in the head of pancreas adjacent to the uncinate process", "additional sections of body of
        # pancreas", "distal pancreatectomy (body and tail)": a landmark, a sampled block, the specimen's name
        return None
    if not site_field and rules["aspect_after"].search(ctx.after):
        return None  # "an incision from the uncinate process aspect": a side of the specimen, not the tumour's part
    sites = [part.record_value for part, search in concept_finder("pancreas_part") if search.search(ctx.text)]
    return sites or None


_NOT_ASSESSED = re.compile(
    r"[\s:(pM)\-]*(?:not\s+applicable|n/?a\b|cannot\s+be\s+(?:assessed|determined|evaluated)|not\s+(?:assessed|evaluated|determined|specified|submitted)|unknown)",
    re.IGNORECASE,
)


_ANSWERED_NONE = re.compile(r"\s*:\s*(?:0\b|none\b|no\b|negative\b|absent\b|not\s+identified\b|nil\b)", re.IGNORECASE)


def parse_metastasis(ctx: SpanContext) -> dict[str, Any] | None:
    """Metastatic sites named; "0/12 nodes" and "no metastasis" give ``sites: []`` statements."""
    text = ctx.text.lower()
    # (a form's "Lymph nodes: positive (1/7)" / "negative (0/9)": the word before the count)
    ratio = re.match(
        r"\s*(?:lymph\s+nodes?\b[^:]{0,40}:\s*(?:(?:positive|negative|involved|uninvolved|not\s+involved)\s*)?\(?\s*)?(\d{1,2})\s*(?:/|of|out\s+of)\s*(\d{1,2})", text
    )
    if ratio:
        involved = int(ratio.group(1))
        if re.search(r"negative|free", text) or involved == 0:
            return {"sites": [], "scope": "lymph_nodes"}
        if re.search(r"positive|involved|metasta|tumou?r", text + ctx.after[:40].lower()):
            return {"sites": ["lymph_nodes"], "scope": "lymph_nodes"}
        return None
    if ctx.rule_value == "nodes_negative":
        return {"sites": [], "scope": "lymph_nodes"}
    if ctx.rule_value == "nodes_positive":
        return {"sites": ["lymph_nodes"], "scope": "lymph_nodes"}  # "Two of 26 lymph nodes positive": a count of one or more
    if text.startswith("lymph") and re.search(r"(?:\b0\s*(?:/|of)\s*\d{1,2}|\b(?:no|none\s+of\s+the|zero)\b)\s*(?:regional\s+)?$", ctx.before, re.IGNORECASE):
        return {"sites": [], "scope": "lymph_nodes"}  # "0/3 lymph nodes with metastatic tumor": counted, none involved
    if ctx.rule_value == "nodes_count":
        # "Number of lymph nodes with metastatic disease: 0" / "Lymph nodes positive: 2"
        count = re.search(r"(\d{1,2})\s*$", text)
        if count is None:
            return None
        if int(count.group(1)) == 0 and re.search(
            r"\bno\s+(?:regional\s+)?lymph\s+nodes?\s+(?:(?:were|was|are|is)\s+)?(?:submitted|found|received|identified|present|sampled)|\bexamined\s*:\s*(?:0|none|[CO])\b",
            (ctx.preceding + ctx.before)[-200:], re.IGNORECASE,
        ):
            return None  # "No regional lymph nodes submitted or found" / "involved: 0": none examined, nothing stated
        return {"sites": [] if int(count.group(1)) == 0 else ["lymph_nodes"], "scope": "lymph_nodes"}
    if re.search(r"(?:extra-?caps\w*|extra-?nodal|peri-?nodal)\s+(?:spread|extension|invasion)\s+(?:of\s+)?$", ctx.before, re.IGNORECASE):
        return None  # a form's "Extracapsular spread of lymph node metastases: NA" asks about nodes stated elsewhere
    if re.fullmatch(r"\s*:?\s*", ctx.after) and ctx.after.strip() == ":":
        return None  # a form's label left unanswered ("Extracapsular spread of lymph node metastases:")
    if _ANSWERED_NONE.match(ctx.after):
        # "Lymph node metastasis: 0 of 17", "Distant metastasis: none"
        return {"sites": [], "scope": "any" if ctx.rule_value == "any" else "lymph_nodes" if "lymph" in text or "nod" in text else "any_site"}
    if re.match(r"(?:nodal|lymph\s+node)\s+(?:disease|involvement)", text) and vocab_regex("nodal_primary").search(
        ctx.preceding[-300:] + ctx.sentence
    ):
        return None  # a lymphoma's "nodal disease" is the tumour itself, not its spread
    if _NOT_ASSESSED.match(ctx.after):
        # a form's "Distant metastasis: not applicable / cannot be assessed" states nothing, nor does
        # "Size of largest lymph node metastasis: Not applicable" (no positive node to measure)
        return None
    if ctx.rule_value == "any":
        # the report line up to the mention: "Biopsy of hepatic mass: endocrine tumour; ... it is metastasis"
        line = (ctx.preceding + ctx.before).rsplit("\n", 1)[-1]
        if "biops" in line.lower() and vocab_regex("liver_biopsy").search(line) and not vocab_regex("biopsy_not_positive").search(line + ctx.text):
            # "Liver biopsy: neuroendocrine tumour, consistent with metastasis from the pancreas":
            # the metastasis that a biopsy of the liver shows lies in the liver
            return {"sites": ["liver"], "scope": "liver"}
        return {"sites": [], "scope": "any"}
    # "portal hepatic lymph nodes": the words before "lymph node" name the nodes' region, not an organ
    text = re.sub(r"\b(?:[\w-]+\s+){1,2}(?=lymph\s+nodes?)", "", text) if "lymph" in text else text
    # "right hepatic peritoneum nodule": the peritoneum over the liver, not the liver
    text = re.sub(rf"\b(?:{vocabulary()['peritoneum_over_organ']})\s+(?=peritone)", "", text) if "peritone" in text else text
    sites = [site.record_value for site, search in concept_finder("metastatic_site", "anywhere") if search.search(text)]
    if not sites:
        return None
    value: dict[str, Any] = {"sites": sites, "scope": sites[0] if len(sites) == 1 else "any"}
    if re.match(r"(?:nodal|lymph\s+node)\s+(?:disease|involvement)|spread\b", text):
        # "bilateral cervical nodal disease" on a scan of an undiagnosed mass is enlarged nodes, not a
        # metastasis: only the spread of a stated malignancy is one (the aggregator checks)
        value["of_stated_tumour"] = True
    return value


_DEFINED_CATEGORY = re.compile(r"\b[ypc]{0,2}([TN](?:[0-4][a-d]?|is|x))\s*:", re.IGNORECASE)
_FIGO_STAGE = re.compile(r"(?:FIGO\s+stage\s*:?\s*|stage\s*:?\s*FIGO\s+)([IVL]{1,4}|[1-4])([A-C])?", re.IGNORECASE)
_ROMAN_OF_ARABIC = {"1": "I", "2": "II", "3": "III", "4": "IV"}


_DEFINED_STAGE = re.compile(r"\bstage\s+((?:IV|I{1,3})[ABC]?)\s*[:=]", re.IGNORECASE)
_STAGE_WITH_PARTS = re.compile(r"(?:\bis|:)\s*:?\s*(?:(?:AJCC|FIGO)(?:\s+scheme)?\s*:?\s*){0,2}\b([1-4]|IV|[Il]{1,3})\s?([a-c])?\s*\(", re.IGNORECASE)
_OCR_STAGE_IS = re.compile(r"[\s.,:;]*[ypc]{0,2}T[0-4xX]")
_LAST_HEADING = re.compile(r"([A-Z][A-Z /&()-]{3,}):[^:]*$")
_RESTAGING_HEADING = re.compile(r"post-?operative|patholog", re.IGNORECASE)


def parse_tnm(ctx: SpanContext) -> dict[str, str | None] | None:
    """``pT2 pN0 M0`` / ``stage IIA`` -> {"t": "T2", "n": "N0", "m": "M0", "stage": "IIA"};
    under a postoperative or pathological diagnosis heading ``restaged`` is set: the
    staging after the operation, which a preoperative one gives way to."""
    result = _tnm_parts(ctx)
    if result is not None:
        heading = _LAST_HEADING.search(ctx.preceding[-200:] + ctx.before)
        if heading and _RESTAGING_HEADING.search(heading.group(1)):
            result["restaged"] = True
    return result


def _tnm_parts(ctx: SpanContext) -> dict[str, Any] | None:
    text = ctx.text
    result: dict[str, str | None] = {"t": None, "n": None, "m": None, "stage": None}
    if re.match(r"\s*:", ctx.after) and not re.search(r"(?:^|[\s_])(?:[Xx✓✔]|\[\s*[Xx✓✔]\s*\]|\(\s*[Xx✓✔]\s*\))\s*$", ctx.before):
        # (the option a form ticks, "X pT4a: Tumor invades larynx ...", is the one chosen)
        defined = [m.group(1).lower() for m in _DEFINED_CATEGORY.finditer((ctx.preceding + ctx.before)[-250:] + text + (ctx.after + ctx.following)[:250])]
        own = {letter.lower() for letter in re.findall(r"(?<![A-Za-z])[ypc]{0,2}([TN])(?=[0-4xXi])", text)}
        if any(len({d for d in defined if d[0] == letter}) > 1 for letter in own):
            return None  # a template that defines each category ("pT1: Tumor limited ...; pT2: ..."), none chosen
    line_before = re.split(r"[\n;]", ctx.before)[-1][-30:]
    if "tage" in text + line_before and _DEFINED_STAGE.search(line_before + text + ctx.after[:3]):
        window = (ctx.preceding + ctx.before)[-250:] + text + (ctx.after + ctx.following)[:250]
        if len({m.group(1).upper() for m in _DEFINED_STAGE.finditer(window)}) > 1:
            return None  # a stage grouping table ("Stage IA: T1 N0 M0; Stage IB: T2 N0 M0"): definitions, none chosen
    figo = _FIGO_STAGE.search(text)
    if figo:
        # a gynaecological report's FIGO stage, written in arabic numerals or OCR'd ("LIB")
        number = _ROMAN_OF_ARABIC.get(figo.group(1)) or figo.group(1).upper().replace("L", "I")
        if number in ("I", "II", "III", "IV"):
            result["stage"] = number + (figo.group(2) or "").upper()
            return result
        return None
    form = _STAGE_WITH_PARTS.search(text)
    if form:
        # a form's "final stage ... is: 3b (T1b/N1/MX)": the group in arabic numerals or OCR'd roman ("lb"), its
        # parts in brackets (read by the TNM string rules)
        number = _ROMAN_OF_ARABIC.get(form.group(1)) or form.group(1).upper().replace("L", "I")
        result["stage"] = number + (form.group(2) or "").upper()
        text = text[form.end() - 1 :]
    stage = None if form else re.search(r"stage\s*(?:group(?:ing)?\s*)?:?\s*(IV|III|II|I)\s*([ABC])?\b", text, re.IGNORECASE)
    if stage:
        # an oncological stage: tumour words in its sentence or just before it
        if not re.search(
            r"\bT[0-4x]|neuroendocrine|tumou?r|glucagonoma|\bNET\b|pancrea|AJCC|ENETS|TNM|FIGO|carcinoma|cancer|malignan|lymphoma|sarcoma|melanoma|disease|metasta",
            ctx.preceding[-150:] + ctx.sentence,
            re.IGNORECASE,
        ):
            return None
        if re.search(r"(?:kidney|renal|CKD|liver|heart|pressure|decubitus|sleep|lymphedema|cirrhosis|hepatitis|fibrosis)\W+(?:\w+\W+){0,2}$", ctx.before[-40:], re.IGNORECASE):
            return None  # "chronic kidney disease, stage IV": another scale's stage
        if re.match(r"\s*(?:\(\w+\)\s*)?(?:fibrosis|cirrhosis)\b", text[stage.end() :] + ctx.after, re.IGNORECASE):
            return None  # "Cirrhosis (Stage IV fibrosis)": the liver's fibrosis stage
        if stage.group(1) == "i" and not stage.group(2) and _OCR_STAGE_IS.match(text[stage.end() :] + ctx.after):
            return None  # "the pathologic stage i. pT2": OCR's "stage is pT2", a T category, no stage group
        result["stage"] = stage.group(1).upper() + (stage.group(2) or "").upper()
        text = text[stage.end() :]  # "Stage IV (M1)": parts may follow in brackets
    if re.match(r"\s*(?:and|or)\s+p?T[0-4xl]", ctx.after, re.IGNORECASE) or re.search(r"p?T[0-4xl]\w?\s+(?:and|or)\s+$", ctx.before, re.IGNORECASE):
        return None  # "Tumor Thickness (pT1 and pT2 tumors):": a form's label names categories, it states none
    if re.match(r"[\\\s,/]*M\s*[2-9]", ctx.after):
        return None  # "T 3b N 2\\ M 2\\": an M that no stage has, so the OCR'd string's digits are not to be trusted
    t = re.search(r"(?<![A-Za-z])[ypcr]{0,2}T([0-4](?:[a-d][12]?)?|x|is)(?!\d)", text, re.IGNORECASE)
    n = re.search(r"(?<![A-Za-z])[ypc]{0,2}N([0-3][a-c]?|x)(?!\d)", text, re.IGNORECASE)
    m = re.search(r"(?<![A-Za-z])[pc]?M([01][a-c]?|x)(?!\d)", text, re.IGNORECASE)
    if t:
        # "T3b", "T1b2", "Tis", "TX": the category's letter suffixes are lower case
        result["t"] = "T" + (t.group(1).lower() if t.group(1).lower() != "x" else "X")
    if n:
        result["n"] = "N" + (n.group(1).lower() if n.group(1).lower() != "x" else "X")
    if m:
        result["m"] = "M" + (m.group(1).lower() if m.group(1).lower() != "x" else "X")
    if result["stage"] is not None:
        return result
    if result["t"] is None:
        # a lone N or M category is a stage part only with its p/c/y prefix ("pN1", "cM0")
        if re.match(r"[ypc]{1,2}[NM]", text, re.IGNORECASE) and (result["n"] or result["m"]):
            return result
        return None
    if result["n"] is None and result["m"] is None and not re.match(r"p|AJCC|TNM", text, re.IGNORECASE):
        return None
    return result
