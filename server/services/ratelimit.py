"""Rate limits on attempts (sign-in, enrollment), counted in the database.

The server is stateless and may run as several processes, so counters live in the shared database:
one row per (key, fixed window). An attempt first *reserves* a place under every key it counts
against, each with one conditional upsert (`... DO UPDATE SET count = count + 1 WHERE count <
limit RETURNING count`): the check and the count are one atomic statement, so sixty concurrent
guesses cannot all read "9" and all go on (PostgreSQL locks the row for the upsert until commit;
SQLite writers are serial). A key already at its limit returns no row: the attempt is refused with
429 and Retry-After, and the places it took under earlier keys are given back, so a refused
attempt uses up nothing (a flood held at one key never fills the next). An attempt that succeeds
gives its places back too (`release`): only failures count, and people who type their password
right are never slowed down. Keys are HMACs of what they name (a username, an address): the table
holds no usernames or addresses in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.domain.clock import Clock
from server.db.security_models import RateLimitCounter

FORGET_AFTER_S = 24 * 3600  # longer than any window


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int  # attempts allowed per window and key
    window_s: int


@dataclass(frozen=True)
class Key:
    """One counter an attempt counts against: a limit and the HMAC of what it is keyed by."""

    limit: Limit
    hash: str

    @classmethod
    def of(cls, limit: Limit, value: str, *, secret: str) -> Key:
        normalised = value.strip().lower()
        message = f"{limit.name}\0{normalised}".encode("utf-8", "surrogatepass")
        return cls(limit=limit, hash=hmac.new(secret.encode(), message, hashlib.sha256).hexdigest())


@dataclass(frozen=True)
class Refused:
    """The key that was at its limit, and the seconds until its window ends."""

    key: Key
    retry_after: int
    window_start: int


def window(limit: Limit, clock: Clock) -> tuple[int, int]:
    """(start of the current window, seconds until it ends) in epoch seconds."""
    now = clock.now().timestamp()
    start = int(now // limit.window_s) * limit.window_s
    return start, max(1, int(start + limit.window_s - now + 0.999))


def reserve(session: Session, keys: Sequence[Key], *, clock: Clock) -> Refused | None:
    """Take one place under every key, in order; None when the attempt may go on.

    Stops at the first key at its limit, gives back the places taken before it and says which key
    refused. Earlier keys should be the narrower ones (a username from one address before the
    address, the address before the username alone)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    taken: list[Key] = []
    for key in keys:
        start, remaining = window(key.limit, clock)
        statement = insert(RateLimitCounter).values(key_hash=key.hash, window_start=start, count=1)
        counted = session.execute(
            statement.on_conflict_do_update(
                index_elements=["key_hash", "window_start"],
                set_={"count": RateLimitCounter.count + 1},
                where=RateLimitCounter.count < key.limit.attempts,
            ).returning(RateLimitCounter.count)
        ).first()
        if counted is None:
            release(session, taken, clock=clock)
            return Refused(key=key, retry_after=remaining, window_start=start)
        taken.append(key)
    _forget_old_windows(session, keys, clock=clock)
    return None


def release(session: Session, keys: Sequence[Key], *, clock: Clock) -> None:
    """Give back places taken by `reserve` (an attempt that succeeded, or was refused later on)."""
    for key in keys:
        start, _ = window(key.limit, clock)
        session.execute(
            update(RateLimitCounter)
            .where(
                RateLimitCounter.key_hash == key.hash,
                RateLimitCounter.window_start == start,
                RateLimitCounter.count > 0,
            )
            .values(count=RateLimitCounter.count - 1)
        )
        # A window with no failure left holds nothing worth keeping (successes leave no row).
        session.execute(
            delete(RateLimitCounter).where(
                RateLimitCounter.key_hash == key.hash,
                RateLimitCounter.window_start == start,
                RateLimitCounter.count <= 0,
            )
        )


def _forget_old_windows(session: Session, keys: Sequence[Key], *, clock: Clock) -> None:
    # Past windows of these keys, and anything a day old whatever its key (one-off addresses).
    starts = {key.hash: window(key.limit, clock)[0] for key in keys}
    oldest = min(starts.values(), default=0)
    stale = RateLimitCounter.key_hash.in_(starts) & (RateLimitCounter.window_start < oldest)
    forgotten = RateLimitCounter.window_start < oldest - FORGET_AFTER_S
    session.execute(delete(RateLimitCounter).where(stale | forgotten))
