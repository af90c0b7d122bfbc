"""What a phone reports about itself at each sync, kept on its device row for the team page.

The phone sends two optional headers on its pulls: `Fieldwork-Pending` (how many saves still wait
in its outbox after the pass's pushes) and `Fieldwork-App-Version`. An older app sends neither; a
malformed value is ignored rather than failing the sync, since it only feeds a status column.

Most pulls find nothing new and cost one read. Writing the device row on every one of them would
put a write (on SQLite, the database's write lock) behind every phone's periodic pull, so the row
is written only when what it says would change: another pending count or version, or a last sync
older than `REFRESH`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.orm import Session

from server import security
from server.db.models import Device
from server.timeutil import as_utc

PENDING_HEADER = "Fieldwork-Pending"
APP_VERSION_HEADER = "Fieldwork-App-Version"
REFRESH = timedelta(minutes=1)  # "last sync" is shown to the minute
MAX_PENDING = 10_000_000
# Versions look like 0.1.0, 1.2.3+build.4 or 2.0.0rc1: printable, short, nothing to escape.
VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,39}")


@dataclass(frozen=True)
class DeviceReport:
    pending: int | None = None
    app_version: str | None = None


def parse_report(pending: str | None, app_version: str | None) -> DeviceReport:
    """The headers as sent; anything unreadable is None ("not reported")."""
    count: int | None = None
    if pending is not None and pending.strip().isdigit() and len(pending.strip()) <= 9:
        count = min(int(pending.strip()), MAX_PENDING)
    version = app_version.strip() if app_version is not None else None
    if version is not None and not VERSION.fullmatch(version):
        version = None
    return DeviceReport(pending=count, app_version=version)


def _changes(
    token: str, report: DeviceReport, now: datetime
) -> tuple[dict[str, object], list[ColumnElement[bool]]]:
    """The values a sync writes, and the row filter: this device, and something would change."""
    values: dict[str, object] = {"last_sync_at": now}
    stale = [Device.last_sync_at.is_(None), Device.last_sync_at < now - REFRESH]
    if report.pending is not None:
        values["reported_pending"] = report.pending
        stale.append(Device.reported_pending.is_distinct_from(report.pending))
    if report.app_version is not None:
        values["app_version"] = report.app_version
        stale.append(Device.app_version.is_distinct_from(report.app_version))
    where = [Device.token_hash == security.token_hash(token), Device.revoked_at.is_(None), or_(*stale)]
    return values, where


class LastReport(Protocol):
    """What a device row says of the phone's last report: a `device_lookup` row or a Device."""

    @property
    def last_sync_at(self) -> datetime | None: ...
    @property
    def reported_pending(self) -> int | None: ...
    @property
    def app_version(self) -> str | None: ...


def needs_note(row: LastReport, *, report: DeviceReport, now: datetime) -> bool:
    """Would `note_sync` change the device row? `row` is the pull's own device lookup
    (server.services.accounts.device_lookup carries these columns), so a pull that changes
    nothing reads nothing more and takes no write transaction (on SQLite, no wait on the lock)."""
    return (
        row.last_sync_at is None
        or as_utc(row.last_sync_at) < now - REFRESH
        or (report.pending is not None and row.reported_pending != report.pending)
        or (report.app_version is not None and row.app_version != report.app_version)
    )


def note_sync(session: Session, *, token: str, report: DeviceReport, now: datetime) -> bool:
    """Record a successful sync of the device holding `token`; True when its row was written.
    One conditional UPDATE: when nothing would change it matches no row."""
    values, where = _changes(token, report, now)
    result = session.execute(
        update(Device).where(*where).values(**values).execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
