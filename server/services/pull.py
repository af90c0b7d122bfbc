"""Pull: the changes a caller may see after a cursor, in commit order (see server.services.changes).

A specialist sees the team's employers and the records they own, with reviews of their own records;
a supervisor or admin sees the whole team. Other teams do not exist for the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.db.models import RecordRow, TeamChangeCounter, User
from server.services.accounts import Principal, device_lookup, device_principal
from server.services.apply import SHARED_KINDS
from server.services.changes import committed_high_water, encode_cursor
from server.services.reviews import load_reviews
from sync.protocol import Change, PullResponse


def pull_for_device(
    session: Session, *, token: str, after_seq: int, limit: int, seen: Callable[[Any], None] | None = None
) -> PullResponse:
    """A device's pull. Its token is checked and its team's high-water mark read in one statement,
    so a pull that finds nothing new is one round trip to the database. `seen` gets that row of an
    authenticated device (the API compares what the device reports with it)."""
    row = session.execute(
        device_lookup(token)
        .add_columns(TeamChangeCounter.last_seq)
        .outerjoin(TeamChangeCounter, TeamChangeCounter.team_id == User.team_id)
    ).first()
    principal = device_principal(row)
    assert row is not None  # device_principal refused a missing row
    if seen is not None:
        seen(row)
    return pull_changes(
        session, principal=principal, after_seq=after_seq, limit=limit, high_water=int(row.last_seq or 0)
    )


def pull_changes(
    session: Session, *, principal: Principal, after_seq: int, limit: int, high_water: int | None = None
) -> PullResponse:
    """`high_water`, when the caller already read it, must come from a statement run before this."""
    if high_water is None:
        high_water = committed_high_water(session, team_id=principal.team_id)
    if after_seq >= high_water:
        # Caught up: nothing of this team has committed since, so there is nothing to read. This
        # is most pulls, and it costs the same at a thousand rows or a million.
        return PullResponse(changes=[], next_cursor=encode_cursor(high_water), has_more=False)
    query = (
        select(
            RecordRow.pk,
            RecordRow.record_id,
            RecordRow.kind,
            RecordRow.version,
            RecordRow.data,
            RecordRow.flagged,
            RecordRow.seq,
            RecordRow.owner_user_id,
        )
        .where(RecordRow.team_id == principal.team_id, RecordRow.seq > after_seq, RecordRow.seq <= high_water)
        .order_by(RecordRow.seq)
        .limit(limit)
    )
    if principal.device_id is not None:
        # The push result already gave the device its own changes (a lost result is recovered by
        # replaying the op id). LIMIT counts only rows sent, so a short page still means "nothing
        # more up to the high water".
        query = query.where(RecordRow.changed_by_device_id.is_distinct_from(principal.device_id))
    if not principal.sees_whole_team:
        query = query.where(
            or_(RecordRow.kind.in_(SHARED_KINDS), RecordRow.owner_user_id == principal.user_id)
        )
    rows = session.execute(query).all()
    reviewable = [
        row.pk for row in rows if principal.sees_whole_team or row.owner_user_id == principal.user_id
    ]
    reviews = load_reviews(session, record_pks=reviewable) if reviewable else {}
    changes = [
        Change(
            kind=row.kind,
            record_id=row.record_id,
            version=row.version,
            data=row.data,
            review=reviews.get(row.pk),
            flagged=row.flagged,
        )
        for row in rows
    ]
    full_page = len(rows) == limit and rows[-1].seq < high_water
    next_seq = rows[-1].seq if full_page else high_water
    return PullResponse(changes=changes, next_cursor=encode_cursor(next_seq), has_more=full_page)
