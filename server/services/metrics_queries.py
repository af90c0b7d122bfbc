"""Thin queries feeding server.services.metrics: plain rows out, no rules in here.

Each reads one team, through the indexed derived columns (`occurred_at`, `subject_id`); only the
few JSON fields a metric needs are extracted by the database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.codec import record_from_dict
from app.domain.errors import ValidationError
from app.domain.records import JobOpening
from server.db.models import RecordRow
from server.services.metrics import Contact, Seeker
from server.timeutil import as_utc

VISIT = "employer_visit"
F2F = "face_to_face"


def _live(team_id: str, kind: str) -> Any:
    return (RecordRow.team_id == team_id, RecordRow.kind == kind, RecordRow.deleted.is_(False))


def contacts_between(session: Session, *, team_id: str, start: datetime, end: datetime) -> list[Contact]:
    mode = RecordRow.data["contact_mode"].as_string()
    rows = session.execute(
        select(
            RecordRow.record_id, RecordRow.owner_user_id, RecordRow.subject_id, RecordRow.occurred_at, mode
        ).where(*_live(team_id, VISIT), RecordRow.occurred_at >= start, RecordRow.occurred_at < end)
    ).all()
    return [
        Contact(
            record_id=rid,
            owner_id=owner,
            employer_id=emp or "",
            occurred_at=as_utc(at),
            face_to_face=m == F2F,
        )
        for rid, owner, emp, at, m in rows
    ]


def first_face_to_face_before(
    session: Session, *, team_id: str, employer_ids: set[str], before: datetime
) -> dict[str, datetime]:
    """Per employer, the team's first face-to-face contact before `before` (met before at all)."""
    if not employer_ids:
        return {}
    rows = session.execute(
        select(RecordRow.subject_id, func.min(RecordRow.occurred_at))
        .where(
            *_live(team_id, VISIT),
            RecordRow.subject_id.in_(employer_ids),
            RecordRow.occurred_at < before,
            RecordRow.data["contact_mode"].as_string() == F2F,
        )
        .group_by(RecordRow.subject_id)
    ).all()
    return {emp: as_utc(at) for emp, at in rows if emp and at is not None}


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def team_seekers(session: Session, *, team_id: str) -> list[Seeker]:
    rows = session.execute(
        select(RecordRow.record_id, RecordRow.owner_user_id, RecordRow.data).where(
            *_live(team_id, "job_seeker")
        )
    ).all()
    return [
        Seeker(
            record_id=rid,
            code=str(data.get("code", "")),
            owner_id=owner,
            referral_date=_day(data.get("referral_date")),
            status=str(data.get("status", "engaged")),
            job_started_on=_day(data.get("job_started_on")),
        )
        for rid, owner, data in rows
        if data
    ]


def face_to_face_visits_since(
    session: Session, *, team_id: str, since: datetime
) -> list[tuple[datetime, list[str]]]:
    """(when, job seeker ids) of face-to-face visits since `since` that name a job seeker."""
    rows = session.execute(
        select(RecordRow.occurred_at, RecordRow.data["job_seeker_ids"]).where(
            *_live(team_id, VISIT),
            RecordRow.occurred_at >= since,
            RecordRow.data["contact_mode"].as_string() == F2F,
        )
    ).all()
    return [
        (as_utc(at), [str(i) for i in ids])
        for at, ids in rows
        if isinstance(ids, list) and ids and at is not None
    ]


def last_support(session: Session, *, team_id: str) -> dict[str, datetime]:
    rows = session.execute(
        select(RecordRow.subject_id, func.max(RecordRow.occurred_at))
        .where(*_live(team_id, "support_check_in"))
        .group_by(RecordRow.subject_id)
    ).all()
    return {sid: as_utc(at) for sid, at in rows if sid and at is not None}


def team_openings(session: Session, *, team_id: str) -> list[JobOpening]:
    rows = session.scalars(select(RecordRow.data).where(*_live(team_id, "job_opening"))).all()
    openings = []
    for data in rows:
        try:
            openings.append(record_from_dict(JobOpening, data))
        except (ValidationError, ValueError, TypeError):  # stored data is canonical; belt and braces
            continue
    return openings
