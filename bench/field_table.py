"""Regenerate the README's field table from the field catalogue (extractor/fields.py).

Usage: python bench/field_table.py [--write]
Without --write the table is printed; with it, the block between the markers
``<!-- field-table:start -->`` and ``<!-- field-table:end -->`` in README.md is replaced.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from extractor.fields import catalogue_table

REPO = Path(__file__).resolve().parents[1]
START, END = "<!-- field-table:start -->", "<!-- field-table:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="replace the table in README.md")
    args = parser.parse_args()
    text = catalogue_table()
    print(text)
    if args.write:
        readme = REPO / "README.md"
        content = readme.read_text(encoding="utf-8")
        pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
        readme.write_text(pattern.sub(lambda _: f"{START}\n{text}\n{END}", content), encoding="utf-8")


if __name__ == "__main__":
    main()
