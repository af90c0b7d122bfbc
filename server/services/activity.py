"""The team activity feed for supervisors: visits, openings, check-ins and jobs, newest first.

Filters and order use the derived, indexed columns (`occurred_at`, `owner_user_id`) and the
reviews table (the review state shown is server.services.reviews.shown_review_state: a decision
on an older version reads "changed_since_review"); names of the employers and job seekers a page
mentions are read in one more query. Dates in filters are days in the team's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

from server.db.models import RecordRow, User
from server.db.models import Review as ReviewRow
from server.services.archive import archive_notes
from server.services.bulk import any_of
from server.services.replies import reply_waiting_clause
from server.services.reviews import review_state_filter, shown_review_state
from server.timeutil import as_utc

ACTIVITY_KINDS: tuple[str, ...] = ("employer_visit", "job_opening", "support_check_in", "job")
EXPORT_LIMIT = 100_000
SelectT = TypeVar("SelectT", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True)
class ActivityFilter:
    owner_user_id: str | None = None
    kind: str | None = None
    since: date | None = None  # first day included, in the team's zone
    until: date | None = None  # last day included
    review_state: str | None = None  # one of server.services.reviews.SHOWN_STATES
    reply_waiting: bool = False  # only records whose latest word is the specialist's reply


@dataclass(frozen=True)
class ActivityRow:
    record_id: str
    kind: str
    owner: str
    occurred_at: datetime | None
    review_state: str  # as shown: server.services.reviews.SHOWN_STATES
    flagged: bool
    data: dict[str, Any]
    subject_id: str | None
    reply_waiting: bool = False  # a reply no supervisor has answered (server.services.replies)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the start of `day` in `zone`, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=zone)


def _query(team_id: str, filters: ActivityFilter, zone: ZoneInfo) -> Select[RecordRow, str, str, bool]:
    query = (
        select(RecordRow, User.display_name, shown_review_state(), reply_waiting_clause())
        .join(User, User.id == RecordRow.owner_user_id)
        .outerjoin(ReviewRow, ReviewRow.record_pk == RecordRow.pk)
        .where(RecordRow.team_id == team_id, RecordRow.deleted.is_(False))
    )
    kinds = (filters.kind,) if filters.kind in ACTIVITY_KINDS else ACTIVITY_KINDS
    query = _filtered(query.where(RecordRow.kind.in_(kinds)), filters, zone)
    if filters.review_state:
        query = query.where(review_state_filter(filters.review_state))
    if filters.reply_waiting:
        query = query.where(reply_waiting_clause())
    return query.order_by(RecordRow.occurred_at.desc(), RecordRow.pk.desc())


def _filtered(query: SelectT, filters: ActivityFilter, zone: ZoneInfo) -> SelectT:
    if filters.owner_user_id:
        query = query.where(RecordRow.owner_user_id == filters.owner_user_id)
    # Bounds bound in UTC: SQLite keeps a stamp's wall-clock time and drops its offset.
    if filters.since is not None:
        query = query.where(RecordRow.occurred_at >= as_utc(day_start(filters.since, zone)))
    if filters.until is not None:
        after = day_start(filters.until + timedelta(days=1), zone)
        query = query.where(RecordRow.occurred_at < as_utc(after))
    return query


class MapVisit(NamedTuple):
    record_id: str
    owner: str
    when: str  # local time in the team's zone, written as MINUTE
    latitude: float
    longitude: float
    accuracy_m: float | None
    source: str | None
    purpose: str | None
    employer_id: str | None


MINUTE = "%Y-%m-%d %H:%M"  # how the pages write a local time (server.web.present.local_time)
MINUTE_PG = "YYYY-MM-DD HH24:MI"  # the same in PostgreSQL's to_char


def geotagged_visits(
    session: Session, *, team_id: str, filters: ActivityFilter, zone: ZoneInfo, limit: int
) -> list[MapVisit]:
    """Matching employer visits with a geotag, newest first, at most `limit`, for the map. Only
    derived columns, all held by ix_records_visits_occurred: PostgreSQL reads no table row and
    nothing decodes JSON, and it writes each local time itself (SQLite has no time zones: Python
    does). One fetch by Core (no server-side cursor round trip per hundred rows)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    local = func.to_char(func.timezone(zone.key, RecordRow.occurred_at), MINUTE_PG)
    query = (
        select(
            RecordRow.record_id,
            User.display_name,
            local if postgres else RecordRow.occurred_at,
            RecordRow.latitude,
            RecordRow.longitude,
            RecordRow.geotag_accuracy_m,
            RecordRow.geotag_source,
            RecordRow.purpose,
            RecordRow.subject_id,
        )
        .join(User, User.id == RecordRow.owner_user_id)
        .where(
            RecordRow.team_id == team_id,
            RecordRow.kind == literal("employer_visit", literal_execute=True),  # partial index
            RecordRow.deleted.is_(False),
            RecordRow.latitude.is_not(None),
            RecordRow.longitude.is_not(None),
        )
    )
    query = _filtered(query, filters, zone).order_by(RecordRow.occurred_at.desc(), RecordRow.pk.desc())
    rows = session.connection().execute(query.limit(limit)).all()
    if postgres:
        return [MapVisit(*row) for row in rows]
    return [
        MapVisit(rid, owner, as_utc(at).astimezone(zone).strftime(MINUTE) if at else "", *rest)
        for rid, owner, at, *rest in rows
    ]


def _row(record: RecordRow, owner: str, state: str, waiting: bool) -> ActivityRow:
    return ActivityRow(
        record_id=record.record_id,
        kind=record.kind,
        owner=owner,
        occurred_at=as_utc(record.occurred_at) if record.occurred_at else None,
        review_state=state,
        flagged=record.flagged,
        data=record.data or {},
        subject_id=record.subject_id,
        reply_waiting=bool(waiting),
    )


def list_activity(
    session: Session, *, team_id: str, filters: ActivityFilter, zone: ZoneInfo, limit: int, offset: int = 0
) -> list[ActivityRow]:
    rows = session.execute(_query(team_id, filters, zone).limit(limit).offset(offset)).all()
    return [_row(*row) for row in rows]


def iter_activity(
    session: Session, *, team_id: str, filters: ActivityFilter, zone: ZoneInfo
) -> Iterator[ActivityRow]:
    """Every matching row (up to EXPORT_LIMIT), fetched in chunks, for exports."""
    result = session.execute(
        _query(team_id, filters, zone).limit(EXPORT_LIMIT).execution_options(yield_per=1000)
    )
    for row in result:
        yield _row(*row)


def names_for(session: Session, *, team_id: str, record_ids: set[str]) -> dict[str, str]:
    """Display names of employers (business name) and job seekers (code) by record id. An archived
    one is named as it was, followed by "(archived)": a job or a check-in of an archived job seeker
    never reads as if the seeker were active (one more query, only when the page names one)."""
    if not record_ids:
        return {}
    rows = session.execute(
        select(RecordRow.pk, RecordRow.record_id, RecordRow.kind, RecordRow.data).where(
            RecordRow.team_id == team_id,
            any_of(session, RecordRow.record_id, record_ids),  # one parameter, however many
            RecordRow.kind.in_(("employer", "job_seeker")),
        )
    ).all()
    key = {"employer": "name", "job_seeker": "code"}
    archived = [pk for pk, _, _, data in rows if data is None]
    notes = archive_notes(session, record_pks=archived) if archived else {}
    names: dict[str, str] = {}
    for pk, rid, kind, data in rows:
        if data is not None:
            names[rid] = str(data.get(key[kind], ""))
        else:
            note = notes.get(pk)
            was = str(note.data.get(key[kind], "")) if note is not None else ""
            names[rid] = f"{was} (archived)".lstrip()
    return names


def mentioned_ids(rows: list[ActivityRow]) -> set[str]:
    ids: set[str] = set()
    for row in rows:
        if row.subject_id:
            ids.add(row.subject_id)
        if isinstance(employer := row.data.get("employer_id"), str):
            ids.add(employer)  # a job's or a check-in's employer (a visit's is its subject)
        for field in ("job_seeker_ids", "undisclosed_job_seeker_ids"):
            seekers = row.data.get(field)
            if isinstance(seekers, list):
                ids.update(item for item in seekers if isinstance(item, str))
    return ids


def team_members(session: Session, *, team_id: str) -> list[tuple[str, str, str]]:
    """(user id, display name, role) of the team's active users, by name."""
    rows = session.execute(
        select(User.id, User.display_name, User.role)
        .where(User.team_id == team_id, User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    return [(uid, name, role) for uid, name, role in rows]
