"""SQLite hands back naive datetimes even for timezone-aware columns; everything here is UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None
