"""Bulk writes store exactly what SQLAlchemy Core would store, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import DateTime, Table, Text, insert, select
from sqlalchemy.dialects import sqlite

from app.domain.clock import new_id
from server.db.database import Database
from server.db.models import RecordRow, RecordVersion
from server.services import bulk
from server.services.bulk import (
    SQLITE_IN_LIST_MAX,
    JsonTexts,
    any_of,
    insert_rows,
    rows_where_in,
    update_rows,
)

RECORDS: Table = RecordRow.__table__  # type: ignore[assignment]
VERSIONS: Table = RecordVersion.__table__  # type: ignore[assignment]
WHEN = datetime(2026, 3, 29, 1, 30, 15, 250000, tzinfo=UTC)
DATA = {"name": 'Café Ōtautahi "quoted" \\ slash', "wage": 2.5, "hours": 20, "ok": True, "tags": ["a", None]}


SEQS = itertools.count(1001)  # change numbers no other row of the test uses


def _row(member: Any, *, data: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "team_id": member.team_id,
        "record_id": new_id(),
        "kind": "employer",
        "owner_user_id": member.user_id,
        "version": 1,
        "data": data,
        "deleted": data is None,
        "flagged": False,
        "seq": next(SEQS),
        "updated_at": WHEN,
        "occurred_at": None,
    }


def _stored(database: Database, record_ids: list[str]) -> list[tuple[Any, ...]]:
    """Each row as the database holds it: the JSON's text and value, its NULL-ness, times, flags."""
    with database.read() as session:
        rows = session.execute(
            select(
                RECORDS.c.record_id,
                RECORDS.c.data.cast(Text),
                RECORDS.c.data,
                RECORDS.c.data.is_(None),
                RECORDS.c.updated_at,
                RECORDS.c.occurred_at,
                RECORDS.c.deleted,
            ).where(RECORDS.c.record_id.in_(record_ids))
        ).all()
    by_id = {row[0]: tuple(row[1:]) for row in rows}
    return [by_id[record_id] for record_id in record_ids]


def test_bulk_insert_and_update_store_what_core_stores(database: Database, world):
    alice = world.members["alice"]
    bulk = [_row(alice, data=DATA), _row(alice, data=None)]
    core = [_row(alice, data=DATA), _row(alice, data=None)]
    with database.write() as session:
        insert_rows(session, RECORDS, bulk)
        session.execute(insert(RECORDS), core)
    bulk_ids = [row["record_id"] for row in bulk]
    core_ids = [row["record_id"] for row in core]
    assert _stored(database, bulk_ids) == _stored(database, core_ids)
    assert _stored(database, bulk_ids)[0][1] == DATA
    # Core stores a None in a JSON column as JSON 'null', not SQL NULL: bulk writes must agree.
    assert _stored(database, bulk_ids)[1][2] is False

    with database.read() as session:
        found = session.execute(
            select(RECORDS.c.record_id, RECORDS.c.pk).where(
                any_of(session, RECORDS.c.record_id, bulk_ids + core_ids)
            )
        ).all()
    pks = {record_id: pk for record_id, pk in found}
    assert set(pks) == set(bulk_ids + core_ids)
    emptied = {"data": None, "deleted": True, "updated_at": WHEN.replace(hour=9)}
    filled = {"data": DATA, "deleted": False, "updated_at": WHEN}
    with database.write() as session:
        update_rows(session, RECORDS, [{"pk": pks[bulk_ids[0]], **emptied}], key="pk")
        update_rows(session, RECORDS, [{"pk": pks[bulk_ids[1]], **filled}], key="pk")
        session.execute(RECORDS.update().where(RECORDS.c.pk == pks[core_ids[0]]).values(**emptied))
        session.execute(RECORDS.update().where(RECORDS.c.pk == pks[core_ids[1]]).values(**filled))
    assert _stored(database, bulk_ids) == _stored(database, core_ids)
    assert _stored(database, bulk_ids)[1][1] == DATA


def _core_rows(database: Database, columns: list[str], record_ids: list[str]) -> list[tuple[Any, ...]]:
    with database.read() as session:
        rows = session.execute(
            select(*(RECORDS.c[name] for name in columns)).where(RECORDS.c.record_id.in_(record_ids))
        ).all()
    return sorted((tuple(row) for row in rows), key=lambda row: row[0])


def test_rows_where_in_returns_what_a_core_select_returns(database: Database, world):
    """Booleans, times and JSON come back as Core makes them, on SQLite and PostgreSQL; ids that
    match nothing, a NUL (which PostgreSQL text cannot hold) and the other filter column are
    ignored, and a list longer than an IN list's cap (one JSON parameter on SQLite) reads the same."""
    alice = world.members["alice"]
    rows = [_row(alice, data=DATA), _row(alice, data=None)]
    rows[1]["flagged"] = True
    with database.write() as session:
        insert_rows(session, RECORDS, rows)
    ids = [row["record_id"] for row in rows]
    columns = ["record_id", "data", "deleted", "flagged", "updated_at", "version", "pk"]
    expected = _core_rows(database, columns, ids)
    unknown = [new_id() for _ in range(SQLITE_IN_LIST_MAX)]
    for wanted in (ids, [*ids, "nul\x00id"], ids + unknown):
        with database.read() as session:
            found = rows_where_in(
                session, RECORDS, columns, equal=("team_id", alice.team_id), key="record_id", values=wanted
            )
        assert sorted(found, key=lambda row: row[0]) == expected
    assert {row[0]: row[1:4] for row in found}[ids[0]] == (DATA, False, False)
    with database.read() as session:
        other_team = rows_where_in(
            session, RECORDS, columns, equal=("team_id", new_id()), key="record_id", values=ids
        )
        assert other_team == []
        nothing = rows_where_in(
            session, RECORDS, columns, equal=("team_id", alice.team_id), key="record_id", values=[]
        )
        assert nothing == []


def test_one_write_serialises_each_json_object_once_and_stores_what_core_stores(
    database: Database, world, monkeypatch
):
    """A record's data bound to `records` and to `record_versions` in one write is serialised
    once (server.services.bulk.JsonTexts); equal but distinct objects are each serialised."""
    alice = world.members["alice"]
    calls: list[Any] = []
    real = bulk._processors

    def counting(table: Table, columns: Any, dialect: Any) -> list[Any]:
        def count(process: Any) -> Any:
            def counted(value: Any) -> Any:
                calls.append(value)
                return process(value)

            return counted

        return [
            count(process) if process is not None and bulk._is_json(table, name) else process
            for name, process in zip(columns, real(table, columns, dialect), strict=True)
        ]

    monkeypatch.setattr(bulk, "_processors", counting)
    shared, twin = dict(DATA), dict(DATA)
    rows = [_row(alice, data=shared), _row(alice, data=twin)]
    texts = JsonTexts()
    with database.write() as session:
        insert_rows(session, RECORDS, rows, texts=texts)
        pks = dict(
            session.execute(
                select(RECORDS.c.record_id, RECORDS.c.pk).where(
                    RECORDS.c.record_id.in_([row["record_id"] for row in rows])
                )
            ).all()
        )
        versions = [
            {
                "record_pk": pks[row["record_id"]],
                "version": 1,
                "data": row["data"],
                "deleted": False,
                "conflicts": [],
                "created_at": WHEN,
            }
            for row in rows
        ]
        insert_rows(session, VERSIONS, versions, texts=texts)
    if database.is_sqlite:  # PostgreSQL serialises a whole statement's rows as one document
        assert [value is shared for value in calls].count(True) == 1
        assert [value is twin for value in calls].count(True) == 1
    with database.read() as session:
        stored = session.execute(
            select(VERSIONS.c.data.cast(Text), RECORDS.c.data.cast(Text), VERSIONS.c.conflicts)
            .join(RECORDS, RECORDS.c.pk == VERSIONS.c.record_pk)
            .where(VERSIONS.c.record_pk.in_(list(pks.values())))
        ).all()
    assert len(stored) == 2
    core = _stored(database, [row["record_id"] for row in rows])
    for version_text, record_text, conflicts in stored:
        assert version_text == record_text == core[0][0]
        assert conflicts == []


@settings(max_examples=300, derandomize=True)
@given(
    when=st.datetimes(timezones=st.none() | st.timezones()),
    timezone=st.booleans(),
)
def test_sqlite_date_times_are_bound_as_core_binds_them(when: datetime, timezone: bool):
    """The bulk path's own date-time text for SQLite (isoformat in C) is Core's, character for
    character, whatever the year, the microseconds (none included) and the offset."""
    dialect = sqlite.dialect()
    column_type = DateTime(timezone=timezone)
    core = column_type._cached_bind_processor(dialect)
    assert core is not None
    assert bulk._processor(column_type, dialect)(when) == core(when)


def test_sqlite_binds_a_date_or_none_through_core():
    dialect = sqlite.dialect()
    process = bulk._processor(DateTime(), dialect)
    assert process(None) is None
    assert process(date(2026, 3, 29)) == DateTime()._cached_bind_processor(dialect)(date(2026, 3, 29))


def test_sqlites_own_datetime_with_another_storage_format_is_bound_by_core():
    custom = sqlite.DATETIME(storage_format="%(year)04d/%(month)02d/%(day)02d")
    assert bulk._processor(custom, sqlite.dialect())(datetime(2026, 3, 29, 1, 30)) == "2026/03/29"
