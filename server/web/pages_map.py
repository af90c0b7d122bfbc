"""Map of visits: geotagged employer visits as points and clusters (vendored Leaflet), coloured
by specialist or purpose. Points are embedded in the page, so the map works with no tile server;
tiles come from `map_tile_url` in the settings when one is configured. Each point is a compact
array holding only what its popup shows: [lat, lon, record id, specialist index, purpose index,
local time, accuracy in metres, geotag source, location flags, metres from the employer or -1]
(server/web/static/map.js draws them). Flags come from the visit-location check
(server.services.visit_checks): "far" and/or "poor_accuracy", comma-separated, "" when fine."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import pydantic_core
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.domain.enums import GeotagSource
from app.domain.records import Geotag
from app.domain.visit_check import check_visit_location
from server.api.deps import ClockDep, DbDep
from server.services import visit_checks
from server.services.activity import MapVisit, geotagged_visits
from server.web.charts import PALETTE
from server.web.common import Supervisor, render, review_read, team_zone
from server.web.pages_activity import Text, parse_filters
from server.web.present import words

router = APIRouter(prefix="/review", include_in_schema=False)
DEFAULT_TILE_URL = ""  # none by default: no request leaves the site unless an operator sets one
DEFAULT_DAYS = 90
MAX_POINTS = 5000
COORDINATE_DIGITS = 6  # about 0.1 m, well inside any phone's accuracy


@router.get("/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    supervisor: Supervisor,
    owner: Text = "",
    since: Text = "",
    until: Text = "",
    colour: Annotated[str, Query(pattern="^(owner|purpose)$")] = "owner",
) -> HTMLResponse:
    zone = team_zone(request)
    if not since and not until:
        since = str((clock.now().astimezone(zone) - timedelta(days=DEFAULT_DAYS)).date())
    filters = parse_filters(owner, "employer_visit", since, until, "")
    points: list[list[Any]] = []
    names: dict[str, int] = {}
    purposes: dict[str, int] = {}
    with review_read(db) as session:
        visits = geotagged_visits(
            session, team_id=supervisor.team_id, filters=filters, zone=zone, limit=MAX_POINTS
        )
        for visit in visits:
            who = names.setdefault(visit.owner, len(names))
            why = purposes.setdefault(visit.purpose or "", len(purposes))
            metres = round(visit.accuracy_m) if visit.accuracy_m is not None else 0
            points.append([
                round(visit.latitude, COORDINATE_DIGITS), round(visit.longitude, COORDINATE_DIGITS),
                visit.record_id, who, why, visit.when, metres, visit.source or "",
            ])  # fmt: skip
        flagged = _add_location_checks(session, request, supervisor.team_id, points, visits)
    groups = names if colour == "owner" else purposes
    ordered = sorted(groups)
    colours = {group: PALETTE[i % len(PALETTE)] for i, group in enumerate(ordered)}
    payload = {
        "names": list(names),
        "purposes": list(purposes),
        "colour_by": 3 if colour == "owner" else 4,  # the point field whose group gives the colour
        "colours": [colours[group] for group in groups],
        "points": points,
    }
    settings = request.app.state.settings
    return render(
        request,
        "map.html",
        {
            "user": supervisor,
            "nav": "map",
            "points": Markup(_script_json(payload)),
            "legend": [(words(group), colours[group]) for group in ordered],
            "tile_url": getattr(settings, "map_tile_url", DEFAULT_TILE_URL),
            "query": {"owner": owner, "since": since, "until": until, "colour": colour},
            "truncated": len(points) >= MAX_POINTS,
            "count": len(points),
            "flagged": flagged,
            "max_distance_m": visit_checks.rules_from(settings).max_distance_m,
        },
    )


def _add_location_checks(
    session: Session, request: Request, team_id: str, points: list[list[Any]], visits: list[MapVisit]
) -> int:
    """Append each point's location flags and distance; returns how many are flagged."""
    known = visit_checks.employer_points(
        session, team_id=team_id, employer_ids=[v.employer_id for v in visits]
    )
    rules = visit_checks.rules_from(request.app.state.settings)
    flagged = 0
    for point, visit in zip(points, visits, strict=True):
        employer = known.get(visit.employer_id) if visit.employer_id else None
        # exact=False: the spherical fast path, which gives the geodesic's flag (app.domain.visit_check).
        check = check_visit_location(_geotag(visit), employer, rules=rules, exact=False)
        flagged += check.flagged
        distance = round(check.distance_m) if check.distance_m is not None else -1
        point += [",".join(check.flags), distance]
    return flagged


_SOURCES = {source.value: source for source in GeotagSource}


def _geotag(visit: MapVisit) -> Geotag | None:
    """The geotag the check reads, from the derived columns (already numbers; an unknown source
    means none, as server.services.visit_checks.geotag_of reads stored data)."""
    source = _SOURCES.get(visit.source or "none")
    if source is None:
        return None
    return Geotag(
        latitude=visit.latitude, longitude=visit.longitude, accuracy_m=visit.accuracy_m, source=source
    )


_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element (as Jinja's tojson escapes it), encoded in Rust."""
    return pydantic_core.to_json(value).decode().translate(_SCRIPT_SAFE)
