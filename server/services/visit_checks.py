"""The visit-location check on the server: the same rule as the phone (app.domain.visit_check),
applied to stored visits with their employers' points read from the derived columns (migration 0005).

The check is worked out when a page is shown, not stored: an employer geocoded later, or moved,
changes the answer for every visit to it at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.enums import GeotagSource
from app.domain.geometry import Point
from app.domain.records import Geotag
from app.domain.visit_check import CheckRules, LocationCheck, check_visit_location
from server.db.models import RecordRow
from server.services.bulk import any_of
from server.settings import Settings

CHUNK = 500  # ids per lookup (one array parameter on PostgreSQL, see server.services.bulk.any_of)


def rules_from(settings: Settings) -> CheckRules:
    """The thresholds from the server settings (FIELDWORK_VISIT_DISTANCE_M, ..._ACCURACY_M)."""
    return CheckRules(max_distance_m=settings.visit_distance_m, max_accuracy_m=settings.visit_accuracy_m)


def employer_points(session: Session, *, team_id: str, employer_ids: Iterable[object]) -> dict[str, Point]:
    """The map location of each of these employers that has one (one indexed lookup per chunk)."""
    wanted = sorted({i for i in employer_ids if isinstance(i, str) and i})
    points: dict[str, Point] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = session.execute(
            select(RecordRow.record_id, RecordRow.latitude, RecordRow.longitude).where(
                RecordRow.team_id == team_id,
                any_of(session, RecordRow.record_id, wanted[start : start + CHUNK]),
                RecordRow.kind == "employer",
                RecordRow.deleted.is_(False),
                RecordRow.latitude.is_not(None),
                RecordRow.longitude.is_not(None),
            )
        )
        points.update(
            {record_id: (lat, lon) for record_id, lat, lon in rows if lat is not None and lon is not None}
        )
    return points


def last_visit_at(session: Session, *, team_id: str, employer_id: str) -> datetime | None:
    """When the team last visited this employer (derived from visits, never stored on it)."""
    return session.scalar(
        select(func.max(RecordRow.occurred_at)).where(
            RecordRow.team_id == team_id,
            RecordRow.subject_id == employer_id,
            RecordRow.kind == "employer_visit",
            RecordRow.deleted.is_(False),
        )
    )


def geotag_of(data: dict[str, Any]) -> Geotag | None:
    """A stored visit's geotag (stored data passed validation; anything odd means 'none')."""
    raw = data.get("geotag")
    if not isinstance(raw, dict):
        return None
    lat, lon, accuracy = raw.get("latitude"), raw.get("longitude"), raw.get("accuracy_m")
    try:
        source = GeotagSource(raw.get("source") or "none")
    except ValueError:
        return None
    if not all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in (lat, lon, accuracy)
    ):
        return None
    return Geotag(
        latitude=None if lat is None else float(lat),
        longitude=None if lon is None else float(lon),
        accuracy_m=None if accuracy is None else float(accuracy),
        source=source,
    )


def check_visit(
    data: dict[str, Any], points: dict[str, Point], *, rules: CheckRules, exact: bool = True
) -> LocationCheck:
    employer_id = data.get("employer_id")
    point = points.get(employer_id) if isinstance(employer_id, str) else None
    return check_visit_location(geotag_of(data), point, rules=rules, exact=exact)
