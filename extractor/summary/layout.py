"""How the summary is printed, as data: ``rules/summary.json``, validated here.

Table 1's sections and rows in the paper's order, the words and abbreviations a
reader writes for each value (``F``, ``Y``, ``+``, ``ND``, ``Distal
pancreatectomy``), the named counts the figures add (``surgery.resection``) and
the terms of the Results paragraph. Every summary field appears in exactly one
row, so a field added to the schema fails validation until it has a place.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from extractor.errors import RuleFileError
from extractor.ruleset import rules_root
from extractor.summary.catalogue import FIELD_KINDS, SUMMARY_FIELDS
from extractor.summary.criteria import FieldTest

LAYOUT_FILE = "summary.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlsoField(_Strict):
    """A further field shown in a row's cells and figure (days to improvement beside improvement)."""

    field: str
    label: str = Field(description="its name in the figure column")
    cell: str = Field(default="{}", description="how its value reads in a cell; {} is the value")
    cell_one: str | None = Field(default=None, description="the same for the value 1 ('1 day', not '1 days')")


class Row(_Strict):
    field: str = Field(description="the field whose values fill the cells and whose figure the last column shows")
    label: str
    values: str | None = Field(default=None, description="the value map (in 'values') the cells use")
    count: str | None = Field(default=None, description="figure as n/N of this value ('present', 'true')")
    decimals: int | None = Field(default=None, ge=0, le=3, description="fixed decimals for numbers")
    suffix: str = ""
    join: Literal[", ", " + ", "and"] = ", "
    any: bool = Field(default=False, description="lists: lead the figure with the patients who have any item")
    counts: list[str] = Field(default_factory=list, description="named counts of the field shown in the figure")
    also: list[AlsoField] = Field(default_factory=list)
    format: Literal["plain", "tnm"] = "plain"


class Section(_Strict):
    heading: str | None = None
    rows: list[Row] = Field(min_length=1)


class DerivedCount(_Strict):
    """A named count added to a field's figures: the patients for whom ``test`` holds."""

    name: str
    label: str
    test: FieldTest


class Terms(_Strict):
    """Words of the Results paragraph."""

    fields: dict[str, str] = Field(description="field -> its name in running text")
    values: dict[str, dict[str, str]] = Field(description="field -> value -> its word in running text")


class SummaryLayout(_Strict):
    title: str
    max_patient_columns: int = Field(default=30, ge=1)
    missing: str = Field(description="a cell whose field the notes do not state")
    none_recorded: str = Field(description="a list that holds no item")
    qualifiers: list[str] = Field(default_factory=list, description="list items that qualify the first item")
    sections: list[Section] = Field(min_length=1)
    values: dict[str, dict[str, str]]
    count_labels: dict[str, str] = Field(default_factory=dict)
    derived: list[DerivedCount] = Field(default_factory=list)
    terms: Terms
    legend: list[str] = Field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [row for section in self.sections for row in section.rows]

    @model_validator(mode="after")
    def _every_field_once(self) -> SummaryLayout:
        placed = [row.field for row in self.rows] + [a.field for row in self.rows for a in row.also]
        unknown = sorted(set(placed) - set(FIELD_KINDS))
        if unknown:
            raise ValueError(f"rows name unknown fields: {', '.join(unknown)}")
        twice = sorted({f for f in placed if placed.count(f) > 1})
        if twice:
            raise ValueError(f"fields placed in more than one row: {', '.join(twice)}")
        missing = [f for f in SUMMARY_FIELDS if f not in placed]
        if missing:
            raise ValueError(f"fields without a row: {', '.join(missing)}")
        maps = {row.values for row in self.rows if row.values}
        absent = sorted(maps - set(self.values))
        if absent:
            raise ValueError(f"rows use value maps that 'values' does not define: {', '.join(absent)}")
        names = {d.name for d in self.derived} | set(self.count_labels)
        unnamed = sorted({c for row in self.rows for c in row.counts} - names)
        if unnamed:
            raise ValueError(f"rows show counts that are neither derived nor labelled: {', '.join(unnamed)}")
        return self


@cache
def load_layout() -> SummaryLayout:
    """The packaged layout; a problem is reported as ``summary.json [loc] msg`` lines."""
    text = rules_root().joinpath(LAYOUT_FILE).read_text(encoding="utf-8")
    try:
        return SummaryLayout.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise RuleFileError(f"{LAYOUT_FILE}:{exc.lineno} [json] {exc.msg}") from None
    except ValidationError as exc:
        lines = [
            f"{LAYOUT_FILE} [{' -> '.join(str(p) for p in err['loc']) or 'layout'}] {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        ]
        raise RuleFileError("\n".join(lines)) from None
