"""Counting and matching shared by record-level and span-level scoring.

:class:`Counts` holds true positives, false positives and false negatives with
their rates; :func:`maximum_matching` pairs two sides one to one (gold items with
predicted items, gold spans with predicted spans).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict, computed_field


class Counts(BaseModel):
    """True positives, false positives and false negatives, with their rates.

    The rates are 0.0 when their denominator is 0.
    """

    model_config = ConfigDict(extra="forbid")

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float:
        """``tp / (tp + fp)``, 0.0 without predictions."""
        return ratio(self.tp, self.tp + self.fp)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float:
        """``tp / (tp + fn)``, 0.0 without gold values."""
        return ratio(self.tp, self.tp + self.fn)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall, 0.0 when both are 0."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0


def ratio(numerator: int, denominator: int) -> float:
    """``numerator / denominator``, 0.0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


def total(counts: Iterable[Counts]) -> Counts:
    """The sum of several counts (tp, fp and fn added separately)."""
    tp = fp = fn = 0
    for c in counts:
        tp, fp, fn = tp + c.tp, fp + c.fp, fn + c.fn
    return Counts(tp=tp, fp=fp, fn=fn)


def maximum_matching(
    n_left: int,
    n_right: int,
    edge: Callable[[int, int], bool],
    order: Callable[[int], Sequence[int]] | None = None,
) -> list[tuple[int, int]]:
    """Return a maximum bipartite matching (Kuhn's augmenting paths).

    Parameters
    ----------
    n_left, n_right
        Sizes of the two sides.
    edge
        ``edge(i, j)``: may left ``i`` and right ``j`` be paired?
    order
        Optional preference: right indices to try for left ``i``, best first.

    Returns
    -------
    list of (int, int)
        ``(left, right)`` pairs, sorted by left index.
    """
    candidates = [[j for j in (order(i) if order else range(n_right)) if edge(i, j)] for i in range(n_left)]
    owner: dict[int, int] = {}

    def _augment(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or _augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(n_left):
        _augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def perfect_matching(
    gold: Sequence[object], pred: Sequence[object], compatible: Callable[[object, object], bool]
) -> list[tuple[int, int]] | None:
    """Pair every gold item with a distinct compatible pred item, if possible.

    Parameters
    ----------
    gold, pred
        The two multisets.
    compatible
        ``compatible(gold_item, pred_item)``: may the two be paired?

    Returns
    -------
    list of (int, int) or None
        Index pairs of a maximum matching when it covers both sides; None otherwise.
    """
    if len(gold) != len(pred):
        return None
    pairs = maximum_matching(len(gold), len(pred), lambda i, j: compatible(gold[i], pred[j]))
    return pairs if len(pairs) == len(gold) else None
