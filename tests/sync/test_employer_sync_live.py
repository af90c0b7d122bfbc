"""Employer directory fields through the real sync engine and the real API on loopback."""

from __future__ import annotations

from datetime import date

from app.domain.codec import from_dict
from app.domain.records import Employer
from tests.sync.harness import ServerProcess, Team, enroll_device
from tests.sync.records import employer, save


def test_every_employer_field_round_trips_to_another_specialists_device(server: ServerProcess, team: Team):
    alice = enroll_device(server, team, "alice")
    bob = enroll_device(server, team, "bob")
    bakery = employer(
        address="1 Quay St, Kendal",
        latitude=54.3292,
        longitude=-2.7447,
        geocoded_address="1 Quay St, Kendal",
        contacts=["Ana (owner)", "Raj"],
        hiring_needs="weekend bakers",
        notes="busy before 10",
        next_step="bring Sam's CV",
        next_step_on=date(2026, 12, 1),
    )
    save(alice.store, bakery)

    assert alice.engine.sync_once().rejected == 0
    bob.engine.sync_once()

    stored = bob.store.get("employer", bakery.id)
    assert stored is not None
    received = from_dict("employer", stored.data)
    assert isinstance(received, Employer)
    sent_fields = {
        name: getattr(bakery, name)
        for name in (
            "address",
            "latitude",
            "longitude",
            "geocoded_address",
            "contacts",
            "hiring_needs",
            "notes",
            "next_step",
            "next_step_on",
        )
    }
    assert {name: getattr(received, name) for name in sent_fields} == sent_fields
