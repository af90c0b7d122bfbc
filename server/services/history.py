"""A record's version history, read one page at a time.

A shared employer can hold 15,000 versions: read whole, they made the record page and the records
API answer slow and megabytes large (README, Benchmarks: figures behind the code). Each query here
is cut in SQL (ORDER BY version, LIMIT), served by the unique (record_pk, version) index. Callers
check who may read the record (server.services.reviews.record_history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from server.db.models import RecordVersion, User

PAGE = 20  # versions per page unless the caller asks otherwise
MAX_PAGE = 100  # the most one page may hold (the records API's history_limit)
MAX_OLDER_CONFLICTS = 50  # older versions with conflicts a flagged record's page still lists


@dataclass(frozen=True)
class VersionEntry:
    version: int
    data: dict[str, Any] | None
    author: str | None
    op_id: str | None
    conflicts: list[dict[str, Any]]
    created_at: datetime


@dataclass(frozen=True)
class HistoryPage:
    """Versions newest first. `older_before` is the `before_version` that reads the next older
    page; None when this page reaches the oldest version."""

    entries: list[VersionEntry]
    older_before: int | None


def page(
    session: Session, *, record_pk: int, before_version: int | None = None, limit: int = PAGE
) -> HistoryPage:
    """The `limit` newest versions below `before_version` (from the newest when None)."""
    query = (
        select(RecordVersion, User.display_name)
        .outerjoin(User, User.id == RecordVersion.author_user_id)
        .where(RecordVersion.record_pk == record_pk)
    )
    if before_version is not None:
        query = query.where(RecordVersion.version < before_version)
    size = min(max(1, limit), MAX_PAGE)
    rows = session.execute(query.order_by(RecordVersion.version.desc()).limit(size)).all()
    entries = [_entry(version, author) for version, author in rows]
    return HistoryPage(entries=entries, older_before=_older_cursor(session, record_pk, entries))


def _older_cursor(session: Session, record_pk: int, entries: list[VersionEntry]) -> int | None:
    """The next older page's cursor, if any version is older; reads one id, never the data."""
    if not entries:
        return None
    oldest = entries[-1].version
    older = session.scalar(
        select(RecordVersion.id)
        .where(RecordVersion.record_pk == record_pk, RecordVersion.version < oldest)
        .limit(1)
    )
    return oldest if older is not None else None


def older_conflicts(
    session: Session, *, record_pk: int, before_version: int, limit: int = MAX_OLDER_CONFLICTS
) -> list[VersionEntry]:
    """Versions below `before_version` that hold conflicts, newest first, without their data, so
    a flagged record's page shows its conflicts when its history page no longer reaches them.
    The column is compared as text: PostgreSQL's `json` type has no equality operator."""
    rows = session.execute(
        select(
            RecordVersion.version,
            RecordVersion.op_id,
            RecordVersion.conflicts,
            RecordVersion.created_at,
            User.display_name,
        )
        .outerjoin(User, User.id == RecordVersion.author_user_id)
        .where(
            RecordVersion.record_pk == record_pk,
            RecordVersion.version < before_version,
            cast(RecordVersion.conflicts, Text).not_in(["[]", "null"]),
        )
        .order_by(RecordVersion.version.desc())
        .limit(limit)
    ).all()
    return [
        VersionEntry(
            version=version,
            data=None,
            author=author,
            op_id=op_id,
            conflicts=list(conflicts or []),
            created_at=created_at,
        )
        for version, op_id, conflicts, created_at, author in rows
    ]


def _entry(version: RecordVersion, author: str | None) -> VersionEntry:
    return VersionEntry(
        version=version.version,
        data=version.data,
        author=author,
        op_id=version.op_id,
        conflicts=list(version.conflicts),
        created_at=version.created_at,
    )
