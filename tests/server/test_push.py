"""Push: one result per operation, never a failed batch because of one operation."""

from __future__ import annotations

import gzip
import json

import pytest

from sync.protocol import MAX_BATCH_OPERATIONS
from tests.server.world import new_id, op, pull_all, push, sample


def test_create_is_applied_with_version_one_and_server_assigned_owner(client, world, database):
    alice = world["alice"]
    seeker = new_id()
    (result,) = push(client, alice, op("job_seeker", seeker, data={**sample("job_seeker"), "owner": "bob"}))
    assert result["status"] == "applied"
    assert result["version"] == 1
    assert result["data"]["id"] == seeker and result["data"]["version"] == 1
    assert "owner" not in result["data"]
    changes, _ = pull_all(client, world["bob"])
    assert seeker not in {change["record_id"] for change in changes}


def test_replay_returns_same_result_as_already_applied_and_changes_nothing(client, world):
    alice = world["alice"]
    batch = [op("employer", new_id()), op("job_seeker", new_id())]
    first = push(client, alice, *batch)
    before, _ = pull_all(client, alice)
    second = push(client, alice, *batch)
    assert [r["status"] for r in second] == ["already_applied", "already_applied"]
    assert [{**r, "status": None} for r in second] == [{**r, "status": None} for r in first]
    after, _ = pull_all(client, alice)
    assert after == before


def test_one_bad_operation_never_fails_the_others(client, world):
    alice = world["alice"]
    good = op("employer", new_id())
    bad_kind = {**op("employer", new_id()), "kind": "diagnosis"}
    bad_ids = {**op("employer", "not-a-uuid"), "op_id": "also-not"}
    invalid = op("employer", new_id(), data={"name": ""})
    junk = ["not", "an", "object"]
    results = push(client, alice, good, bad_kind, bad_ids, invalid, junk)
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "rejected", "rejected"]
    assert "kind" in results[1]["errors"]
    assert set(results[2]["errors"]) == {"op_id", "record_id"}
    assert results[3]["errors"] == {"name": "Business name is required"}
    assert results[1]["kind"] == "diagnosis"  # echoed so the device can match the result


def test_rejected_operations_are_rejected_again_on_replay(client, world):
    alice = world["alice"]
    invalid = op("employer", new_id(), data={"name": ""})
    (first,) = push(client, alice, invalid)
    (second,) = push(client, alice, invalid)
    assert first["status"] == second["status"] == "rejected"
    assert first == second


def test_wrong_field_types_are_rejected_with_field_errors(client, world):
    alice = world["alice"]
    (result,) = push(client, alice, op("job_opening", new_id(), data=sample("job_opening", wage="lots")))
    assert result["status"] == "rejected"
    assert result["errors"] == {"wage": "expected a number"}


def test_a_huge_or_infinite_number_is_rejected_not_stored(client, world):
    alice = world["alice"]
    operation = json.dumps(op("job_opening", new_id(), data=sample("job_opening", wage=12.5)))
    body = '{"operations": [%s]}'.replace("%s", operation.replace("12.5", "1e400"))
    response = client.post(
        "/api/v1/sync/push", content=body, headers={**alice.bearer, "Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["errors"] == {"wage": "must be a finite number"}


@pytest.mark.parametrize(
    ("kind", "field", "path"),
    [
        ("employer", "latitude", ("latitude",)),
        ("job_seeker", "max_travel_km", ("max_travel_km",)),
        ("job_opening", "hours_per_week", ("hours_per_week",)),
        ("job_seeker", "min_pay_per_hour", ("min_pay_per_hour",)),
        ("employer_visit", "geotag.accuracy_m", ("geotag", "accuracy_m")),
        ("employer_visit", "geotag.longitude", ("geotag", "longitude")),
    ],
)
def test_an_infinite_number_in_any_number_field_is_rejected_naming_it(client, world, kind, field, path):
    """Every field the codec fills with a float, a visit's geotag included, is checked."""
    alice = world["alice"]
    data = sample(kind)
    if path[0] == "geotag":
        data["geotag"] = {"latitude": -36.8, "longitude": 174.7, "accuracy_m": 12.0, "source": "gps"}
        data["geotag"][path[1]] = 12.5
    else:
        data[path[0]] = 12.5
    operation = json.dumps(op(kind, new_id(), data=data))
    body = '{"operations": [%s]}'.replace("%s", operation.replace("12.5", "1e400"))
    response = client.post(
        "/api/v1/sync/push", content=body, headers={**alice.bearer, "Content-Type": "application/json"}
    )
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["status"] == "rejected"
    assert result["errors"].get(field) == "must be a finite number", result["errors"]


def test_another_specialists_record_cannot_be_changed(client, world):
    seeker = new_id()
    push(client, world["alice"], op("job_seeker", seeker))
    (result,) = push(client, world["bob"], op("job_seeker", seeker, base=1))
    assert result["status"] == "rejected"
    assert "record_id" in result["errors"]


def test_employers_are_shared_by_the_team(client, world):
    employer = new_id()
    push(client, world["alice"], op("employer", employer))
    (result,) = push(
        client, world["bob"], op("employer", employer, base=1, data=sample("employer", notes="hiring"))
    )
    assert result["status"] == "applied"
    assert result["version"] == 2


def test_a_record_id_keeps_its_kind(client, world):
    record = new_id()
    push(client, world["alice"], op("employer", record))
    (result,) = push(client, world["alice"], op("job_seeker", record, base=1))
    assert result["status"] == "rejected" and "kind" in result["errors"]


def test_base_version_beyond_the_server_is_rejected(client, world):
    (result,) = push(client, world["alice"], op("employer", new_id(), base=3))
    assert result["status"] == "rejected" and "base_version" in result["errors"]


def test_delete_leaves_a_tombstone_that_pulls_as_data_none(client, world):
    alice = world["alice"]
    employer = new_id()
    push(client, alice, op("employer", employer))
    (result,) = push(client, alice, op("employer", employer, base=1, delete=True))
    assert result["status"] == "applied" and result["version"] == 2 and "data" not in result  # null: left out
    changes, _ = pull_all(client, world["alice_tablet"])
    assert changes == [
        {
            "kind": "employer",
            "record_id": employer,
            "version": 2,
            "data": None,
            "review": None,
            "flagged": False,
        }
    ]


def test_deleting_a_record_the_server_never_saw_is_applied_without_a_change(client, world):
    (result,) = push(client, world["alice"], op("employer", new_id(), delete=True))
    assert result["status"] == "applied" and result["version"] == 0
    assert pull_all(client, world["alice"])[0] == []


def test_disclosure_guard_applies_on_the_server(client, world):
    alice = world["alice"]
    seeker = new_id()
    push(client, alice, op("job_seeker", seeker, data=sample("job_seeker", disclosure="not_consented")))
    visit = sample("employer_visit", job_seeker_ids=[seeker])
    (refused,) = push(client, alice, op("employer_visit", new_id(), data=visit))
    assert refused["status"] == "rejected" and "disclosure_reason" in refused["errors"]
    with_reason = {**visit, "disclosure_reason": "they asked me to speak to the manager"}
    (accepted,) = push(client, alice, op("employer_visit", new_id(), data=with_reason))
    assert accepted["status"] == "applied"


def test_disclosure_guard_sees_job_seekers_created_earlier_in_the_same_batch(client, world):
    seeker = new_id()
    results = push(
        client,
        world["alice"],
        op("job_seeker", seeker, data=sample("job_seeker", disclosure="undecided")),
        op(
            "support_check_in",
            new_id(),
            data=sample("support_check_in", job_seeker_id=seeker, with_whom="both", employer_id=new_id()),
        ),
    )
    assert [r["status"] for r in results] == ["applied", "rejected"]


def test_a_merge_that_would_break_the_disclosure_guard_keeps_the_servers_copy(client, world):
    # Each edit is valid alone: the phone names a worker (the visit already gives a reason), the
    # tablet, working on the older copy, clears the reason. Combined, the worker would be named to
    # an employer with no reason: the server keeps its copy and holds the tablet's edit as a conflict.
    alice, phone, tablet = world["alice"], world["alice"], world["alice_tablet"]
    seeker, visit_id = new_id(), new_id()
    push(client, alice, op("job_seeker", seeker, data=sample("job_seeker", disclosure="not_consented")))
    reason = "they asked me to speak to the manager"
    first = sample("employer_visit", job_seeker_ids=[], disclosure_reason=reason)
    push(client, phone, op("employer_visit", visit_id, data=first))
    named = {**first, "job_seeker_ids": [seeker]}
    (applied,) = push(client, phone, op("employer_visit", visit_id, base=1, data=named))
    assert applied["status"] == "applied"

    cleared = {**first, "disclosure_reason": ""}
    (result,) = push(client, tablet, op("employer_visit", visit_id, base=1, data=cleared))

    assert result["status"] == "conflict" and result["version"] == 3
    assert "could not be combined" in result["message"] and "disclosure_reason" in result["message"]
    assert result["data"]["job_seeker_ids"] == [seeker]
    assert result["data"]["disclosure_reason"] == "they asked me to speak to the manager"
    assert [(c["field"], c["other"]) for c in result["conflicts"]] == [("disclosure_reason", "")]
    (change,) = [c for c in pull_all(client, phone)[0] if c["record_id"] == visit_id]
    assert change["flagged"] and change["data"]["disclosure_reason"] == first["disclosure_reason"]


def test_an_edit_from_an_app_that_does_not_know_a_field_keeps_the_servers_value(client, world):
    # An older app drops fields it does not know when it reads a record, and pushes without them.
    alice, record = world["alice"], new_id()
    planned = sample("employer", next_step="Call the manager back", next_step_on="2026-05-11")
    push(client, alice, op("employer", record, data=planned))
    older_app = {key: value for key, value in planned.items() if not key.startswith("next_step")}

    renamed = {**older_app, "name": "Café Rio Ltd"}
    (result,) = push(client, alice, op("employer", record, base=1, data=renamed))

    assert result["status"] == "applied" and result["version"] == 2
    assert result["data"]["name"] == "Café Rio Ltd"
    kept = (result["data"]["next_step"], result["data"]["next_step_on"])
    assert kept == ("Call the manager back", "2026-05-11")


def test_batch_over_the_limit_is_413_with_a_stable_code(client, world):
    operations = [op("employer", new_id()) for _ in range(MAX_BATCH_OPERATIONS + 1)]
    response = client.post(
        "/api/v1/sync/push", json={"operations": operations}, headers=world["alice"].bearer
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"
    limit = MAX_BATCH_OPERATIONS
    assert response.json()["error"]["details"] == {"limit": limit, "received": limit + 1}


def test_gzip_request_bodies_are_accepted(client, world):
    body = gzip.compress(json.dumps({"operations": [op("employer", new_id())]}).encode())
    response = client.post(
        "/api/v1/sync/push",
        content=body,
        headers={**world["alice"].bearer, "Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "applied"


def test_a_gzip_bomb_is_refused_with_413(client, world, settings):
    bomb = gzip.compress(b"[" + b" " * (20 * 1024 * 1024) + b"]")
    assert len(bomb) < 100_000
    response = client.post(
        "/api/v1/sync/push", content=bomb, headers={**world["alice"].bearer, "Content-Encoding": "gzip"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert response.json()["error"]["details"] == {"limit_bytes": settings.max_body_bytes}


def test_broken_gzip_is_400(client, world):
    response = client.post(
        "/api/v1/sync/push",
        content=b"not gzip",
        headers={**world["alice"].bearer, "Content-Encoding": "gzip"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_gzip"


def test_unknown_content_encoding_is_415(client, world):
    response = client.post(
        "/api/v1/sync/push", content=b"{}", headers={**world["alice"].bearer, "Content-Encoding": "br"}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_content_encoding"


def test_envelope_errors_have_precise_codes(client, world):
    headers = {**world["alice"].bearer, "Content-Type": "application/json"}
    cases = [
        (b"{", 400, "invalid_json"),
        (b'{"operations": {}}', 400, "invalid_request"),
        (b'{"operations": [], "protocol_version": 99}', 400, "unsupported_protocol_version"),
        (b'{"operations": [NaN]}', 400, "invalid_json"),
    ]
    for body, status, code in cases:
        response = client.post("/api/v1/sync/push", content=body, headers=headers)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    xml = client.post(
        "/api/v1/sync/push",
        content=b"<ops/>",
        headers={**world["alice"].bearer, "Content-Type": "application/xml"},
    )
    assert xml.status_code == 415


def _as_the_device_saves_it(kind: str, record_id: str, version: int, **fields):
    """Every field of the record, as the field app's codec writes it (stamped with its version)."""
    from app.domain.codec import from_dict, to_dict

    data = {**sample(kind, **fields), "id": record_id, "version": version}
    return to_dict(from_dict(kind, {**data, "created_at": "2026-05-04T08:00:00+00:00"}))


def test_push_result_data_is_null_when_the_server_kept_exactly_what_the_device_sent(client, world):
    alice = world["alice"]
    employer = new_id()
    sent = _as_the_device_saves_it("employer", employer, 1)
    (created,) = push(client, alice, op("employer", employer, data=sent))
    # Data the device already has is left out of the answer (null, the default: sync.wire reads it so).
    assert (created["status"], created["version"], created.get("data", "absent")) == ("applied", 1, "absent")
    edited = _as_the_device_saves_it("employer", employer, 2, notes="Saturdays")
    edit = op("employer", employer, base=1, data=edited)
    (result,) = push(client, alice, edit)
    assert (result["status"], result["version"], result.get("data", "absent")) == ("applied", 2, "absent")
    (replayed,) = push(client, alice, edit)
    assert replayed == {**result, "status": "already_applied"}
    (change,) = pull_all(client, world["alice_tablet"])[0]
    assert change["data"] == edited


def test_push_result_data_is_the_server_copy_when_it_differs_from_what_was_sent(client, world):
    alice = world["alice"]
    employer = new_id()
    sent = _as_the_device_saves_it("employer", employer, 1)
    (created,) = push(client, alice, op("employer", employer, data={**sent, "version": 7}))
    assert created["data"] == sent  # the server numbers versions
    (spelled,) = push(
        client, alice, op("employer", new_id(), data=sample("employer", latitude=51, longitude=-1))
    )
    assert spelled["status"] == "applied", spelled
    assert spelled["data"]["latitude"] == 51.0 and isinstance(spelled["data"]["latitude"], float)
