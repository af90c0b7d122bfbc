"""Property: whatever devices do and whatever the network does, they converge with nothing lost.

Random edits on 2-3 devices, each sync under a random fault schedule; then the faults stop and every
device syncs to quiescence. The server must hold exactly the union of the edits, each applied
once; conflicts must be flagged; every device must hold every change it may see.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.codec import from_dict
from app.store import LocalStore
from server.db.database import Database
from sync.client import Offline
from tests.sync.harness import SLOW_FAULTS, Device, Fault, ServerProcess, enroll_device, make_team
from tests.sync.records import employer, save, visit
from tests.sync.server_view import server_records

# Restarts and real timeouts cost seconds each and are covered in test_faults.py; to the client a
# late answer looks exactly like a dropped one, which is here (DROP_RESPONSE).
QUICK_FAULTS = [f for f in Fault if f not in SLOW_FAULTS]
EMPLOYER_FIELDS = ("notes", "hiring_needs")
VISIT_FIELDS = ("outcome", "next_step")
VALUES = ("red", "green", "blue")

edit = st.tuples(
    st.sampled_from(["create_employer", "edit_employer", "edit_employer", "create_visit", "edit_visit"]),
    st.integers(0, 2),  # which device
    st.integers(0, 1),  # which record: few, so devices collide on the same one
    st.integers(0, 1),  # which field
    st.sampled_from(VALUES),
)
faults = st.lists(st.sampled_from([None, None, *QUICK_FAULTS]), max_size=3)
# A round: every device syncs under its own fault schedule, then the devices edit offline.
rounds = st.lists(
    st.tuples(st.lists(faults, min_size=3, max_size=3), st.lists(edit, min_size=1, max_size=8)),
    min_size=2,
    max_size=5,
)


class Schedule:
    """Faults for the next requests, in order; None lets a request through."""

    def __init__(self) -> None:
        self.queue: list[Fault | None] = []

    def __call__(self, request: httpx.Request) -> Fault | None:
        return self.queue.pop(0) if self.queue else None


def apply_edit(
    store: LocalStore,
    action: str,
    index: int,
    field_index: int,
    value: str,
    created: set[str],
    saves: dict[str, int],
) -> tuple[str, str] | None:
    """Do one offline edit; returns the (record, field) it set, if it set one."""
    if action == "create_employer":
        record = employer(f"Employer {len(created)}")
    elif action == "create_visit":
        places = store.all("employer")
        if not places:
            return None
        record = visit(places[index % len(places)].data["id"])
    else:
        kind, fields = (
            ("employer", EMPLOYER_FIELDS) if action == "edit_employer" else ("employer_visit", VISIT_FIELDS)
        )
        known = store.all(kind)
        if not known:
            return None
        target = known[index % len(known)]
        field = fields[field_index]
        save(store, replace(from_dict(kind, target.data), **{field: value}))
        saves[target.data["id"]] += 1
        return target.data["id"], field
    save(store, record)
    created.add(record.id)
    saves[record.id] = 1
    return None


def converge(devices: list[Device]) -> None:
    for _ in range(6):  # bounded rounds; two quiet rounds in a row prove quiescence
        quiet = True
        for device in devices:
            report = device.engine.sync_once()
            quiet = quiet and report.pulled == 0 and report.pushed == 0
        if quiet:
            return
    raise AssertionError("devices did not converge in 6 rounds")


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(device_count=st.integers(2, 3), plan=rounds)
def test_devices_converge_on_the_union_of_their_edits(
    server: ServerProcess,
    database: Database,
    device_count: int,
    plan: list[tuple[list[list[Fault | None]], list[tuple[Any, ...]]]],
):
    team = make_team(database)
    created: set[str] = set()
    saves: dict[str, int] = {}
    last_value: dict[tuple[str, str], dict[int, str]] = {}  # (record, field) -> device -> last value
    schedules = [Schedule() for _ in range(device_count)]
    devices = []
    for n in range(device_count):
        team.add(f"spec{n}")
        devices.append(enroll_device(server, team, f"spec{n}", plan=schedules[n], batch_size=4))

    # Everyone starts from one shared employer, so concurrent edits of the same field happen.
    shared = employer("Shared Employer")
    save(devices[0].store, shared)
    created.add(shared.id)
    saves[shared.id] = 1
    for device in devices:
        device.engine.sync_once()

    for schedule_faults, edits in plan:
        for who, device in enumerate(devices):
            schedules[who].queue = list(schedule_faults[who])
            with contextlib.suppress(Offline):
                device.engine.sync_once()
            schedules[who].queue = []
        for action, who_raw, index, field_index, value in edits:
            who = who_raw % device_count
            edited = apply_edit(devices[who].store, action, index, field_index, value, created, saves)
            if edited is not None:
                last_value.setdefault(edited, {})[who] = value

    converge(devices)

    held = server_records(team)
    assert set(held) == created  # nothing lost, nothing invented
    for record_id, row in held.items():
        assert row["versions"] == row["version"], row  # one history entry per version, no gaps
        assert row["version"] <= saves[record_id]  # never applied more often than it was saved
    for (record_id, field), by_device in last_value.items():
        value = held[record_id]["data"][field]
        if len(by_device) == 1:
            assert value == next(iter(by_device.values()))  # a lone editor's last word stands
        else:
            assert value in VALUES  # one of the competing values, never something else
    for device in devices:
        for record_id, row in held.items():
            local = device.store.get(row["kind"], record_id)
            if local is None:
                assert row["kind"] != "employer"  # team employers reach everyone
                continue
            assert local.data == row["data"]
            assert local.sync.server_version == row["version"]
            if local.sync.state == "conflict":
                assert row["flagged"]
