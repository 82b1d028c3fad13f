"""The pipeline, assembled in one place, from ``spacy.blank("en")`` and the packaged rules.

Order: sentences -> sections -> targets -> overlap resolution -> abbreviations ->
value parsers -> ConText. ConText runs last so that it sees the final entities
(marker names relabelled as glucagon / serum marker / IHC, dropped non-values).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from spacy.lang.en import English
from spacy.language import Language
from spacy.tokens import Doc

from extractor.components._common import TEXT_KEY, text_of

from extractor.components.abbreviations import speed_up_detector
from extractor.search.matcher import (
    NOTE_INDEX_KEY,
    GatedRegexMatcher,
    NoteIndex,
    found_in_text,
    regex_only_matcher,
    share_keyword_search,
    speed_up,
)
from extractor.components.sentences import BOUNDARIES_KEY, sentence_boundaries
from extractor.focus import (
    MAX_FOCUSED_SHARE,
    NEEDS_FULL_KEY,
    UNREAD_KEY,
    bracket_windows,
    clean_cuts,
    focus_pieces,
    focused_doc,
    focused_share,
)
from extractor.privacy import keep_note_text_out_of_logs
from extractor.reading import VIEW_KEY, read_note
from extractor.resources import vocabulary
from extractor.ruleset import ContextRuleSpec, context_rules, section_rules, target_rules

CANDIDATES = "extractor_candidates"


def _target_rules() -> list:
    from medspacy.target_matcher import TargetRule

    rules = []
    for spec in target_rules():
        pattern = spec.regex or spec.tokens
        metadata = {"rule": spec.id, "value": spec.value, "parser": spec.parser}
        rules.append(TargetRule(literal=spec.phrase or spec.id, category=spec.label, pattern=pattern, metadata=metadata))
    return rules


def _context_rules(context: object) -> list:
    """medspaCy's default ConText rules, minus those our rule file redefines, plus ours."""
    from medspacy.context import ConTextRule

    ours: tuple[ContextRuleSpec, ...] = context_rules()
    replaced = {rule.literal.lower() for rule in ours}
    defaults = [r for r in ConTextRule.from_json(context.DEFAULT_RULES_FILEPATH) if r.literal.lower() not in replaced]
    added = [
        ConTextRule(
            literal=rule.literal,
            category=rule.category,
            direction=rule.direction,
            pattern=rule.pattern,
            max_scope=rule.max_scope,
            allowed_types=set(rule.allowed_types) if rule.allowed_types else None,
        )
        for rule in ours
    ]
    return defaults + added


def split_inner_brackets(nlp: Language) -> None:
    """Split tokens at inner brackets, slashes and glued colons: "CgA(+)" -> "CgA ( + )",
    "Streptozocin/5-FU", "Size:5" -> "Size : 5", "disease.,No" -> "disease . , No".

    Pathology shorthand glues the result to the marker and regimens glue drugs
    together; without this one span would swallow the other.
    """
    from spacy.util import compile_infix_regex

    infixes = [
        *nlp.Defaults.infixes,
        r"[\(\)\[\]]",
        r"(?<=[A-Za-z])/(?=[0-9A-Za-z])",
        # forms glue a value to its label: "Size:5 cm", "(pT):pT2" (spaCy splits "a:b" only)
        r"(?<=[A-Za-z\)\]]):(?=[0-9])",
        r"(?<=[\)\]]):(?=[A-Za-z])",
        # exports that flattened line breaks leave a comma glued to the next line's
        # first word ("disease.,No known history"): "No" must stay a word
        r"(?<=[.:;]),(?=[A-Za-z])",
    ]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


class TextKeepingTokenizer:
    """spaCy's tokenizer, keeping the input string on the Doc (``text_of`` reads it):
    spaCy rebuilds ``Doc.text`` from every token on each access. Everything else is
    the wrapped tokenizer's."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        doc = self.tokenizer(text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tokenizer, name)


class NotePipeline(English):
    """``spacy.blank("en")`` (same language class defaults) that tokenizes only the
    parts of a note a mention can come from.

    Every entity descends from a target match and the target rules are regexes on
    the text (``target_search``), so they are searched before tokenizing:

    - a note none matches (about a fifth of general clinical notes) has no
      mentions: nothing of it is tokenized and the components find nothing;
    - otherwise only the sentences around target matches and brackets, and the
      words of section headings, are tokenized (see ``extractor.focus`` for why the mentions
      are the same); a note the resolver flags is redone fully tokenized
      (``__call__`` and ``pipe``).

    What is not tokenized becomes placeholder tokens of the same length, so
    offsets are the note's but ``doc.text`` shows those stretches masked: the
    note is ``text_of(doc)`` (and the mentions' evidence is cut from it).
    The searches and sentence boundaries are kept on the Doc so the components do
    not repeat them. Only ``make_doc`` (notes) skips: medspaCy tokenizes its
    phrase rules with ``nlp.tokenizer``, which always tokenizes.
    """

    target_search: GatedRegexMatcher | None = None
    section_search: GatedRegexMatcher | None = None
    focus: bool = True
    read: bool = True

    def make_doc(self, text: str) -> Doc:  # noqa: D102
        # the rules read the note as the reading layer writes it; mentions are
        # mapped back to the note as written (extractor.reading)
        view = read_note(text) if self.read and text and len(text) <= self.max_length else None
        if view is not None and (view.is_identity or len(view.text) > self.max_length):
            view = None
        if view is not None:
            text = view.text
        if self.target_search is None or not text or len(text) > self.max_length:
            doc = super().make_doc(text)
        else:
            index, matched = found_in_text(self.target_search, text)
            if not matched:
                doc = focused_doc(self._tokenize, text, [(0, len(text), False)])
                doc.user_data[UNREAD_KEY] = True
            elif self.focus and self.section_search is not None:
                doc = self._focused(text, index)
            else:
                doc = super().make_doc(text)
            doc.user_data[NOTE_INDEX_KEY] = index
            doc.user_data[TEXT_KEY] = text
        if view is not None:
            doc.user_data[VIEW_KEY] = view
        return doc

    def _focused(self, text: str, index: NoteIndex) -> Doc:
        assert self.section_search is not None and self.target_search is not None
        boundaries = sentence_boundaries(text)
        needed = [(start, end) for _, start, end in self.target_search.find_in_text(index)]
        needed += bracket_windows(text)
        headings = [(start, end) for _, start, end in self.section_search.find_in_text(index)]
        pieces = focus_pieces(text, clean_cuts(text, boundaries), needed, headings)
        if focused_share(pieces) > MAX_FOCUSED_SHARE:
            doc = super().make_doc(text)
        else:
            doc = focused_doc(self._tokenize, text, pieces)
        doc.user_data[BOUNDARIES_KEY] = boundaries
        return doc

    @property
    def _tokenize(self) -> Any:
        """spaCy's tokenizer (unwrapped from TextKeepingTokenizer)."""
        return getattr(self.tokenizer, "tokenizer", self.tokenizer)

    def _fully_tokenized(self, doc: Doc, **kwargs: Any) -> Doc:
        """``doc`` again with every sentence tokenized, when a component asked for it."""
        if not doc.user_data.get(NEEDS_FULL_KEY):
            return doc
        focus, self.focus = self.focus, False
        view = doc.user_data.get(VIEW_KEY)
        try:
            return super().__call__(view.original if view is not None else text_of(doc), **kwargs)
        finally:
            self.focus = focus

    def __call__(self, text: str | Doc, **kwargs: Any) -> Doc:  # noqa: D102
        return self._fully_tokenized(super().__call__(text, **kwargs), **kwargs)

    def pipe(self, texts: Any, *, as_tuples: bool = False, **kwargs: Any) -> Any:  # noqa: D102
        call = {k: v for k, v in kwargs.items() if k in ("disable", "component_cfg")}
        if as_tuples:
            for doc, context in super().pipe(texts, as_tuples=True, **kwargs):
                yield self._fully_tokenized(doc, **call), context
        else:
            for doc in super().pipe(texts, **kwargs):
                yield self._fully_tokenized(doc, **call)


def build_pipeline(*, sentences: str = "extractor_sentences") -> Language:
    """A new pipeline object (each worker process builds its own).

    ``sentences`` names the sentence splitter; ``"medspacy_pyrush"`` swaps in
    medspaCy's PyRuSH for comparisons (bench/sentence_splitters.py).
    """
    keep_note_text_out_of_logs()
    import medspacy  # noqa: F401  registers the medspacy_* factories
    import scispacy.abbreviation  # noqa: F401  registers abbreviation_detector
    from medspacy.section_detection import SectionRule

    nlp = NotePipeline()
    split_inner_brackets(nlp)
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    nlp.add_pipe(sentences)
    sectionizer = nlp.add_pipe("extractor_sections", config={"rules": None})
    sectionizer.add(
        [SectionRule(literal=r.literal, category=r.category, pattern=r.pattern) for r in section_rules()]
    )
    speed_up(sectionizer)
    matcher = nlp.add_pipe(
        "medspacy_target_matcher", config={"result_type": "group", "span_group_name": CANDIDATES}
    )
    matcher.add(_target_rules())
    speed_up(matcher, frozenset(vocabulary()["gate_common_words"]))
    nlp.add_pipe("extractor_entities", config={"span_group": CANDIDATES})
    speed_up_detector(nlp.add_pipe("abbreviation_detector"))
    nlp.add_pipe("extractor_abbreviations")
    nlp.add_pipe("extractor_lab_values")
    nlp.add_pipe("extractor_ihc")
    nlp.add_pipe("extractor_pathology")
    nlp.add_pipe("extractor_treatments")
    nlp.add_pipe("extractor_clinical")
    context = nlp.add_pipe("extractor_context", config={"rules": None})
    context.add(_context_rules(context))
    nlp.target_search = regex_only_matcher(matcher)
    nlp.section_search = regex_only_matcher(sectionizer)
    if nlp.target_search is not None and nlp.section_search is not None:
        share_keyword_search([nlp.target_search, nlp.section_search])
    # the focus is cut at our splitter's sentence starts; another splitter's
    # sentences may straddle them
    nlp.focus = sentences == "extractor_sentences"
    return nlp


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """The process-wide pipeline, built once."""
    return build_pipeline()
