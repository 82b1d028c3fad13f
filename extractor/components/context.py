"""medspaCy ConText, restricted to sentences that hold a target, with its token
patterns matched as phrases.

A backport of medspaCy PR #328 (``match_target_sents_only``, on master, not in
the 1.3.1 release): modifiers outside sentences with targets can never modify
anything (scope is the sentence), yet matching the ~150 modifier patterns over
whole notes was ~40% of pipeline time on MTSamples. The matchers run on each
target sentence only (as a Span: no copy of the sentence into a new Doc), and
each sentence gets its own graph (medspaCy's graph compares all modifiers with
all targets of the note, quadratic on notes dense with matches).

medspaCy's default rules are token patterns over ``LOWER`` with ``IN`` sets and
optional tokens: each is a finite set of word sequences. spaCy's Matcher checks
every such predicate on every token; the same sequences in a PhraseMatcher on
``LOWER`` are found by hash lookups. Patterns of any other shape stay in the
Matcher. Results are medspaCy's ConText's.
"""

from typing import Any

from medspacy.common.util import prune_overlapping_matches
from medspacy.context import ConText
from medspacy.context.context_graph import ConTextGraph
from medspacy.context.context_modifier import ConTextModifier
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from extractor.medspacy_internals import component_matcher, phrase_matcher, prunes_overlaps, token_matcher

# Patterns expanding to more word sequences than this stay token patterns.
MAX_SEQUENCES = 20000


def lower_sequences(pattern: list[dict[str, Any]]) -> dict[tuple[str, ...], bool] | None:
    """The word sequences a token pattern matches, if it only tests ``LOWER`` (a word
    or an ``IN`` set; or ``TEXT`` of caseless strings) with optional ("?") tokens;
    None for any other pattern.

    Each sequence maps to whether it leaves trailing optional tokens unused ("open"):
    spaCy's Matcher reports such a match one token later, which decides which of two
    rules matching the same words medspaCy keeps.
    """
    # (words, index of the last pattern token used)
    sequences: list[tuple[tuple[str, ...], int]] = [((), -1)]
    for position, token in enumerate(pattern):
        attributes = set(token) - {"OP"}
        if len(attributes) != 1 or not attributes <= {"LOWER", "TEXT"} or token.get("OP") not in (None, "?"):
            return None
        (attribute,) = attributes
        value = token[attribute]
        if isinstance(value, str):
            options = [value]
        elif isinstance(value, dict) and set(value) == {"IN"}:
            options = list(value["IN"])
        else:
            return None
        if not all(isinstance(o, str) for o in options):
            return None
        if attribute == "TEXT":
            # TEXT equals LOWER only for strings without letter case (":", "-", "=")
            if any(o != o.lower() or o != o.upper() for o in options):
                return None
        # a LOWER test against a word with capitals or spaces never matches a token
        words = [o for o in options if o == o.lower() and " " not in o]
        extended = [(s + (w,), position) for s, _ in sequences for w in words]
        if token.get("OP") == "?":
            extended += sequences
        sequences = extended
        if len(sequences) > MAX_SEQUENCES:
            return None
    found: dict[tuple[str, ...], bool] = {}
    for words, last in sequences:
        if words:
            found[words] = found.get(words, True) and last < len(pattern) - 1
    return found


class TargetSentenceConText(ConText):
    def add(self, rules: Any) -> None:  # noqa: D102
        super().add(rules)
        self._move_token_patterns_to_phrases()

    def _move_token_patterns_to_phrases(self) -> None:
        medspacy_matcher = component_matcher(self)
        tokens = token_matcher(medspacy_matcher)
        if not hasattr(self, "_sequence_matcher"):
            self._sequence_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
            # (rule id, open) of each sequence key; the order rules were added in
            self._sequence_keys: dict[int, tuple[int, bool]] = {}
        self._rule_order = {self.nlp.vocab.strings.add(rule_id): n for n, rule_id in enumerate(medspacy_matcher.rule_map)}
        for rule_id, rule in medspacy_matcher.rule_map.items():
            if not isinstance(rule.pattern, list) or rule_id not in tokens:
                continue
            sequences = lower_sequences(rule.pattern)
            if sequences is None:
                continue
            tokens.remove(rule_id)
            for is_open in (False, True):
                docs = [Doc(self.nlp.vocab, words=list(w)) for w, o in sorted(sequences.items()) if o is is_open]
                if docs:
                    key = f"{rule_id}\topen" if is_open else rule_id
                    self._sequence_matcher.add(key, docs, on_match=rule.on_match)
                    self._sequence_keys[self.nlp.vocab.strings[key]] = (self.nlp.vocab.strings[rule_id], is_open)

    def _sentence_matches(self, sentence: Span) -> list[tuple[int, int, int]]:
        """medspaCy's MedspacyMatcher on one sentence, in doc token offsets.

        Token-pattern matches come first, ties on the same words ordered as spaCy's
        Matcher reports them (closed patterns before open ones, then rule order),
        then the phrase rules, as MedspacyMatcher concatenates them before pruning.
        (The Matcher gives Span-relative offsets, the PhraseMatcher Doc offsets.)
        """
        medspacy_matcher = component_matcher(self)
        tokens = token_matcher(medspacy_matcher)
        ranked = [
            (False, self._rule_order[m], m, s + sentence.start, e + sentence.start)
            for m, s, e in (tokens(sentence) if len(tokens) else ())
        ]
        for key, start, end in self._sequence_matcher(sentence):
            rule_key, is_open = self._sequence_keys[key]
            ranked.append((is_open, self._rule_order[rule_key], rule_key, start, end))
        ranked.sort(key=lambda r: (r[3], r[4], r[0], r[1]))
        matches = [(m, s, e) for _, _, m, s, e in ranked]
        matches += phrase_matcher(medspacy_matcher)(sentence)
        if prunes_overlaps(medspacy_matcher):
            matches = prune_overlapping_matches(matches)
        return matches

    def __call__(self, doc: Doc, targets: str | None = None) -> Doc:  # noqa: D102
        targets_spans = list(doc.ents)
        rule_map = component_matcher(self).rule_map
        by_sentence: dict[int, list[Span]] = {}
        for target in targets_spans:
            by_sentence.setdefault(target.sent.start, []).append(target)
        modifiers: list[ConTextModifier] = []
        edges: list = []
        # one graph per sentence: scope never crosses a sentence, and medspaCy's
        # graph compares every modifier with every target (quadratic on long notes)
        for _, sentence_targets in sorted(by_sentence.items()):
            graph = ConTextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
            graph.targets = sentence_targets
            graph.modifiers = []
            for match_id, start, end in self._sentence_matches(sentence_targets[0].sent):
                rule = rule_map[self.nlp.vocab[match_id].text]
                graph.modifiers.append(ConTextModifier(rule, start, end, doc, max_scope=self.max_scope))
            graph.update_scopes()
            graph.apply_modifiers()
            modifiers.extend(graph.modifiers)
            edges.extend(graph.edges)
        for target, modifier in edges:
            target._.modifiers += (modifier,)
        if self.context_attributes_mapping:
            self.set_context_attributes(edges)
        combined = ConTextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
        combined.targets, combined.modifiers, combined.edges = targets_spans, modifiers, edges
        doc._.context_graph = combined
        return doc


@Language.factory("extractor_context", default_config={"rules": None, "max_scope": None})
def make_context(nlp: Language, name: str, rules: str | None, max_scope: int | None) -> TargetSentenceConText:
    return TargetSentenceConText(nlp, name=name, rules=rules, max_scope=max_scope)
