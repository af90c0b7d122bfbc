"""Archived records, for supervisors: a specialist's Archive on the phone is a delete that syncs as
a tombstone (records.data is None, deleted is true), but the record's versions keep what it said.

Supervisors never see a record silently gone: the archived list shows each one with its last
content before the archive, who archived it and when; the record page shows the same. Versions are
numbered without gaps, so the tombstone that archived a record is the version right after its last
live one: one grouped query finds the last live versions, one more reads those and their tombstones.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from server.db.models import RecordRow, RecordVersion, User
from server.db.models import Review as ReviewRow
from server.services.bulk import any_of
from server.services.reviews import shown_review_state
from server.timeutil import as_utc

ARCHIVED_KINDS: tuple[str, ...] = (
    "employer_visit", "job_opening", "support_check_in", "job_seeker", "employer",
    "job", "employer_disclosure",
)  # fmt: skip


@dataclass(frozen=True)
class ArchiveNote:
    """What an archived record said last, and who archived it when."""

    data: dict[str, Any]  # the last live version's data ({} if it never had one)
    version: int | None  # that version's number
    by: str  # the display name of whoever archived it ("" if unknown)
    at: datetime | None  # when (UTC)


@dataclass(frozen=True)
class ArchivedRow:
    record_id: str
    kind: str
    owner: str
    review_state: str
    flagged: bool
    note: ArchiveNote


def archive_notes(session: Session, *, record_pks: Collection[int]) -> dict[int, ArchiveNote]:
    """The note of each archived record among `record_pks` (records not archived are left out)."""
    if not record_pks:
        return {}
    live = dict(
        session.execute(
            select(RecordVersion.record_pk, func.max(RecordVersion.version))
            .where(
                any_of(session, RecordVersion.record_pk, set(record_pks)), RecordVersion.deleted.is_(False)
            )
            .group_by(RecordVersion.record_pk)
        ).all()
    )
    wanted = [(pk, version) for pk, version in live.items()] + [(pk, v + 1) for pk, v in live.items()]
    wanted += [(pk, 1) for pk in record_pks if pk not in live]  # deleted in its first version
    rows = session.execute(
        select(
            RecordVersion.record_pk,
            RecordVersion.version,
            RecordVersion.data,
            RecordVersion.deleted,
            RecordVersion.created_at,
            User.display_name,
        )
        .outerjoin(User, User.id == RecordVersion.author_user_id)
        .where(tuple_(RecordVersion.record_pk, RecordVersion.version).in_(wanted))
        .limit(len(wanted))
    ).all()
    content: dict[int, tuple[int, dict[str, Any]]] = {}
    tombstones: dict[int, tuple[str, datetime | None]] = {}
    for pk, version, data, deleted, created_at, author in rows:
        if deleted:
            tombstones[pk] = (author or "", as_utc(created_at) if created_at else None)
        elif data is not None:
            content[pk] = (version, data)
    notes: dict[int, ArchiveNote] = {}
    for pk in tombstones:
        version, data = content.get(pk, (None, {}))
        by, at = tombstones[pk]
        notes[pk] = ArchiveNote(data=data, version=version, by=by, at=at)
    return notes


def count_archived(session: Session, *, team_id: str, owner_user_id: str | None = None) -> int:
    query = (
        select(func.count())
        .select_from(RecordRow)
        .where(RecordRow.team_id == team_id, RecordRow.deleted.is_(True))
    )
    if owner_user_id:
        query = query.where(RecordRow.owner_user_id == owner_user_id)
    return int(session.execute(query).scalar() or 0)


def list_archived(
    session: Session,
    *,
    team_id: str,
    owner_user_id: str | None = None,
    kind: str | None = None,
    limit: int,
    offset: int = 0,
) -> list[ArchivedRow]:
    """The team's archived records, most recently archived first, each with its note."""
    query = (
        select(RecordRow.pk, RecordRow.record_id, RecordRow.kind, User.display_name, RecordRow.flagged,
               shown_review_state())
        .join(User, User.id == RecordRow.owner_user_id)
        .outerjoin(ReviewRow, ReviewRow.record_pk == RecordRow.pk)
        .where(RecordRow.team_id == team_id, RecordRow.deleted.is_(True))
    )  # fmt: skip
    if owner_user_id:
        query = query.where(RecordRow.owner_user_id == owner_user_id)
    if kind:
        query = query.where(RecordRow.kind == kind)
    query = query.order_by(RecordRow.updated_at.desc(), RecordRow.pk.desc()).limit(limit).offset(offset)
    rows = session.execute(query).all()
    notes = archive_notes(session, record_pks=[row.pk for row in rows])
    empty = ArchiveNote(data={}, version=None, by="", at=None)
    return [
        ArchivedRow(
            record_id=row.record_id,
            kind=row.kind,
            owner=row.display_name,
            review_state=row[5],
            flagged=row.flagged,
            note=notes.get(row.pk, empty),
        )
        for row in rows
    ]
