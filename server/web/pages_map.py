"""Map of visits: geotagged employer visits as points and clusters (vendored Leaflet), coloured
by specialist or purpose. Points are embedded in the page, so the map works with no tile server;
tiles come from `map_tile_url` in the settings when one is configured."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from server.api.deps import ClockDep, DbDep
from server.services.activity import iter_activity
from server.web.charts import PALETTE
from server.web.common import Supervisor, render, team_zone
from server.web.pages_activity import Text, geojson_feature, parse_filters
from server.web.present import local_time, words

router = APIRouter(prefix="/review", include_in_schema=False)
DEFAULT_TILE_URL = ""  # none by default: no request leaves the site unless an operator sets one
DEFAULT_DAYS = 90
MAX_POINTS = 5000


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
    features: list[dict[str, Any]] = []
    with db.read() as session:
        for row in iter_activity(session, team_id=supervisor.team_id, filters=filters, zone=zone):
            feature = geojson_feature(row)
            if feature is not None:
                feature["properties"]["when"] = local_time(row.occurred_at, zone)
                features.append(feature)
            if len(features) >= MAX_POINTS:
                break
    key = "specialist" if colour == "owner" else "purpose"
    groups = sorted({str(f["properties"][key]) for f in features})
    colours = {group: PALETTE[i % len(PALETTE)] for i, group in enumerate(groups)}
    for feature in features:
        feature["properties"]["colour"] = colours[str(feature["properties"][key])]
    settings = request.app.state.settings
    return render(
        request,
        "map.html",
        {
            "user": supervisor,
            "nav": "map",
            "points": {"type": "FeatureCollection", "features": features},
            "legend": [(words(group), colours[group]) for group in groups],
            "tile_url": getattr(settings, "map_tile_url", DEFAULT_TILE_URL),
            "query": {"owner": owner, "since": since, "until": until, "colour": colour},
            "truncated": len(features) >= MAX_POINTS,
            "count": len(features),
        },
    )
