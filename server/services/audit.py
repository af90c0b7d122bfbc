"""The audit log: sign-ins, reviews, exports, enrollments, revocations, new users and record
views, for admins to read.

`record` adds an event to the caller's transaction, so an event is stored exactly when what it
describes is (a failed sign-in commits its own). `record_repeat` counts a repeated event (a blocked
sign-in, a view of one record) into one row per window, so a flood adds one row, not thousands,
and the page still reaches older events. Events hold ids and small facts, never record contents,
job seekers' names or codes, passwords, tokens or enrollment codes. An admin reads their own
team's events only: events that belong to no team (an unknown username, a wrong enrollment code)
could come from anyone, about anyone, and are shown to no organisation's admin.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.domain.clock import Clock
from server.db.models import User
from server.db.security_models import AuditEvent


class Action(StrEnum):
    SIGN_IN = "sign_in"
    REVIEW = "review"
    COMMENT = "comment"
    REPLY = "reply"  # a specialist's reply in a record's thread, from the phone
    RESOLVE = "resolve_conflict"
    EXPORT = "export"
    ENROLLMENT_CODE = "enrollment_code"
    ENROLLMENT = "enrollment"
    REVOCATION = "device_revoked"
    USER_DISABLED = "user_disabled"
    USER_CREATED = "user_created"
    PASSWORD_RESET = "password_reset"
    RECORD_VIEWED = "record_viewed"
    PHOTO_VIEWED = "photo_viewed"
    CODE_FORMAT_SET = "code_format_set"  # the team's job-seeker code format (the setting, no codes)


SUCCESS, FAILURE, BLOCKED = "success", "failure", "blocked"


def record(
    session: Session,
    *,
    clock: Clock,
    action: Action,
    outcome: str = SUCCESS,
    team_id: str | None = None,
    actor_user_id: str | None = None,
    device_id: str | None = None,
    target: str | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEvent(
            at=clock.now(),
            action=action.value,
            outcome=outcome,
            team_id=team_id,
            actor_user_id=actor_user_id,
            device_id=device_id,
            target=target,
            details=details,
        )
    )


def record_repeat(
    session: Session,
    *,
    clock: Clock,
    action: Action,
    window_start: int,
    outcome: str = SUCCESS,
    team_id: str | None = None,
    actor_user_id: str | None = None,
    target: str | None = None,
    **details: Any,
) -> None:
    """Count one more of this event in its window: the first adds a row, the rest add to `count`.

    One upsert on a unique key made of everything that identifies the event and its window, so
    concurrent repeats on several server instances still land in one row."""
    identity = [action.value, outcome, team_id, actor_user_id, target, window_start, details]
    repeat_key = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(AuditEvent).values(
        at=clock.now(),
        action=action.value,
        outcome=outcome,
        team_id=team_id,
        actor_user_id=actor_user_id,
        target=target,
        details=details,
        repeat_key=repeat_key,
        count=1,
    )
    session.execute(
        statement.on_conflict_do_update(index_elements=["repeat_key"], set_={"count": AuditEvent.count + 1})
    )


VIEW_WINDOW_S = 3600


def record_view(session: Session, *, clock: Clock, team_id: str, viewer_user_id: str, record_id: str) -> None:
    """A supervisor or admin opened a record's page: one row per viewer, record and hour."""
    start = int(clock.now().timestamp() // VIEW_WINDOW_S) * VIEW_WINDOW_S
    record_repeat(
        session,
        clock=clock,
        action=Action.RECORD_VIEWED,
        window_start=start,
        team_id=team_id,
        actor_user_id=viewer_user_id,
        target=record_id,
    )


def photo_view(
    session: Session, *, clock: Clock, team_id: str, viewer_user_id: str, record_id: str, attachment_id: str
) -> None:
    """A supervisor or admin opened a photo of a record: one row per viewer, photo and hour."""
    start = int(clock.now().timestamp() // VIEW_WINDOW_S) * VIEW_WINDOW_S
    record_repeat(
        session,
        clock=clock,
        action=Action.PHOTO_VIEWED,
        window_start=start,
        team_id=team_id,
        actor_user_id=viewer_user_id,
        target=record_id,
        photo=attachment_id,
    )


@dataclass(frozen=True)
class EventView:
    at: datetime
    action: str
    outcome: str
    actor: str  # display name, or "" when no one could be told
    device_id: str | None
    target: str | None
    details: dict[str, Any]
    count: int = 1  # how many times, for an event counted into one row per window


def list_events(session: Session, *, team_id: str, limit: int = 200, offset: int = 0) -> list[EventView]:
    """Newest first: the team's events only (none that belong to no team: see the module doc)."""
    rows = session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .where(AuditEvent.team_id == team_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        EventView(
            at=event.at,
            action=event.action,
            outcome=event.outcome,
            actor=name or "",
            device_id=event.device_id,
            target=event.target,
            details=event.details or {},
            count=event.count,
        )
        for event, name in rows
    ]
