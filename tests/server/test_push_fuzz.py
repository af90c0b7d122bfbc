"""Hostile record data through push, past the envelope: canonical ids and real kinds, but every
field of the record (and base_version) drawn from arbitrary JSON. Whatever arrives, the server
answers 200 with one result per operation (applied, rejected or conflict), never a 5xx. Bounded,
derandomized; runs on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from typing import Any

import hypothesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from app.domain.records import Employer, EmployerVisit, JobOpening, JobSeeker, SupportCheckIn
from tests.server.world import new_id

KINDS = {
    "employer": Employer,
    "job_seeker": JobSeeker,
    "employer_visit": EmployerVisit,
    "job_opening": JobOpening,
    "support_check_in": SupportCheckIn,
}
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["2026-05-04", "2026-05-04T09:00:00+00:00", "2026-02-30", "9999-12-31T23:59:59", ""])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def operations(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(KINDS)))
    names = [f.name for f in dataclasses.fields(KINDS[kind])]
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    data = {name: draw(values) for name in chosen}
    if draw(st.booleans()):
        data["id"] = draw(st.sampled_from([new_id(), "not-an-id", 7]))
    delete = draw(st.booleans()) and draw(st.booleans())
    return {
        "op_id": new_id(),
        "kind": kind,
        "record_id": new_id(),
        "base_version": draw(st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([0, 1, 2])),
        "data": None if delete else data,
        "delete": delete,
    }


def test_hostile_record_data_never_fails_the_server(app, world):
    bearer = world["alice"].bearer
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:

        @given(batch=st.lists(operations(), min_size=1, max_size=4))
        @hypothesis.settings(
            max_examples=150, deadline=None, derandomize=True, database=None,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        def push(batch: list[dict[str, Any]]) -> None:
            response = client.post("/api/v1/sync/push", json={"operations": batch}, headers=bearer)
            assert response.status_code == 200, response.text[:500]
            results = response.json()["results"]
            assert [r["op_id"] for r in results] == [op["op_id"] for op in batch]
            assert {r["status"] for r in results} <= {"applied", "rejected", "conflict", "already_applied"}

        push()
