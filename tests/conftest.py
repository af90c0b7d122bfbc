"""Fixtures shared across test folders: one real API process per module, on its own SQLite file.

tests/server/conftest.py defines its own `database` (function-scoped, SQLite and PostgreSQL), which
takes precedence there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from server.db.database import Database
from tests.sync.harness import ServerProcess, migrated_database

# CI draws the same property-test examples every run (seeded from each test), and keeps no example
# database between runs: a clean clone's result does not depend on luck. A developer's runs stay
# random, so new examples keep being tried.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")


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
