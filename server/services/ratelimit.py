"""Rate limits on failed attempts (sign-in, enrollment), counted in the database.

The server is stateless and may run as several processes, so counters live in the shared database:
one row per (key, fixed window), incremented with an atomic upsert. A key that reached its limit in
the current window is refused with 429 and Retry-After until the window ends. Only failures count,
so people who type their password right are never slowed down. Keys are HMACs of what they name
(a username, an address): the table holds no usernames or addresses in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.domain.clock import Clock
from server.db.security_models import RateLimitCounter

FORGET_AFTER_S = 24 * 3600  # longer than any window


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int  # failures allowed per window and key
    window_s: int


@dataclass(frozen=True)
class Keys:
    """The keys one attempt counts against (e.g. the username and the address)."""

    limit: Limit
    hashes: tuple[str, ...]

    @classmethod
    def of(cls, limit: Limit, values: Sequence[str], *, secret: str) -> Keys:
        def keyed(value: str) -> str:
            message = f"{limit.name}\0{value}".encode("utf-8", "surrogatepass")
            return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()

        return cls(limit=limit, hashes=tuple(keyed(value.strip().lower()) for value in values))


def _window(limit: Limit, clock: Clock) -> tuple[int, int]:
    """(start of the current window, seconds until it ends) in epoch seconds."""
    now = clock.now().timestamp()
    start = int(now // limit.window_s) * limit.window_s
    return start, max(1, int(start + limit.window_s - now + 0.999))


def retry_after(session: Session, keys: Keys, *, clock: Clock) -> int | None:
    """Seconds to wait when any key is at its limit in this window; None when the attempt may go on."""
    start, remaining = _window(keys.limit, clock)
    counts = session.scalars(
        select(RateLimitCounter.count).where(
            RateLimitCounter.key_hash.in_(keys.hashes), RateLimitCounter.window_start == start
        )
    ).all()
    return remaining if any(count >= keys.limit.attempts for count in counts) else None


def count_failure(session: Session, keys: Keys, *, clock: Clock) -> None:
    """One more failure against every key; old windows of these keys are dropped."""
    start, _ = _window(keys.limit, clock)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for key in keys.hashes:
        statement = insert(RateLimitCounter).values(key_hash=key, window_start=start, count=1)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["key_hash", "window_start"],
                set_={"count": RateLimitCounter.count + 1},
            )
        )
    # Past windows of these keys, and anything a day old whatever its key (one-off addresses).
    stale = RateLimitCounter.key_hash.in_(keys.hashes) & (RateLimitCounter.window_start < start)
    forgotten = RateLimitCounter.window_start < start - FORGET_AFTER_S
    session.execute(delete(RateLimitCounter).where(stale | forgotten))
