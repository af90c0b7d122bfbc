from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.harness import ServerProcess, Team, make_team


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    built = make_team(f"sqlite:///{tmp_path / 'server.db'}")
    built.add("alice")
    built.add("bob")
    yield built
    built.database.dispose()


@pytest.fixture
def server(team: Team) -> Iterator[ServerProcess]:
    process = ServerProcess(team.database.url)
    process.start()
    yield process
    process.kill()
