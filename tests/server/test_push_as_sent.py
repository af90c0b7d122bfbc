"""A new record the server stores exactly as the phone sent it is not sent back; any other is."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from app.domain.codec import to_dict
from app.domain.records import Employer, JobSeeker, stamp
from tests.server.world import new_id, op, pull_all, push

NOW = datetime(2026, 5, 4, 11, 0, tzinfo=UTC)


class _Clock:
    def now(self) -> datetime:
        return NOW


def _as_phone_saves(record: Any) -> dict[str, Any]:
    return to_dict(stamp(record, clock=_Clock(), new_id=new_id))


def test_a_create_sent_as_encoded_is_stored_as_sent_and_not_echoed(client, world):
    alice = world["alice"]
    employer = _as_phone_saves(Employer(name="Café Rio", sector="hospitality"))
    (result,) = push(client, alice, op("employer", employer["id"], data=employer))
    assert result["status"] == "applied" and result["version"] == 1
    assert "data" not in result  # the phone keeps its copy
    changes, _ = pull_all(client, world["bob"])
    (stored,) = [change for change in changes if change["record_id"] == employer["id"]]
    assert stored["data"] == employer
    assert list(stored["data"]) == list(employer)


def test_a_create_the_server_completes_or_respells_is_echoed(client, world):
    alice = world["alice"]
    seeker = _as_phone_saves(
        JobSeeker(code=f"JS-{new_id()[-6:]}", referral_date=date(2026, 4, 1), min_hours_per_week=10.0)
    )
    respelled = {**seeker, "min_hours_per_week": 10}  # a whole number for a float field
    unstamped = {**seeker, "id": "", "created_at": None, "version": 0, "code": f"JS-{new_id()[-6:]}"}
    third_id = new_id()
    wrong_version = {**seeker, "id": third_id, "version": 3, "code": f"JS-{new_id()[-6:]}"}
    first, second, third = push(
        client,
        alice,
        op("job_seeker", seeker["id"], data=respelled),
        op("job_seeker", new_id(), data=unstamped),
        op("job_seeker", third_id, data=wrong_version),
    )
    assert [first["status"], second["status"], third["status"]] == ["applied"] * 3
    assert first["data"]["min_hours_per_week"] == 10.0
    assert isinstance(first["data"]["min_hours_per_week"], float)
    assert second["data"]["id"] == second["record_id"] and second["data"]["created_at"]
    assert second["data"]["version"] == 1
    assert third["data"] == {**wrong_version, "version": 1}
