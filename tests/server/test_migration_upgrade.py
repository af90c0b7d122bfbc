"""Upgrading from the first schema (0001) to the newest with data in it: every row written at 0001
survives, the derived columns later migrations add are filled from it, and the real API at head
reads it right (a device's token, its pull, a replayed push, a supervisor's session and pages)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from server import security
from server.db.database import Database
from server.db.migrate import upgrade
from server.db.models import RecordRow
from server.main import create_app
from server.settings import Settings
from tests.server.conftest import PG_ADMIN
from tests.server.world import CURRENT_APP

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ORG, TEAM, SUE, ALICE, PHONE = ("o-1", "t-1", "u-sue", "u-alice", "d-phone")
EMPLOYER, VISIT, SEEKER = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
DEVICE_TOKEN, SESSION_TOKEN = "device-token-at-0001", "session-token-at-0001"
OP = "00000000-0000-4000-8000-0000000000aa"
EMPLOYER_DATA = {"id": EMPLOYER, "version": 1, "name": "Harbour Bakery", "sector": "food",
                 "latitude": 51.5, "longitude": -0.12}  # fmt: skip
GEOTAG = {"latitude": 51.51, "longitude": -0.11, "accuracy_m": 9.0, "source": "gps"}
VISIT_DATA = {"id": VISIT, "version": 1, "employer_id": EMPLOYER, "occurred_at": "2026-03-02T10:15:00+01:00",
              "contact_mode": "face_to_face", "purpose": "learn_business", "job_seeker_ids": [SEEKER],
              "geotag": GEOTAG}  # fmt: skip
SEEKER_DATA = {"id": SEEKER, "version": 1, "code": "JS-31", "referral_date": "2026-02-20",
               "disclosure": "consented"}  # fmt: skip


JSON_COLUMNS = {"data", "conflicts", "result"}


def _insert(db: sa.Connection, table: str, *rows: dict[str, Any]) -> None:
    """Plain inserts into the 0001 tables, as they were then (no ORM: the models are at head)."""
    columns = [sa.column(name, sa.JSON) if name in JSON_COLUMNS else sa.column(name) for name in rows[0]]
    db.execute(sa.table(table, *columns).insert(), list(rows))


def _seed_at_0001(url: str) -> None:
    engine = sa.create_engine(url)
    at = {"created_at": T}
    records = [(1, EMPLOYER, "employer", EMPLOYER_DATA), (2, VISIT, "employer_visit", VISIT_DATA),
               (3, SEEKER, "job_seeker", SEEKER_DATA)]  # fmt: skip
    with engine.begin() as db:
        _insert(db, "organisations", {"id": ORG, "name": "Trust", **at})
        _insert(db, "teams", {"id": TEAM, "organisation_id": ORG, "name": "IPS North", **at})
        _insert(db, "team_change_counters", {"team_id": TEAM, "last_seq": 3})
        user = {"team_id": TEAM, "active": True, **at}
        _insert(
            db,
            "users",
            {"id": SUE, "username": "sue", "display_name": "Sue", "role": "supervisor",
             "password_hash": security.hash_password("pw-at-0001"), **user},
            {"id": ALICE, "username": "alice", "display_name": "Alice", "role": "specialist",
             "password_hash": None, **user},
        )  # fmt: skip
        token_hash = security.token_hash(DEVICE_TOKEN)
        _insert(db, "devices", {"id": PHONE, "user_id": ALICE, "name": "phone", "token_hash": token_hash,
                                "revoked_at": None, **at})  # fmt: skip
        session_hash = security.token_hash(SESSION_TOKEN)
        _insert(db, "web_sessions", {"id": "s-1", "token_hash": session_hash, "user_id": SUE,
                                     "expires_at": datetime(2099, 1, 1, tzinfo=UTC), **at})  # fmt: skip
        _insert(db, "records", *[
            {"pk": pk, "team_id": TEAM, "record_id": rid, "kind": kind, "owner_user_id": ALICE, "version": 1,
             "deleted": False, "flagged": False, "seq": pk, "updated_at": T, "data": data}
            for pk, rid, kind, data in records
        ])  # fmt: skip
        _insert(db, "record_versions", *[
            {"record_pk": pk, "version": 1, "deleted": False, "op_id": OP if pk == 2 else f"op-{pk}",
             "author_user_id": ALICE, "author_device_id": PHONE, "data": data, "conflicts": [], **at}
            for pk, _rid, _kind, data in records
        ])  # fmt: skip
        result = {
            "op_id": OP,
            "kind": "employer_visit",
            "record_id": VISIT,
            "status": "applied",
            "version": 1,
        }
        _insert(db, "applied_operations", {"user_id": ALICE, "op_id": OP, "device_id": PHONE, "record_pk": 2,
                                           "result": result, **at})  # fmt: skip
        _insert(db, "reviews", {"record_pk": 2, "state": "approved", "reviewed_by": SUE, "reviewed_at": T})
        _insert(db, "comments", {"id": "c-1", "record_pk": 2, "author_user_id": SUE,
                                 "body": "Good first contact", **at})  # fmt: skip
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true and is unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    name = f"fieldwork_up_{os.getpid()}_{secrets.token_hex(3)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_rows_written_at_0001_survive_and_read_right_at_head(empty_url):
    upgrade(empty_url, "0001")
    _seed_at_0001(empty_url)
    upgrade(empty_url, "head")

    database = Database(empty_url)
    with database.read() as session:
        visit = session.scalar(sa.select(RecordRow).where(RecordRow.record_id == VISIT))
        employer = session.scalar(sa.select(RecordRow).where(RecordRow.record_id == EMPLOYER))
        assert visit is not None and employer is not None
        assert visit.data == VISIT_DATA and (visit.version, visit.seq, visit.flagged) == (1, 2, False)
        # Columns later migrations derive, backfilled from data written before they existed.
        assert visit.occurred_at is not None
        assert visit.occurred_at.replace(tzinfo=UTC) == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
        assert (visit.subject_id, visit.face_to_face, visit.seeker_ids) == (EMPLOYER, True, SEEKER)
        assert (visit.latitude, visit.longitude, employer.latitude, employer.longitude) == (
            51.51,
            -0.11,
            51.5,
            -0.12,
        )
        assert visit.changed_by_device_id is None  # "send to every device", as before the column

    settings = Settings(database_url=empty_url, secret_key="upgrade-secret")
    with TestClient(create_app(settings, database=database), base_url="http://127.0.0.1") as client:
        device = {"Authorization": f"Bearer {DEVICE_TOKEN}", **CURRENT_APP}
        pulled = client.get("/api/v1/sync/pull", headers=device)
        assert pulled.status_code == 200, pulled.text
        changes = {c["record_id"]: c for c in pulled.json()["changes"]}
        assert {rid: c["data"] for rid, c in changes.items()} == {
            EMPLOYER: EMPLOYER_DATA, VISIT: VISIT_DATA, SEEKER: SEEKER_DATA
        }  # fmt: skip
        review = changes[VISIT]["review"]
        assert review["state"] == "approved" and review["comments"][0]["body"] == "Good first contact"
        op = {
            "op_id": OP,
            "kind": "employer_visit",
            "record_id": VISIT,
            "base_version": 0,
            "data": VISIT_DATA,
        }
        replay = client.post("/api/v1/sync/push", json={"operations": [op]}, headers=device)
        assert replay.json()["results"][0]["status"] == "already_applied", replay.text

        supervisor = {"Cookie": f"fieldwork_session={SESSION_TOKEN}"}
        listed = client.get("/api/v1/records", headers=supervisor)
        assert {r["record_id"] for r in listed.json()} == {EMPLOYER, VISIT, SEEKER}
        for page in ("/review", "/review/fidelity", "/review/map", f"/review/records/{VISIT}"):
            assert client.get(page, headers=supervisor).status_code == 200, page
        signed_in = client.post("/api/v1/auth/login", json={"username": "sue", "password": "pw-at-0001"})
        assert signed_in.status_code == 200
    database.dispose()
