"""Supervisor pages over HTTP: sign-in with CSRF, who may see what, activity filters, review."""

from __future__ import annotations

import json

from tests.server.web_helpers import csrf_from, seed_activity, sign_in
from tests.server.world import new_id, op, pull_all, push, sample


def test_pages_send_a_browser_without_a_session_to_sign_in(client):
    response = client.get("/review?kind=job_opening", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Freview%3Fkind%3Djob_opening"


def test_sign_in_sets_an_httponly_samesite_session_cookie(client, world):
    response = sign_in(client, "sue")
    assert response.status_code == 303
    assert response.headers["location"] == "/review"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("fieldwork_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_sign_in_without_the_csrf_token_is_refused(client, world):
    client.get("/login")
    response = client.post("/login", data={"username": "sue", "password": "correct horse battery"})
    assert response.status_code == 403
    assert "fieldwork_session" not in response.headers.get("set-cookie", "")


def test_a_csrf_token_from_another_browser_is_refused(client, world, app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as other:
        foreign = csrf_from(other.get("/login").text)
    client.get("/login")
    response = client.post("/login", data={"username": "sue", "password": "correct horse battery",
                                           "csrf_token": foreign})  # fmt: skip
    assert response.status_code == 403


def test_wrong_password_shows_the_form_again(client, world):
    response = sign_in(client, "sue", "nope")
    assert response.status_code == 401
    assert "Wrong username or password" in response.text


def test_specialists_cannot_sign_in_to_the_review_pages(client, world):
    assert sign_in(client, "alice").status_code == 403


def test_a_specialist_session_gets_403_on_pages(client, world):
    from server.services import accounts
    from tests.server.world import PASSWORD

    with client.app.state.db.write() as session:  # type: ignore[attr-defined]
        token, _ = accounts.login(session, username="bob", password=PASSWORD, clock=client.app.state.clock,
                                  hours=1)  # fmt: skip
    response = client.get("/review", headers={"Cookie": f"fieldwork_session={token}"})
    assert response.status_code == 403
    assert "for supervisors" in response.text


def test_activity_lists_the_teams_records_newest_first(client, world):
    seeded = seed_activity(client, world)
    sign_in(client, "sue")
    html = client.get("/review").text
    order = [html.index(rid) for rid in (seeded.opening, seeded.alice_check_in, seeded.bob_visit,
                                          seeded.alice_visit)]  # fmt: skip
    assert order == sorted(order)
    assert "Harbour Bakery" in html and seeded.employer not in html  # employers are not activity


def test_activity_filters_by_specialist_type_date_and_state(client, world):
    seeded = seed_activity(client, world)
    sign_in(client, "sue")
    bob = world["bob"].user_id
    only_bob = client.get(f"/review?owner={bob}").text
    assert seeded.bob_visit in only_bob and seeded.alice_visit not in only_bob
    visits = client.get("/review?kind=employer_visit").text
    assert seeded.alice_visit in visits and seeded.opening not in visits
    may_first = client.get("/review?since=2026-05-01&until=2026-05-01").text
    assert seeded.alice_visit in may_first and seeded.bob_visit not in may_first
    assert seeded.alice_visit not in client.get("/review?state=approved").text


def test_other_teams_supervisor_sees_none_of_it(client, world):
    seeded = seed_activity(client, world)
    sign_in(client, "sam")
    assert seeded.alice_visit not in client.get("/review").text
    assert client.get(f"/review/records/{seeded.alice_visit}").status_code == 404


def test_needs_changes_requires_a_comment_then_reaches_the_device(client, world):
    seeded = seed_activity(client, world)
    sign_in(client, "sue")
    page = client.get(f"/review/records/{seeded.alice_visit}")
    assert "Harbour Bakery" in page.text and "± 12 m" in page.text and "gps" in page.text
    token = csrf_from(page.text)
    url = f"/review/records/{seeded.alice_visit}/review"
    refused = client.post(url, data={"state": "needs_changes", "comment": " ", "csrf_token": token})
    assert refused.status_code == 422 and "comment is required" in refused.text
    saved = client.post(
        url, data={"state": "needs_changes", "comment": "Who did you meet?", "csrf_token": token}
    )
    assert saved.status_code == 200 and "Who did you meet?" in saved.text
    changes, _ = pull_all(client, world["alice"])
    pulled = [c for c in changes if c["record_id"] == seeded.alice_visit][-1]
    assert pulled["review"]["state"] == "needs_changes"
    assert [c["body"] for c in pulled["review"]["comments"]] == ["Who did you meet?"]


def test_sign_out_ends_the_session(client, world):
    sign_in(client, "sue")
    page = client.get("/review")
    assert client.post("/logout", data={"csrf_token": csrf_from(page.text)}).status_code == 200
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_a_malformed_filter_gets_a_clear_400_on_the_page_and_on_both_exports(client, world):
    sign_in(client, "sue")
    for path in ("/review", "/review/export.csv", "/review/export.geojson"):
        response = client.get(f"{path}?since=04/05/2026")
        assert response.status_code == 400, path
        assert "should look like 2026-05-04" in response.text
        assert client.get(f"{path}?kind=diagnosis").status_code == 400


def test_geojson_export_keeps_the_filter_and_puts_longitude_first(client, world):
    seeded = seed_activity(client, world)
    sign_in(client, "sue")
    alice, bob = world["alice"].user_id, world["bob"].user_id
    collection = client.get(f"/review/export.geojson?owner={alice}").json()
    assert collection["type"] == "FeatureCollection"
    (feature,) = collection["features"]  # only Alice's visit carries a geotag
    assert feature["properties"]["record_id"] == seeded.alice_visit
    assert feature["geometry"]["coordinates"] == [-0.1276, 51.5072]
    assert client.get(f"/review/export.geojson?owner={bob}").json()["features"] == []


def test_date_filters_are_days_in_the_review_time_zone_on_both_databases(client, world):
    # London is on summer time (UTC+1) in May: 23:30 UTC on 30 April is 00:30 on 1 May.
    alice = world["alice"]
    first_of_may, second_of_may = new_id(), new_id()
    for record_id, at in (
        (first_of_may, "2026-04-30T23:30:00+00:00"),
        (second_of_may, "2026-05-01T23:30:00+00:00"),
    ):
        push(client, alice, op("employer_visit", record_id, data=sample("employer_visit", occurred_at=at)))
    sign_in(client, "sue")
    page = client.get("/review?since=2026-05-01&until=2026-05-01").text
    assert first_of_may in page and second_of_may not in page


def test_record_detail_shows_times_in_the_review_time_zone(client, world):
    seeded = seed_activity(client, world)  # Alice's visit: 09:00 UTC on 1 May, 10:00 in London
    sign_in(client, "sue")
    url = f"/review/records/{seeded.alice_visit}"
    token = csrf_from(client.get(url).text)
    client.post(f"{url}/review", data={"state": "approved", "comment": "Good", "csrf_token": token})
    html = client.get(url).text
    assert "2026-05-01 10:00" in html and "2026-05-01T09:00" not in html
    assert "times in Europe/London" in html
    assert "2026-05-04 13:00" in html and "UTC" not in html  # reviewed and commented at 12:00 UTC


def test_fidelity_page_counts_a_week_per_specialist(client, world):
    # The clock reads Monday 4 May 2026; the week before runs 27 April to 3 May (London).
    alice = world["alice"]
    bakery, garage = new_id(), new_id()
    week = [(bakery, "2026-04-27T09:00:00+00:00", "face_to_face"), (garage, "2026-04-28T09:00:00+00:00",
            "face_to_face"), (bakery, "2026-04-29T09:00:00+00:00", "face_to_face"),
            (garage, "2026-04-30T09:00:00+00:00", "phone")]  # fmt: skip
    for employer, at, mode in week:
        data = sample("employer_visit", employer_id=employer, occurred_at=at, contact_mode=mode)
        push(client, alice, op("employer_visit", new_id(), data=data))
    # Face to face, but in-work support: not job development, so neither counted nor a new employer.
    support = sample("employer_visit", employer_id=new_id(), occurred_at="2026-04-30T11:00:00+00:00",
                     contact_mode="face_to_face", purpose="in_work_support")  # fmt: skip
    push(client, alice, op("employer_visit", new_id(), data=support))
    push(client, alice, op("job_seeker", new_id(), data=sample("job_seeker", code="JS-44",
                                                              referral_date="2026-03-01")))  # fmt: skip
    # JS-45 chose to start the job search on 20 April: 14 days, not overdue. JS-46 is working and
    # has had an in-work support check-in: past job search, never listed.
    later = sample("job_seeker", code="JS-45", referral_date="2026-03-01", job_search_started_on="2026-04-20")
    push(client, alice, op("job_seeker", new_id(), data=later))
    working = new_id()
    busy = sample(
        "job_seeker", code="JS-46", referral_date="2026-03-01", status="working", job_started_on="2026-04-01"
    )
    push(client, alice, op("job_seeker", working, data=busy))
    check_in = sample("support_check_in", job_seeker_id=working)
    push(client, alice, op("support_check_in", new_id(), data=check_in))
    sign_in(client, "sue")
    html = client.get("/review/fidelity?weeks=4").text
    row = html[html.index('<th scope="row">Alice</th>') :].split("</tr>", 1)[0]
    cell = (
        '<td class="num bad" title="2 new, 1 repeat, 1 in-work support, 1 by phone/email/video">'
        "3<br><small>2n·1r</small></td>"
    )
    assert row.count("<td") == 4 and cell in row
    assert "Alice, week of 27 Apr: 3</title>" in html  # the chart's point for that week
    overdue = html[html.index('id="h-overdue1"') :].split("</section>", 1)[0]
    assert "JS-44" in overdue and "64 days ago" in overdue  # referred 1 March, no employer contact
    assert "JS-45" not in overdue and "JS-46" not in overdue
    export = client.get("/review/fidelity.csv?weeks=4")
    assert export.headers["content-type"].startswith("text/csv") and export.text.startswith("\ufeff")
    lines = export.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("specialist,week_starting,face_to_face_job_development,new_employers")
    assert "Alice,2026-04-27,3,2,1,1,1,no,0,0" in lines  # no job started that week
    seekers = client.get("/review/fidelity/job-seekers.csv").text.lstrip("\ufeff").splitlines()
    assert seekers[0].startswith("job_seeker,specialist,status,clock_from,first_employer_contact")
    assert "JS-44,Alice,engaged,2026-03-01,,,yes,,,no" in seekers
    assert "JS-45,Alice,engaged,2026-04-20,,,no,,,no" in seekers


def test_map_points_carry_what_their_popups_show(client, world):
    seeded = seed_activity(client, world)  # Alice's visit: 09:00 UTC on 1 May, geotagged ± 12 m by gps
    sign_in(client, "sue")
    html = client.get("/review/map").text
    payload = json.loads(
        html.split('<script type="application/json" id="map-points">', 1)[1].split("</script>")[0]
    )
    (point,) = payload["points"]  # Bob's phone call has no geotag
    assert point[:3] == [51.5072, -0.1276, seeded.alice_visit]
    assert point[5:8] == ["2026-05-01 10:00", 12, "gps"]  # local time in London, whole metres, source
    assert payload["names"][point[3]] == "Alice" and payload["purposes"][point[4]] == "learn_business"
