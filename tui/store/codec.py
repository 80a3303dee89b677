"""JSON encoding for every `tui.model` object, for the cache (and anything else that stores them).

    dumps(obj) -> str        loads(s) -> obj        loads(dumps(x)) == x

A dataclass becomes {"$": "Post", field: value...} with fields at their default left out (smaller
rows, faster start-up). Fields typed as an enum or a datetime hold the bare value or ISO string;
anywhere else an enum is {"$": "NetworkKind", "v": "nostr"}, a datetime {"$": "datetime", "v":
ISO} and a mapping {"$": "map", "v": [[key, value], ...]} (so no user-supplied key can pass for a
tag). Sequences come back as tuples, mappings as dicts. Datetimes must be aware.
Decoding is one `json.loads` with an object hook: the per-class work is precomputed, so 1,000
cached posts decode in a few milliseconds (see tests/store/test_codec.py).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from tui import model

_TAG = "$"
_MISSING = object()


class _Spec:
    """What encoding and decoding one dataclass needs, computed once."""

    __slots__ = ("cls", "name", "fields", "convert")

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.name = cls.__name__
        hints = typing.get_type_hints(cls)
        # (field name, default or _MISSING, converter kind) for encoding
        self.fields: list[tuple[str, object, object]] = []
        # field name → decoder for fields stored untagged (enums, datetimes)
        self.convert: dict[str, Callable[[Any], Any]] = {}
        for f in dataclasses.fields(cls):
            default: object = _MISSING
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory in (dict, list, tuple):
                default = f.default_factory()
            kind = _plain_kind(hints[f.name])
            if kind is datetime:
                self.convert[f.name] = datetime.fromisoformat
            elif kind is not None:
                self.convert[f.name] = _enum_decoder(kind)
            self.fields.append((f.name, default, kind))

    def encode(self, obj: object) -> dict[str, object]:
        out: dict[str, object] = {_TAG: self.name}
        for name, default, kind in self.fields:
            value = getattr(obj, name)
            if default is not _MISSING and value == default and type(value) is type(default):
                continue
            if value is None:
                out[name] = None
            elif kind is datetime:
                out[name] = _iso(value)
            elif kind is not None and isinstance(value, Enum):
                out[name] = value.value
            else:
                out[name] = _encode(value)
        return out

    def decode(self, data: dict[str, Any]) -> object:
        for name, convert in self.convert.items():
            value = data.get(name)
            if value is not None:
                data[name] = convert(value)
        for name, value in data.items():
            if type(value) is list:
                data[name] = _freeze(value)
        return self.cls(**data)


def _plain_kind(hint: object) -> type | None:
    """The enum class or `datetime` a field holds (possibly optional), else None."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    options = tuple(o for o in options if o is not type(None))
    if len(options) != 1 or not isinstance(options[0], type):
        return None
    kind = options[0]
    return kind if kind is datetime or issubclass(kind, Enum) else None


def _enum_decoder(cls: type[Enum]) -> Callable[[Any], Enum]:
    # A dict lookup is several times faster than EnumClass(value), and start-up decodes many.
    members = dict(cls._value2member_map_)

    def decode(value: Any) -> Enum:
        member = members.get(value)
        return member if member is not None else cls(value)  # cls() raises the ValueError

    return decode


def _iso(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: model datetimes must be aware (UTC)")
    return value.isoformat()


def _freeze(items: list) -> tuple:
    return tuple(_freeze(v) if type(v) is list else v for v in items)


def _is_model_class(obj: object, base: type) -> bool:
    return isinstance(obj, type) and issubclass(obj, base) and obj.__module__ == model.__name__


_MODEL_MODULES = frozenset({model.__name__, f"{model.__name__}_more"})  # see tui.model.LATER
_SPECS: dict[type, _Spec] = {}  # each made on first use: start-up decodes only a few classes
_ENUMS: dict[str, type[Enum]] = {
    cls.__name__: cls for cls in vars(model).values() if _is_model_class(cls, Enum)
}


def _spec(cls: type) -> _Spec | None:
    """The spec of a model dataclass (made once), None for anything else."""
    spec = _SPECS.get(cls)
    if spec is None and cls.__module__ in _MODEL_MODULES and dataclasses.is_dataclass(cls):
        spec = _SPECS[cls] = _Spec(cls)
        _DECODERS[spec.name] = spec.decode
    return spec


def _model_decoder(tag: str) -> Callable[[dict[str, Any]], object] | None:
    """The decoder of the model dataclass named `tag`, or None when there is no such class."""
    cls = getattr(model, tag) if tag in model.LATER or tag in vars(model) else None
    spec = _spec(cls) if isinstance(cls, type) else None
    return spec.decode if spec is not None else None


def _decode_map(data: dict[str, Any]) -> dict[str, object]:
    return {k: _freeze(v) if type(v) is list else v for k, v in data["v"]}


def _tagged_enum(cls: type[Enum]) -> Callable[[dict[str, Any]], Enum]:
    decode = _enum_decoder(cls)
    return lambda data: decode(data["v"])


def _decode_datetime(data: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(data["v"])


_DECODERS: dict[str, Callable[[dict[str, Any]], object]] = {
    "map": _decode_map,
    "datetime": _decode_datetime,
    **{name: _tagged_enum(cls) for name, cls in _ENUMS.items()},
}


def _encode(obj: object) -> object:
    kind = type(obj)
    if kind is str or kind is int or kind is bool or kind is float or obj is None:
        return obj
    spec = _spec(kind)
    if spec is not None:
        return spec.encode(obj)
    if isinstance(obj, Enum):
        if type(obj).__name__ not in _ENUMS:
            raise TypeError(f"cannot encode enum {type(obj).__name__}: not a tui.model enum")
        return {_TAG: type(obj).__name__, "v": obj.value}
    if isinstance(obj, datetime):
        return {_TAG: "datetime", "v": _iso(obj)}
    if isinstance(obj, (tuple, list)):
        return [_encode(v) for v in obj]
    if isinstance(obj, Mapping):
        if not all(type(k) is str for k in obj):
            raise TypeError("cannot encode a mapping with non-string keys")
        return {_TAG: "map", "v": [[k, _encode(v)] for k, v in obj.items()]}
    if isinstance(obj, str):  # str subclasses that are not enums
        return str(obj)
    raise TypeError(f"cannot encode {kind.__name__}: not a tui.model object")


def _hook(data: dict[str, Any]) -> object:
    tag = data.pop(_TAG, None)
    if tag is None:
        raise ValueError("object without a type tag")
    decoder = _DECODERS.get(tag) or (_model_decoder(tag) if type(tag) is str else None)
    if decoder is None:
        raise ValueError(f"unknown type tag {tag!r}")
    return decoder(data)


_DECODER = json.JSONDecoder(object_hook=_hook)  # one decoder: json.loads would build one per call


def dumps(obj: object) -> str:
    """Encode a model object (or nested tuples/mappings of them) as compact JSON."""
    return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """Decode what `dumps` wrote. Anything else (unknown tags, bad fields) → ValueError."""
    try:
        value = _DECODER.decode(text if isinstance(text, str) else text.decode("utf-8"))
    except (TypeError, KeyError, AttributeError, RecursionError) as e:
        raise ValueError(f"not a Murmur-encoded object: {e}") from None
    return _freeze(value) if type(value) is list else value
