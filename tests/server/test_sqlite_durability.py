"""SQLite keeps what it acknowledged: every connection the Database hands out commits with
synchronous=FULL in WAL mode (an acknowledged push survives a power cut, not only a crash), and
the WAL is copied back into the database file by the Database's checkpoint thread, after writes,
rather than inside a request's commit; the WAL file stays bounded however many writes go by."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from server.db.database import WAL_AUTOCHECKPOINT_PAGES, WRITE_CACHE_KIB, Database

FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'durable.db'}")
    yield database
    database.dispose()


@pytest.fixture
def eager(tmp_path: Path) -> Iterator[Database]:
    """Checkpoints as soon as a write commits, instead of once a burst of writes is over."""
    database = Database(f"sqlite:///{tmp_path / 'durable.db'}", checkpoint_idle=0)
    yield database
    database.dispose()


def test_every_connection_commits_durably_in_wal_mode(db: Database) -> None:
    with db.write() as session:
        connection = session.connection()
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == FULL
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_AUTOCHECKPOINT_PAGES
    with db.read() as session:
        connection = session.connection()
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == FULL
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_writers_keep_a_large_page_cache_and_readers_the_default(db: Database) -> None:
    with db.write() as session:
        assert session.connection().exec_driver_sql("PRAGMA cache_size").scalar() == -WRITE_CACHE_KIB
    with db.read() as session:
        assert session.connection().exec_driver_sql("PRAGMA cache_size").scalar() == -2000  # SQLite's


def test_wal_is_checkpointed_off_the_request_path_and_stays_bounded(eager: Database, tmp_path: Path) -> None:
    db = eager
    checkpointer = db.checkpointer
    assert checkpointer is not None
    with db.write() as session:
        session.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)"))
    row = os.urandom(256 * 1024)
    writes = 40  # 10 MiB in all, far more than the WAL may hold
    for _ in range(writes):
        with db.write() as session:
            session.execute(text("INSERT INTO blobs (body) VALUES (:body)"), {"body": row})
        # As between pushes: the checkpoint asked for by this commit is done before the next one.
        assert checkpointer.wait_idle(timeout=30)
    assert checkpointer.completed >= writes
    assert checkpointer.last_thread == "fieldwork-wal-checkpoint"
    busy, frames, copied = checkpointer.last_result or (1, -1, -2)
    assert busy == 0 and frames == copied  # the whole WAL is in the database file
    wal = tmp_path / "durable.db-wal"
    assert wal.stat().st_size < 1024 * 1024, wal.stat().st_size  # restarted, not grown
    with db.read() as session:
        assert session.execute(text("SELECT count(*) FROM blobs")).scalar() == writes


def test_a_disposed_database_stops_its_checkpoint_thread(db: Database) -> None:
    with db.write() as session:
        session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
    checkpointer = db.checkpointer
    assert checkpointer is not None and checkpointer.wait_idle(timeout=30)
    db.dispose()
    assert checkpointer.stopped()


def test_two_databases_on_one_file_write_and_checkpoint_side_by_side(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As two API processes on one SQLite file: each has its own checkpoint thread, SQLite runs
    one checkpoint at a time, and neither loses a write or logs a failed checkpoint."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = Database(url, checkpoint_idle=0), Database(url, checkpoint_idle=0)
    try:
        with first.write() as session:
            session.execute(text("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)"))
        row = os.urandom(128 * 1024)
        writes = 40
        for n in range(writes):
            writer = first if n % 2 else second
            with writer.write() as session:
                session.execute(text("INSERT INTO blobs (body) VALUES (:body)"), {"body": row})
            # As between pushes: this commit's checkpoint is done before the next write, so no
            # nudge is folded into a running one and each write counts one checkpoint.
            assert writer.checkpointer is not None and writer.checkpointer.wait_idle(timeout=30)
        for db in (first, second):
            assert db.checkpointer is not None
            assert db.checkpointer.completed >= writes // 2
        # One checkpoint may have found the other's running and left the last frames to the
        # next write's: after that one, every frame is in the database file...
        with first.write() as session:
            session.execute(text("DELETE FROM blobs WHERE id = 1"))
        assert first.checkpointer is not None and first.checkpointer.wait_idle(timeout=30)
        busy, frames, copied = first.checkpointer.last_result or (1, -1, -2)
        assert busy == 0 and frames == copied
        with second.write() as session:  # ...so the WAL starts over, instead of growing
            session.execute(text("DELETE FROM blobs WHERE id = 2"))
        assert second.checkpointer is not None and second.checkpointer.wait_idle(timeout=30)
        with closing(sqlite3.connect(tmp_path / "shared.db")) as raw:
            _busy, wal_frames, _copied = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert 0 < wal_frames < 100  # this one write's pages, not the forty-odd writes' before it
        with second.read() as session:
            assert session.execute(text("SELECT count(*) FROM blobs")).scalar() == writes - 2
    finally:
        first.dispose()
        second.dispose()
    assert "checkpoint failed" not in caplog.text
