"""medspaCy ConText restricted to sentences that hold a target.

A backport of medspaCy PR #328 (``match_target_sents_only``, on master, not in
the 1.3.1 release): modifiers outside sentences with targets can never modify
anything (scope is the sentence), yet matching the ~150 modifier patterns over
whole notes was ~40% of pipeline time on MTSamples. The matcher runs on each
target sentence only, and each sentence gets its own graph (medspaCy's graph
compares all modifiers with all targets of the note, quadratic on notes dense
with matches); results are the same as medspaCy's ConText.
"""

from medspacy.context import ConText
from medspacy.context.context_graph import ConTextGraph
from medspacy.context.context_modifier import ConTextModifier
from spacy.language import Language
from spacy.tokens import Doc

# Up to this many sentences with targets, each is matched on its own copy.
SENTENCE_COPY_LIMIT = 40


class TargetSentenceConText(ConText):
    def __call__(self, doc: Doc, targets: str | None = None) -> Doc:  # noqa: D102
        targets_spans = list(doc.ents)
        matcher = self._ConText__matcher
        by_sentence: dict[int, list] = {}
        for target in targets_spans:
            by_sentence.setdefault(target.sent.start, []).append(target)
        modifiers: list[ConTextModifier] = []
        edges: list = []
        # one graph per sentence: scope never crosses a sentence, and medspaCy's
        # graph compares every modifier with every target (quadratic on long notes)
        sentence_matches: dict[int, list[tuple[int, int, int]]] = {}
        if len(by_sentence) > SENTENCE_COPY_LIMIT:
            # many sentences with targets: one pass over the note (Span.as_doc is O(note))
            for match_id, start, end in matcher(doc):
                sentence_start = doc[start].sent.start
                if sentence_start in by_sentence:
                    sentence_matches.setdefault(sentence_start, []).append((match_id, start, end))
        else:
            for offset, sentence_targets in by_sentence.items():
                sentence = sentence_targets[0].sent
                sentence_matches[offset] = [(m, s + offset, e + offset) for m, s, e in matcher(sentence.as_doc())]
        for offset, sentence_targets in sorted(by_sentence.items()):
            graph = ConTextGraph(prune_on_modifier_overlap=self.prune_on_target_overlap)
            graph.targets = sentence_targets
            graph.modifiers = []
            for match_id, start, end in sentence_matches.get(offset, []):
                rule = matcher.rule_map[self.nlp.vocab[match_id].text]
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
