"""A phone cannot break the supervisor pages (issue 16, item 1): the largest record the caps allow
renders on every page and export; one over a cap, and a year-1 or year-9999 creation time, are
rejected with a precise field error; rows stored before the caps (70,000 job seekers, year 1)
still render. On SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from app.domain.validation import ID_MAX, LIST_CAPS, MAX_TEXT, NAME_MAX, TEXT_CAPS
from server.db.database import Database
from server.db.models import RecordRow
from tests.server.web_helpers import sign_in
from tests.server.world import Member, World, new_id, op, push, sample

SEEKERS = LIST_CAPS["job_seeker_ids"].items
PAGES = ("/review", "/review/map", "/review/fidelity", "/review/export.csv", "/review/export.geojson")
# Stock SQLite allows 32,766 bind parameters a statement (Debian's build 250,000): the tests run
# under the stock limit, so a lookup with one parameter a value fails here as it would there.
STOCK_SQLITE_VARIABLES = 32_766


@pytest.fixture(autouse=True)
def stock_sqlite_limit(database: Database) -> Iterator[None]:
    if not database.is_sqlite:
        yield
        return

    def limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, STOCK_SQLITE_VARIABLES)

    engines = {database.engine, database.write_engine}
    for engine in engines:
        event.listen(engine, "connect", limit)
        engine.dispose()  # pooled connections opened without the limit
    yield
    for engine in engines:
        event.remove(engine, "connect", limit)


def text(cap: int) -> str:
    """`cap` characters of text a page must escape and a CSV must quote."""
    return ('Café <b>"&amp;</b>, ' * (cap // 10 + 1))[:cap]


def cap(name: str) -> int:
    return TEXT_CAPS.get(name, MAX_TEXT)


def full(names: list[str], **fixed: Any) -> dict[str, Any]:
    """Every named text field at its cap, every list at its cap, then `fixed`."""
    data: dict[str, Any] = {name: text(cap(name)) for name in names}
    return data | fixed


def items(field: str) -> list[str]:
    limit = LIST_CAPS[field]
    return [text(limit.each)] * limit.items


def push_largest_records(client: TestClient, alice: Member) -> dict[str, str]:
    """One record of every kind with every list and text at its cap; their ids by kind."""
    employer, visit, opening, check_in = new_id(), new_id(), new_id(), new_id()
    seekers = [new_id() for _ in range(SEEKERS)]
    employer_data = full(
        ["name", "sector", "address", "hiring_needs", "notes", "next_step"],
        contacts=items("contacts"),
        latitude=51.5,
        longitude=-0.12,
    )
    seeker_text = ["referral_source", "clinical_team", "preferred_hours", "preferred_places", "avoid"]
    ops = [op("employer", employer, data=employer_data)]
    ops += [
        op(
            "job_seeker",
            seeker,
            data=sample("job_seeker", **full(seeker_text, preferred_job_types=items("preferred_job_types")))
            | {"code": (f"{n:02d}" + "Café-" * 3)[: TEXT_CAPS["code"]]},  # letters, digits, -
        )
        for n, seeker in enumerate(seekers)
    ]
    geotag = {"latitude": 51.5, "longitude": -0.12, "accuracy_m": 5.0, "source": "gps"}
    ops.append(
        op(
            "employer_visit",
            visit,
            data=sample("employer_visit", employer_id=employer, job_seeker_ids=seekers, geotag=geotag)
            | full(["met_person", "outcome", "next_step", "disclosure_reason"]),
        )
    )
    ops.append(
        op(
            "job_opening",
            opening,
            data=sample("job_opening", employer_id=employer, job_seeker_ids=seekers, title=text(NAME_MAX)),
        )
    )
    ops.append(
        op(
            "support_check_in",
            check_in,
            data=sample("support_check_in", job_seeker_id=seekers[0], employer_id=employer, with_whom="both")
            | full(["concerns", "disclosure_reason"], topics=items("topics")),
        )
    )
    results = push(client, alice, *ops)
    assert [r["status"] for r in results] == ["applied"] * len(ops), [r["errors"] for r in results]
    return {
        "employer": employer,
        "job_seeker": seekers[-1],
        "employer_visit": visit,
        "job_opening": opening,
        "support_check_in": check_in,
    }


def assert_every_page_renders(client: TestClient, record_ids: list[str]) -> None:
    assert sign_in(client, "sue").status_code == 303
    for page in [*PAGES, *(f"/review/records/{record_id}" for record_id in record_ids)]:
        answer = client.get(page)
        assert answer.status_code == 200, (page, answer.text[:300])


def test_the_largest_records_the_caps_allow_render_on_every_page_and_export(client: TestClient, world: World):
    ids = push_largest_records(client, world["alice"])
    assert_every_page_renders(client, list(ids.values()))
    page = client.get(f"/review/records/{ids['job_opening']}")
    assert page.text.count("00Caf") == 1 and f"{SEEKERS - 1:02d}Caf" in page.text  # every name shown


def rejected_errors(client: TestClient, member: Member, *ops: dict[str, Any]) -> list[dict[str, str]]:
    results = push(client, member, *ops)
    return [result["errors"] if result["status"] == "rejected" else {} for result in results]


def test_one_over_a_cap_is_rejected_with_a_precise_field_error_and_the_rest_applies(
    client: TestClient, world: World
):
    employer = new_id()
    over = [
        op("job_opening", new_id(), data=sample("job_opening", job_seeker_ids=[new_id()] * (SEEKERS + 1))),
        op("employer_visit", new_id(), data=sample("employer_visit", outcome="x" * (MAX_TEXT + 1))),
        op("employer", new_id(), data=sample("employer", contacts=["x"] * (LIST_CAPS["contacts"].items + 1))),
        op("support_check_in", new_id(), data=sample("support_check_in", job_seeker_id="x" * (ID_MAX + 1))),
    ]
    errors = rejected_errors(client, world["alice"], op("employer", employer), *over)
    assert errors == [
        {},
        {"job_seeker_ids": f"at most {SEEKERS} job seekers"},
        {"outcome": f"keep this under {MAX_TEXT} characters"},
        {"contacts": f"at most {LIST_CAPS['contacts'].items} contact people"},
        {"job_seeker_id": f"keep this under {ID_MAX} characters"},
    ]


def test_a_year_1_or_year_9999_stamp_is_rejected(client: TestClient, world: World):
    stamps = [
        (field, when)
        for field in ("created_at", "updated_at")
        for when in ("0001-01-01T00:00:00+00:00", "9999-12-31T23:59:00+00:00")
    ]
    ops = [op("job_opening", new_id(), data=sample("job_opening") | {field: when}) for field, when in stamps]
    for (field, _), errors in zip(stamps, rejected_errors(client, world["alice"], *ops), strict=True):
        assert list(errors) == [field] and "check the phone's date and time" in errors[field]


def store_as_before_the_caps(database: Database, record_id: str, **data: Any) -> None:
    """Rewrite a stored record as a push before these rules could have left it."""
    with database.write() as session:
        row = session.query(RecordRow).filter_by(record_id=record_id).one()
        values: dict[str, Any] = {"data": {**(row.data or {}), **data}}
        if "created_at" in data:  # an opening without noted_on is sorted by its creation time
            values["occurred_at"] = datetime.fromisoformat(data["created_at"])
        session.execute(update(RecordRow).where(RecordRow.pk == row.pk).values(**values))


def test_records_stored_before_the_caps_still_render(client: TestClient, world: World, database: Database):
    employer, opening, old_opening = new_id(), new_id(), new_id()
    push(
        client,
        world["alice"],
        op("employer", employer),
        op("job_opening", opening, data=sample("job_opening", employer_id=employer)),
        op("job_opening", old_opening, data=sample("job_opening", employer_id=employer)),
    )
    store_as_before_the_caps(database, opening, job_seeker_ids=[new_id() for _ in range(70_000)])
    store_as_before_the_caps(database, old_opening, created_at="0001-01-01T00:00:00+00:00")
    assert_every_page_renders(client, [opening, old_opening])
    assert "0001-01-01" in client.get(f"/review/records/{old_opening}").text
