"""Thin queries feeding server.services.metrics: plain rows out, no rules in here.

Each reads one team, through the indexed derived columns (`occurred_at`, `subject_id`) and the
derived `face_to_face` and `seeker_ids` (server.services.derived); only the few JSON fields a
metric needs are extracted by the database, and never a whole record. Time bounds are bound in UTC.
Visit queries are answered from the partial indexes on live visits (ix_records_visits_occurred,
ix_records_f2f_visits_subject): the record kind is written into the SQL, not bound, because a
plan prepared for any kind (psycopg prepares a statement run five times) cannot use them.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVarTuple, overload
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Row,
    Select,
    String,
    TextClause,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

from app.domain.codec import record_from_dict
from app.domain.errors import ValidationError
from app.domain.jobs import is_competitive_job, job_hourly_wage
from app.domain.records import Job, JobOpening
from server.db.models import RecordRow, Stamp
from server.services.metrics import (
    DEVELOPMENT,
    IN_WORK_SUPPORT,
    NOT_JOB_DEVELOPMENT,
    OTHER,
    Contact,
    Seeker,
    first_contacts,
    week_bounds,
)
from server.services.outcomes import HeldJob
from server.timeutil import as_utc

VISIT = "employer_visit"
Columns = TypeVarTuple("Columns")


@overload
def _rows(session: Session, query: Select[*Columns]) -> Sequence[Row[*Columns]]: ...
@overload
def _rows(session: Session, query: TextClause) -> Sequence[Row[*tuple[Any, ...]]]: ...
def _rows(session: Session, query: Select[*Columns] | TextClause) -> Sequence[Row[*tuple[Any, ...]]]:
    """Rows of a column query run by Core on the session's connection: on the fidelity page's
    thousands of plain rows the ORM's result handling costs more than the query itself."""
    return session.connection().execute(query).all()


def _live(
    team_id: str | BindParameter[str], kind: str, row: type[RecordRow] = RecordRow
) -> tuple[ColumnElement[bool], ...]:
    kind_is = row.kind == literal(kind, literal_execute=True)  # in the SQL text (see above)
    return (row.team_id == team_id, kind_is, row.deleted.is_(False))


def _developing(row: type[RecordRow] = RecordRow) -> ColumnElement[bool]:
    """A visit made for job development: any purpose but in-work support (none stored counts)."""
    return row.purpose.is_distinct_from(NOT_JOB_DEVELOPMENT)


def week_totals(
    session: Session, *, team_id: str, mondays: list[date], zone: ZoneInfo
) -> list[tuple[str, date, str, int]]:
    """(specialist, week, category, visits) over consecutive weeks, counted by the database; the
    category is metrics.DEVELOPMENT (face to face, for job development), IN_WORK_SUPPORT (face to
    face, in-work support) or OTHER (phone, email, video).
    PostgreSQL truncates each visit's local time to its ISO week (Monday); SQLite, which has no
    time zones, tells the weeks apart by their UTC bounds (a CASE)."""
    bounds = [week_bounds(monday, zone) for monday in mondays]
    if session.get_bind().dialect.name == "postgresql":
        # Not the CASE here: at 52 weeks its SQL outgrows psycopg's statement cache (4 KiB) and
        # would be parsed again on every request.
        local = func.timezone(zone.key, RecordRow.occurred_at)
        week: ColumnElement[date] | ColumnElement[int] = cast(func.date_trunc("week", local), Date)
    else:
        week = case(*((RecordRow.occurred_at < as_utc(end), i) for i, (_, end) in enumerate(bounds)))
    visits = (
        select(
            RecordRow.owner_user_id.label("owner"),
            week.label("week"),
            case(
                (RecordRow.face_to_face.is_(True) & _developing(), literal(DEVELOPMENT)),
                (RecordRow.face_to_face.is_(True), literal(IN_WORK_SUPPORT)),
                else_=literal(OTHER),
            ).label("f2f"),
        )
        .where(*_live(team_id, VISIT), *_between(bounds[0][0], bounds[-1][1]))
        .subquery("visits")
    )
    rows = _rows(
        session,
        select(visits.c.owner, visits.c.week, visits.c.f2f, func.count()).group_by(
            visits.c.owner, visits.c.week, visits.c.f2f
        ),
    )
    return [
        (owner, week if isinstance(week, date) else mondays[week], str(f2f), n)
        for owner, week, f2f, n in rows
        if week is not None
    ]


def first_meetings(
    session: Session, *, team_id: str, start: datetime, end: datetime
) -> list[tuple[str, datetime]]:
    """For each employer met face to face for job development in [start, end), the team's first
    such visit ever (by time, then record id): (its specialist, when). One lookup per employer: the first
    entry under (team, employer) in ix_records_f2f_visits_subject, where a GROUP BY would read
    every earlier visit."""
    query = _first_meetings_query(session.get_bind().dialect.name)
    params = {"team": team_id, "start": as_utc(start), "end": as_utc(end)}
    rows = session.connection().execute(query, params).all()
    return [(owner, as_utc(at)) for owner, at in rows if at is not None]


@functools.cache
def _first_meetings_query(dialect: str) -> Select[str, datetime | None]:
    """Built once per database kind with bound parameters: building it and working out its cache
    key cost SQLAlchemy more than PostgreSQL takes to run it."""
    team, start, end = (
        bindparam("team", type_=String),
        bindparam("start", type_=Stamp),
        bindparam("end", type_=Stamp),
    )
    met = (
        select(RecordRow.subject_id)
        .where(
            *_live(team, VISIT),
            RecordRow.face_to_face.is_(True),
            _developing(),
            RecordRow.occurred_at >= start,
            RecordRow.occurred_at < end,
        )
        .distinct()
        .subquery("met")
    )
    earlier = aliased(RecordRow, name="earlier")
    first = (
        select(earlier.owner_user_id, earlier.occurred_at)
        .where(
            *_live(team, VISIT, earlier),
            earlier.face_to_face.is_(True),
            _developing(earlier),
            earlier.subject_id == met.c.subject_id,
            earlier.occurred_at < end,
        )
        .order_by(earlier.occurred_at, earlier.record_id)
        .limit(1)
    )
    if dialect == "postgresql":
        # LATERAL reads owner and time from the index itself (no table row per employer).
        lateral = first.lateral("first")
        return select(lateral.c.owner_user_id, lateral.c.occurred_at).select_from(met).join(lateral, true())
    # SQLite has no LATERAL: the first visit's key, then that row.
    first_pk = first.with_only_columns(earlier.pk).scalar_subquery()
    row = aliased(RecordRow, name="first")
    return select(row.owner_user_id, row.occurred_at).select_from(met).join(row, row.pk == first_pk)


def contacts_between(session: Session, *, team_id: str, start: datetime, end: datetime) -> list[Contact]:
    rows = session.execute(
        select(
            RecordRow.record_id,
            RecordRow.owner_user_id,
            RecordRow.subject_id,
            RecordRow.occurred_at,
            RecordRow.face_to_face,
            RecordRow.purpose,
        ).where(*_live(team_id, VISIT), *_between(start, end))
    ).all()
    return [
        Contact(
            record_id=rid,
            owner_id=owner,
            employer_id=emp or "",
            occurred_at=as_utc(at),
            face_to_face=bool(f2f),
            job_development=purpose != NOT_JOB_DEVELOPMENT,
        )
        for rid, owner, emp, at, f2f, purpose in rows
        if at is not None
    ]


def _between(start: datetime, end: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    # UTC bounds: SQLite keeps a stamp's wall-clock time and drops its offset.
    return RecordRow.occurred_at >= as_utc(start), RecordRow.occurred_at < as_utc(end)


def first_face_to_face_before(
    session: Session, *, team_id: str, start: datetime, end: datetime
) -> dict[str, datetime]:
    """Per employer met face to face for job development in [start, end), the team's first such
    contact before `start`, when there was one. One indexed lookup per employer
    (ix_records_team_subject), where a GROUP BY would read every earlier visit."""
    met = (
        select(RecordRow.subject_id)
        .where(*_live(team_id, VISIT), RecordRow.face_to_face.is_(True), _developing(), *_between(start, end))
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
            _developing(earlier),
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
    rows = _rows(
        session,
        select(RecordRow.record_id, RecordRow.owner_user_id, RecordRow.data).where(
            *_live(team_id, "job_seeker")
        ),
    )
    return [
        Seeker(
            record_id=rid,
            code=str(data.get("code", "")),
            owner_id=owner,
            referral_date=_day(data.get("referral_date")),
            status=str(data.get("status", "engaged")),
            job_started_on=_day(data.get("job_started_on")),
            job_search_started_on=_day(data.get("job_search_started_on")),
        )
        for rid, owner, data in rows
        if data
    ]


def face_to_face_visits_since(
    session: Session, *, team_id: str, since: datetime
) -> list[tuple[datetime, list[str]]]:
    """(when, job seeker ids) of face-to-face visits since `since` that name a job seeker."""
    rows = _rows(
        session,
        select(RecordRow.occurred_at, RecordRow.seeker_ids).where(
            *_live(team_id, VISIT),
            RecordRow.occurred_at >= as_utc(since),
            RecordRow.face_to_face.is_(True),
            RecordRow.seeker_ids.is_not(None),
        ),
    )
    return [(as_utc(at), ids.split()) for at, ids in rows if ids and at is not None]


# Per job seeker, the first face-to-face visit naming them at or after their cutoff (the start of
# their referral day, and no earlier than `since`): one scan of the live-visit index, the named
# ids unnested and matched to the seekers by a hash join, so ~150 rows come back, not every visit.
_FIRST_CONTACTS_PG = text(
    "SELECT v.id, min(v.occurred_at) FROM ("
    " SELECT unnest(string_to_array(seeker_ids, ' ')) AS id, occurred_at FROM records"
    " WHERE team_id = :team AND kind = 'employer_visit' AND deleted IS false"
    " AND face_to_face IS true AND seeker_ids IS NOT NULL AND occurred_at >= :since) AS v"
    " JOIN unnest(CAST(:ids AS text[]), CAST(:cutoffs AS timestamptz[])) AS s(id, cutoff)"
    " ON s.id = v.id AND v.occurred_at >= s.cutoff GROUP BY v.id"
)


def first_contact_days(
    session: Session, *, team_id: str, referrals: dict[str, date], since: datetime, zone: ZoneInfo
) -> dict[str, date]:
    """server.services.metrics.first_contacts over the face-to-face visits since `since`: per job
    seeker, the local date of the first one naming them on or after their referral day. PostgreSQL
    works it out itself; SQLite hands the visits to that function."""
    if session.get_bind().dialect.name != "postgresql":
        visits = face_to_face_visits_since(session, team_id=team_id, since=since)
        return first_contacts(visits, referrals=referrals, zone=zone)
    ids = list(referrals)
    cutoffs = [as_utc(week_bounds(referrals[i], zone)[0]) for i in ids]  # local midnight, in UTC
    params = {"team": team_id, "since": as_utc(since), "ids": ids, "cutoffs": cutoffs}
    rows = _rows(session, _FIRST_CONTACTS_PG.bindparams(**params))
    return {seeker: as_utc(at).astimezone(zone).date() for seeker, at in rows if at is not None}


def last_support(session: Session, *, team_id: str) -> dict[str, datetime]:
    rows = _rows(
        session,
        select(RecordRow.subject_id, func.max(RecordRow.occurred_at))
        .where(*_live(team_id, "support_check_in"))
        .group_by(RecordRow.subject_id),
    )
    return {sid: as_utc(at) for sid, at in rows if sid and at is not None}


OPENING_FIELDS = ("status",)


def team_openings(session: Session, *, team_id: str) -> list[JobOpening]:
    """The team's openings, holding only the field the pipeline reads (jobs started are counted
    from Job records: team_jobs); openings alike in it are decoded once (decoding a whole record
    costs far more than reading its JSON)."""
    rows = [data for (data,) in _rows(session, select(RecordRow.data).where(*_live(team_id, "job_opening")))]
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


def team_jobs(session: Session, *, team_id: str, minimum_wage: float) -> list[HeldJob]:
    """The team's live Job records, as the outcomes read them: pay per hour and competitive by
    the rule openings use (app.domain.jobs)."""
    rows = _rows(session, select(RecordRow.data).where(*_live(team_id, "job")))
    held: list[HeldJob] = []
    for (data,) in rows:
        try:
            job = record_from_dict(Job, data)
        except (ValidationError, ValueError, TypeError):  # stored data is canonical; belt and braces
            continue
        held.append(
            HeldJob(
                record_id=job.id,
                seeker_id=job.job_seeker_id,
                started_on=job.started_on,
                ended_on=job.ended_on,
                hours_per_week=job.hours_per_week,
                pay_per_hour=job_hourly_wage(job),
                competitive=is_competitive_job(job, minimum_wage=minimum_wage),
            )
        )
    return held
