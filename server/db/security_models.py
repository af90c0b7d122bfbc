"""Security tables: the audit log and the rate-limit counters (migration 0006).

Both are on the shared `Base`, so migrations, tests and truncation see them; `server.db.models`
imports this module at its end.

- `audit_events`: who did what security-relevant thing, when, and whether it worked: sign-ins,
  reviews, exports, enrollments, revocations. Ids only, never record contents, names or codes.
- `rate_limit_counters`: failed attempts per key and fixed time window, shared by every server
  instance (the API keeps no state in memory). Keys are HMACs, so usernames and addresses are not
  stored in the clear.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base, Id, Stamp


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_team_at", "team_id", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(Stamp)
    action: Mapped[str] = mapped_column(String(40))  # sign_in, review, export, enrollment, ...
    outcome: Mapped[str] = mapped_column(String(20))  # success | failure | blocked
    # The team the event belongs to; NULL when it cannot be told (an unknown username or code).
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"))
    actor_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str | None] = mapped_column(Id)  # no key: devices are never deleted anyway
    target: Mapped[str | None] = mapped_column(String(64))  # a record, device or user id
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. {"via": "web"}
    # Repeated events (blocked attempts, record views) share one row per window (migration 0013).
    repeat_key: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # epoch seconds
    count: Mapped[int] = mapped_column(Integer)
