"""The audit log: sign-ins, reviews, exports, enrollments and revocations, for admins to read.

`record` adds an event to the caller's transaction, so an event is stored exactly when what it
describes is (a failed sign-in commits its own). Events hold ids and small facts, never record
contents, job seekers' names or codes, passwords, tokens or enrollment codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.clock import Clock
from server.db.models import User
from server.db.security_models import AuditEvent


class Action(StrEnum):
    SIGN_IN = "sign_in"
    REVIEW = "review"
    COMMENT = "comment"
    RESOLVE = "resolve_conflict"
    EXPORT = "export"
    ENROLLMENT_CODE = "enrollment_code"
    ENROLLMENT = "enrollment"
    REVOCATION = "device_revoked"
    USER_DISABLED = "user_disabled"


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


@dataclass(frozen=True)
class EventView:
    at: datetime
    action: str
    outcome: str
    actor: str  # display name, or "" when no one could be told
    device_id: str | None
    target: str | None
    details: dict[str, Any]


def list_events(session: Session, *, team_id: str, limit: int = 200, offset: int = 0) -> list[EventView]:
    """Newest first: the team's events and those that belong to no team (unknown usernames, codes)."""
    rows = session.execute(
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .where(or_(AuditEvent.team_id == team_id, AuditEvent.team_id.is_(None)))
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
        )
        for event, name in rows
    ]
