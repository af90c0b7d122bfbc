"""Archived records: what specialists archived on their phones, never silently gone. Each row is
marked Archived, with the record's last content before the archive, who archived it and when; the
CSV export says the same in its own columns. The activity page links here with the count."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from server.api.deps import ClockDep, DbDep
from server.services.activity import names_for, team_members
from server.services.archive import ARCHIVED_KINDS, ArchivedRow, list_archived
from server.web.common import KIND_LABELS, PageError, Supervisor, audit_export, render, team_zone
from server.web.export_rows import spreadsheet_safe
from server.web.present import describe, local_time

router = APIRouter(prefix="/review/archived", include_in_schema=False)
PAGE_SIZE = 50
MAX_PAGE = 2000
EXPORT_LIMIT = 100_000
Text = Annotated[str, Query(max_length=40)]
CSV_COLUMNS = ("record_id", "kind", "specialist", "archived", "archived_at", "archived_by", "last_content")


def _mentioned(rows: list[ArchivedRow]) -> set[str]:
    ids: set[str] = set()
    for row in rows:
        data = row.note.data
        ids.update(
            str(data[key]) for key in ("employer_id", "job_seeker_id") if isinstance(data.get(key), str)
        )
        for field in ("job_seeker_ids", "undisclosed_job_seeker_ids"):
            seekers = data.get(field)
            if isinstance(seekers, list):
                ids.update(item for item in seekers if isinstance(item, str))
    return ids


def _checked(kind: str) -> str | None:
    if kind and kind not in ARCHIVED_KINDS:
        raise PageError(400, "Unknown record type.")
    return kind or None


@router.get("", response_class=HTMLResponse)
def archived_page(
    request: Request,
    db: DbDep,
    supervisor: Supervisor,
    owner: Text = "",
    kind: Text = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    zone = team_zone(request)
    with db.read() as session:
        rows = list_archived(
            session,
            team_id=supervisor.team_id,
            owner_user_id=owner or None,
            kind=_checked(kind),
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
        )
        shown = rows[:PAGE_SIZE]
        names = names_for(session, team_id=supervisor.team_id, record_ids=_mentioned(shown))
        members = team_members(session, team_id=supervisor.team_id)
    kept = {key: value for key, value in {"owner": owner, "kind": kind}.items() if value}
    return render(
        request,
        "archived.html",
        {
            "user": supervisor,
            "rows": [
                {
                    "record_id": row.record_id,
                    "kind": row.kind,
                    "owner": row.owner,
                    "summary": describe(row.kind, row.note.data, names) or "(no earlier content)",
                    "at": local_time(row.note.at, zone),
                    "by": row.note.by,
                    "state": row.review_state,
                    "flagged": row.flagged,
                }
                for row in shown
            ],
            "members": [(uid, name) for uid, name, role in members if role == "specialist"],
            "kinds": [(k, KIND_LABELS[k]) for k in ARCHIVED_KINDS],
            "query": {"owner": owner, "kind": kind},
            "page": page,
            "prev_url": f"/review/archived?{urlencode({**kept, 'page': page - 1})}" if page > 1 else None,
            "next_url": f"/review/archived?{urlencode({**kept, 'page': page + 1})}"
            if len(rows) > PAGE_SIZE
            else None,
            "export_query": urlencode(kept),
            "zone": zone.key,
        },
    )


@router.get("/export.csv")
def export_archived_csv(
    request: Request, db: DbDep, clock: ClockDep, supervisor: Supervisor, owner: Text = "", kind: Text = ""
) -> StreamingResponse:
    """Archived records, each marked archived, with who and when and its last content in words;
    audited like every export, every cell neutralised against spreadsheet formulas."""
    checked = _checked(kind)
    zone = team_zone(request)
    audit_export(db, clock, supervisor, "csv-archived", {"owner": owner, "kind": kind})

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        with db.read() as session:
            rows = list_archived(
                session,
                team_id=supervisor.team_id,
                owner_user_id=owner or None,
                kind=checked,
                limit=EXPORT_LIMIT,
            )
            names = names_for(session, team_id=supervisor.team_id, record_ids=_mentioned(rows))
        for row in rows:
            writer.writerow([spreadsheet_safe(cell) for cell in _cells(row, names, zone)])
        yield "\ufeff" + buffer.getvalue()

    headers = {"Content-Disposition": 'attachment; filename="fieldwork-archived.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


def _cells(row: ArchivedRow, names: dict[str, str], zone: Any) -> list[Any]:
    return [
        row.record_id,
        KIND_LABELS.get(row.kind, row.kind),
        row.owner,
        "yes",
        local_time(row.note.at, zone),
        row.note.by,
        describe(row.kind, row.note.data, names),
    ]
