"""SQLAlchemy tables. Alembic migrations (server/db/migrations) create them; tests check they agree.

Sync state lives in four tables:
- `records`: the current copy of every record, one row per (team, record id), with the change
  sequence number `seq` of its latest change (the pull cursor walks `(team_id, seq)`).
- `record_versions`: every version ever stored (immutable history, conflicts included).
- `applied_operations`: every pushed op_id with its result, written in the push transaction.
- `team_change_counters`: one row per team; its row lock orders change numbers by commit
  (see server.services.changes).
Review state and comments live in supervisor-owned tables (`reviews`, `comments`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = String(36)
Stamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(Stamp)


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    # The job-seeker code format (app.domain.code_format; migration 0015): NULL is the default.
    code_format: Mapped[str | None] = mapped_column(String(40))


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # specialist | supervisor | admin
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(Stamp)


class Device(Base):
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the bearer token
    created_at: Mapped[datetime] = mapped_column(Stamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)
    # What the phone said at its last pull (migration 0012; server.services.devices): when, how
    # many saves it still had waiting to sync, and its app version. NULL until it reports.
    last_sync_at: Mapped[datetime | None] = mapped_column(Stamp)
    reported_pending: Mapped[int | None] = mapped_column(Integer)
    app_version: Mapped[str | None] = mapped_column(String(40))


class EnrollmentCode(Base):
    __tablename__ = "enrollment_codes"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 hex, keyed by secret
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    issued_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    expires_at: Mapped[datetime] = mapped_column(Stamp)
    used_at: Mapped[datetime | None] = mapped_column(Stamp)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))


class WebSession(Base):
    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    expires_at: Mapped[datetime] = mapped_column(Stamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)


class TeamChangeCounter(Base):
    __tablename__ = "team_change_counters"
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


# Partial index predicates spelled as SQLAlchemy renders the fidelity queries' filters on each
# database (the planners match them to the query's terms; the kind is inlined by those queries).
_LIVE_VISIT = "kind = 'employer_visit' AND deleted IS false"
_F2F_VISIT = f"{_LIVE_VISIT} AND face_to_face IS true"
_LIVE_VISIT_SQLITE = "kind = 'employer_visit' AND deleted IS 0"
_F2F_VISIT_SQLITE = f"{_LIVE_VISIT_SQLITE} AND face_to_face IS 1"
VISIT_INDEX_INCLUDE = ("owner_user_id", "subject_id", "face_to_face", "seeker_ids", "pk", "record_id",
                       "latitude", "longitude", "geotag_accuracy_m", "geotag_source", "purpose")  # fmt: skip


class RecordRow(Base):
    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("team_id", "record_id"),
        Index("ix_records_team_seq", "team_id", "seq", unique=True),
        Index("ix_records_team_owner_kind", "team_id", "owner_user_id", "kind"),
        # Review pages (server.services.derived fills these on every write; migration 0002).
        Index("ix_records_team_occurred", "team_id", "occurred_at"),
        Index("ix_records_team_owner_occurred", "team_id", "owner_user_id", "occurred_at"),
        Index("ix_records_team_subject", "team_id", "subject_id", "occurred_at"),
        # Fidelity page (migration 0007): live visits only, holding every column its queries read,
        # so PostgreSQL answers them from the index without visiting the table (SQLite ignores
        # INCLUDE). Weekly counts and first contacts walk visits by time; the team's first
        # face-to-face meeting with an employer is the first entry under (team, employer).
        # Since migration 0008 it also holds what the map shows of a visit.
        Index("ix_records_visits_occurred", "team_id", "occurred_at",
              postgresql_include=list(VISIT_INDEX_INCLUDE),
              postgresql_where=text(_LIVE_VISIT), sqlite_where=text(_LIVE_VISIT_SQLITE)),
        Index("ix_records_f2f_visits_subject", "team_id", "subject_id", "occurred_at", "record_id",
              postgresql_include=["owner_user_id"],
              postgresql_where=text(_F2F_VISIT), sqlite_where=text(_F2F_VISIT_SQLITE)),
    )  # fmt: skip
    pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"))
    record_id: Mapped[str] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(String(32))
    owner_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # None once deleted (tombstone)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(Stamp)
    occurred_at: Mapped[datetime | None] = mapped_column(Stamp)  # derived: when it happened (UTC)
    subject_id: Mapped[str | None] = mapped_column(Id)  # derived: employer or job seeker it is about
    # Derived for the fidelity page (server.services.derived.metric_columns; migration 0004): a
    # visit's contact was face to face; the job seekers a visit names, space-separated.
    face_to_face: Mapped[bool | None] = mapped_column(Boolean)
    seeker_ids: Mapped[str | None] = mapped_column(Text)
    # Derived (server.services.derived.location_columns; migration 0005): an employer's location
    # or a visit's geotag, so the visit-location check reads employer points without JSON.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Derived for the map (server.services.derived.map_columns; migration 0008): what its popup
    # shows of a visit besides the point.
    geotag_accuracy_m: Mapped[float | None] = mapped_column(Float)
    geotag_source: Mapped[str | None] = mapped_column(String(40))
    purpose: Mapped[str | None] = mapped_column(String(40))
    # The device whose push made the latest change, which already holds it (pull skips it for that
    # device); NULL after a supervisor's change or a conflict, so those reach every device. Migration
    # 0003. No foreign key: it is a filter, and a per-row key check would slow every push.
    changed_by_device_id: Mapped[str | None] = mapped_column(Id)


class RecordVersion(Base):
    __tablename__ = "record_versions"
    __table_args__ = (UniqueConstraint("record_pk", "version"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_pk: Mapped[int] = mapped_column(ForeignKey("records.pk"))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    op_id: Mapped[str | None] = mapped_column(String(64))
    # The authenticated caller's ids, written by the server: no foreign keys, whose per-row checks
    # cost a push about a quarter of its database time (migration 0009). Users and devices are
    # never deleted, only disabled or revoked.
    author_user_id: Mapped[str | None] = mapped_column(Id)
    author_device_id: Mapped[str | None] = mapped_column(Id)
    # [{"field", "kept", "other"}]: values not kept; nothing a device sent is silently lost.
    conflicts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The pushing device's own data when the version stored differs from it (a merge): the base its
    # next edit is compared with if that device never learned of this version (migration 0010).
    device_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Stamp)


class AppliedOperation(Base):
    __tablename__ = "applied_operations"
    __table_args__ = (UniqueConstraint("user_id", "op_id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[str] = mapped_column(Id)  # the caller's, no foreign key (see record_versions)
    op_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(Id)
    # The result without its `data`; a replay reads the data back from record_versions at `version`.
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    record_pk: Mapped[int | None] = mapped_column(ForeignKey("records.pk"))
    created_at: Mapped[datetime] = mapped_column(Stamp)


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_state", "state"),)
    record_pk: Mapped[int] = mapped_column(ForeignKey("records.pk"), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))  # unreviewed | approved | needs_changes
    reviewed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(Stamp)
    # The record version the decision was made on (migration 0011): a later version is an edit
    # made since, shown as "changed since review" (sync.protocol.changed_since_review).
    reviewed_version: Mapped[int | None] = mapped_column(Integer)


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    record_pk: Mapped[int] = mapped_column(ForeignKey("records.pk"), index=True)
    author_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    # Sent from the record owner's phone (server.services.replies; migration 0019), not written on
    # the supervisor pages: a supervisor's comment on a record they own is not a reply.
    is_reply: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AttachmentRow(Base):
    """A photo a phone attached to a record (migration 0014; server.services.attachments).

    Uploaded in chunks: `received` bytes of `size` are in `data` so far; `complete` once the last
    chunk matched `sha256` and decoded as an image. Kept in the database, like everything else, so
    any instance behind the load balancer can take the next chunk."""

    __tablename__ = "attachments"
    # The team's photo storage: its sum and the sweep of abandoned uploads (migrations 0018, 0020).
    __table_args__ = (
        Index("ix_attachments_team_complete_received", "team_id", "complete", "received_at",
              postgresql_include=["size"]),
    )  # fmt: skip
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the phone's attachment id
    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"))
    record_pk: Mapped[int] = mapped_column(ForeignKey("records.pk"), index=True)
    owner_user_id: Mapped[str] = mapped_column(Id)  # who uploads it: the record's owner
    device_id: Mapped[str | None] = mapped_column(Id)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    received: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    completed_at: Mapped[datetime | None] = mapped_column(Stamp)
    # When the last chunk arrived (the declaration until the first): an unfinished upload is
    # abandoned counting from here, so a phone still resuming keeps what it sent (migration 0020).
    received_at: Mapped[datetime] = mapped_column(Stamp)


# The security tables (audit log, rate-limit counters) live in their own module on the same Base.
from server.db import security_models  # noqa: E402, F401
