"""server.services.canonical is app.domain.codec, faster: `encode` gives what `to_dict` gives (the
same dict, keys in the same order, the same JSON types) and `decode` what `from_dict` gives (the
same record, or the same error), for every kind of record, whatever the values."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import hypothesis
from hypothesis import given
from hypothesis import strategies as st

from app.domain.codec import from_dict, to_dict
from app.domain.enums import ContactMode, GeotagSource, PracticalHelp
from app.domain.errors import ValidationError
from app.domain.records import RECORD_KINDS, EmployerVisit, Geotag, JobSeeker, Record
from server.services import canonical
from server.services.apply import same_json
from server.services.canonical import decode, encode

stamps = st.datetimes(timezones=st.sampled_from([UTC])).filter(lambda moment: moment.tzinfo is not None)


def _record(cls: type[Record]) -> st.SearchStrategy[Record]:
    return st.builds(cls, created_at=st.none() | stamps, updated_at=st.none() | stamps)


def _same(record: Record) -> None:
    expected = to_dict(record)
    got = encode(record)
    assert got == expected
    assert list(got) == list(expected)  # the order the stored JSON is written in
    assert same_json(got, expected)  # 1.0 stays 1.0, an enum's value is its text


@hypothesis.settings(max_examples=60, derandomize=True, deadline=None)
@given(st.sampled_from(sorted(RECORD_KINDS)).flatmap(lambda kind: _record(RECORD_KINDS[kind])))
def test_every_kind_of_record_encodes_as_to_dict_does(record: Record) -> None:
    _same(record)


class Shade(StrEnum):  # a str enum: the codec encodes its value, not the member
    DARK = "dark"


class Word(str):
    pass


OFF_TYPE: list[tuple[str, Any]] = [
    ("avoid", Word("plain text subclass")),
    ("avoid", Shade.DARK),
    ("avoid", 3),
    ("code", None),
    ("skills", ("a", "b")),
    ("practical_help", ["cv", PracticalHelp.CV]),
    ("referral_date", datetime(2026, 5, 4, 9, 30, tzinfo=UTC)),
    ("created_at", date(2026, 5, 4)),
    ("referral_date", "2026-05-04"),
    ("min_hours_per_week", 20),
    ("min_hours_per_week", True),
    ("current_employer_id", Shade.DARK),
    ("status", "working"),
]


def test_a_value_off_its_declared_type_encodes_as_to_dict_does() -> None:
    base = JobSeeker(code="AB12", referral_date=date(2026, 5, 1))
    names = {f.name for f in dataclasses.fields(JobSeeker)}
    for name, value in OFF_TYPE:
        assert name in names
        record = dataclasses.replace(base)
        object.__setattr__(record, name, value)
        _same(record)


def test_a_visit_with_its_geotag_encodes_as_to_dict_does() -> None:
    fixed = datetime(2026, 5, 4, 9, 30, 15, 120, tzinfo=UTC)
    tag = Geotag(latitude=-36.85, longitude=174, accuracy_m=12.0, fixed_at=fixed, source=GeotagSource.GPS)
    visit = EmployerVisit(employer_id="e1", occurred_at=fixed, contact_mode=ContactMode.PHONE, geotag=tag)
    _same(visit)
    object.__setattr__(visit, "geotag", {"latitude": 1})  # not a Geotag: the codec's own rule
    _same(visit)


def _outcome(read: Any, kind: str, data: Any) -> tuple[str, Any]:
    try:
        record = read(kind, data)
    except ValidationError as exc:
        return "refused", exc.errors
    except ArithmeticError as exc:
        return "overflow", type(exc)
    return "record", repr(record)  # repr tells 1 from 1.0 and True


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**1100), max_value=2**1100)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(
        ["2026-05-04", "2026-05-04T09:00:00+00:00", "2026-05-04T09:00:00", "gps", "phone", "cv"]
    )
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["latitude", "source", "x"]), inner)
    ),
    max_leaves=5,
)


@st.composite
def pushed_data(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(sorted(RECORD_KINDS)))
    record = draw(_record(RECORD_KINDS[kind]))
    data = to_dict(record)
    for name in draw(st.lists(st.sampled_from(sorted(data)), unique=True, max_size=4)):
        if draw(st.booleans()):
            del data[name]
        else:
            data[name] = draw(values)
    return kind, data


@hypothesis.settings(max_examples=300, derandomize=True, deadline=None)
@given(pushed_data())
def test_pushed_data_decodes_as_from_dict_does(pushed: tuple[str, dict[str, Any]]) -> None:
    kind, data = pushed
    assert _outcome(decode, kind, data) == _outcome(from_dict, kind, data)


TRICKY: list[tuple[str, Any]] = [
    ("employer", ["not", "an", "object"]),
    ("no_such_kind", {}),
    ("employer", None),
    ("employer", {"contacts": ["Ann", 5]}),
    ("employer", {"contacts": ("Ann",)}),
    ("employer", {"latitude": 10**400}),
    ("employer", {"latitude": 5, "longitude": True}),
    ("employer", {"version": True}),
    ("employer", {"version": 2.0}),
    ("job_seeker", {"status": "no such status", "practical_help": ["cv", "nope"]}),
    ("job_seeker", {"status": ["working"]}),
    ("employer_visit", {"geotag": None}),
    ("employer_visit", {"geotag": {"latitude": "north"}}),
    ("employer_visit", {"geotag": ["gps"]}),
    ("employer_visit", {"occurred_at": "2026-05-04T09:00:00"}),
]


def test_data_the_codec_refuses_or_reads_its_own_way_decodes_as_from_dict_does() -> None:
    for kind, data in TRICKY:
        assert _outcome(decode, kind, data) == _outcome(from_dict, kind, data), (kind, data)


def test_well_typed_data_is_decoded_without_the_codec(monkeypatch: Any) -> None:
    fixed = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    tag = Geotag(latitude=-36.85, longitude=174.76, accuracy_m=12.0, fixed_at=fixed, source=GeotagSource.GPS)
    visit = EmployerVisit(employer_id="e1", occurred_at=fixed, job_seeker_ids=["s1"], geotag=tag)
    seeker = JobSeeker(code="AB12", practical_help=[PracticalHelp.CV], min_hours_per_week=10.0)
    expected = [from_dict("employer_visit", to_dict(visit)), from_dict("job_seeker", to_dict(seeker))]

    def refuse(kind: str, data: Any) -> Record:
        raise AssertionError("the codec was asked")

    monkeypatch.setattr(canonical, "from_dict", refuse)
    assert [decode("employer_visit", to_dict(visit)), decode("job_seeker", to_dict(seeker))] == expected


def _as_sent_holds(kind: str, data: Any) -> bool:
    """decode_as_sent decodes as decode does; when it says the data was sent as encoded, encoding
    the record gives that data: the same keys in the same order, the same JSON types."""
    try:
        record, as_sent = canonical.decode_as_sent(kind, data)
    except ValidationError as exc:
        assert _outcome(decode, kind, data) == ("refused", exc.errors)
        return False
    except ArithmeticError as exc:  # float(10**400), as the codec raises it (the push refuses it)
        assert _outcome(decode, kind, data) == ("overflow", type(exc))
        return False
    assert _outcome(decode, kind, data) == ("record", repr(record))
    if as_sent:
        encoded = encode(record)
        assert list(encoded) == list(data)
        assert same_json(encoded, data)
    return as_sent


@hypothesis.settings(max_examples=300, derandomize=True, deadline=None)
@given(pushed_data())
def test_data_said_to_be_sent_as_encoded_is_what_encoding_gives(pushed: tuple[str, dict[str, Any]]) -> None:
    _as_sent_holds(*pushed)


@hypothesis.settings(max_examples=60, derandomize=True, deadline=None)
@given(
    st.sampled_from(sorted(RECORD_KINDS)).flatmap(
        lambda kind: st.tuples(st.just(kind), _record(RECORD_KINDS[kind]))
    )
)
def test_every_kind_of_record_as_a_phone_encodes_it_is_known_as_sent(pushed: tuple[str, Record]) -> None:
    kind, record = pushed
    assert _as_sent_holds(kind, to_dict(record))


def test_data_not_as_encoding_writes_it_is_not_taken_as_sent() -> None:
    fixed = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    tag = Geotag(latitude=-36.85, longitude=174.76, accuracy_m=12.0, fixed_at=fixed, source=GeotagSource.GPS)
    sent = to_dict(EmployerVisit(employer_id="e1", occurred_at=fixed, geotag=tag, job_seeker_ids=["s1"]))
    seeker = to_dict(JobSeeker(code="AB12", practical_help=[PracticalHelp.CV], min_hours_per_week=10.0))
    assert _as_sent_holds("employer_visit", sent)
    assert _as_sent_holds("job_seeker", seeker)
    stamped = "2026-05-04T09:30:00+00:00"
    assert _as_sent_holds("employer_visit", {**sent, "created_at": stamped, "updated_at": stamped})
    for naive in ({"created_at": "2026-05-04T09:30:00"}, {"updated_at": "2026-05-04T09:30:00"}):
        assert not _as_sent_holds("employer_visit", {**sent, "created_at": stamped, **naive})  # refused
    reordered = dict(reversed(list(sent.items())))
    missing = {name: value for name, value in sent.items() if name != "next_step"}
    extra = {**sent, "owner": "bob"}
    other_spellings = [
        {**sent, "occurred_at": "2026-05-04T09:30:00Z"},
        {**sent, "occurred_at": "2026-05-04T09:30:00.000000+00:00"},
        {**sent, "geotag": {**sent["geotag"], "accuracy_m": 12}},
        {**sent, "geotag": {**sent["geotag"], "fixed_at": "2026-05-04T10:30+01:00"}},
        {**sent, "version": True},
        {**seeker, "min_hours_per_week": 10},
        {**seeker, "referral_date": "20260504"},
        # One text read for two date-times is parsed once (created_at and updated_at of a new
        # record): a spelling encoding would not write stays not as sent for both.
        {**sent, "created_at": "2026-05-04T09:30:00Z", "updated_at": "2026-05-04T09:30:00Z"},
        {**sent, "created_at": "2026-05-04T09:30:00+00:00", "updated_at": "2026-05-04T09:30:00Z"},
    ]
    for data in [reordered, missing, extra, *other_spellings]:
        kind = "employer_visit" if "employer_id" in data else "job_seeker"
        assert not _as_sent_holds(kind, data), data
