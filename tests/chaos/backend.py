"""The API side of a chaos run: a fresh database (SQLite file or a new PostgreSQL database), the
team and its users, device enrollment, and the uvicorn process the controller kills and restarts."""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from app.domain.clock import SystemClock
from server.db.database import Database
from server.db.migrate import upgrade
from server.services import accounts
from server.services.accounts import Role
from sync.client import SyncClient
from tests.chaos.children import Child, Line
from tests.chaos.serve import SECRET
from tests.sync.harness import free_port

PG_ADMIN = os.environ.get("FIELDWORK_TEST_PG", "postgresql://127.0.0.1:5432/test")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL at FIELDWORK_TEST_PG cannot be reached."""


@contextlib.contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """A migrated, empty database for one run; a PostgreSQL one is dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'server.db'}"
        upgrade(url)
        yield url
        return
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        raise PostgresUnavailable(str(exc)) from exc
    name = f"fieldwork_chaos_{os.getpid()}_{secrets.token_hex(3)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class TeamSetup:
    database: Database
    team_id: str
    users: dict[str, str] = field(default_factory=dict)  # username -> user id

    @classmethod
    def create(cls, database: Database, usernames: list[str]) -> TeamSetup:
        clock = SystemClock()
        with database.write() as session:
            org = accounts.create_organisation(session, name="Chaos Trust", clock=clock)
            team_id = accounts.create_team(session, organisation_id=org, name="IPS Chaos", clock=clock)
            users = {
                name: accounts.create_user(
                    session,
                    team_id=team_id,
                    username=name,
                    display_name=name.title(),
                    role=Role.SPECIALIST,
                    password=None,
                    clock=clock,
                )
                for name in usernames
            }
        return cls(database=database, team_id=team_id, users=users)

    def enroll(self, api_url: str, username: str, device_name: str) -> str:
        """A device token for `username`, enrolled straight at the API (not through the proxy)."""
        with self.database.write() as session:
            code, _ = accounts.issue_enrollment_code(
                session,
                user_id=self.users[username],
                issued_by=None,
                clock=SystemClock(),
                secret=SECRET,
                minutes=15,
            )
        client = SyncClient(api_url)
        try:
            return client.enroll(code, device_name=device_name).token
        finally:
            client.close()


class ApiProcess:
    """The API in its own process on a fixed port, so the proxy's upstream survives restarts."""

    def __init__(self, database_url: str, events: queue.Queue[Line], *, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.child = Child("api", ["tests.chaos.serve", database_url, str(self.port)], events, log=log)

    def start(self) -> None:
        self.child.start()
        self.child.wait_ready()

    def kill(self) -> None:
        self.child.kill()

    def restart(self) -> None:
        self.kill()
        self.start()
