"""Time and identity, passed in so tests can pin them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import uuid6


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FakeClock:
    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


IdMaker = Callable[[], str]


def new_id() -> str:
    """A client-generated record or operation id: a UUIDv7 (RFC 9562), 74 random bits after the
    time it was made in milliseconds. Ids made one after another sort one after another, so the
    server's indexes keyed by them take a batch of new records at their ends, not on pages all over.
    The time it gives away is the record's own created_at; ids from older apps (UUID4) stay valid."""
    return str(uuid6.uuid7())
