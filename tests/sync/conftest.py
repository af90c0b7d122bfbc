from __future__ import annotations

import pytest

from server.db.database import Database
from tests.sync.harness import ServerProcess, Team, make_team


@pytest.fixture
def team(database: Database, server: ServerProcess) -> Team:
    built = make_team(database)
    built.add("alice")
    built.add("bob")
    return built
