from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.db.database import Database
from tests.sync.harness import ServerProcess, Team, make_team, migrated_database


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path: Path = tmp_path_factory.mktemp("server") / "server.db"
    db = migrated_database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def server(database: Database) -> Iterator[ServerProcess]:
    """One real API process per test module; each test gets its own team in it."""
    process = ServerProcess(database.url)
    process.start()
    yield process
    process.kill()


@pytest.fixture
def team(database: Database, server: ServerProcess) -> Team:
    built = make_team(database)
    built.add("alice")
    built.add("bob")
    return built
