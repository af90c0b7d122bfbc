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

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from server.api.deps import ClockDep, DbDep
from server.services import audit
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
from server.services.reviews import SHOWN_STATES
from server.web.common import KIND_LABELS, PageError, Supervisor, render, team_zone
from server.web.present import describe, local_time

router = APIRouter(prefix="/review", include_in_schema=False)
PAGE_SIZE = 50
MAX_PAGE = 2000
Text = Annotated[str, Query(max_length=40)]
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def parse_filters(owner: str, kind: str, since: str, until: str, state: str) -> ActivityFilter:
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
    return ActivityFilter(
        owner_user_id=owner or None,
        kind=kind or None,
        since=day(since, "from"),
        until=day(until, "to"),
        review_state=state or None,
    )


@dataclass(frozen=True)
class FilterQuery:
    typed: dict[str, str]  # as the supervisor typed them: refills the form and builds links
    filters: ActivityFilter


def filter_query(
    owner: Text = "", kind: Text = "", since: Text = "", until: Text = "", state: Text = ""
) -> FilterQuery:
    """The activity filters every activity page and export shares, read from the query string."""
    typed = {"owner": owner, "kind": kind, "since": since, "until": until, "state": state}
    return FilterQuery(typed=typed, filters=parse_filters(owner, kind, since, until, state))


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
        },
    )


def _view(row: ActivityRow, names: dict[str, str], zone: Any) -> dict[str, Any]:
    return {
        "record_id": row.record_id,
        "kind": row.kind,
        "owner": row.owner,
        "when": local_time(row.occurred_at, zone),
        "summary": describe(row.kind, row.data, names),
        "state": row.review_state,
        "flagged": row.flagged,
    }


CSV_COLUMNS = (
    "record_id", "type", "specialist", "occurred_at_local", "summary", "review_state", "contact_mode",
    "purpose", "latitude", "longitude", "accuracy_m", "geotag_source",
)  # fmt: skip


def _audit_export(db: Any, clock: Any, supervisor: Supervisor, filtered: FilterQuery, fmt: str) -> None:
    """Exports leave the building: each is in the audit log with its filters (ids and dates only)."""
    typed = {key: value for key, value in filtered.typed.items() if value}
    with db.write() as session:
        audit.record(
            session,
            clock=clock,
            action=audit.Action.EXPORT,
            team_id=supervisor.team_id,
            actor_user_id=supervisor.user_id,
            format=fmt,
            filters=typed,
        )


@router.get("/export.csv")
def export_csv(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    supervisor: Supervisor,
    filtered: Filtered,
) -> StreamingResponse:
    filters = filtered.filters
    zone = team_zone(request)
    _audit_export(db, clock, supervisor, filtered, "csv")

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        with db.read() as session:
            chunk: list[ActivityRow] = []
            for row in iter_activity(session, team_id=supervisor.team_id, filters=filters, zone=zone):
                chunk.append(row)
                if len(chunk) == 500:
                    _write_csv(
                        writer,
                        chunk,
                        names_for(session, team_id=supervisor.team_id, record_ids=mentioned_ids(chunk)),
                        zone,
                    )
                    chunk = []
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            names = names_for(session, team_id=supervisor.team_id, record_ids=mentioned_ids(chunk))
            _write_csv(writer, chunk, names, zone)
        yield buffer.getvalue()

    headers = {"Content-Disposition": 'attachment; filename="fieldwork-activity.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


def _geotag(data: dict[str, Any]) -> dict[str, Any]:
    geotag = data.get("geotag")
    return geotag if isinstance(geotag, dict) else {}


def _write_csv(writer: Any, rows: list[ActivityRow], names: dict[str, str], zone: Any) -> None:
    for row in rows:
        geotag = _geotag(row.data)
        writer.writerow(
            [
                row.record_id, KIND_LABELS[row.kind], row.owner, local_time(row.occurred_at, zone),
                describe(row.kind, row.data, names), row.review_state,
                row.data.get("contact_mode") or row.data.get("mode") or "", row.data.get("purpose", ""),
                geotag.get("latitude", ""), geotag.get("longitude", ""), geotag.get("accuracy_m", ""),
                geotag.get("source", ""),
            ]
        )  # fmt: skip


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
    _audit_export(db, clock, supervisor, filtered, "geojson")

    def chunks() -> Iterator[str]:
        yield '{"type":"FeatureCollection","features":['
        first = True
        with db.read() as session:
            for row in iter_activity(session, team_id=supervisor.team_id, filters=filters, zone=zone):
                feature = geojson_feature(row)
                if feature is None:
                    continue
                yield ("" if first else ",") + json.dumps(feature)
                first = False
        yield "]}"

    headers = {"Content-Disposition": 'attachment; filename="fieldwork-activity.geojson"'}
    return StreamingResponse(chunks(), media_type="application/geo+json", headers=headers)


def geojson_feature(row: ActivityRow) -> dict[str, Any] | None:
    geotag = _geotag(row.data)
    lat, lon = geotag.get("latitude"), geotag.get("longitude")
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "record_id": row.record_id,
            "type": row.kind,
            "specialist": row.owner,
            "occurred_at": row.occurred_at.isoformat() if row.occurred_at else None,
            "purpose": row.data.get("purpose"),
            "contact_mode": row.data.get("contact_mode"),
            "accuracy_m": geotag.get("accuracy_m"),
            "geotag_source": geotag.get("source"),
            "review_state": row.review_state,
        },
    }
