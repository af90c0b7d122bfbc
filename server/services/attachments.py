"""Photos attached to records: declared, uploaded in chunks, checked, shown to supervisors.

An upload is resumable and idempotent by the phone's attachment id:

1. ``declare`` names the record, the size, the SHA-256 and the type. Declaring again with the
   same details changes nothing (a retry after a lost answer); other details are a 409. Only the
   record's owner declares, on a record of their team that the server has (else 409
   ``record_not_synced``: the phone sends the record first and tries again). More than
   ``MAX_BYTES`` is a 413 with ``details.limit_bytes``. A photo that would take the team's photo
   storage past its cap (``Settings.photo_storage_per_team_bytes``) is a 413
   ``photo_storage_full`` with ``details.team_limit_bytes``, ``used_bytes`` and ``size``: the phone
   keeps it waiting, says why on the photo, and declares it again once each pass. Every upload the
   team has declared counts, at its declared size, finished or not, so two phones never both fill
   the last of the space (team declarations queue on the team's row). An upload that received no
   chunk (nor, before the first, its declaration) for ``Settings.photo_upload_abandoned_days`` is
   abandoned: the team's next declaration deletes it
   (with any bytes it got) before counting. No photo is lost: the phone keeps each photo until the
   server has it whole, declares it again on its next pass, and hears 404 if it was sending
   chunks to a declaration just deleted (it declares again on the pass after).
2. ``append`` adds one chunk at the offset the server has reached (``received``), under the row's
   lock; another offset is a 409 with ``details.received_bytes`` to resume from. A repeat of a
   finished upload answers its state and stores nothing.
3. The last chunk completes it: the bytes must match the SHA-256 and decode as a JPEG or PNG of
   sane dimensions (Pillow). Otherwise the declaration is deleted with its bytes (it no longer
   counts toward the cap) and the caller hears 422 ``checksum_mismatch`` (the phone declares it
   again and sends it again) or 415 ``not_an_image``.

Bytes live in the database: the API keeps no state of its own behind a load balancer, and no file
on disk. No photo the server has whole is ever deleted (only uploads abandoned or refused, above):
archiving a record is a tombstone that keeps the record row, what it said (its versions) and its
photos, for supervisors (/review/archived) and for an undo.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.domain.clock import Clock
from server.db.models import AttachmentRow, RecordRow, Team
from server.errors import ApiError, BadRequest, ErrorCode, Forbidden, NotFound, PayloadTooLarge, Refused
from server.services.accounts import Principal

MAX_BYTES = 5 * 1024 * 1024  # after the phone's shrinking (a 1600 px JPEG is ~0.2-0.6 MB)
CONTENT_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}
PHOTO_KINDS = frozenset({"employer_visit", "job_opening"})
MAX_PIXELS = 40_000_000
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
MIB = 1024 * 1024
ABANDONED_AFTER = timedelta(days=7)  # Settings.photo_upload_abandoned_days's default


@dataclass(frozen=True)
class UploadState:
    id: str
    size: int
    received: int
    complete: bool


@dataclass(frozen=True)
class PhotoEntry:
    id: str
    size: int
    received_at: datetime  # when its last chunk arrived


def check_id(attachment_id: str) -> str:
    if not ID_PATTERN.match(attachment_id):
        raise BadRequest(ErrorCode.INVALID_REQUEST, "an attachment id is 1-64 letters, digits and hyphens")
    return attachment_id


def declare(
    session: Session,
    *,
    principal: Principal,
    attachment_id: str,
    record_id: str,
    kind: str,
    size: int,
    sha256: str,
    content_type: str,
    clock: Clock,
    team_cap_bytes: int = 0,
    abandoned_after: timedelta = ABANDONED_AFTER,
) -> tuple[UploadState, bool]:
    """The upload's state and whether this call created it. `team_cap_bytes`: the team's photo
    storage cap (0: none); `abandoned_after`: how long an unfinished upload may go without a chunk."""
    check_id(attachment_id)
    if content_type not in CONTENT_TYPES:
        raise Refused(415, ErrorCode.NOT_AN_IMAGE, "attach a JPEG or PNG photo")
    if size > MAX_BYTES:
        raise PayloadTooLarge(
            ErrorCode.ATTACHMENT_TOO_LARGE,
            f"a photo may be at most {MAX_BYTES} bytes",
            details={"limit_bytes": MAX_BYTES, "size": size},
        )
    if size < 1 or not SHA256_PATTERN.match(sha256):
        raise BadRequest(
            ErrorCode.INVALID_REQUEST, "size must be positive and sha256 64 lowercase hex digits"
        )
    if kind not in PHOTO_KINDS:
        raise BadRequest(ErrorCode.INVALID_REQUEST, "photos attach to employer visits and job openings")
    record = _owned_record(session, principal=principal, record_id=record_id, kind=kind)
    if team_cap_bytes > 0:
        _queue_on_team(session, team_id=principal.team_id)
    _delete_abandoned(session, team_id=principal.team_id, idle_since=clock.now() - abandoned_after)
    existing = session.get(AttachmentRow, attachment_id)
    if existing is not None:
        same = (existing.team_id, existing.record_pk, existing.size, existing.sha256, existing.content_type)
        if same != (principal.team_id, record.pk, size, sha256, content_type):
            raise Refused(409, ErrorCode.CONFLICT, "this attachment id was declared with other details")
        return _state(existing), False
    if team_cap_bytes > 0:
        _check_team_space(session, team_id=principal.team_id, size=size, cap=team_cap_bytes)
    row = AttachmentRow(
        id=attachment_id,
        team_id=principal.team_id,
        record_pk=record.pk,
        owner_user_id=principal.user_id,
        device_id=principal.device_id,
        content_type=content_type,
        size=size,
        sha256=sha256,
        received=0,
        data=b"",
        complete=False,
        created_at=clock.now(),
        received_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return _state(row), True


def team_photo_bytes(session: Session, *, team_id: str) -> int:
    """The bytes the team's photos take or have reserved: every declared upload, at its size."""
    used = session.scalar(select(func.sum(AttachmentRow.size)).where(AttachmentRow.team_id == team_id))
    return int(used or 0)


def _queue_on_team(session: Session, *, team_id: str) -> None:
    # The team's row, locked (FOR NO KEY UPDATE: pushes, which only reference it, go on), queues
    # the team's declarations, so the sum read later holds until this one is committed. SQLite's
    # write transaction already holds the whole database.
    session.execute(select(Team.id).where(Team.id == team_id).with_for_update(key_share=True))


def _delete_abandoned(session: Session, *, team_id: str, idle_since: datetime) -> None:
    """The team's unfinished uploads whose last chunk (or declaration, before any) came before
    `idle_since`: they hold no photo (only the start of one, which its phone still has) and no
    longer keep space. A phone still resuming one keeps what it sent."""
    session.execute(
        delete(AttachmentRow).where(
            AttachmentRow.team_id == team_id,
            AttachmentRow.complete.is_(False),
            AttachmentRow.received_at < idle_since,
        ),
        execution_options={"synchronize_session": False},
    )


def _check_team_space(session: Session, *, team_id: str, size: int, cap: int) -> None:
    used = team_photo_bytes(session, team_id=team_id)
    if used + size > cap:
        raise Refused(
            413,
            ErrorCode.PHOTO_STORAGE_FULL,
            f"Your team's photo storage is full ({used / MIB:.0f} of {cap / MIB:.0f} MB used): this photo "
            "stays on the phone. Ask your administrator to raise the team's limit.",
            details={"team_limit_bytes": cap, "used_bytes": used, "size": size},
        )


def status(session: Session, *, principal: Principal, attachment_id: str) -> UploadState:
    return _state(_own_upload(session, principal=principal, attachment_id=attachment_id, lock=False))


def append(
    session: Session,
    *,
    principal: Principal,
    attachment_id: str,
    start: int,
    total: int,
    chunk: bytes,
    clock: Clock,
) -> tuple[UploadState, ApiError | None]:
    """Add ``chunk`` at ``start``. A refusal that must still be written down (the bytes dropped
    after a bad checksum or a non-image) is returned, for the caller to raise after commit."""
    row = _own_upload(session, principal=principal, attachment_id=attachment_id, lock=True)
    if row.complete:
        return _state(row), None  # a repeat of a finished upload: nothing stored twice
    if total != row.size:
        raise BadRequest(ErrorCode.INVALID_REQUEST, f"this upload is {row.size} bytes, not {total}")
    if start != row.received:
        raise Refused(
            409,
            ErrorCode.UPLOAD_OFFSET_MISMATCH,
            f"the server has {row.received} bytes of this upload: send from there",
            details={"received_bytes": row.received},
        )
    if not chunk or start + len(chunk) > row.size:
        raise BadRequest(ErrorCode.INVALID_REQUEST, "the chunk is empty or goes past the declared size")
    row.data = bytes(row.data or b"") + chunk
    row.received, row.received_at = start + len(chunk), clock.now()
    if row.received < row.size:
        return _state(row), None
    problem = _check_photo(row.data, sha256=row.sha256, content_type=row.content_type)
    if problem is not None:
        # Never keep what failed, nor its share of the team's space: the phone declares it again
        # to start over (after a bad checksum) or keeps it (not an image).
        session.delete(row)
        return UploadState(id=row.id, size=row.size, received=0, complete=False), problem
    row.complete, row.completed_at = True, clock.now()
    return _state(row), None


def photos_for_record(session: Session, *, record_pk: int) -> list[PhotoEntry]:
    """The record's complete photos, in the order they arrived (no bytes read)."""
    rows = session.execute(
        select(AttachmentRow.id, AttachmentRow.size, AttachmentRow.completed_at)
        .where(AttachmentRow.record_pk == record_pk, AttachmentRow.complete.is_(True))
        .order_by(AttachmentRow.completed_at, AttachmentRow.id)
    ).all()
    return [PhotoEntry(id=row.id, size=row.size, received_at=row.completed_at) for row in rows]


def photo_for_reviewer(
    session: Session, *, team_id: str, record_id: str, attachment_id: str
) -> tuple[bytes, str]:
    """A complete photo of a record of ``team_id``: its bytes and content type; else ``NotFound``."""
    found = session.execute(
        select(AttachmentRow.data, AttachmentRow.content_type)
        .join(RecordRow, RecordRow.pk == AttachmentRow.record_pk)
        .where(
            AttachmentRow.id == attachment_id,
            AttachmentRow.team_id == team_id,
            AttachmentRow.complete.is_(True),
            RecordRow.team_id == team_id,
            RecordRow.record_id == record_id,
        )
    ).first()
    if found is None:
        raise NotFound("no such photo in your team")
    return bytes(found.data), str(found.content_type)


def _owned_record(session: Session, *, principal: Principal, record_id: str, kind: str) -> RecordRow:
    record = session.execute(
        select(RecordRow).where(RecordRow.team_id == principal.team_id, RecordRow.record_id == record_id)
    ).scalar_one_or_none()
    if record is None or record.deleted:
        # The same answer for a record of another team: the phone sends its record first, then retries.
        raise Refused(409, ErrorCode.RECORD_NOT_SYNCED, "the record is not on the server yet: send it first")
    if record.owner_user_id != principal.user_id:
        raise Forbidden("only the record's owner attaches photos to it")
    if record.kind != kind:
        raise Refused(409, ErrorCode.CONFLICT, f"record {record_id} is not a {kind}")
    return record


def _own_upload(session: Session, *, principal: Principal, attachment_id: str, lock: bool) -> AttachmentRow:
    check_id(attachment_id)
    query = select(AttachmentRow).where(
        AttachmentRow.id == attachment_id,
        AttachmentRow.team_id == principal.team_id,
        AttachmentRow.owner_user_id == principal.user_id,
    )
    row = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise NotFound("no such attachment: declare it first")
    return row


def _check_photo(data: bytes, *, sha256: str, content_type: str) -> ApiError | None:
    if hashlib.sha256(data).hexdigest() != sha256:
        return Refused(
            422, ErrorCode.CHECKSUM_MISMATCH, "the bytes do not match the declared sha256: send again"
        )
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format != CONTENT_TYPES[content_type]:
                raise ValueError(opened.format)
            if opened.width * opened.height > MAX_PIXELS:
                raise ValueError("too many pixels")
            opened.load()  # decodes every pixel: a truncated or forged file fails here
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return Refused(415, ErrorCode.NOT_AN_IMAGE, f"the bytes are not a readable {content_type} image")
    return None


def _state(row: AttachmentRow) -> UploadState:
    return UploadState(id=row.id, size=row.size, received=row.received, complete=row.complete)
