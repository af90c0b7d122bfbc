"""Change numbers and the pull cursor: why a pull can never skip a change.

Every change to a record (a push, a delete, a review or a comment) stores the record's new `seq`,
a number from its team's row in `team_change_counters`. A writer takes that row's lock *first*
(`lock_team_counter`: SELECT ... FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE already holds the
database write lock on SQLite) and keeps it until its transaction commits or rolls back. So:

1. Two writers of the same team never overlap: the second waits for the first to finish, then
   reads the counter the first committed. Numbers are therefore handed out in commit order: if a
   change with seq `s` is visible, every change with a smaller seq was committed before it (or
   rolled back, leaving an unused number that nobody will ever write).
2. A pull first reads the counter without locking (`committed_high_water`): that is the highest
   number whose transaction has committed, and every number at or below it is final. It then
   reads `cursor < seq <= high_water` in a later statement, which sees all of them.
3. The next cursor is the last seq returned when the page is full, else the high-water mark. A
   change committed after the high-water read got a larger number, so the next pull sees it.

This is the failure of "max(id) so far" and timestamp cursors (kafka-connect-jdbc #915): there an
id or timestamp is taken before commit, and a smaller one can become visible after a larger one was
already read. Here allocation and commit are serialised by the same lock, so that cannot happen.
tests/server/test_concurrency_pg.py checks it with concurrent writers and pullers on PostgreSQL.
A record changed twice keeps only its newest seq: a pull returns the latest state of each record.
"""

from __future__ import annotations

import base64
import binascii

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.models import TeamChangeCounter
from server.errors import BadRequest, ErrorCode

CURSOR_PREFIX = "v1:"


def lock_team_counter(session: Session, *, team_id: str) -> int:
    """Take the team's write lock (held to the end of the transaction); returns the last seq."""
    last = session.scalar(
        select(TeamChangeCounter.last_seq).where(TeamChangeCounter.team_id == team_id).with_for_update()
    )
    if last is None:
        raise LookupError(f"team {team_id} has no change counter")
    return int(last)


def store_team_counter(session: Session, *, team_id: str, last_seq: int) -> None:
    session.execute(
        update(TeamChangeCounter).where(TeamChangeCounter.team_id == team_id).values(last_seq=last_seq)
    )


def committed_high_water(session: Session, *, team_id: str) -> int:
    last = session.scalar(select(TeamChangeCounter.last_seq).where(TeamChangeCounter.team_id == team_id))
    return int(last or 0)


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The seq inside an opaque cursor; empty means 'from the beginning'."""
    if not cursor:
        return 0
    invalid = BadRequest(
        ErrorCode.INVALID_CURSOR, "the cursor is not one this server issued; pull without it"
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not raw.startswith(CURSOR_PREFIX):
        raise invalid
    digits = raw[len(CURSOR_PREFIX) :]
    if not digits.isdigit() or len(digits) > 18:
        raise invalid
    return int(digits)
