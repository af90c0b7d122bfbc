"""Team activity: every synced visit, opening and check-in, newest first, filtered and paginated;
and its exports (CSV for fidelity reviews, GeoJSON for GIS) with the same filters."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy.orm import Session

from server.api.deps import ClockDep, DbDep
from server.services import visit_checks
from server.services.activity import (
    ACTIVITY_KINDS,
    ActivityFilter,
    ActivityRow,
    iter_activity,
    list_activity,
    mentioned_ids,
    names_for,
    team_members,
)
from server.services.archive import count_archived
from server.services.derived import point_of
from server.services.reviews import SHOWN_STATES
from server.web.common import KIND_LABELS, PageError, Supervisor, audit_export, render, team_zone
from server.web.export_rows import CSV_COLUMNS, ExportContext, csv_row, employer_ids, geojson_properties
from server.web.present import describe, local_time

router = APIRouter(prefix="/review", include_in_schema=False)
PAGE_SIZE = 50
MAX_PAGE = 2000
Text = Annotated[str, Query(max_length=40)]
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
REPLY_WAITING = "waiting"  # ?reply=waiting: records whose latest word is the specialist's reply


def parse_filters(
    owner: str, kind: str, since: str, until: str, state: str, *, reply: str = ""
) -> ActivityFilter:
    def day(value: str, label: str) -> date | None:
        if not value:
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            raise PageError(400, f"The {label} date should look like 2026-05-04.") from None
        if not EARLIEST <= parsed <= LATEST:  # year 1 or 9999 overflows when turned into UTC bounds
            raise PageError(400, f"The {label} date should be between {EARLIEST.year} and {LATEST.year}.")
        return parsed

    if kind and kind not in ACTIVITY_KINDS:
        raise PageError(400, "Unknown record type.")
    if state and state not in SHOWN_STATES:
        raise PageError(400, "Unknown review state.")
    if reply not in ("", REPLY_WAITING):
        raise PageError(400, "Unknown reply filter.")
    return ActivityFilter(
        owner_user_id=owner or None,
        kind=kind or None,
        since=day(since, "from"),
        until=day(until, "to"),
        review_state=state or None,
        reply_waiting=reply == REPLY_WAITING,
    )


@dataclass(frozen=True)
class FilterQuery:
    typed: dict[str, str]  # as the supervisor typed them: refills the form and builds links
    filters: ActivityFilter


def filter_query(
    owner: Text = "", kind: Text = "", since: Text = "", until: Text = "", state: Text = "", reply: Text = ""
) -> FilterQuery:
    """The activity filters every activity page and export shares, read from the query string."""
    typed = {"owner": owner, "kind": kind, "since": since, "until": until, "state": state, "reply": reply}
    return FilterQuery(typed=typed, filters=parse_filters(owner, kind, since, until, state, reply=reply))


Filtered = Annotated[FilterQuery, Depends(filter_query)]


@router.get("", response_class=HTMLResponse)
def activity_page(
    request: Request,
    db: DbDep,
    supervisor: Supervisor,
    filtered: Filtered,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    filters = filtered.filters
    zone = team_zone(request)
    with db.read() as session:
        rows = list_activity(
            session,
            team_id=supervisor.team_id,
            filters=filters,
            zone=zone,
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
        )
        names = names_for(session, team_id=supervisor.team_id, record_ids=mentioned_ids(rows[:PAGE_SIZE]))
        members = team_members(session, team_id=supervisor.team_id)
        archived = count_archived(session, team_id=supervisor.team_id, owner_user_id=filters.owner_user_id)
    query = filtered.typed
    kept = {key: value for key, value in query.items() if value}
    return render(
        request,
        "activity.html",
        {
            "user": supervisor,
            "rows": [_view(row, names, zone) for row in rows[:PAGE_SIZE]],
            "members": [(uid, name) for uid, name, role in members if role == "specialist"],
            "kinds": [(k, KIND_LABELS[k]) for k in ACTIVITY_KINDS],
            "states": SHOWN_STATES,
            "query": query,
            "page": page,
            "prev_url": f"/review?{urlencode({**kept, 'page': page - 1})}" if page > 1 else None,
            "next_url": f"/review?{urlencode({**kept, 'page': page + 1})}" if len(rows) > PAGE_SIZE else None,
            "export_query": urlencode(kept),
            "zone": zone.key,
            "archived_count": archived,
            "archived_url": "/review/archived"
            + (f"?{urlencode({'owner': filters.owner_user_id})}" if filters.owner_user_id else ""),
        },
    )


def _view(row: ActivityRow, names: dict[str, str], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "record_id": row.record_id,
        "kind": row.kind,
        "owner": row.owner,
        "when": local_time(row.occurred_at, zone),
        "summary": describe(row.kind, row.data, names),
        "state": row.review_state,
        "flagged": row.flagged,
        "reply_waiting": row.reply_waiting,
    }


def _export_context(
    session: Session, request: Request, team_id: str, rows: list[ActivityRow]
) -> ExportContext:
    """Names and employer points for one chunk of rows (each looked up with one parameter)."""
    settings = request.app.state.settings
    employers = employer_ids(rows)
    return ExportContext(
        names=names_for(session, team_id=team_id, record_ids=mentioned_ids(rows) | employers),
        points=visit_checks.employer_points(session, team_id=team_id, employer_ids=employers),
        rules=visit_checks.rules_from(settings),
        minimum_wage=settings.minimum_wage,
        zone=team_zone(request),
    )


def _chunks(rows: Iterator[ActivityRow], size: int = 500) -> Iterator[list[ActivityRow]]:
    chunk: list[ActivityRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@router.get("/export.csv")
def export_csv(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    supervisor: Supervisor,
    filtered: Filtered,
) -> StreamingResponse:
    """Real columns, one row per record. A BOM first, so Excel reads UTF-8 ("Café", not "CafÃ©");
    every text cell neutralised against formulas (server.web.export_rows.spreadsheet_safe)."""
    filters = filtered.filters
    zone = team_zone(request)
    audit_export(db, clock, supervisor, "csv", filtered.typed)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        yield "\ufeff" + buffer.getvalue()
        with db.read() as session:
            rows = iter_activity(session, team_id=supervisor.team_id, filters=filters, zone=zone)
            for chunk in _chunks(rows):
                buffer.seek(0)
                buffer.truncate()
                context = _export_context(session, request, supervisor.team_id, chunk)
                writer.writerows(csv_row(row, context) for row in chunk)
                yield buffer.getvalue()

    headers = {"Content-Disposition": 'attachment; filename="fieldwork-activity.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/export.geojson")
def export_geojson(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    supervisor: Supervisor,
    filtered: Filtered,
) -> StreamingResponse:
    """Geotagged activity as a GeoJSON FeatureCollection (WGS84 longitude, latitude)."""
    filters = filtered.filters
    zone = team_zone(request)
    audit_export(db, clock, supervisor, "geojson", filtered.typed)

    def chunks() -> Iterator[str]:
        yield '{"type":"FeatureCollection","features":['
        first = True
        with db.read() as session:
            rows = iter_activity(session, team_id=supervisor.team_id, filters=filters, zone=zone)
            for chunk in _chunks(rows):
                context = _export_context(session, request, supervisor.team_id, chunk)
                for row in chunk:
                    feature = geojson_feature(row, context)
                    if feature is None:
                        continue
                    yield ("" if first else ",") + json.dumps(feature)
                    first = False
        yield "]}"

    headers = {"Content-Disposition": 'attachment; filename="fieldwork-activity.geojson"'}
    return StreamingResponse(chunks(), media_type="application/geo+json", headers=headers)


def geojson_feature(row: ActivityRow, context: ExportContext) -> dict[str, Any] | None:
    if row.kind != "employer_visit":
        return None  # the export maps where visits happened, not where employers are
    lat, lon = point_of(row.kind, row.data)
    if lat is None or lon is None:
        return None
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": geojson_properties(row, context),
    }
