"""A small organisation for tests: two teams, every role, enrolled devices and web sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from app.domain.clock import FakeClock
from server.db.database import Database
from server.services import accounts
from server.services.accounts import Role
from server.settings import Settings
from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

# What today's app sends on every request: a sync request without it is a protocol-1 app (426).
CURRENT_APP = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}

PASSWORD = "correct horse battery"


@dataclass
class Member:
    username: str
    user_id: str
    role: Role
    team_id: str
    token: str | None = None  # device token, for specialists (and one supervisor phone)
    device_id: str | None = None
    session: str | None = None  # web session cookie value, for supervisors and admins

    @property
    def bearer(self) -> dict[str, str]:
        """The device's headers, as today's app sends them: its token and its protocol version."""
        assert self.token is not None
        return {"Authorization": f"Bearer {self.token}", **CURRENT_APP}

    @property
    def web(self) -> dict[str, str]:
        """Headers carrying the web session cookie."""
        assert self.session is not None
        return {"Cookie": f"fieldwork_session={self.session}"}


@dataclass
class World:
    team_a: str
    team_b: str
    members: dict[str, Member] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Member:
        return self.members[name]


def build_world(database: Database, *, clock: FakeClock, settings: Settings, client: TestClient) -> World:
    secret = settings.secret_key.get_secret_value()
    with database.write() as session:
        org = accounts.create_organisation(session, name="Northside Trust", clock=clock)
        team_a = accounts.create_team(session, organisation_id=org, name="IPS North", clock=clock)
        team_b = accounts.create_team(session, organisation_id=org, name="IPS South", clock=clock)
    world = World(team_a=team_a, team_b=team_b)
    people = [
        ("alice", Role.SPECIALIST, team_a),
        ("bob", Role.SPECIALIST, team_a),
        ("sue", Role.SUPERVISOR, team_a),
        ("ada", Role.ADMIN, team_a),
        ("carl", Role.SPECIALIST, team_b),
        ("sam", Role.SUPERVISOR, team_b),
    ]
    for username, role, team in people:
        with database.write() as session:
            user_id = accounts.create_user(
                session,
                team_id=team,
                username=username,
                display_name=username.title(),
                role=role,
                password=PASSWORD,
                clock=clock,
            )
        world.members[username] = Member(username=username, user_id=user_id, role=role, team_id=team)
    for username in ("alice", "bob", "carl", "sue"):
        with database.write() as session:
            code, _ = accounts.issue_enrollment_code(
                session,
                user_id=world[username].user_id,
                issued_by=None,
                clock=clock,
                secret=secret,
                minutes=15,
            )
        enrolled = client.post("/api/v1/enroll", json={"code": code, "device_name": f"{username}'s phone"})
        assert enrolled.status_code == 200, enrolled.text
        world[username].token = enrolled.json()["token"]
        world[username].device_id = enrolled.json()["device_id"]
    # Alice's second device: a pull skips the puller's own pushes, so her tablet sees her phone's.
    alice = world["alice"]
    with database.write() as session:
        code, _ = accounts.issue_enrollment_code(
            session, user_id=alice.user_id, issued_by=None, clock=clock, secret=secret, minutes=15
        )
    enrolled = client.post("/api/v1/enroll", json={"code": code, "device_name": "alice's tablet"})
    assert enrolled.status_code == 200, enrolled.text
    world.members["alice_tablet"] = Member(
        username="alice",
        user_id=alice.user_id,
        role=alice.role,
        team_id=alice.team_id,
        token=enrolled.json()["token"],
        device_id=enrolled.json()["device_id"],
    )
    for username in ("sue", "ada", "sam"):
        with database.write() as session:
            token, _ = accounts.login(session, username=username, password=PASSWORD, clock=clock, hours=12)
        world[username].session = token
    return world


def new_id() -> str:
    return str(uuid.uuid4())


def sample(kind: str, **overrides: Any) -> dict[str, Any]:
    """A valid record of `kind` (fields as the device's codec writes them)."""
    base: dict[str, dict[str, Any]] = {
        "employer": {"name": "Café Rio", "sector": "hospitality", "address": "1 High St"},
        # A code of its own each time: codes are unique within a team (issue 15).
        "job_seeker": {
            "code": f"JS-{uuid.uuid4().hex[:6]}",
            "referral_date": "2026-04-01",
            "disclosure": "consented",
        },
        "employer_visit": {
            "employer_id": overrides.get("employer_id", new_id()),
            "occurred_at": "2026-05-04T09:00:00+00:00",
            "purpose": "learn_business",
        },
        "job_opening": {
            "employer_id": overrides.get("employer_id", new_id()),
            "title": "Barista",
            "wage": 12.5,
        },
        "support_check_in": {
            "job_seeker_id": overrides.get("job_seeker_id", new_id()),
            "occurred_at": "2026-05-04T10:00:00+00:00",
            "with_whom": "worker",
        },
    }
    return {**base[kind], **overrides}


def op(
    kind: str,
    record_id: str,
    *,
    base: int = 0,
    data: dict[str, Any] | None = None,
    delete: bool = False,
    op_id: str | None = None,
) -> dict[str, Any]:
    return {
        "op_id": op_id or new_id(),
        "kind": kind,
        "record_id": record_id,
        "base_version": base,
        "data": None if delete else (data if data is not None else sample(kind)),
        "delete": delete,
    }


def push(client: TestClient, member: Member, *ops: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post("/api/v1/sync/push", json={"operations": list(ops)}, headers=member.bearer)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def pull_all(
    client: TestClient, member: Member, cursor: str = "", limit: int = 500
) -> tuple[list[dict[str, Any]], str]:
    """Every change after `cursor`, following pages (bounded), and the final cursor."""
    changes: list[dict[str, Any]] = []
    for _ in range(10_000):
        response = client.get(
            "/api/v1/sync/pull", params={"cursor": cursor, "limit": limit}, headers=member.bearer
        )
        assert response.status_code == 200, response.text
        body = response.json()
        changes.extend(body["changes"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return changes, cursor
    raise AssertionError("pull did not finish")
