"""Supervisor review: state, comments and conflict flags, and the queries review pages need.

Review data lives in supervisor-owned tables; a change to it gives the record a new change number
(without a new version), so the owning device receives the review on its next pull. A decision
keeps the record version it was made on: an edit after it is "changed since review" until the
record is reviewed again (sync.protocol.changed_since_review; its SQL form is here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast, get_args

from sqlalchemy import ColumnElement, and_, case, func, not_, select
from sqlalchemy.orm import Session

from app.domain.clock import Clock, IdMaker
from app.domain.clock import new_id as random_id
from app.domain.errors import ValidationError
from server.db.models import Comment, RecordRow, User
from server.db.models import Review as ReviewRow
from server.errors import Forbidden, NotFound
from server.services import audit, history
from server.services.accounts import Principal
from server.services.bulk import any_of
from server.services.changes import lock_team_counter, store_team_counter
from server.services.replies import reply_waiting_clause
from server.timeutil import iso
from sync.protocol import Comment as WireComment
from sync.protocol import Review, ReviewState

REVIEW_STATES: tuple[ReviewState, ...] = ("unreviewed", "approved", "needs_changes")
DECISIONS: tuple[ReviewState, ...] = ("approved", "needs_changes")
CHANGED_SINCE_REVIEW = "changed_since_review"
# What the pages, exports and the records API show and filter on: a decision on an older version
# is shown as changed, not as the decision.
ShownReviewState = Literal["unreviewed", "approved", "needs_changes", "changed_since_review"]
SHOWN_STATES: tuple[str, ...] = get_args(ShownReviewState)
MAX_COMMENT = 4000


@dataclass(frozen=True)
class RecordSummary:
    record_id: str
    kind: str
    owner: str
    version: int
    deleted: bool
    flagged: bool
    updated_at: datetime
    review_state: str
    reply_waiting: bool = False  # a reply no supervisor has answered (server.services.replies)


def load_reviews(session: Session, *, record_pks: list[int]) -> dict[int, Review]:
    """Reviews (state and comments) of these records; records with neither are left out."""
    states = session.execute(
        select(
            ReviewRow.record_pk,
            ReviewRow.state,
            User.display_name,
            ReviewRow.reviewed_at,
            ReviewRow.reviewed_version,
        )
        .outerjoin(User, User.id == ReviewRow.reviewed_by)
        .where(any_of(session, ReviewRow.record_pk, record_pks))
    ).all()
    comments = session.execute(
        select(
            Comment.record_pk,
            Comment.id,
            User.display_name,
            Comment.body,
            Comment.created_at,
            Comment.is_reply,  # from the owner's phone (server.services.replies)
        )
        .join(User, User.id == Comment.author_user_id)
        .where(any_of(session, Comment.record_pk, record_pks))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    by_record: dict[int, list[WireComment]] = {}
    replies: dict[int, list[str]] = {}
    for pk, comment_id, author, body, created_at, is_reply in comments:
        by_record.setdefault(pk, []).append(
            WireComment(id=comment_id, author=author, body=body, created_at=iso(created_at) or "")
        )
        if is_reply:
            replies.setdefault(pk, []).append(comment_id)
    reviews: dict[int, Review] = {}
    for pk, state, reviewer, reviewed_at, reviewed_version in states:
        reviews[pk] = Review(
            state=cast(ReviewState, state),
            comments=by_record.pop(pk, []),
            reviewed_by=reviewer,
            reviewed_at=iso(reviewed_at),
            reviewed_version=reviewed_version,
            reply_ids=replies.get(pk, []),
        )
    for pk, items in by_record.items():
        reviews[pk] = Review(comments=items, reply_ids=replies.get(pk, []))
    return reviews


def _reviewable(session: Session, *, principal: Principal, record_id: str) -> RecordRow:
    if not principal.sees_whole_team:
        raise Forbidden("only supervisors review records")
    row = session.scalar(
        select(RecordRow).where(RecordRow.team_id == principal.team_id, RecordRow.record_id == record_id)
    )
    if row is None:
        raise NotFound("no such record in your team")
    return row


def _touch(session: Session, *, principal: Principal, row: RecordRow, clock: Clock) -> None:
    """A new change number for the record, so devices pull the review (the version stays)."""
    last = lock_team_counter(session, team_id=principal.team_id)
    row.seq = last + 1
    row.updated_at = clock.now()
    row.changed_by_device_id = None  # no device holds this change yet: every device pulls it
    store_team_counter(session, team_id=principal.team_id, last_seq=last + 1)


def set_review(
    session: Session,
    *,
    principal: Principal,
    record_id: str,
    state: str,
    clock: Clock,
    seen_version: int | None = None,
) -> None:
    """Record a decision on the record's current version, or on `seen_version` when the reviewer
    saw an older one (a page open while the phone pushed an edit): that edit then still shows as
    changed since review."""
    if state not in REVIEW_STATES:
        raise ValidationError({"state": f"must be one of: {', '.join(REVIEW_STATES)}"})
    lock_team_counter(session, team_id=principal.team_id)  # the team lock first, as every writer
    row = _reviewable(session, principal=principal, record_id=record_id)
    review = session.get(ReviewRow, row.pk)
    if review is None:
        review = ReviewRow(record_pk=row.pk)
        session.add(review)
    review.state = state
    review.reviewed_by = principal.user_id
    review.reviewed_at = clock.now()
    review.reviewed_version = row.version if seen_version is None else min(seen_version, row.version)
    _touch(session, principal=principal, row=row, clock=clock)
    _audit(session, audit.Action.REVIEW, principal=principal, record_id=record_id, clock=clock, state=state)


def add_comment(
    session: Session,
    *,
    principal: Principal,
    record_id: str,
    body: str,
    clock: Clock,
    new_id: IdMaker = random_id,
) -> str:
    text = body.strip()
    if not text or len(text) > MAX_COMMENT:
        raise ValidationError({"body": f"write a comment of 1 to {MAX_COMMENT} characters"})
    lock_team_counter(session, team_id=principal.team_id)
    row = _reviewable(session, principal=principal, record_id=record_id)
    comment_id = new_id()
    session.add(
        Comment(
            id=comment_id,
            record_pk=row.pk,
            author_user_id=principal.user_id,
            body=text,
            created_at=clock.now(),
        )
    )
    _touch(session, principal=principal, row=row, clock=clock)
    _audit(session, audit.Action.COMMENT, principal=principal, record_id=record_id, clock=clock)
    return comment_id


def clear_flag(session: Session, *, principal: Principal, record_id: str, clock: Clock) -> None:
    """A person has looked at the conflict; the values not kept stay in the history."""
    lock_team_counter(session, team_id=principal.team_id)
    row = _reviewable(session, principal=principal, record_id=record_id)
    if row.flagged:
        row.flagged = False
        _touch(session, principal=principal, row=row, clock=clock)
        _audit(session, audit.Action.RESOLVE, principal=principal, record_id=record_id, clock=clock)


def _audit(
    session: Session,
    action: audit.Action,
    *,
    principal: Principal,
    record_id: str,
    clock: Clock,
    **details: str,
) -> None:
    audit.record(
        session,
        clock=clock,
        action=action,
        team_id=principal.team_id,
        actor_user_id=principal.user_id,
        target=record_id,
        **details,
    )


def changed_since_review_clause() -> ColumnElement[bool]:
    """sync.protocol.changed_since_review in SQL, over `records` outer-joined to `reviews`; never
    NULL (a record without a review is not changed since one), so it can be negated."""
    decided = func.coalesce(ReviewRow.state, "unreviewed").in_(DECISIONS)
    reviewed = ReviewRow.reviewed_version.is_not(None)
    return and_(decided, reviewed, RecordRow.version > func.coalesce(ReviewRow.reviewed_version, 0))


def shown_review_state() -> ColumnElement[str]:
    """The review state pages show: `changed_since_review`, else the decision or `unreviewed`."""
    return case(
        (changed_since_review_clause(), CHANGED_SINCE_REVIEW),
        else_=func.coalesce(ReviewRow.state, "unreviewed"),
    )


def review_state_filter(state: str) -> ColumnElement[bool]:
    """Records whose shown state is `state` (one of SHOWN_STATES). Written out rather than as
    `shown_review_state() == state`, so a decision filter still compares the indexed column."""
    if state == CHANGED_SINCE_REVIEW:
        return changed_since_review_clause()
    return and_(func.coalesce(ReviewRow.state, "unreviewed") == state, not_(changed_since_review_clause()))


def list_records(
    session: Session,
    *,
    principal: Principal,
    kind: str | None = None,
    owner_user_id: str | None = None,
    flagged: bool | None = None,
    review_state: str | None = None,
    reply_waiting: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[RecordSummary]:
    """The team's records, newest change first, with optional filters (supervisors only)."""
    if not principal.sees_whole_team:
        raise Forbidden("only supervisors list the team's records")
    query = (
        select(RecordRow, User.display_name, shown_review_state(), reply_waiting_clause())
        .join(User, User.id == RecordRow.owner_user_id)
        .outerjoin(ReviewRow, ReviewRow.record_pk == RecordRow.pk)
        .where(RecordRow.team_id == principal.team_id)
    )
    if kind is not None:
        query = query.where(RecordRow.kind == kind)
    if owner_user_id is not None:
        query = query.where(RecordRow.owner_user_id == owner_user_id)
    if flagged is not None:
        query = query.where(RecordRow.flagged.is_(flagged))
    if review_state is not None:
        query = query.where(review_state_filter(review_state))
    if reply_waiting is not None:
        query = query.where(reply_waiting_clause() if reply_waiting else not_(reply_waiting_clause()))
    rows = session.execute(query.order_by(RecordRow.seq.desc()).limit(limit).offset(offset)).all()
    return [
        RecordSummary(
            record_id=row.record_id,
            kind=row.kind,
            owner=owner,
            version=row.version,
            deleted=row.deleted,
            flagged=row.flagged,
            updated_at=row.updated_at,
            review_state=state,
            reply_waiting=bool(waiting),
        )
        for row, owner, state, waiting in rows
    ]


def record_history(
    session: Session,
    *,
    principal: Principal,
    record_id: str,
    before_version: int | None = None,
    limit: int = history.PAGE,
) -> tuple[RecordRow, history.HistoryPage]:
    """A record and one page of its versions, newest first: the `limit` newest below
    `before_version` (from the newest when None), read page-sized in SQL (server.services.history)."""
    row = _reviewable(session, principal=principal, record_id=record_id)
    return row, history.page(session, record_pk=row.pk, before_version=before_version, limit=limit)
