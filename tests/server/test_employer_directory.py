"""Employer directory fields on the server: accepted by validation, shared by the team, merged field
by field, and the derived point columns (migration 0005). Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from server.db.models import RecordRow
from server.services.derived import location_columns
from tests.server.world import new_id, op, pull_all, push, sample

DIRECTORY = {
    "contacts": ["Ana (owner)"],
    "notes": "busy before 10",
    "next_step": "bring Sam's CV",
    "next_step_on": "2026-05-11",
    "latitude": 54.1,
    "longitude": -2.9,
    "geocoded_address": "1 High St",
}


def test_directory_fields_are_accepted_and_reach_the_rest_of_the_team(client, world):
    employer = new_id()
    (result,) = push(client, world["alice"], op("employer", employer, data=sample("employer", **DIRECTORY)))
    assert result["status"] == "applied", result

    changes, _ = pull_all(client, world["bob"])
    (shared,) = [c for c in changes if c["record_id"] == employer]
    assert {name: shared["data"][name] for name in DIRECTORY} == DIRECTORY


def test_a_bad_next_step_date_is_rejected_on_its_field(client, world):
    data = sample("employer", next_step_on="next tuesday", contacts="Ana")
    (result,) = push(client, world["alice"], op("employer", new_id(), data=data))
    assert result["status"] == "rejected"
    assert set(result["errors"]) == {"next_step_on", "contacts"}


def test_a_geocoded_point_and_a_next_step_from_two_specialists_merge(client, world):
    alice, bob = world["alice"], world["bob"]
    employer = new_id()
    push(client, alice, op("employer", employer))
    located = sample("employer", latitude=54.1, longitude=-2.9, geocoded_address="1 High St")
    push(client, alice, op("employer", employer, base=1, data=located))
    planned = sample("employer", next_step="call Ana", next_step_on="2026-05-06")
    (result,) = push(client, bob, op("employer", employer, base=1, data=planned))
    assert result["status"] == "applied" and result.get("conflicts", []) == []
    merged = result["data"]
    assert (merged["latitude"], merged["geocoded_address"], merged["next_step"]) == (
        54.1,
        "1 High St",
        "call Ana",
    )


def test_the_record_row_holds_the_point_of_an_employer_and_of_a_visit(client, world, database):
    employer, visit = new_id(), new_id()
    geotag = {"latitude": 54.2, "longitude": -2.8, "accuracy_m": 9.0, "source": "gps"}
    push(
        client,
        world["alice"],
        op("employer", employer, data=sample("employer", latitude=54.1, longitude=-2.9)),
        op("employer_visit", visit, data=sample("employer_visit", employer_id=employer, geotag=geotag)),
    )
    with database.read() as session:
        points = dict(
            (row.record_id, (row.latitude, row.longitude))
            for row in session.execute(select(RecordRow.record_id, RecordRow.latitude, RecordRow.longitude))
        )
    assert points[employer] == (54.1, -2.9) and points[visit] == (54.2, -2.8)


def test_location_columns_ignore_what_is_not_a_point():
    assert location_columns("employer", {"latitude": None, "longitude": None}) == {
        "latitude": None,
        "longitude": None,
    }
    assert location_columns("employer", {"latitude": True, "longitude": 1})["latitude"] is None
    assert location_columns("job_opening", {"latitude": 1.0, "longitude": 1.0})["latitude"] is None
    assert location_columns("employer_visit", None) == {"latitude": None, "longitude": None}
