"""Pull: visible changes after a cursor, in commit order, paged, tombstones included."""

from __future__ import annotations

from server.services.changes import decode_cursor, encode_cursor
from tests.server.world import CURRENT_APP, new_id, op, pull_all, push, sample


def _ids(changes):
    return [change["record_id"] for change in changes]


def test_changes_come_in_commit_order_and_the_cursor_is_exclusive(client, world):
    alice, tablet = world["alice"], world["alice_tablet"]
    first, second, third = new_id(), new_id(), new_id()
    push(client, alice, op("employer", first), op("employer", second))
    changes, cursor = pull_all(client, tablet)
    assert _ids(changes) == [first, second]
    push(client, alice, op("employer", third))
    push(client, alice, op("employer", first, base=1, data=sample("employer", notes="again")))
    later, _ = pull_all(client, tablet, cursor)
    assert _ids(later) == [third, first]


def test_paging_follows_has_more_and_never_repeats_or_skips(client, world):
    alice = world["alice"]
    ids = [new_id() for _ in range(23)]
    push(client, alice, *[op("employer", record) for record in ids])
    changes, _ = pull_all(client, world["alice_tablet"], limit=5)
    assert _ids(changes) == ids


def test_a_record_changed_twice_is_pulled_once_in_its_latest_state(client, world):
    alice = world["alice"]
    employer = new_id()
    push(client, alice, op("employer", employer))
    push(client, alice, op("employer", employer, base=1, data=sample("employer", name="Rio Café")))
    changes, _ = pull_all(client, world["alice_tablet"])
    assert [(c["record_id"], c["version"], c["data"]["name"]) for c in changes] == [(employer, 2, "Rio Café")]


def test_an_empty_incremental_pull_keeps_the_cursor(client, world):
    alice = world["alice"]
    push(client, alice, op("employer", new_id()))
    _, cursor = pull_all(client, alice)
    response = client.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=alice.bearer)
    assert response.json() == {
        "changes": [],
        "next_cursor": cursor,
        "has_more": False,
        "protocol_version": 2,
        "code_format": "letters_digits_hyphens",  # the team's job-seeker code format, on every pull
    }


def test_a_specialist_sees_own_records_and_team_employers_only(client, world):
    alice, bob = world["alice"], world["bob"]
    alice_seeker, bob_seeker, employer = new_id(), new_id(), new_id()
    push(client, alice, op("job_seeker", alice_seeker), op("employer", employer))
    push(client, bob, op("job_seeker", bob_seeker))
    assert set(_ids(pull_all(client, world["alice_tablet"])[0])) == {alice_seeker, employer}
    assert set(_ids(pull_all(client, bob)[0])) == {employer}  # his own seeker: see test_pull_skips_...


def test_a_supervisor_device_sees_the_whole_team(client, world):
    ids = [new_id(), new_id()]
    push(client, world["alice"], op("job_seeker", ids[0]))
    push(client, world["bob"], op("job_opening", ids[1]))
    assert set(_ids(pull_all(client, world["sue"])[0])) == set(ids)


def test_nobody_sees_another_team(client, world):
    push(client, world["alice"], op("employer", new_id()), op("job_seeker", new_id()))
    assert pull_all(client, world["carl"])[0] == []


def test_a_malformed_cursor_is_400_invalid_cursor(client, world):
    for cursor in ["garbage", "djE6YWJj", "!!!", "dj" * 50]:
        response = client.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=world["alice"].bearer)
        assert response.status_code == 400, cursor
        assert response.json()["error"]["code"] == "invalid_cursor"


def test_a_review_reaches_the_owning_device_on_its_next_pull(client, world):
    alice, sue = world["alice"], world["sue"]
    seeker = new_id()
    push(client, alice, op("job_seeker", seeker))
    _, cursor = pull_all(client, alice)
    assert (
        client.put(
            f"/api/v1/records/{seeker}/review", json={"state": "needs_changes"}, headers=sue.web
        ).status_code
        == 204
    )
    posted = client.post(
        f"/api/v1/records/{seeker}/comments", json={"body": "Add the referral source"}, headers=sue.web
    )
    assert posted.status_code == 201
    changes, _ = pull_all(client, alice, cursor)
    (change,) = changes
    assert change["version"] == 1  # a review is a change, not a new version of the record
    assert change["review"]["state"] == "needs_changes"
    assert change["review"]["reviewed_by"] == "Sue"
    assert [c["body"] for c in change["review"]["comments"]] == ["Add the referral source"]


def test_reviews_of_other_specialists_records_stay_private(client, world):
    alice, bob, sue = world["alice"], world["bob"], world["sue"]
    employer = new_id()
    push(client, alice, op("employer", employer))
    client.post(f"/api/v1/records/{employer}/comments", json={"body": "Good visit"}, headers=sue.web)
    (seen_by_bob,) = pull_all(client, bob)[0]
    assert seen_by_bob["review"] is None
    (seen_by_alice,) = pull_all(client, alice)[0]
    assert seen_by_alice["review"]["comments"][0]["body"] == "Good visit"


def test_pull_skips_changes_the_device_made_itself(client, world):
    alice, tablet = world["alice"], world["alice_tablet"]
    mine = [new_id(), new_id()]
    push(client, alice, *[op("employer", record) for record in mine])
    changes, cursor = pull_all(client, alice)
    assert changes == []  # the push results already gave the phone these versions
    assert set(_ids(pull_all(client, tablet)[0])) == set(mine)
    other = new_id()
    push(client, tablet, op("employer", other))
    assert _ids(pull_all(client, alice, cursor)[0]) == [other]


def test_pull_sends_another_devices_edit_of_the_devices_own_record(client, world):
    alice, tablet = world["alice"], world["alice_tablet"]
    seeker = new_id()
    push(client, alice, op("job_seeker", seeker))
    _, cursor = pull_all(client, alice)
    push(client, tablet, op("job_seeker", seeker, base=1, data=sample("job_seeker", avoid="nights")))
    (change,) = pull_all(client, alice, cursor)[0]
    assert (change["record_id"], change["version"], change["data"]["avoid"]) == (seeker, 2, "nights")


def test_pull_still_sends_a_review_of_the_devices_own_record(client, world):
    alice, sue = world["alice"], world["sue"]
    seeker = new_id()
    push(client, alice, op("job_seeker", seeker, data=sample("job_seeker", code="JS-01")))
    _, cursor = pull_all(client, alice)
    reviewed = client.put(f"/api/v1/records/{seeker}/review", json={"state": "approved"}, headers=sue.web)
    assert reviewed.status_code == 204
    (change,) = pull_all(client, alice, cursor)[0]
    assert change["record_id"] == seeker and change["review"]["state"] == "approved"
    assert change["data"]["code"] == "JS-01"


def test_pull_still_sends_the_devices_own_push_that_ended_in_a_conflict(client, world):
    alice, tablet = world["alice"], world["alice_tablet"]
    employer = new_id()
    push(client, alice, op("employer", employer))
    _, cursor = pull_all(client, alice)
    push(client, tablet, op("employer", employer, base=1, data=sample("employer", name="Rio")))
    (result,) = push(client, alice, op("employer", employer, base=1, data=sample("employer", name="Rio Ltd")))
    assert result["status"] == "conflict"
    changes, _ = pull_all(client, alice, cursor)
    assert [(c["record_id"], c["version"], c["flagged"]) for c in changes] == [(employer, 3, True)]


def test_a_short_page_after_skipped_changes_moves_the_cursor_to_the_high_water(client, world):
    alice, bob = world["alice"], world["bob"]
    first, last = new_id(), new_id()
    push(client, bob, op("employer", first))
    push(client, alice, *[op("employer", new_id()) for _ in range(7)])
    push(client, bob, op("employer", last))
    pages = []
    cursor = ""
    for _ in range(10):  # bounded
        body = client.get(
            "/api/v1/sync/pull", params={"cursor": cursor, "limit": 1}, headers=alice.bearer
        ).json()
        pages.append((_ids(body["changes"]), body["has_more"]))
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert pages == [([first], True), ([last], False)]  # alice's own 7 changes never fill a page
    later = new_id()
    push(client, bob, op("employer", later))
    assert _ids(pull_all(client, alice, cursor)[0]) == [later]


def test_a_cursor_ahead_of_the_server_comes_back_to_its_high_water(client, world):
    # A database restored from a backup is behind the cursors devices hold: they must not wait
    # for numbers the server will hand out again.
    alice, tablet = world["alice"], world["alice_tablet"]
    push(client, alice, op("employer", new_id()))
    _, cursor = pull_all(client, tablet)
    ahead = encode_cursor(decode_cursor(cursor) + 50)
    response = client.get("/api/v1/sync/pull", params={"cursor": ahead}, headers=tablet.bearer)
    assert response.json()["next_cursor"] == cursor
    fresh = new_id()
    push(client, alice, op("employer", fresh))
    assert _ids(pull_all(client, tablet, cursor)[0]) == [fresh]


def test_an_unknown_or_missing_token_gets_401_on_pull_even_when_caught_up(client, world):
    alice = world["alice"]
    _, cursor = pull_all(client, alice)
    stranger = {"Authorization": "Bearer nope", **CURRENT_APP}
    unknown = client.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=stranger)
    assert unknown.status_code == 401 and unknown.json()["error"]["code"] == "invalid_token"
    missing = client.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=CURRENT_APP)
    assert missing.status_code == 401


def test_a_large_pull_is_sent_gzipped_to_a_client_that_accepts_it(client, world):
    alice, tablet = world["alice"], world["alice_tablet"]
    push(client, alice, *[op("employer", new_id()) for _ in range(40)])
    gzipped = client.get("/api/v1/sync/pull", headers={**tablet.bearer, "Accept-Encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip" and len(gzipped.json()["changes"]) == 40
    plain = client.get("/api/v1/sync/pull", headers={**tablet.bearer, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == gzipped.json()


def test_a_large_push_answer_is_sent_gzipped_to_a_client_that_accepts_it(client, world):
    # A phone on a poor signal waits on each push answer: a third of the bytes (server.main).
    alice = world["alice"]
    body = {"operations": [op("employer", new_id()) for _ in range(40)]}
    gzipped = client.post("/api/v1/sync/push", json=body, headers={**alice.bearer, "Accept-Encoding": "gzip"})
    assert gzipped.status_code == 200 and gzipped.headers["content-encoding"] == "gzip"
    again = client.post(
        "/api/v1/sync/push", json=body, headers={**alice.bearer, "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in again.headers
    assert [r["status"] for r in again.json()["results"]] == ["already_applied"] * 40
    assert [r["op_id"] for r in again.json()["results"]] == [r["op_id"] for r in gzipped.json()["results"]]
