"""Engines and transactions: `Database.read()` and `Database.write()`.

On SQLite a write transaction starts with BEGIN IMMEDIATE, so writers queue on the database lock
before they read anything (a deferred transaction that read first could not upgrade to a writer
after another commit, and would fail with "database is locked"). Reads stay deferred, and WAL lets
them run beside a writer. On PostgreSQL both are ordinary READ COMMITTED transactions; writers order
themselves on the team's change-counter row (server.services.changes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pydantic_core
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_MS = 30_000


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


def _sqlite_engine(url: str, *, begin: str) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000}, **JSON_CODEC
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Take BEGIN away from the sqlite3 module so we can choose DEFERRED or IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)

    return engine


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of a SQLite file URL (the default lives under var/)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        Path(url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)


class Database:
    """Owns the engines; hands out sessions wrapped in one transaction each."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            ensure_sqlite_dir(url)
            self.engine = _sqlite_engine(url, begin="BEGIN")
            self.write_engine = _sqlite_engine(url, begin="BEGIN IMMEDIATE")
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

    def dispose(self) -> None:
        self.engine.dispose()
        if self.write_engine is not self.engine:
            self.write_engine.dispose()
