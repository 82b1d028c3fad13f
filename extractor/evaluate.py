"""Record-level and span-level evaluation against gold sets (being written)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def evaluate_cli(
    gold_dir: Annotated[Path, typer.Argument(help="A gold set folder (notes/ + records.jsonl).")],
) -> None:
    """Score the pipeline against a gold set."""
    raise typer.Exit(code=1)
