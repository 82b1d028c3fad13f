"""Keeping note text out of logs and warnings: the one place that silences libraries.

PyRuSH logs every sentence's tokens at DEBUG through loguru (and medspaCy
imports it even when PyRuSH is not in the pipeline); medspaCy's TargetMatcher
warns with the matched text; spaCy's warnings can quote spans.
"""

from __future__ import annotations

import logging
import sys
import warnings
from typing import Any

_LOGGERS = ("medspacy", "PyRuSH", "spacy")


def keep_note_text_out_of_logs(*, own_process: bool = False) -> None:
    """Switch off library output that can carry note text.

    Always: PyRuSH's and medspaCy's loguru output off, their standard loggers at
    WARNING, medspaCy's RuntimeWarnings and the span-conflict and W036 warnings
    ignored. Call it before the pipeline is built (``build_pipeline`` does).

    Parameters
    ----------
    own_process
        The caller owns the process (a batch or Spark worker), so the process-wide
        warning display may change too: every other warning is shown once per
        (category, file) with its message withheld, and the catch-all "ignore"
        filter medspaCy installs when imported is taken out again, so warnings
        stay visible. Call it again after the pipeline is built: building it
        imports medspaCy.
    """
    from loguru import logger

    logger.disable("PyRuSH")
    logger.disable("medspacy")
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"medspacy(\..*)?")
    warnings.filterwarnings("ignore", message=r".*conflicts with a pre-existing entity.*")
    # medspaCy and scispaCy keep matchers that may hold no patterns of a kind
    warnings.filterwarnings("ignore", message=r"\[W036\]")
    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if own_process:
        _withhold_warning_messages()


def _withhold_warning_messages() -> None:
    warnings.filters[:] = [
        f for f in warnings.filters if not (f[0] == "ignore" and f[1] is None and f[2] is Warning and f[3] is None)
    ]
    seen: set[tuple[str, str]] = set()

    def show(
        message: Any, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
    ) -> None:
        key = (category.__name__, filename)
        if key not in seen:
            seen.add(key)
            print(
                f"extractor: {category.__name__} in {filename}:{lineno} (message withheld: it may quote a note)",
                file=sys.stderr,
            )

    warnings.showwarning = show
    warnings._filters_mutated()  # type: ignore[attr-defined]  # filters edited in place
