"""The specialist's replies in a record's comment thread, and "reply waiting" for supervisors.

A reply is a comment the record's owner sends from the phone (``Comment.is_reply``), with an id
the phone made (sync.protocol.Reply): storing it again is a no-op, so a reply whose answer was
lost is stored once. A comment written on the supervisor pages is never a reply, even on a record
the supervisor owns (their own phone's visit): it is a supervisor's word there as anywhere. Like
a supervisor's comment a reply gives the record a new change number (not a new version), so every
device, the sender's too, pulls the thread with it; the pulled review names the replies
(sync.protocol.Review.reply_ids). Its time is the server's: the thread's order, and
whether a supervisor has answered, must not depend on a phone's clock.

"Reply waiting": the record's latest word is a reply, newer than every supervisor comment and
than the last review; a supervisor's comment or review clears it. On a supervisor's own record
their comments on the pages are a supervisor's (they never wait for an answer, and answer any
reply); a reply from their phone to another supervisor's comment waits like a specialist's.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session, aliased

from app.domain.clock import Clock
from app.domain.errors import ValidationError
from app.domain.replies import reply_problem
from server.db.models import Comment, RecordRow
from server.db.models import Review as ReviewRow
from server.errors import AlreadyExists, NotFound
from server.services import audit
from server.services.accounts import Principal
from server.services.changes import lock_team_counter, store_team_counter


def check_reply_id(reply_id: str) -> str:
    """The phone's id for a reply: a UUID, written the canonical way."""
    try:
        parsed = uuid.UUID(reply_id)
    except (ValueError, AttributeError, TypeError):
        raise ValidationError({"id": "must be a UUID made by the phone"}) from None
    if str(parsed) != reply_id:
        raise ValidationError({"id": "must be a UUID in its canonical lower-case form"})
    return reply_id


def add_reply(
    session: Session, *, principal: Principal, record_id: str, reply_id: str, body: str, clock: Clock
) -> bool:
    """Store a reply from the record's owner; True when stored now, False when this id was stored
    before (a retry). NotFound for a record that is not the caller's (another specialist's record,
    another team's, or none: the caller cannot tell them apart); AlreadyExists for an id taken by
    another comment."""
    problem = reply_problem(body)
    if problem is not None:
        raise ValidationError({"body": problem})
    check_reply_id(reply_id)
    last = lock_team_counter(session, team_id=principal.team_id)  # the team lock first, as every writer
    row = session.scalar(
        select(RecordRow).where(
            RecordRow.team_id == principal.team_id,
            RecordRow.record_id == record_id,
            RecordRow.owner_user_id == principal.user_id,
        )
    )
    if row is None or row.deleted:
        raise NotFound("no record of yours with this id")
    stored = session.get(Comment, reply_id)
    if stored is not None:
        if stored.record_pk == row.pk and stored.author_user_id == principal.user_id and stored.is_reply:
            return False  # sent before; its answer was lost
        raise AlreadyExists("this reply id is taken; make a new one")
    session.add(
        Comment(
            id=reply_id,
            record_pk=row.pk,
            author_user_id=principal.user_id,
            body=body.strip(),
            created_at=clock.now(),
            is_reply=True,
        )
    )
    row.seq = last + 1  # every device pulls the thread, the sender's too (its copy is then done)
    row.updated_at = clock.now()
    row.changed_by_device_id = None
    store_team_counter(session, team_id=principal.team_id, last_seq=last + 1)
    audit.record(
        session,
        clock=clock,
        action=audit.Action.REPLY,
        team_id=principal.team_id,
        actor_user_id=principal.user_id,
        device_id=principal.device_id,
        target=record_id,
    )
    return True


def reply_ids(session: Session, *, record_pks: list[int]) -> set[str]:
    """Ids of the replies on these records (sent from their owners' phones)."""
    if not record_pks:
        return set()
    rows = session.scalars(
        select(Comment.id).where(Comment.record_pk.in_(record_pks), Comment.is_reply.is_(True))
    )
    return set(rows)


def reply_waiting_clause() -> ColumnElement[bool]:
    """Whether a record (a row of `records`) has a reply no supervisor has answered: one newer
    than every supervisor comment on it (any comment not a reply, the owner's own on the pages
    too) and than its last review. Never NULL. The comments table is read once for the whole query
    (replies are few next to records), not once per record."""
    reply, other = aliased(Comment), aliased(Comment)
    review = aliased(ReviewRow)
    answered = exists().where(
        other.record_pk == reply.record_pk,
        other.is_reply.is_(False),
        other.created_at >= reply.created_at,
    )
    waiting = (
        select(reply.record_pk)
        .outerjoin(review, review.record_pk == reply.record_pk)
        .where(
            reply.is_reply.is_(True),
            or_(review.reviewed_at.is_(None), reply.created_at > review.reviewed_at),
            ~answered,
        )
    )
    return RecordRow.pk.in_(waiting)


def reply_waiting(session: Session, *, record_pk: int) -> bool:
    """Whether this record has a reply no supervisor has answered (reply_waiting_clause)."""
    return bool(session.scalar(select(reply_waiting_clause()).where(RecordRow.pk == record_pk)))
