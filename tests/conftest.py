"""Fixtures shared across test folders: one real API process per module, on its own SQLite file.

tests/server/conftest.py defines its own `database` (function-scoped, SQLite and PostgreSQL), which
takes precedence there.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.db.database import Database
from tests.sync.harness import ServerProcess, migrated_database


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = migrated_database(f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.db'}")
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def server(database: Database) -> Iterator[ServerProcess]:
    """One real API process per test module; each test gets its own team in it."""
    process = ServerProcess(database.url)
    process.start()
    yield process
    process.kill()
