"""Records from pushed data and back to their canonical dict, as `app.domain.codec` does it
(`from_dict`, `to_dict`), at a fraction of the cost.

A push decodes and encodes every record it accepts (up to 1,000 a batch). The codec works field by
field through a function per value (`_encode`, one decoder per field); here each record class gets
one decoding and one encoding function, written once from its type hints, that handle every field
inline by the type its hint promises. Each shortcut is taken only on an exact type test
(`type(value) is ...`) where the codec would return that very value; any other value goes to the
codec's own function for that field, and a record the codec would refuse is decoded again by
`from_dict` itself, so the same errors come out. `decode` is `from_dict`, `encode` is `to_dict`,
for any data (tests/server/test_canonical.py holds them to that).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

from app.domain import codec
from app.domain.codec import _encode, from_dict
from app.domain.records import RECORD_KINDS, Geotag, Record

Encoder = Callable[[Any], dict[str, Any]]
Builder = Callable[[dict[str, Any]], Any]
_PLAIN = (str, int, float, bool)


def decode(kind: str, data: Any) -> Record:
    """`from_dict(kind, data)`: the same record, or the same error."""
    cls: type | None = RECORD_KINDS.get(kind)  # plain `type`: what the functools caches take
    if cls is None or type(data) is not dict:
        return from_dict(kind, data)
    try:
        return typing.cast(Record, _builder(cls)(data))
    except Exception:  # the codec then says what is wrong, in its own words
        return from_dict(kind, data)


def decode_as_sent(kind: str, data: Any) -> tuple[Record, bool]:
    """`decode(kind, data)`, and whether `encode` of that record gives `data` itself: the same keys
    in the same order, each value equal and of the same JSON type. A phone sends what its codec
    encoded, so for most pushed records it does, and a copy of `data` stands for the encoding
    without building it (its dates and times written out again). False whenever in doubt."""
    cls: type | None = RECORD_KINDS.get(kind)  # plain `type`: what the functools caches take
    if cls is None or type(data) is not dict:
        return from_dict(kind, data), False
    try:
        record, as_sent = _sent_builder(cls)(data)
    except Exception:  # the codec then says what is wrong, in its own words
        return from_dict(kind, data), False
    return typing.cast(Record, record), as_sent


SentBuilder = Callable[[dict[str, Any]], tuple[Any, bool]]


@functools.cache  # one function written per record class
def _sent_builder(cls: type) -> SentBuilder:
    """`_builder(cls)` that also tells whether every value was sent as `encode` writes it: one
    that took the builder's exact-type path was; any other is checked against its decoding."""
    hints = typing.get_type_hints(cls)
    decoders = dict(codec._field_decoders(cls))
    names = tuple(f.name for f in dataclasses.fields(cls))
    context: dict[str, Any] = {"make": codec._constructor(cls), "NAMES": names}
    # `seen_*`: the last date-time string read and what it gave (a new record's created_at and
    # updated_at are one time written twice), so an equal string is parsed and compared once.
    lines = ["def build(data):", "    values = {}", "    same = True"]
    lines.append("    seen_text = seen_value = seen_same = None")
    for number, name in enumerate(decoders):
        decoder = _named(context, f"d{number}", decoders[name])
        lines += [f"    if {name!r} in data:", f"        v = data[{name!r}]"]
        lines += ["        " + line for line in _sent_decoding(name, hints[name], decoder, context, number)]
        lines += ["    else:", "        same = False"]
    lines += [
        "    if same and (len(data) != len(NAMES) or tuple(data) != NAMES):",
        "        same = False",
        "    return make(values), same",
    ]
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines) + "\n", f"<as-sent builder of {cls.__name__}>", "exec"), context, namespace)
    return typing.cast(SentBuilder, namespace["build"])


def _sent_decoding(name: str, hint: Any, decoder: str, context: dict[str, Any], number: int) -> list[str]:
    """Statements that set values[name] from `v` as `_decoding` does, and clear `same` unless `v`
    is what `encode` writes for the decoded value."""
    inner = _without_none(hint)
    key = repr(name)
    checked = [
        f"values[{key}] = x = {decoder}(v)",
        f"same = same and ({_as_sent('x', 'v', hint, context, number)})",
    ]
    if inner is not hint:  # optional: None decodes to None, and encode writes None back
        none = ["if v is None:", f"    values[{key}] = None", "else:"]
        checked = [*none, *("    " + line for line in checked)]
    if inner is datetime:
        # The codec's parser for a string: fromisoformat, with a time zone required (raising here
        # hands the record to the codec, which says what is wrong). Date-times only share the memo.
        parse = _named(context, "parse_datetime", datetime.fromisoformat)
        return [
            "if type(v) is str:",
            "    if v == seen_text:",
            f"        values[{key}] = seen_value",
            "        same = same and seen_same",
            "    else:",
            f"        x = {parse}(v)",
            "        if x.tzinfo is None:",
            "            raise ValueError(v)",
            f"        values[{key}] = seen_value = x",
            "        seen_text, seen_same = v, x.isoformat() == v",
            "        same = same and seen_same",
            "else:",
            *("    " + line for line in checked),
        ]
    if inner in _PLAIN:
        fast = f"type(v) is {inner.__name__}"
        value = "v"
    elif isinstance(inner, type) and issubclass(inner, Enum) and all(type(m.value) is str for m in inner):
        members = _named(context, f"m{number}", inner._value2member_map_)
        fast = f"type(v) is str and (member := {members}.get(v)) is not None"
        value = "member"
    elif inner is Geotag:
        geotag = _named(context, "build_geotag", _sent_builder(Geotag))
        return [
            "if type(v) is dict:",
            f"    values[{key}], tag_as_sent = {geotag}(v)",
            "    same = same and tag_as_sent",
            "else:",
            *("    " + line for line in checked),
        ]
    elif typing.get_origin(inner) is list and typing.get_args(inner) == (str,):
        fast = "type(v) is list and (not v or all(type(item) is str for item in v))"
        value = "list(v)"
    else:
        return checked
    return [f"if {fast}:", f"    values[{key}] = {value}", "else:", *("    " + line for line in checked)]


def _as_sent(r: str, v: str, hint: Any, context: dict[str, Any], number: int) -> str:
    """Python text that is true only if `encode` writes field value `r` (declared as `hint`) as
    `v`, of the same JSON type."""
    inner = _without_none(hint)
    none = f"({r} is None and {v} is None)"
    if inner in _PLAIN:
        # The encoder passes a value of this exact type (or None) through as it is.
        return f"{r} is {v} and ({v} is None or type({v}) is {inner.__name__})"
    if isinstance(inner, type) and issubclass(inner, Enum) and all(type(m.value) is str for m in inner):
        name = _named(context, f"E{number}", inner)
        return f"{none} or (type({r}) is {name} and type({v}) is str and {r}.value == {v})"
    if inner is datetime or inner is date:
        name = _named(context, f"D{number}", inner)
        return f"{none} or (type({r}) is {name} and type({v}) is str and {r}.isoformat() == {v})"
    if typing.get_origin(inner) is list:
        (item_hint,) = typing.get_args(inner)
        item = _as_sent("a", "b", item_hint, context, number)
        return (
            f"{none} or (type({r}) is list and type({v}) is list and len({r}) == len({v})"
            f" and all({item} for a, b in zip({r}, {v})))"
        )
    return none  # a Geotag not sent as an object, or a type not listed: only None is sure


@functools.cache  # one function written per record class
def _builder(cls: type) -> Builder:
    """The codec's `_build(cls, data)` for a dict, written out field by field. It raises where the
    codec would collect an error (the caller then asks the codec)."""
    hints = typing.get_type_hints(cls)
    decoders = dict(codec._field_decoders(cls))
    context: dict[str, Any] = {"make": codec._constructor(cls)}
    lines = ["def build(data):", "    values = {}"]
    for number, name in enumerate(decoders):
        decoder = _named(context, f"d{number}", decoders[name])
        lines += [
            f"    if {name!r} in data:",
            f"        v = data[{name!r}]",
            f"        values[{name!r}] = {_decoding('v', hints[name], decoder, context, number)}",
        ]
    lines.append("    return make(values)")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines) + "\n", f"<record builder of {cls.__name__}>", "exec"), context, namespace)
    return typing.cast(Builder, namespace["build"])


def _decoding(value: str, hint: Any, decoder: str, context: dict[str, Any], number: int) -> str:
    """Python text that decodes `value` as the codec's `decoder` for `hint` does."""
    optional = _without_none(hint) is not hint
    inner = _without_none(hint)
    none = f"{value} is None or " if optional else ""
    if inner in _PLAIN:
        # The codec's str, int, bool and float decoders return a value of exactly that type as it is
        # (float(x) is x for a float; bool is not int here, as `type` tells them apart).
        return f"({value} if {none}type({value}) is {inner.__name__} else {decoder}({value}))"
    if isinstance(inner, type) and issubclass(inner, Enum):
        members = _named(context, f"m{number}", inner._value2member_map_)
        return (
            f"(member if type({value}) is str and (member := {members}.get({value})) is not None"
            f" else {decoder}({value}))"
        )
    if inner is Geotag:
        geotag = _named(context, "build_geotag", _builder(Geotag))
        return f"({geotag}({value}) if type({value}) is dict else {decoder}({value}))"
    if typing.get_origin(inner) is list and typing.get_args(inner) == (str,):
        return (
            f"(list({value}) if type({value}) is list and all(type(item) is str for item in {value})"
            f" else {decoder}({value}))"
        )
    return f"{decoder}({value})"


def encode(record: Record) -> dict[str, Any]:
    """`to_dict(record)`."""
    cls: type = type(record)  # plain `type`: what the functools cache takes
    return _encoder(cls)(record)


@functools.cache  # one function written per record class
def _encoder(cls: type) -> Encoder:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    context: dict[str, Any] = {"_encode": _encode}
    lines = []
    for number, name in enumerate(names):
        if not name.isidentifier():  # not reachable from a dataclass field; kept honest
            raise TypeError(f"field name {name!r}")
        lines.append(f"    v{number} = record.{name}")
    items = ", ".join(
        f"{name!r}: {_expression(f'v{number}', hints[name], context, number)}"
        for number, name in enumerate(names)
    )
    source = "def encode(record):\n" + "\n".join(lines) + f"\n    return {{{items}}}\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<canonical encoder of {cls.__name__}>", "exec"), context, namespace)
    return typing.cast(Encoder, namespace["encode"])


def _expression(value: str, hint: Any, context: dict[str, Any], number: int) -> str:
    """Python text that encodes `value`, whose field is declared as `hint`, as `_encode` would."""
    inner = _without_none(hint)
    if inner in _PLAIN:
        # _encode returns a value of an exact plain type (or None) as it is.
        return f"({value} if {value} is None or type({value}) is {inner.__name__} else _encode({value}))"
    if isinstance(inner, type) and issubclass(inner, Enum):
        name = _named(context, f"E{number}", inner)
        return f"({value}.value if type({value}) is {name} else _encode({value}))"
    if inner is datetime or inner is date:
        name = _named(context, f"D{number}", inner)
        return f"({value}.isoformat() if type({value}) is {name} else _encode({value}))"
    if inner is Geotag:
        name = _named(context, "Geotag", Geotag)
        context["encode_geotag"] = _encoder(Geotag)
        return f"(encode_geotag({value}) if type({value}) is {name} else _encode({value}))"
    if typing.get_origin(inner) is list:
        (item_hint,) = typing.get_args(inner)
        item = _expression("item", item_hint, context, number)
        return f"([{item} for item in {value}] if type({value}) is list else _encode({value}))"
    return f"_encode({value})"


def _named(context: dict[str, Any], name: str, value: Any) -> str:
    context[name] = value
    return name


def _without_none(hint: Any) -> Any:
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint
