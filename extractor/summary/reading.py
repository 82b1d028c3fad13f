"""Values and figures as a reader writes them: ``F``, ``Y``, ``>800``, ``5.0 x 3.8``,
``Octreotide LAR 30 mg monthly``, ``4/7 (57%)``, ``mean 40.1, median 44 (IQR 33.5-48), range 23-51``.

Pure functions of a record (or a field's figures) and the layout; the words
come from ``rules/summary.json``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from extractor.summary.catalogue import FIELD_KINDS, number_of, value_of
from extractor.summary.figures import NONE_ITEM
from extractor.summary.layout import Row, SummaryLayout


def number_text(value: float, decimals: int | None = None) -> str:
    """``1719.99`` -> ``1720`` with 0 decimals; without fixed decimals at most two, trailing zeros dropped."""
    if decimals is not None:
        return f"{Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)}"
    text = f"{Decimal(repr(value)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent_text(count: int, of: int) -> str:
    """Whole percent, halves rounded up (2/7 -> 29%)."""
    share = (Decimal(100) * count / of).quantize(Decimal(1), rounding=ROUND_HALF_UP) if of else Decimal(0)
    return f"{share}%"


def share_text(count: int, of: int) -> str:
    return f"{count}/{of} ({percent_text(count, of)})"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _word(layout: SummaryLayout, table: str | None, value: Any) -> str:
    key = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if table and key in layout.values.get(table, {}):
        return layout.values[table][key]
    return key.replace("_", " ")


def _ordered(layout: SummaryLayout, table: str | None, items: list[Any]) -> list[str]:
    """Distinct items in the value map's order (unknown ones after, alphabetically)."""
    order = list(layout.values.get(table or "", {}))
    distinct = sorted({str(i) for i in items}, key=lambda i: (order.index(i) if i in order else len(order), i))
    return distinct


def _join(words: list[str], how: str) -> str:
    if how != "and" or len(words) < 2:
        return (", " if how == "and" else how).join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _signed(number: tuple[float, str], row: Row) -> str:
    value, comparator = number
    return ("" if comparator == "=" else comparator) + number_text(value, row.decimals) + row.suffix


# --------------------------------------------------------------------------- cells


def cell_text(layout: SummaryLayout, row: Row, record: dict[str, Any]) -> str:
    """One patient's value in one row."""
    if row.format == "tnm":
        return _tnm_cell(layout, row, record)
    main = _value_text(layout, row, row.field, record)
    extras = [
        (also.cell_one if also.cell_one and value_of(record, also.field) == 1 else also.cell).format(
            _value_text(layout, row, also.field, record)
        )
        for also in row.also
        if value_of(record, also.field) is not None
    ]
    return ", ".join([main, *extras]) if main != layout.missing or not extras else ", ".join(extras)


def _tnm_cell(layout: SummaryLayout, row: Row, record: dict[str, Any]) -> str:
    parts = [str(value_of(record, a.field)) for a in row.also if value_of(record, a.field) is not None]
    stage = value_of(record, row.field)
    if stage is None:
        return ", ".join(parts) or layout.missing
    return f"{stage} ({', '.join(parts)})" if parts else str(stage)


def _value_text(layout: SummaryLayout, row: Row, field: str, record: dict[str, Any]) -> str:
    value = value_of(record, field)
    if value is None:
        return layout.missing
    kind = FIELD_KINDS[field]
    table = row.values if field == row.field else None
    if kind == "number":
        number = number_of(record, field)
        return _signed(number, row if field == row.field else Row(field=field, label="")) if number else layout.missing
    if kind in ("category", "yes_no"):
        return _capital(_word(layout, table, value))
    if kind == "items":
        return _items_cell(layout, row, field, value)
    if kind == "dimensions":
        return " x ".join(number_text(float(v), row.decimals) for v in value) or layout.none_recorded
    if kind == "measurements":
        shown = [
            f"{_signed((float(i['value']), i.get('comparator') or '='), row)} {_word(layout, table, i.get('timing'))}"
            for i in value
        ]
        return "; ".join(shown) or layout.none_recorded
    if kind == "regimens":
        return "; ".join(_capital(regimen_text(layout, i)) for i in value) or layout.none_recorded
    if kind == "marker":
        return _marker_cell(layout, table, value)
    return _prrt_cell(value)


def _items_cell(layout: SummaryLayout, row: Row, field: str, items: list[Any]) -> str:
    if not items:
        return _capital(_word(layout, row.values, NONE_ITEM)) if field == "metastasis_sites" else layout.none_recorded
    ordered = _ordered(layout, row.values, items)
    qualifiers = [i for i in ordered if i in layout.qualifiers]
    words = [_word(layout, row.values, i) for i in ordered if i not in layout.qualifiers]
    if qualifiers and words:  # "robotic" / "laparoscopic" describe the operation: put them before it
        words[0] = " ".join([*(_word(layout, row.values, q) for q in qualifiers), words[0]])
    elif qualifiers:
        words = [_word(layout, row.values, q) for q in qualifiers]
    return _capital(_join(words, row.join))


def regimen_text(layout: SummaryLayout, item: dict[str, Any]) -> str:
    """``octreotide LAR 30 mg monthly``."""
    parts = [_word(layout, "drug", item.get("drug"))]
    if isinstance(item.get("dose"), int | float):
        parts.append(number_text(float(item["dose"])))
    if item.get("unit"):
        parts.append(_word(layout, "dose_unit", item["unit"]))
    if item.get("frequency"):
        parts.append(_word(layout, "frequency", item["frequency"]))
    return " ".join(parts)


def _marker_cell(layout: SummaryLayout, table: str | None, marker: dict[str, Any]) -> str:
    status = _word(layout, table, marker["status"]) if marker.get("status") else None
    if isinstance(marker.get("value"), int | float):
        text = " ".join(p for p in (number_text(float(marker["value"])), marker.get("unit")) if p)
        return f"{text} ({status})" if status else text
    return _capital(status) if status else layout.missing


def _prrt_cell(prrt: dict[str, Any]) -> str:
    text = ", ".join(str(p) for p in (prrt.get("agent"), prrt.get("activity")) if p)
    return f"{text} x {prrt['cycles']}" if prrt.get("cycles") else text


def field_text(layout: SummaryLayout, field: str, record: dict[str, Any]) -> tuple[str, str]:
    """(row label, value as its row writes it) of any summary field, for explanations."""
    for row in layout.rows:
        if row.field == field:
            return row.label, _value_text(layout, row, field, record)
        for also in row.also:
            if also.field == field:
                return f"{row.label}: {also.label}", _value_text(layout, row, field, record)
    return field, str(value_of(record, field))


# --------------------------------------------------------------------------- the cohort column


def stats_text(figures: dict[str, Any], decimals: int | None = None, suffix: str = "") -> str:
    """``mean 40.1, median 44 (IQR 33.5-48), range 23-51``; bounds carry their sign."""
    if "mean" not in figures:
        return ""

    def stat(name: str, fixed: int | None = decimals) -> str:
        sign = figures.get(f"{name}_comparator", "")
        return f"{sign}{number_text(float(figures[name]), fixed)}{suffix}"

    def span(low: str, high: str) -> str:  # "217 to >3155", never "217->3155"
        bounded = figures.get(f"{low}_comparator") or figures.get(f"{high}_comparator")
        return f"{stat(low)}{' to ' if bounded else '-'}{stat(high)}"

    mean = stat("mean", 1 if decimals is None else max(decimals, 1))
    return f"mean {mean}, median {stat('median')} (IQR {span('q1', 'q3')}), range {span('min', 'max')}"


def figure_text(layout: SummaryLayout, row: Row, figures: dict[str, dict[str, Any]], patients: int) -> str:
    """The cohort column of one row."""
    figure = figures[row.field]
    known = figure["known"]
    if known == 0:
        return f"{layout.missing} {patients}"
    kind = FIELD_KINDS[row.field]
    if kind == "number":
        text = stats_text(figure, row.decimals, row.suffix)
    elif kind == "dimensions":
        text = "largest: " + stats_text(figure, row.decimals)
    elif kind == "measurements":
        by_timing = ", ".join(f"{_word(layout, row.values, t)} {n}" for t, n in figure["counts"].items())
        text = f"{share_text(figure['any'], known)} with a value ({by_timing}); {figure['measurements']} values"
    elif kind == "marker":
        text = _counts_text(layout, row, figure)
        values = figure.get("values")
        if values and "min" in values:
            (unit,) = values["units"]
            text += (f"; values {number_text(float(values['min']))}-{number_text(float(values['max']))} {unit}"
                     f" (n={values['known']})")
    else:
        text = _counts_text(layout, row, figure)
    for also in row.also:
        extra = figures[also.field]
        if row.format != "tnm" and extra["known"] and "mean" in extra:
            text += f"; {also.label}: median {number_text(float(extra['median']))}, range " \
                    f"{number_text(float(extra['min']))}-{number_text(float(extra['max']))} (n={extra['known']})"
    for name in row.counts:
        count = figure.get(name)
        if count:
            label = next((d.label for d in layout.derived if d.name == name), layout.count_labels.get(name, name))
            text += f"; {label} {count['n']}/{count['of']}"
    if known < patients:
        text += f"; {layout.missing} {patients - known}"
    return text


def _counts_text(layout: SummaryLayout, row: Row, figure: dict[str, Any]) -> str:
    known = figure["known"]
    counts: dict[str, int] = figure.get("counts", {})
    if row.count is not None:
        return share_text(counts.get(row.count, 0), known)
    table = row.values
    if FIELD_KINDS[row.field] == "regimens":
        table = "drug"
    parts = [f"{_word(layout, table, key)} {share_text(n, known) if not row.any else n}"
             for key, n in counts.items()]
    listed = ", ".join(parts)
    if row.any:
        lead = share_text(figure.get("any", 0), known)
        return f"{lead}: {listed}" if listed else lead
    return listed
