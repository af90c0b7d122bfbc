"""Pull: the changes a caller may see after a cursor, in commit order (see server.services.changes).

A specialist sees the team's employers and the records they own, with reviews of their own records;
a supervisor or admin sees the whole team. Other teams do not exist for the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pydantic_core
from sqlalchemy import Text, cast, exists, or_, select
from sqlalchemy.orm import Session

from server.db.models import Comment, RecordRow, Team, TeamChangeCounter, User
from server.db.models import Review as ReviewRow
from server.services.accounts import Principal, device_lookup, device_principal
from server.services.apply import SHARED_KINDS
from server.services.changes import committed_high_water, encode_cursor
from server.services.code_formats import effective_setting
from server.services.devices import LastReport
from server.services.reviews import load_reviews
from sync.protocol import PROTOCOL_VERSION, Review

_to_json = pydantic_core.to_json


@dataclass(frozen=True)
class PulledPage:
    """A pull's answer before encoding. Each change is a row whose first columns are `pk`,
    `record_id`, `kind`, `version`, `data`, `flagged` (in that order; rows of the pull's query have
    them by name too), and whose `data` is the JSON text the database stores (None: SQL NULL), not a
    parsed dict: `to_json` splices it into the answer as is, so a page of 1000 records is neither
    parsed nor serialised again. The bytes decode to sync.protocol.PullResponse (same keys in the
    same order; tests/server/test_pull_passthrough.py holds them to the parsed path)."""

    changes: Sequence[Sequence[Any]]
    reviews: dict[int, Review]  # by record pk; records with neither a review nor a comment are absent
    next_cursor: str
    has_more: bool
    code_format: str | None = None  # the team's job-seeker code format (server.services.code_formats)

    def to_json(self) -> bytes:
        reviews, dumps = self.reviews, _to_json
        parts = [
            b'{"kind":%b,"record_id":%b,"version":%d,"data":%b,"review":%b,"flagged":%b}'
            % (
                dumps(kind),
                dumps(record_id),
                version,
                b"null" if data is None else data.encode(),
                dumps(reviews[pk]) if pk in reviews else b"null",
                b"true" if flagged else b"false",
            )
            for pk, record_id, kind, version, data, flagged, *_ in self.changes
        ]
        return b'{"changes":[%b],"next_cursor":%b,"has_more":%b,"protocol_version":%d,"code_format":%b}' % (
            b",".join(parts),
            _to_json(self.next_cursor),
            b"true" if self.has_more else b"false",
            PROTOCOL_VERSION,
            _to_json(self.code_format),
        )


def pull_for_device(
    session: Session,
    *,
    token: str,
    after_seq: int,
    limit: int,
    seen: Callable[[LastReport], None] | None = None,
) -> PulledPage:
    """A device's pull. Its token is checked and its team's high-water mark read in one statement,
    so a pull that finds nothing new is one round trip to the database. `seen` gets that row of an
    authenticated device (the API compares what the device reports with it)."""
    row = session.execute(
        device_lookup(token)
        .add_columns(TeamChangeCounter.last_seq, Team.code_format)
        .outerjoin(TeamChangeCounter, TeamChangeCounter.team_id == User.team_id)
        .join(Team, Team.id == User.team_id)
    ).first()
    principal = device_principal(row)
    assert row is not None  # device_principal refused a missing row
    if seen is not None:
        seen(row)
    page = pull_changes(
        session, principal=principal, after_seq=after_seq, limit=limit, high_water=int(row.last_seq or 0)
    )
    return replace(page, code_format=effective_setting(row.code_format))


def pull_changes(
    session: Session, *, principal: Principal, after_seq: int, limit: int, high_water: int | None = None
) -> PulledPage:
    """`high_water`, when the caller already read it, must come from a statement run before this."""
    if high_water is None:
        high_water = committed_high_water(session, team_id=principal.team_id)
    if after_seq >= high_water:
        # Caught up: nothing of this team has committed since, so there is nothing to read. This
        # is most pulls, and it costs the same at a thousand rows or a million.
        return PulledPage(changes=[], reviews={}, next_cursor=encode_cursor(high_water), has_more=False)
    query = (
        select(
            RecordRow.pk,
            RecordRow.record_id,
            RecordRow.kind,
            RecordRow.version,
            cast(RecordRow.data, Text).label("data"),  # the stored text, passed through unparsed
            RecordRow.flagged,
            RecordRow.seq,
            RecordRow.owner_user_id,
            # Most records have no review and no comment: one index probe each here, rather than
            # sending every pk of the page to the review queries.
            or_(
                exists().where(ReviewRow.record_pk == RecordRow.pk),
                exists().where(Comment.record_pk == RecordRow.pk),
            ).label("discussed"),
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
    # Core, not the ORM: these are plain columns, and the ORM's row processing cost more than the read.
    rows = session.connection().execute(query).all()
    everyone, user_id = principal.sees_whole_team, principal.user_id
    reviewable = [pk for pk, *_, owner, discussed in rows if discussed and (everyone or owner == user_id)]
    reviews = load_reviews(session, record_pks=reviewable) if reviewable else {}
    full_page = len(rows) == limit and rows[-1].seq < high_water
    next_seq = rows[-1].seq if full_page else high_water
    return PulledPage(changes=rows, reviews=reviews, next_cursor=encode_cursor(next_seq), has_more=full_page)
