"""Migration 0019 on data, SQLite and PostgreSQL: each existing comment says whether it is a reply
from the owner's phone. A specialist's comment on their own record is one (they have no other way
to comment); a supervisor's on a record they own is one only when the audit log has their reply on
it from a device at that moment; every other comment is a supervisor's. Downgrade drops the column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from server.db.migrate import downgrade, upgrade
from tests.server.test_migration_upgrade import empty_url  # noqa: F401 (the fixture: a fresh database)

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TEAM, ALICE, SUE = "t-1", "u-alice", "u-sue"


def _insert(db: sa.Connection, table: str, *rows: dict[str, Any]) -> None:
    columns = [
        sa.column(name, sa.JSON) if name in ("data", "details") else sa.column(name) for name in rows[0]
    ]
    db.execute(sa.table(table, *columns).insert(), list(rows))


def _seed(url: str) -> None:
    engine = sa.create_engine(url)
    at = {"created_at": T}
    with engine.begin() as db:
        _insert(db, "organisations", {"id": "o-1", "name": "Trust", **at})
        _insert(db, "teams", {"id": TEAM, "organisation_id": "o-1", "name": "IPS North", **at})
        _insert(db, "users", *[
            {"id": uid, "team_id": TEAM, "username": name, "display_name": name.title(), "role": role,
             "password_hash": None, "active": True, **at}
            for uid, name, role in ((ALICE, "alice", "specialist"), (SUE, "sue", "supervisor"))
        ])  # fmt: skip
        _insert(db, "records", *[
            {"pk": pk, "team_id": TEAM, "record_id": rid, "kind": "employer_visit",
             "owner_user_id": owner, "version": 1, "deleted": False, "flagged": False, "seq": pk,
             "updated_at": T, "data": {"id": rid}}
            for pk, rid, owner in ((1, "alices-visit", ALICE), (2, "sues-visit", SUE))
        ])  # fmt: skip
        comments = [
            ("alice-reply", 1, ALICE, T),  # a specialist's: a reply
            ("sue-on-alices", 1, SUE, T),  # a supervisor's on another's record
            ("sue-page-note", 2, SUE, T),  # on her own record, no reply in the audit log
            ("sue-phone-reply", 2, SUE, T + timedelta(hours=1)),  # her phone's reply, audited
            ("sue-later-note", 2, SUE, T + timedelta(hours=1, minutes=5)),  # her page, minutes later
        ]
        _insert(db, "comments", *[
            {"id": cid, "record_pk": pk, "author_user_id": author, "body": "...", "created_at": when}
            for cid, pk, author, when in comments
        ])  # fmt: skip
        _insert(db, "audit_events", *[
            {"at": when, "action": action, "outcome": "success", "team_id": TEAM, "actor_user_id": SUE,
             "device_id": device, "target": "sues-visit", "details": {}}
            for when, action, device in (
                (T + timedelta(hours=1, milliseconds=3), "reply", "d-sues-phone"),
                (T + timedelta(seconds=1), "comment", None),
            )
        ])  # fmt: skip
    engine.dispose()


def _replies(url: str) -> dict[str, bool]:
    engine = sa.create_engine(url)
    with engine.connect() as db:
        rows = db.execute(sa.text("SELECT id, is_reply FROM comments")).all()
    engine.dispose()
    return {row[0]: bool(row[1]) for row in rows}


def test_0019_marks_the_replies_that_came_from_the_owners_phone(empty_url: str) -> None:  # noqa: F811
    upgrade(empty_url, "0018")
    _seed(empty_url)
    upgrade(empty_url, "0019")
    assert _replies(empty_url) == {
        "alice-reply": True,
        "sue-on-alices": False,
        "sue-page-note": False,
        "sue-phone-reply": True,
        "sue-later-note": False,
    }
    downgrade(empty_url, "0018")
    engine = sa.create_engine(empty_url)
    assert "is_reply" not in {column["name"] for column in sa.inspect(engine).get_columns("comments")}
    engine.dispose()
