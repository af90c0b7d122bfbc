"""Migration 0018: the index the team's photo storage reads (its sum and the sweep of abandoned
uploads) comes with upgrade and goes with downgrade, on SQLite and PostgreSQL, and the queries a
declaration runs can use it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from server.db.database import Database
from server.db.migrate import downgrade, upgrade
from server.settings import Settings
from tests.server.test_attachments import declare, jpeg, visit_of
from tests.server.test_migration_upgrade import empty_url  # noqa: F401 (the fixture: a fresh database)
from tests.server.world import World, new_id

INDEX = "ix_attachments_team_complete_created"
CURRENT_INDEX = "ix_attachments_team_complete_received"  # since 0020: the sweep reads the last chunk's time


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key=SecretStr("test-secret"),
        cookie_secure=False,
        photo_storage_per_team_bytes=10 * 1024 * 1024,
    )


def _index(url: str) -> dict[str, Any] | None:
    engine = sa.create_engine(url)
    try:
        found = [dict(ix) for ix in sa.inspect(engine).get_indexes("attachments") if ix["name"] == INDEX]
        if found and engine.dialect.name == "postgresql":
            with engine.connect() as db:
                found[0]["definition"] = db.execute(
                    sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": INDEX}
                ).scalar_one()
        return found[0] if found else None
    finally:
        engine.dispose()


def test_0018_adds_the_team_index_and_its_downgrade_takes_it_away(empty_url: str) -> None:  # noqa: F811
    upgrade(empty_url, "0017")
    assert _index(empty_url) is None
    upgrade(empty_url, "0018")
    index = _index(empty_url)
    assert index is not None and index["column_names"] == ["team_id", "complete", "created_at"]
    if empty_url.startswith("postgresql"):
        assert "INCLUDE (size)" in index["definition"]  # the sum is read from the index alone
    downgrade(empty_url, "0017")
    assert _index(empty_url) is None
    upgrade(empty_url, "0019")
    assert _index(empty_url) is not None


@pytest.fixture
def statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL (and its parameters) the app sends about attachments, while the test runs."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.startswith(("SELECT sum(", "DELETE FROM attachments")) and "attachments" in statement:
            seen.append((statement, parameters))

    engines = {database.engine, database.write_engine}
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", note)
    yield seen
    for engine in engines:
        sa.event.remove(engine, "before_cursor_execute", note)


def test_a_declarations_sum_and_sweep_can_use_the_index(
    client: TestClient, world: World, database: Database, statements: list[tuple[str, Any]]
) -> None:
    alice = world["alice"]
    assert declare(client, alice, new_id(), visit_of(client, alice), jpeg()).status_code == 201
    assert {statement.split()[0] for statement, _ in statements} == {"SELECT", "DELETE"}
    with database.engine.connect() as db:
        for statement, parameters in statements:
            if database.is_sqlite:
                plan = " ".join(
                    str(row[-1]) for row in db.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                )
            else:
                db.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a few rows: else a table scan wins
                plan = " ".join(str(row[0]) for row in db.exec_driver_sql(f"EXPLAIN {statement}", parameters))
            assert CURRENT_INDEX in plan, (statement, plan)
            db.rollback()
