"""Records to JSON-able dicts and back.

`from_dict` is a boundary parser: it turns wire or storage dicts into records and reports every
field it cannot read as a `ValidationError`, never a TypeError deep inside the app.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from enum import Enum
from typing import Any

from app.domain.errors import ValidationError
from app.domain.records import RECORD_KINDS, Geotag, R, Record


def to_dict(record: Record) -> dict[str, Any]:
    return {name: _encode(getattr(record, name)) for name in _field_names(type(record))}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    # dataclasses.fields() rebuilds its tuple on every call; the server encodes 500 records a push.
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _encode(value: Any) -> Any:
    if type(value) in _PLAIN:  # exact types only: a str Enum still takes the Enum branch
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Geotag):
        return {name: _encode(getattr(value, name)) for name in _field_names(Geotag)}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    return value


def from_dict(kind: str, data: typing.Mapping[str, Any]) -> Record:
    cls = RECORD_KINDS.get(kind)
    if cls is None:
        raise ValidationError({"kind": f"unknown record type {kind!r}"})
    return typing.cast(Record, _build(cls, data))


def record_from_dict(cls: type[R], data: typing.Mapping[str, Any]) -> R:
    return typing.cast(R, _build(cls, data))


Decoder = typing.Callable[[Any], Any]
_DECODERS: dict[type, tuple[tuple[str, Decoder], ...]] = {}


def _field_decoders(cls: type) -> tuple[tuple[str, Decoder], ...]:
    # Worked out once per class from its type hints: the server decodes 500 records a push.
    decoders = _DECODERS.get(cls)
    if decoders is None:
        hints = typing.get_type_hints(cls)
        decoders = _DECODERS[cls] = tuple((name, _decoder(hints[name])) for name in _field_names(cls))
    return decoders


def _build(cls: type, data: typing.Mapping[str, Any]) -> Any:
    if not isinstance(data, dict) and not isinstance(data, typing.Mapping):  # dict: the usual, and fast
        raise ValidationError({"record": "expected an object"})
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, decode in _field_decoders(cls):
        if name not in data:
            continue
        try:
            values[name] = decode(data[name])
        except ValidationError as nested:
            errors.update({f"{name}.{key}": msg for key, msg in nested.errors.items()})
        except (TypeError, ValueError) as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationError(errors)
    return _constructor(cls)(values)


Constructor = typing.Callable[[dict[str, Any]], Any]
_CONSTRUCTORS: dict[type, Constructor] = {}


def _constructor(cls: type) -> Constructor:
    """What cls(**values) builds, for the decoded fields of `cls`.

    A frozen dataclass's __init__ sets each field through object.__setattr__, a call per field
    on every record decoded. For a plain one (every field in __init__ with a default, no
    __post_init__) the instance's __dict__ is filled directly instead, in field order as
    __init__ fills it, with the same defaults; any other class is called as before."""
    make = _CONSTRUCTORS.get(cls)
    if make is None:
        make = _CONSTRUCTORS[cls] = _direct_constructor(cls) or (lambda values: cls(**values))
    return make


def _direct_constructor(cls: type) -> Constructor | None:
    fields = dataclasses.fields(cls)
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__") or not all(f.init for f in fields):
        return None
    missing = dataclasses.MISSING
    defaults: dict[str, Any] = {}  # every field, in field order
    factories: list[tuple[str, typing.Callable[[], Any]]] = []
    for f in fields:
        if f.default is not missing:
            defaults[f.name] = f.default
        elif f.default_factory is not missing:
            defaults[f.name] = None
            factories.append((f.name, f.default_factory))
        else:
            return None  # a required field: cls(**values) says which is missing
    count, new = len(defaults), object.__new__

    def make(values: dict[str, Any]) -> Any:
        instance: Any = new(cls)
        if len(values) == count:  # every field decoded, and _build decodes in field order
            instance.__dict__.update(values)
        else:
            full = dict(defaults)
            for name, factory in factories:
                full[name] = factory()  # a fresh list each time, as __init__ makes
            full.update(values)
            instance.__dict__.update(full)
        return instance

    return make


def _decoder(hint: Any) -> Decoder:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        (inner_hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        inner = _decoder(inner_hint)
        return lambda value: None if value is None else inner(value)
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        item = _decoder(item_hint)

        def decode_list(value: Any) -> list[Any]:
            if not isinstance(value, list):
                raise TypeError("expected a list")
            return [item(entry) for entry in value]

        return decode_list
    if hint is Geotag:
        return lambda value: _build(Geotag, value if value is not None else {})
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _enum_decoder(hint)
    simple: dict[Any, Decoder] = {
        datetime: _parse_datetime,
        date: _parse_date,
        bool: _decode_bool,
        int: _decode_int,
        float: _decode_float,
        str: _decode_str,
    }
    if hint in simple:
        return simple[hint]
    raise TypeError(f"unsupported field type {hint!r}")


def _enum_decoder(enum: type[Enum]) -> Decoder:
    allowed = ", ".join(str(member.value) for member in enum)
    # What enum(value) looks up first, read directly: calling the class costs several times more.
    members = enum._value2member_map_

    def decode_enum(value: Any) -> Enum:
        try:
            member = members.get(value)
        except TypeError:  # unhashable: the class's own lookup refuses it as before
            member = None
        if member is not None:
            return member
        try:
            return enum(value)
        except ValueError:
            raise ValueError(f"must be one of: {allowed}") from None

    return decode_enum


def _decode_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("expected true or false")
    return value


def _decode_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected a whole number")
    return value


def _decode_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("expected a number")
    return float(value)


def _decode_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("expected a date and time like 2026-05-04T09:30:00+00:00") from None
    else:
        raise TypeError("expected a date and time")
    if parsed.tzinfo is None:
        raise ValueError("the time must include its time zone")
    return parsed


def _parse_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError("expected a date like 2026-05-04") from None
    raise TypeError("expected a date")
