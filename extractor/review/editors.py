"""What a reviewer may write in each field: editors derived from the pydantic models.

Each scored field gets a compact description of its value that the page's
script turns into a form: ``enum`` (the spec's vocabulary, from the model's
``Literal``), ``bool``, ``int``, ``num``, ``str``, ``list`` of an item,
``obj`` with its keys; ``"null": true`` where the model allows null. The
vocabularies are read from :mod:`extractor.schema`, never restated, so a value
the schema would refuse cannot be chosen.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from extractor.schema import CohortRecord
from extractor.summary.catalogue import SUMMARY_FIELDS


def _is_none(annotation: Any) -> bool:
    return annotation is type(None)


def _literals(annotation: Any) -> list[Any] | None:
    """The values of a Literal, or of a union of Literals (None when it is not one)."""
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    if _is_union(annotation):
        parts = [_literals(a) for a in typing.get_args(annotation) if not _is_none(a)]
        if parts and all(p is not None for p in parts):
            return [v for p in parts for v in p]  # type: ignore[union-attr]
    return None


def _is_union(annotation: Any) -> bool:
    return isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union


def editor(annotation: Any) -> dict[str, Any]:
    """The editor of a value of this annotation."""
    nullable = _is_union(annotation) and any(_is_none(a) for a in typing.get_args(annotation))
    if nullable:
        rest = [a for a in typing.get_args(annotation) if not _is_none(a)]
        inner: Any = rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007
    else:
        inner = annotation
    spec: dict[str, Any]
    options = _literals(inner)
    if options is not None:
        spec = {"t": "enum", "o": options}
    elif inner is bool:
        spec = {"t": "bool"}
    elif inner is int:
        spec = {"t": "int"}
    elif inner is float:
        spec = {"t": "num"}
    elif inner is str:
        spec = {"t": "str"}
    elif typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        spec = {"t": "list", "i": editor(item)}
    elif isinstance(inner, type) and issubclass(inner, BaseModel):
        keys = []
        for name, info in inner.model_fields.items():
            key: dict[str, Any] = {"k": name, "e": editor(info.annotation)}
            if info.is_required():
                key["req"] = True
            elif info.default is not PydanticUndefined and info.default is not None:
                key["d"] = info.default
            keys.append(key)
        spec = {"t": "obj", "p": keys}
    else:  # pragma: no cover - a schema type this module does not know yet
        raise TypeError(f"no editor for {annotation!r}")
    if nullable:
        spec["null"] = True
    return spec


def _field_info(field: str) -> tuple[Any, Any]:
    """(annotation, model field info) of a dotted scored field."""
    model: type[BaseModel] = CohortRecord
    parts = field.split(".")
    for part in parts[:-1]:
        annotation = model.model_fields[part].annotation
        if _is_union(annotation):
            annotation = next(a for a in typing.get_args(annotation) if not _is_none(a))
        model = annotation
    info = model.model_fields[parts[-1]]
    return info.annotation, info


def empty_value(field: str) -> Any:
    """What "clear" writes: ``[]`` for a list that defaults to empty, else null (the gold convention)."""
    _, info = _field_info(field)
    if info.default_factory is list:
        return []
    return None


def field_editors(fields: tuple[str, ...] = SUMMARY_FIELDS) -> dict[str, dict[str, Any]]:
    """Every scored field's editor, with what clearing it writes (``empty``)."""
    return {f: {**editor(_field_info(f)[0]), "empty": empty_value(f)} for f in fields}
