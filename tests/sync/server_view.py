"""What the server holds, read straight from its database (the test's ground truth)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from server.db.models import RecordRow, RecordVersion
from tests.sync.harness import Team


def server_records(team: Team) -> dict[str, dict[str, Any]]:
    """record id -> {kind, version, data, deleted, flagged, versions}"""
    with team.database.read() as session:
        counts = dict(
            session.execute(
                select(RecordVersion.record_pk, func.count()).group_by(RecordVersion.record_pk)
            ).all()
        )
        rows = session.scalars(select(RecordRow).where(RecordRow.team_id == team.team_id)).all()
        return {
            row.record_id: {
                "kind": row.kind,
                "version": row.version,
                "data": row.data,
                "deleted": row.deleted,
                "flagged": row.flagged,
                "versions": counts.get(row.pk, 0),
            }
            for row in rows
        }
