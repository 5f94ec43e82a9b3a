"""Turn model objects into plain JSON-ready dicts and back.

One generic converter serves the JSON document per site, the export and the store,
so that the documented schema (``docs/schema.md``) is exactly the dataclass fields.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from enum import Enum
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from . import models

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    """Convert a model object (or a tuple of them) to JSON-ready values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (tuple, list)):
        return [to_dict(v) for v in obj]
    return obj


def from_dict(cls: type[T], data: Any) -> T:
    """Build a model object from what :func:`to_dict` produced.

    Unknown keys are ignored and missing keys take their defaults, so a document
    of an older minor schema version still loads.
    """
    return typing.cast(T, _convert(cls, data))


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    """Serialise a model object to JSON text."""
    return json.dumps(to_dict(obj), ensure_ascii=False, indent=indent)


def _convert(tp: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        if len(members) == 1:
            return _convert(members[0], data)
        # A JSON array in a union (ParamValue): the model keeps sequences as tuples.
        sequence = next((m for m in members if get_origin(m) is tuple), None)
        if isinstance(data, list) and sequence is not None:
            return _convert(sequence, data)
        return data
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v) for v in data)
        return tuple(_convert(a, v) for a, v in zip(args, data, strict=True))
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        kwargs = {
            f.name: _convert(hints[f.name], data[f.name])
            for f in dataclasses.fields(tp)
            if f.name in data
        }
        return tp(**kwargs)
    return data


@functools.cache
def _hints(tp: type) -> dict[str, Any]:
    # Memoised because resolving string annotations is slow; it never changes behaviour.
    return get_type_hints(tp, vars(models))
