"""Fixtures: every database test runs on SQLite and on PostgreSQL (127.0.0.1:5432).

PostgreSQL gets one database per test session, named after the process, created from database
`test` and dropped at the end, so parallel runs do not clash; the schema comes from the Alembic
migrations (which tests them too). Without PostgreSQL the PostgreSQL cases are skipped, except under
CI=true, where they fail.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.domain.clock import FakeClock
from server import security
from server.db.database import Database
from server.db.migrate import upgrade
from server.db.models import Base
from server.main import create_app
from server.settings import Settings
from tests.server.world import World, build_world

PG_ADMIN = os.environ.get("FIELDWORK_TEST_PG", "postgresql://127.0.0.1:5432/test")
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def _pg_admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    try:
        admin = _pg_admin()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true and is unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    name = f"fieldwork_t_{os.getpid()}_{secrets.token_hex(3)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    url = f"{base}/{name}"
    upgrade(url)
    yield url
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "fieldwork.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    _truncate(url)
    return url


def _truncate(url: str) -> None:
    db = Database(url)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with db.write() as session:
        session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.dispose()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # argon2's production cost is the point in production and a waste of minutes in tests.
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def settings(db_url: str) -> Settings:
    # cookie_secure=False: the test clients speak plain http, where a Secure cookie is not sent back
    # (the default, Secure except on SQLite over loopback, is tested in tests/server/test_headers.py).
    return Settings(
        database_url=db_url, secret_key="test-secret", max_body_bytes=2 * 1024 * 1024, cookie_secure=False
    )


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.database_url)
    yield db
    db.dispose()


@pytest.fixture
def app(settings: Settings, clock: FakeClock, database: Database) -> FastAPI:
    return create_app(settings, clock=clock, database=database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def world(database: Database, clock: FakeClock, settings: Settings, client: TestClient) -> World:
    return build_world(database, clock=clock, settings=settings, client=client)


@dataclass
class LiveServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The app behind a real uvicorn on a random loopback port."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):  # bounded: up to ~5 s for the socket to open
        if server.started:
            break
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield LiveServer(url=f"http://127.0.0.1:{port}", server=server, thread=thread)
    server.should_exit = True
    thread.join(timeout=10)
