"""The server's id seam: every id it makes comes from an id maker passed in (create_app(new_id=...),
then the NewIdDep dependency, then a `new_id=` keyword on the services), like the clock.

The default is app.domain.clock.new_id, the phone's own; no module under server/ calls uuid4 itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.domain.clock import FakeClock
from server.db.database import Database
from server.db.models import Comment, Device, EnrollmentCode, Organisation, Team, User, WebSession
from server.main import create_app
from server.services import accounts
from server.services.accounts import Role
from server.settings import Settings
from tests.server.web_helpers import seed_activity
from tests.server.world import build_world

SERVER = Path(__file__).resolve().parents[2] / "server"
RANDOM = {"uuid1", "uuid4"}  # random ids; uuid5 (derived from a name, as employer import does) is fine


class FixedIds:
    """Hands out the ids given to it, in order, and remembers which it handed out."""

    def __init__(self, prefix: str) -> None:
        self._ids: Iterator[str] = (f"{prefix}-0000-4000-8000-{n:012d}" for n in range(1, 10_000))
        self.handed: list[str] = []

    def __call__(self) -> str:
        made = next(self._ids)
        self.handed.append(made)
        return made


def test_accounts_and_reviews_make_their_ids_with_the_id_maker_passed_in(
    database: Database, clock: FakeClock
) -> None:
    ids = FixedIds("00000001")
    with database.write() as session:
        org = accounts.create_organisation(session, name="Seam Trust", clock=clock, new_id=ids)
        team = accounts.create_team(session, organisation_id=org, name="IPS Seam", clock=clock, new_id=ids)
        user = accounts.create_user(
            session,
            team_id=team,
            username="seam",
            display_name="Seam",
            role=Role.SUPERVISOR,
            password="correct horse battery",
            clock=clock,
            new_id=ids,
        )
        code, _ = accounts.issue_enrollment_code(
            session, user_id=user, issued_by=None, clock=clock, secret="s", minutes=15, new_id=ids
        )
        enrolled = accounts.enroll_device(
            session, code=code, device_name="phone", clock=clock, secret="s", new_id=ids
        )
        accounts.login(
            session, username="seam", password="correct horse battery", clock=clock, hours=1, new_id=ids
        )
    assert [org, team, user] == ids.handed[:3]
    assert enrolled.device_id == ids.handed[4]
    with database.read() as session:
        assert session.get(Organisation, org) is not None
        assert session.get(Team, team) is not None
        assert session.get(User, user) is not None
        assert session.scalars(select(EnrollmentCode.id)).all() == [ids.handed[3]]
        assert session.get(Device, ids.handed[4]) is not None
        assert session.scalars(select(WebSession.id)).all() == [ids.handed[5]]
    assert len(ids.handed) == 6


def test_the_app_passes_its_id_maker_to_enrollment_members_and_comments(
    settings: Settings, clock: FakeClock, database: Database
) -> None:
    ids = FixedIds("00000002")
    app = create_app(settings, clock=clock, new_id=ids, database=database)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        world = build_world(database, clock=clock, settings=settings, client=client)
        # build_world makes people through the services (default ids) and enrolls phones over HTTP.
        assert world["alice"].device_id in ids.handed
        assert world["carl"].device_id in ids.handed
        seeded = seed_activity(client, world)
        ada, sue = world["ada"], world["sue"]
        made = client.post(
            "/api/v1/users",
            json={"username": "newbie", "display_name": "New Bie", "role": "specialist"},
            headers=ada.web,
        )
        assert made.status_code == 201, made.text
        assert made.json()["user_id"] == ids.handed[-1]
        commented = client.post(
            f"/api/v1/records/{seeded.alice_visit}/comments", json={"body": "Good visit"}, headers=sue.web
        )
        assert commented.status_code == 201, commented.text
        assert commented.json()["comment_id"] == ids.handed[-1]
    with database.read() as session:
        assert session.scalars(select(Comment.id)).all() == [ids.handed[-1]]


def _direct_uuid_calls(path: Path, *, root: Path) -> list[str]:
    """uuid1/uuid4 reached as uuid.uuid4(...), or imported by name (from uuid import uuid4)."""
    name = path.relative_to(root)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr in RANDOM:
            found.append(f"{name}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "uuid":
            found += [f"{name}:{node.lineno} import {a.name}" for a in node.names if a.name in RANDOM]
    return found


def test_no_server_module_makes_random_ids_itself() -> None:
    found = [
        hit for path in sorted(SERVER.rglob("*.py")) for hit in _direct_uuid_calls(path, root=SERVER.parent)
    ]
    assert found == [], "take a new_id: IdMaker (server.api.deps.NewIdDep) instead: " + ", ".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "import uuid\nx = str(uuid.uuid4())\n",
        "from uuid import uuid4 as u\nx = u()\n",
        "import uuid as u\nx = u.uuid1()\n",
    ],
)
def test_the_random_id_check_sees_each_spelling(source: str, tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    assert len(_direct_uuid_calls(probe, root=tmp_path)) == 1


def test_the_random_id_check_lets_derived_ids_pass(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import uuid\nx = uuid.uuid5(uuid.NAMESPACE_URL, 'a')\n", encoding="utf-8")
    assert _direct_uuid_calls(probe, root=tmp_path) == []
