"""Engines and transactions: `Database.read()` and `Database.write()`.

On SQLite a write transaction starts with BEGIN IMMEDIATE, so writers queue on the database lock
before they read anything (a deferred transaction that read first could not upgrade to a writer
after another commit, and would fail with "database is locked"). Reads stay deferred, and WAL lets
them run beside a writer.

SQLite durability: WAL with synchronous=FULL, so every commit is in the WAL on disk before the
transaction returns. A push the API has acknowledged survives a power cut, not only a crash of
the process (with NORMAL the WAL is only synced at a checkpoint, and the phone would already have
marked the records synced). Since the WAL holds every committed transaction durably, copying it
back into the database file (a checkpoint) can wait: request connections checkpoint only when the
WAL passes WAL_AUTOCHECKPOINT_PAGES (a bound, normally never reached), and a thread of the
Database's own runs a PASSIVE checkpoint after write transactions commit, off the request path
(_Checkpointer). JOURNAL_SIZE_LIMIT truncates a WAL grown past it when it is next reset. Several
API processes on one file each have their own checkpointer: SQLite lets one checkpoint run at a
time, and a PASSIVE one that finds another running just returns (the next write's copies what
it left).

On PostgreSQL both are ordinary READ COMMITTED transactions; writers order themselves on the
team's change-counter row (server.services.changes).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pydantic_core
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_MS = 30_000
# The WAL is checkpointed by _Checkpointer; a request connection checkpoints only past this many
# pages (4 KiB each), the bound if the checkpointer falls behind. Each batch of new records dirties
# most leaves of the indexes keyed by employer or job seeker (and, from an older app, by random
# record ids), so a phone's first sync writes far more WAL than its records' size: the bound holds
# such a burst with room to spare (tests/server/test_wal_bound.py) rather than have its last
# pushes copy the whole WAL back on their own time.
WAL_AUTOCHECKPOINT_PAGES = 65_536
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
CHECKPOINT_IDLE_S = 0.25  # no write for this long: the burst is over, checkpoint
# But no later than this after the first write of a burst: long enough for a phone's whole sync,
# whose pushes come back to back, so its checkpoint's copy and syncs do not compete with them.
CHECKPOINT_MAX_DELAY_S = 10.0
# The writer's page cache (SQLite's default is 2 MiB): a batch of new records touches pages all
# over the indexes keyed by employer or job seeker, and a larger cache keeps them between pushes.
# Pages are allocated as used, and only the write pool (a handful of connections) has it.
WRITE_CACHE_KIB = 65_536

log = logging.getLogger(__name__)


def _to_json(value: Any) -> str:
    return pydantic_core.to_json(value).decode()


# Record data is serialised on every push and parsed on every pull: Rust JSON instead of the stdlib.
# Bound parameters carry record data (names, codes, notes): they stay out of SQL logs and out of the
# text of database errors, which the API's error handler logs.
JSON_CODEC: dict[str, Any] = {
    "json_serializer": _to_json,
    "json_deserializer": pydantic_core.from_json,
    "hide_parameters": True,
}


def _sqlite_engine(url: str, *, begin: str, cache_kib: int | None = None) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000}, **JSON_CODEC
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Take BEGIN away from the sqlite3 module so we can choose DEFERRED or IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        if cache_kib is not None:
            cursor.execute(f"PRAGMA cache_size=-{cache_kib}")  # negative: KiB rather than pages
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)

    return engine


def _sqlite_file(url: str) -> str | None:
    """The file of a SQLite file URL; None for an in-memory database."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        return url[len(prefix) :]
    return None


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file URL (the default lives under var/)."""
    path = _sqlite_file(url)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


class _Checkpointer:
    """Runs SQLite's WAL checkpoints on a thread of its own, so no request waits on one.

    `nudge()` (after a write transaction commits) wakes the thread, started on the first nudge;
    it checkpoints once no write has committed for `idle` seconds (at most `max_delay` after the
    first), and nudges that arrive while a checkpoint runs are folded into one more. A PASSIVE checkpoint
    never waits for readers or writers: it copies what it can, and the next nudge copies the
    rest. The thread has its own connection, outside the engines' pools."""

    def __init__(self, path: str, *, idle: float, max_delay: float) -> None:
        self._path = path
        self._idle = idle
        self._max_delay = max_delay
        self._lock = threading.Condition()
        self._pending = False
        self._busy = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self.completed = 0  # checkpoints run so far
        self.last_result: tuple[int, int, int] | None = None  # (busy, WAL frames, frames copied)
        self.last_thread: str | None = None  # the thread the last checkpoint ran on

    def nudge(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._pending = True
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="fieldwork-wal-checkpoint", daemon=True
                )
                self._thread.start()
            self._lock.notify_all()

    def wait_idle(self, *, timeout: float) -> bool:
        """Wait until no checkpoint is asked for or running; False if `timeout` passed first."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._pending and not self._busy, timeout)

    def stopped(self) -> bool:
        """True once the thread has ended (or never started)."""
        with self._lock:
            thread = self._thread
        return thread is None or not thread.is_alive()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        connection = sqlite3.connect(
            self._path, timeout=SQLITE_BUSY_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute("PRAGMA synchronous=FULL")
            while True:
                with self._lock:
                    self._lock.wait_for(lambda: self._pending or self._closed)
                    self._busy = True
                    # Writes come in bursts (a phone's push is several requests in a row): copy
                    # the WAL back once a burst is over, or every max_delay seconds of a long one,
                    # so the checkpoint's own syncs do not queue behind each request's commit.
                    deadline = time.monotonic() + self._max_delay
                    while self._pending and not self._closed and time.monotonic() < deadline:
                        self._pending = False
                        self._lock.wait(min(self._idle, max(deadline - time.monotonic(), 0.0)))
                    if self._closed:
                        return
                    self._pending = False
                try:
                    row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error:
                    log.warning("WAL checkpoint failed; the next write asks again", exc_info=True)
                    row = None
                with self._lock:
                    self._busy = False
                    self.completed += 1
                    self.last_result = tuple(row) if row is not None else None
                    self.last_thread = threading.current_thread().name
                    self._lock.notify_all()
        finally:
            connection.close()


class Database:
    """Owns the engines; hands out sessions wrapped in one transaction each."""

    def __init__(self, url: str, *, pool_size: int = 10, checkpoint_idle: float = CHECKPOINT_IDLE_S) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        sqlite_file = _sqlite_file(url) if self.is_sqlite else None
        self.checkpointer = (
            _Checkpointer(sqlite_file, idle=checkpoint_idle, max_delay=CHECKPOINT_MAX_DELAY_S)
            if sqlite_file is not None
            else None
        )
        if self.is_sqlite:
            ensure_sqlite_dir(url)
            self.engine = _sqlite_engine(url, begin="BEGIN")
            self.write_engine = _sqlite_engine(url, begin="BEGIN IMMEDIATE", cache_kib=WRITE_CACHE_KIB)
        else:
            self.engine = create_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, **JSON_CODEC
            )
            self.write_engine = self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._write() as session, session.begin():
            yield session
        if self.checkpointer is not None:
            self.checkpointer.nudge()  # committed: copy the WAL back, off this request's path

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()
