"""Migration 0017 on data: each job seeker's current employer and start become a Job record that
phones pull (new row, version 1, the team's next change number); job seekers without both get none;
running it again adds nothing; downgrade takes the jobs away."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from server import security
from server.db.database import Database
from server.db.migrate import downgrade, upgrade
from server.main import create_app
from server.settings import Settings
from tests.server.test_migration_upgrade import empty_url  # noqa: F401 (the fixture: a fresh database)
from tests.server.world import CURRENT_APP

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TEAM, ALICE, PHONE, TOKEN = "t-1", "u-alice", "d-phone", "device-token-0016"
WORKING, SEARCHING, CAFE = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
WORKING_DATA = {"id": WORKING, "version": 1, "code": "JS-1", "referral_date": "2025-10-01",
                "status": "working", "current_employer_id": CAFE, "job_started_on": "2026-01-12"}  # fmt: skip
SEARCHING_DATA = {"id": SEARCHING, "version": 1, "code": "JS-2", "referral_date": "2025-10-01",
                  "current_employer_id": CAFE}  # no start: no job  # fmt: skip


def _insert(db: sa.Connection, table: str, *rows: dict[str, Any]) -> None:
    columns = [sa.column(name, sa.JSON) if name == "data" else sa.column(name) for name in rows[0]]
    db.execute(sa.table(table, *columns).insert(), list(rows))


def _seed(url: str) -> None:
    engine = sa.create_engine(url)
    at = {"created_at": T}
    with engine.begin() as db:
        _insert(db, "organisations", {"id": "o-1", "name": "Trust", **at})
        _insert(db, "teams", {"id": TEAM, "organisation_id": "o-1", "name": "IPS North", **at})
        _insert(db, "team_change_counters", {"team_id": TEAM, "last_seq": 3})
        _insert(db, "users", {"id": ALICE, "team_id": TEAM, "username": "alice", "display_name": "Alice",
                              "role": "specialist", "password_hash": None, "active": True, **at})  # fmt: skip
        _insert(db, "devices", {"id": PHONE, "user_id": ALICE, "name": "phone", "revoked_at": None,
                                "token_hash": security.token_hash(TOKEN), **at})  # fmt: skip
        rows = [(1, CAFE, "employer", {"id": CAFE, "version": 1, "name": "Harbour Café"}),
                (2, WORKING, "job_seeker", WORKING_DATA),
                (3, SEARCHING, "job_seeker", SEARCHING_DATA)]  # fmt: skip
        _insert(db, "records", *[
            {"team_id": TEAM, "record_id": rid, "kind": kind, "owner_user_id": ALICE, "version": 1,
             "deleted": False, "flagged": False, "seq": pk, "updated_at": T, "data": data}
            for pk, rid, kind, data in rows
        ])  # fmt: skip
    engine.dispose()


def _jobs(url: str) -> list[Any]:
    engine = sa.create_engine(url)
    with engine.connect() as db:
        found = db.execute(
            sa.text(
                "SELECT record_id, owner_user_id, version, seq, subject_id, data FROM records"
                " WHERE kind = 'job'"
            )
        ).all()
        counter = db.execute(sa.text("SELECT last_seq FROM team_change_counters")).scalar()
        history = db.execute(sa.text("SELECT count(*) FROM record_versions")).scalar()
    engine.dispose()
    return [found, counter, history]


def test_a_current_employer_and_start_become_a_job_the_phone_pulls(empty_url):  # noqa: F811
    url = empty_url  # SQLite and PostgreSQL
    upgrade(url, "0016")
    _seed(url)
    upgrade(url, "0017")

    (job,), counter, history = _jobs(url)
    record_id, owner, version, seq, subject, data = job
    data = data if isinstance(data, dict) else json.loads(data)
    assert (owner, version, seq, subject, counter, history) == (ALICE, 1, 4, WORKING, 4, 1)
    assert (data["job_seeker_id"], data["employer_id"], data["started_on"], data["ended_on"]) == (
        WORKING,
        CAFE,
        "2026-01-12",
        None,
    )

    database = Database(url)
    settings = Settings(database_url=url, secret_key="jobs-secret")
    with TestClient(create_app(settings, database=database), base_url="http://127.0.0.1") as client:
        pulled = client.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {TOKEN}", **CURRENT_APP})
        assert pulled.status_code == 200, pulled.text
        (change,) = [c for c in pulled.json()["changes"] if c["kind"] == "job"]
        assert change["record_id"] == record_id and change["data"]["started_on"] == "2026-01-12"
    database.dispose()

    downgrade(url, "0016")
    assert _jobs(url)[0] == []
    upgrade(url, "0017")
    assert [row[0] for row in _jobs(url)[0]] == [record_id]  # the same id again
