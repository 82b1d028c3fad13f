"""Where the rule data is, and the lookup tables the value parsers read.

Rules ship inside the package as ``extractor.rules`` (the top-level ``rules/``
folder of the repository) and are found with ``importlib.resources``, so an
installed tool works from any folder. The rule files themselves are validated
by :mod:`extractor.ruleset`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from extractor.errors import RuleFileError

RULES_PACKAGE = "extractor.rules"


@cache
def rules_root() -> Traversable:
    """Where the rule files are: the installed package ``extractor.rules``.

    In a source checkout imported without installing (a worker started from the
    repository root), ``extractor.rules`` does not exist; the repository's
    ``rules/`` beside the package is the same data. Found from this file's
    location, never from the working directory.
    """
    try:
        return resources.files(RULES_PACKAGE)
    except ModuleNotFoundError:
        source_rules = Path(__file__).resolve().parent.parent / "rules"
        if (source_rules / "vocab.json").is_file():
            return source_rules
        raise RuleFileError(f"rule files not found: no package {RULES_PACKAGE} and no {source_rules}") from None


@cache
def vocabulary() -> dict[str, Any]:
    """Lookup tables the value parsers use (units, frequencies, number words ...)."""
    text = rules_root().joinpath("vocab.json").read_text(encoding="utf-8")
    return json.loads(text)


def rules_fingerprint() -> dict[str, Any]:
    """sha256 over the rule files (names and contents) and their count, for manifests."""
    import hashlib

    digest = hashlib.sha256()
    entries = sorted(
        (entry.name, entry.read_bytes())
        for entry in rules_root().iterdir()
        if entry.name.endswith((".json", ".jsonl"))
    )
    for name, data in entries:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return {"files": len(entries), "sha256": digest.hexdigest()}
