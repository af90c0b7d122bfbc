"""Migration 0020 on data, SQLite and PostgreSQL: attachments.received_at (when an upload last
received a chunk) is backfilled with a finished upload's completion time, else its declaration (no
upload is swept sooner than before), it is required after, and the team's index reads it instead of
created_at; the downgrade drops it and puts the 0018 index back."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from server.db.migrate import downgrade, upgrade
from tests.server.test_migration_comment_replies import TEAM
from tests.server.test_migration_comment_replies import _seed as _seed_records
from tests.server.test_migration_upgrade import empty_url  # noqa: F401 (the fixture: a fresh database)

DECLARED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
FINISHED = datetime(2026, 3, 4, 17, 30, tzinfo=UTC)


UPLOADS = (("whole", 10, True, FINISHED), ("half", 5, False, None))


def _seed(url: str) -> None:
    _seed_records(url)  # a team, its users and two visits (pk 1 and 2)
    names = ("id", "team_id", "record_pk", "owner_user_id", "content_type", "size", "sha256", "received",
             "complete", "created_at", "completed_at")  # fmt: skip
    table = sa.table("attachments", *(sa.column(n) for n in names), sa.column("data", sa.LargeBinary))
    engine = sa.create_engine(url)
    with engine.begin() as db:
        db.execute(table.insert(), [
            {"id": aid, "team_id": TEAM, "record_pk": 1, "owner_user_id": "u-alice",
             "content_type": "image/jpeg", "size": 10, "sha256": "0" * 64, "received": received,
             "data": b"0123456789"[:received], "complete": complete, "created_at": DECLARED,
             "completed_at": completed_at}
            for aid, received, complete, completed_at in UPLOADS
        ])  # fmt: skip
    engine.dispose()


def _state(url: str) -> tuple[dict[str, datetime], dict[str, bool], dict[str, list[str]]]:
    """(received_at by upload, nullable by column, columns by index)."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        columns = {str(c["name"]): bool(c["nullable"]) for c in inspector.get_columns("attachments")}
        indexes = {
            str(ix["name"]): [str(c) for c in ix["column_names"]]
            for ix in inspector.get_indexes("attachments")
        }
        received: dict[str, datetime] = {}
        if "received_at" in columns:
            with engine.connect() as db:
                for aid, at in db.execute(sa.text("SELECT id, received_at FROM attachments")).all():
                    at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
                    received[aid] = at if at.tzinfo else at.replace(tzinfo=UTC)
        return received, columns, indexes
    finally:
        engine.dispose()


def test_0020_backfills_received_at_moves_the_index_and_goes_back(empty_url: str) -> None:  # noqa: F811
    upgrade(empty_url, "0019")
    _seed(empty_url)
    upgrade(empty_url, "0020")
    received, columns, indexes = _state(empty_url)
    assert received == {"whole": FINISHED, "half": DECLARED}
    assert columns["received_at"] is False  # required from now on
    assert indexes["ix_attachments_team_complete_received"] == ["team_id", "complete", "received_at"]
    assert "ix_attachments_team_complete_created" not in indexes

    downgrade(empty_url, "0019")
    received, columns, indexes = _state(empty_url)
    assert "received_at" not in columns
    assert indexes["ix_attachments_team_complete_created"] == ["team_id", "complete", "created_at"]
    upgrade(empty_url, "head")
    assert _state(empty_url)[0] == {"whole": FINISHED, "half": DECLARED}
