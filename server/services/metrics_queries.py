"""Thin queries feeding server.services.metrics: plain rows out, no rules in here.

Each reads one team, through the indexed derived columns (`occurred_at`, `subject_id`) and the
derived `face_to_face` and `seeker_ids` (server.services.derived); only the few JSON fields a
metric needs are extracted by the database, and never a whole record. Time bounds are bound in UTC.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from app.domain.codec import record_from_dict
from app.domain.errors import ValidationError
from app.domain.records import JobOpening
from server.db.models import RecordRow
from server.services.metrics import Contact, Seeker, week_bounds
from server.timeutil import as_utc

VISIT = "employer_visit"


def _live(team_id: str, kind: str) -> Any:
    return (RecordRow.team_id == team_id, RecordRow.kind == kind, RecordRow.deleted.is_(False))


def week_totals(
    session: Session, *, team_id: str, mondays: list[date], zone: ZoneInfo
) -> list[tuple[str, date, bool, int]]:
    """(specialist, week, face to face, visits) over consecutive weeks, counted by the database.
    Weeks are told apart by their UTC bounds (a CASE), the same on SQLite and PostgreSQL."""
    bounds = [week_bounds(monday, zone) for monday in mondays]
    week = case(*((RecordRow.occurred_at < as_utc(end), i) for i, (_, end) in enumerate(bounds)))
    visits = (
        select(
            RecordRow.owner_user_id.label("owner"),
            week.label("week"),
            func.coalesce(RecordRow.face_to_face, False).label("f2f"),
        )
        .where(*_live(team_id, VISIT), *_between(bounds[0][0], bounds[-1][1]))
        .subquery("visits")
    )
    rows = session.execute(
        select(visits.c.owner, visits.c.week, visits.c.f2f, func.count()).group_by(
            visits.c.owner, visits.c.week, visits.c.f2f
        )
    ).all()
    return [(owner, mondays[week], bool(f2f), n) for owner, week, f2f, n in rows if week is not None]


def first_meetings(
    session: Session, *, team_id: str, start: datetime, end: datetime
) -> list[tuple[str, datetime]]:
    """For each employer met face to face in [start, end), the team's first face-to-face visit
    ever (by time, then record id): (its specialist, when). One indexed lookup per employer
    (ix_records_team_subject), where a GROUP BY would read every earlier visit."""
    met = (
        select(RecordRow.subject_id)
        .where(*_live(team_id, VISIT), RecordRow.face_to_face.is_(True), *_between(start, end))
        .distinct()
        .subquery("met")
    )
    earlier = aliased(RecordRow, name="earlier")
    first_pk = (
        select(earlier.pk)
        .where(
            earlier.team_id == team_id,
            earlier.subject_id == met.c.subject_id,
            earlier.occurred_at < as_utc(end),
            earlier.kind == VISIT,
            earlier.deleted.is_(False),
            earlier.face_to_face.is_(True),
        )
        .order_by(earlier.occurred_at, earlier.record_id)
        .limit(1)
        .scalar_subquery()
    )
    first = aliased(RecordRow, name="first")
    rows = session.execute(
        select(first.owner_user_id, first.occurred_at).select_from(met).join(first, first.pk == first_pk)
    ).all()
    return [(owner, as_utc(at)) for owner, at in rows if at is not None]


def contacts_between(session: Session, *, team_id: str, start: datetime, end: datetime) -> list[Contact]:
    rows = session.execute(
        select(
            RecordRow.record_id,
            RecordRow.owner_user_id,
            RecordRow.subject_id,
            RecordRow.occurred_at,
            RecordRow.face_to_face,
        ).where(*_live(team_id, VISIT), *_between(start, end))
    ).all()
    return [
        Contact(
            record_id=rid,
            owner_id=owner,
            employer_id=emp or "",
            occurred_at=as_utc(at),
            face_to_face=bool(f2f),
        )
        for rid, owner, emp, at, f2f in rows
        if at is not None
    ]


def _between(start: datetime, end: datetime) -> tuple[Any, Any]:
    # UTC bounds: SQLite keeps a stamp's wall-clock time and drops its offset.
    return RecordRow.occurred_at >= as_utc(start), RecordRow.occurred_at < as_utc(end)


def first_face_to_face_before(
    session: Session, *, team_id: str, start: datetime, end: datetime
) -> dict[str, datetime]:
    """Per employer met face to face in [start, end), the team's first face-to-face contact before
    `start`, when there was one. One indexed lookup per employer (ix_records_team_subject), where
    a GROUP BY would read every earlier visit."""
    met = (
        select(RecordRow.subject_id)
        .where(*_live(team_id, VISIT), RecordRow.face_to_face.is_(True), *_between(start, end))
        .distinct()
        .subquery("met")
    )
    earlier = aliased(RecordRow, name="earlier")
    first = (
        select(earlier.occurred_at)
        .where(
            earlier.team_id == team_id,
            earlier.subject_id == met.c.subject_id,
            earlier.occurred_at < as_utc(start),
            earlier.kind == VISIT,
            earlier.deleted.is_(False),
            earlier.face_to_face.is_(True),
        )
        .order_by(earlier.occurred_at)
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(select(met.c.subject_id, first)).all()
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
        select(RecordRow.occurred_at, RecordRow.seeker_ids).where(
            *_live(team_id, VISIT),
            RecordRow.occurred_at >= as_utc(since),
            RecordRow.face_to_face.is_(True),
            RecordRow.seeker_ids.is_not(None),
        )
    ).all()
    return [(as_utc(at), ids.split()) for at, ids in rows if ids and at is not None]


def last_support(session: Session, *, team_id: str) -> dict[str, datetime]:
    rows = session.execute(
        select(RecordRow.subject_id, func.max(RecordRow.occurred_at))
        .where(*_live(team_id, "support_check_in"))
        .group_by(RecordRow.subject_id)
    ).all()
    return {sid: as_utc(at) for sid, at in rows if sid and at is not None}


OPENING_FIELDS = ("status", "started_on", "market", "wage", "wage_unit", "hours_per_week")


def team_openings(session: Session, *, team_id: str) -> list[JobOpening]:
    """The team's openings, holding only the fields the pipeline and jobs started read; openings
    alike in those fields are decoded once (decoding a whole record costs far more than reading
    its JSON)."""
    rows = session.scalars(select(RecordRow.data).where(*_live(team_id, "job_opening"))).all()
    alike = Counter(
        tuple((name, data[name]) for name in OPENING_FIELDS if name in data) for data in rows if data
    )
    openings: list[JobOpening] = []
    for fields, count in alike.items():
        try:
            opening = record_from_dict(JobOpening, dict(fields))
        except (ValidationError, ValueError, TypeError):  # stored data is canonical; belt and braces
            continue
        openings.extend([opening] * count)
    return openings
