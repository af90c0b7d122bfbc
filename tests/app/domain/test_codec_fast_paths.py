"""from_dict's fast paths give what the plain code gave: an enum read from its value map is what
calling the enum class returns (or the same error), and a record filled in directly is the record
its class's __init__ builds from the same decoded fields, in the same field order, with fresh
defaults. Checked on varied records of every kind, every field present or only some."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import codec, enums
from app.domain.codec import from_dict, to_dict
from app.domain.errors import ValidationError
from app.domain.records import RECORD_KINDS, Geotag

KINDS = sorted(RECORD_KINDS)


def _enums() -> list[type[Enum]]:
    return [
        value
        for value in vars(enums).values()
        if isinstance(value, type) and issubclass(value, Enum) and value.__module__ == enums.__name__
    ]


ODD_VALUES: list[Any] = ["", "nope", 0, 1, True, None, 1.5, [], {}, ["a"], b"x", " face_to_face"]


@pytest.mark.parametrize("enum", _enums(), ids=lambda enum: enum.__name__)
def test_enum_decoding_matches_calling_the_enum(enum: type[Enum]) -> None:
    decode = codec._enum_decoder(enum)
    for value in [*(member.value for member in enum), *enum, *ODD_VALUES]:
        try:
            expected: Any = enum(value)
        except (ValueError, TypeError) as refused:
            expected = type(refused)
        try:
            got: Any = decode(value)
        except (ValueError, TypeError) as refused:
            got = type(refused)
        assert got is expected, value


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=5)
)


@st.composite
def partial_records(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A valid wire dict of some kind with some fields left out and some replaced by odd values."""
    kind = draw(st.sampled_from(KINDS))
    cls = RECORD_KINDS[kind]
    full = to_dict(cls(id="r1", created_at=datetime(2026, 5, 4, 9, 0, tzinfo=UTC)))
    names = sorted(full)
    kept = draw(st.sets(st.sampled_from(names))) if draw(st.booleans()) else set(names)
    data = {name: full[name] for name in names if name in kept}
    for name in draw(st.sets(st.sampled_from(names), max_size=2)):
        data[name] = draw(scalars)
    return kind, data


def reference_from_dict(kind: str, data: dict[str, Any]) -> Any:
    """from_dict with every record and geotag built by calling its class."""
    saved = dict(codec._CONSTRUCTORS)
    codec._CONSTRUCTORS.clear()
    codec._CONSTRUCTORS.update({cls: _calling(cls) for cls in [*RECORD_KINDS.values(), Geotag]})
    try:
        return from_dict(kind, data)
    finally:
        codec._CONSTRUCTORS.clear()
        codec._CONSTRUCTORS.update(saved)


def _calling(cls: type) -> codec.Constructor:
    return lambda values: cls(**values)


def outcome(kind: str, data: dict[str, Any]) -> Any:
    try:
        record = from_dict(kind, data)
    except ValidationError as refused:
        return ("refused", refused.errors)
    return ("record", record, list(vars(record)), to_dict(record))


@settings(max_examples=300, deadline=None)
@given(partial_records())
def test_from_dict_builds_what_the_class_builds(case: tuple[str, dict[str, Any]]) -> None:
    kind, data = case
    fast = outcome(kind, data)
    try:
        slow_record = reference_from_dict(kind, data)
        slow: Any = ("record", slow_record, list(vars(slow_record)), to_dict(slow_record))
    except ValidationError as refused:
        slow = ("refused", refused.errors)
    assert fast == slow


def test_defaults_are_fresh_for_each_record() -> None:
    first = from_dict("employer_visit", {"employer_id": "e1"})
    second = from_dict("employer_visit", {"employer_id": "e2"})
    assert first.job_seeker_ids == [] and first.job_seeker_ids is not second.job_seeker_ids  # type: ignore[attr-defined]
    assert first == RECORD_KINDS["employer_visit"](employer_id="e1")  # type: ignore[call-arg]
    assert list(vars(first)) == [field.name for field in dataclasses.fields(first)]


def test_a_record_read_whole_is_the_record_written() -> None:
    for kind in KINDS:
        record = RECORD_KINDS[kind](id="r1", created_at=datetime(2026, 5, 4, 9, 0, tzinfo=UTC))
        again = from_dict(kind, to_dict(record))
        assert again == record and list(vars(again)) == list(vars(record))
