"""The visit-location check on the supervisor's record page and map, and an employer's last visit
(derived from visits). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re

from tests.server.web_helpers import sign_in
from tests.server.world import new_id, op, push, sample

BAKERY = (0.0, 0.0)  # on the equator: 0.0045 degrees of longitude is 500.9 m (WGS-84)


def _visit(client, member, employer: str, lon: float, accuracy: float, when: str) -> str:
    visit = new_id()
    geotag = {"latitude": 0.0, "longitude": lon, "accuracy_m": accuracy, "source": "gps"}
    data = sample("employer_visit", employer_id=employer, geotag=geotag, occurred_at=when)
    (result,) = push(client, member, op("employer_visit", visit, data=data))
    assert result["status"] == "applied", result
    return visit


def _seed(client, world):
    alice = world["alice"]
    employer = new_id()
    located = sample("employer", name="Harbour Bakery", latitude=BAKERY[0], longitude=BAKERY[1])
    push(client, alice, op("employer", employer, data=located))
    near = _visit(client, alice, employer, 0.0004, 8.0, "2026-05-01T09:00:00+00:00")  # 45 m
    far = _visit(client, alice, employer, 0.02, 8.0, "2026-05-02T09:00:00+00:00")  # 2.2 km
    rough = _visit(client, alice, employer, 0.0, 300.0, "2026-05-03T09:00:00+00:00")
    assert sign_in(client, "sue").status_code == 303
    return employer, near, far, rough


def test_the_record_page_shows_each_visits_location_check(client, world):
    _, near, far, rough = _seed(client, world)

    near_page = client.get(f"/review/records/{near}").text
    assert "Location check: 45 m from the employer" in near_page and "location flagged" not in near_page
    far_page = client.get(f"/review/records/{far}").text
    assert "location flagged" in far_page and "2.2 km from the employer (more than 500 m)" in far_page
    rough_page = client.get(f"/review/records/{rough}").text
    assert "location flagged" in rough_page and "GPS only within 300 m" in rough_page


def test_an_employers_page_shows_its_last_visit(client, world):
    employer, *_ = _seed(client, world)
    page = client.get(f"/review/records/{employer}").text
    assert '<dd id="last-visit">2026-05-03 10:00</dd>' in page  # Europe/London


def test_the_map_marks_flagged_visits_and_says_how_many(client, world):
    _, near, far, rough = _seed(client, world)
    page = client.get("/review/map", params={"since": "2026-04-01"}).text
    payload = json.loads(re.search(r'id="map-points">(.*?)</script>', page, re.S).group(1))
    by_id = {point[2]: point for point in payload["points"]}
    # The map's distances come from the spherical fast path: within 0.6 % of the geodesic.
    assert by_id[near][8] == "" and abs(by_id[near][9] - 44.5) <= 1
    assert by_id[far][8] == "far" and abs(by_id[far][9] - 2226) <= 14
    assert by_id[rough][8] == "poor_accuracy"
    assert "2 with a location flag" in page


def test_the_distance_threshold_comes_from_the_settings(client, world, app):
    _, _, far, _ = _seed(client, world)
    app.state.settings = app.state.settings.model_copy(update={"visit_distance_m": 5000.0})
    page = client.get(f"/review/records/{far}").text
    assert "location flagged" not in page and "2.2 km from the employer" in page
