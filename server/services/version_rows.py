"""Stored versions of records read back as `apply.Version`: what a merge base or a restore needs."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from server.db.models import RecordVersion
from server.services.apply import Version


def read_versions(session: Session, where: ColumnElement[bool]) -> list[tuple[int, int, Version]]:
    """(record pk, version number, the version) for each stored version matching `where`."""
    rows = session.execute(
        select(
            RecordVersion.record_pk,
            RecordVersion.version,
            RecordVersion.data,
            RecordVersion.author_device_id,
            RecordVersion.device_data,
        ).where(where)
    ).all()
    return [
        (pk, version, Version(data, device_id, device_data))
        for pk, version, data, device_id, device_data in rows
    ]
