"""Defer importing libraries that our dependencies import but our pipeline never uses.

medspaCy 1.3.1 imports QuickUMLS at import time (``medspacy.util``), and
QuickUMLS imports NLTK, which pulls in SciPy and scikit-learn: 1.4 s of every
process start (each batch worker, each single-note CLI run) for a component we
do not load. NLTK is registered as a deferred module: the first time one of its
attributes is read it is imported for real, into the same module object, so code
that does use QuickUMLS still works.

``importlib.util.LazyLoader`` would do the same, but on Python 3.11 the import
statement itself reads ``__spec__`` of a module found in ``sys.modules``, which
makes a LazyLoader module load at once.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any

UNUSED_HEAVY_IMPORTS = ("nltk",)


class _DeferredModule(types.ModuleType):
    """A module whose code runs when an attribute it does not have yet is first read."""

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: __spec__, __path__ & co. are set already,
        # so the import system can find the module without running it
        self.__class__ = types.ModuleType
        spec = self.__spec__
        assert spec is not None and spec.loader is not None
        spec.loader.exec_module(self)
        return getattr(self, name)


def defer_unused_imports() -> None:
    """Register each unused heavy library as a deferred module, unless already imported."""
    for name in UNUSED_HEAVY_IMPORTS:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        module.__class__ = _DeferredModule
        sys.modules[name] = module
