"""Signing in through the real form (CSRF included) and seeding a small team's activity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.server.world import PASSWORD, Member, World, new_id, op, push, sample

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_from(page.text),
            "next": "/review",
        },
        follow_redirects=False,
    )


@dataclass
class Seeded:
    employer: str
    seeker: str
    alice_visit: str
    bob_visit: str
    alice_check_in: str
    opening: str


def seed_activity(client: TestClient, world: World) -> Seeded:
    alice: Member = world["alice"]
    bob: Member = world["bob"]
    employer, seeker = new_id(), new_id()
    push(client, alice, op("employer", employer, data=sample("employer", name="Harbour Bakery")))
    push(client, alice, op("job_seeker", seeker, data=sample("job_seeker", code="JS-07")))
    alice_visit, bob_visit, check_in, opening = new_id(), new_id(), new_id(), new_id()
    geotag = {"latitude": 51.5072, "longitude": -0.1276, "accuracy_m": 12.0, "source": "gps"}
    visit = sample(
        "employer_visit",
        employer_id=employer,
        occurred_at="2026-05-01T09:00:00+00:00",
        job_seeker_ids=[seeker],
        geotag=geotag,
    )
    push(client, alice, op("employer_visit", alice_visit, data=visit))
    push(
        client,
        bob,
        op(
            "employer_visit",
            bob_visit,
            data=sample("employer_visit", employer_id=employer, occurred_at="2026-05-03T15:00:00+00:00",
                        contact_mode="phone"),
        ),
    )  # fmt: skip
    push(
        client,
        alice,
        op("support_check_in", check_in, data=sample("support_check_in", job_seeker_id=seeker)),
    )
    push(client, alice, op("job_opening", opening, data=sample("job_opening", employer_id=employer)))
    return Seeded(employer, seeker, alice_visit, bob_visit, check_in, opening)
