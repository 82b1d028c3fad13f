"""``extractor batch`` (being written)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def batch_cli(
    inputs: Annotated[list[Path], typer.Argument(help="Input folders/files/archives.")],
) -> None:
    """Run the pipeline over note archives."""
    raise typer.Exit(code=1)
