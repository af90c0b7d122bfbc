"""Idempotent replay, as a property: any batch, pushed again, returns the same results and changes
nothing. A replayed operation that changed the server reports `already_applied` with the very same
version, data and conflicts; a rejected one is rejected again with the same errors."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.world import pull_all, push, sample

KINDS = ["employer", "job_seeker"]


def _operation(record_ids: list[str]) -> st.SearchStrategy[dict]:
    def build(op_id, kind, record, base, action, name):
        if action == "junk":
            return {"op_id": op_id, "kind": kind, "record_id": "nope", "base_version": "x"}
        data = sample(kind, name=name) if kind == "employer" else sample(kind, code=name)
        return {
            "op_id": op_id,
            "kind": kind,
            "record_id": record,
            "base_version": base,
            "data": None if action == "delete" else data,
            "delete": action == "delete",
        }

    return st.builds(
        build,
        st.uuids().map(str),
        st.sampled_from(KINDS),
        st.sampled_from(record_ids),
        st.integers(min_value=0, max_value=3),
        st.sampled_from(["upsert", "upsert", "upsert", "delete", "junk"]),
        st.sampled_from(["", "Ann", "Bea", "Cal"]),  # "" is invalid for both kinds
    )


@st.composite
def batches(draw) -> list[dict]:
    record_ids = [str(uuid.UUID(int=draw(st.integers(0, 2**64)))) for _ in range(3)]
    operations = draw(st.lists(_operation(record_ids), min_size=1, max_size=12))
    if draw(st.booleans()):  # the same operation twice in one batch
        operations.append(draw(st.sampled_from(operations)))
    return operations


def _as_replayed(result: dict) -> dict:
    return result if result["status"] == "rejected" else {**result, "status": "already_applied"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=batches())
def test_replaying_any_batch_returns_the_same_results_and_changes_nothing(client, world, batch):
    alice, sue = world["alice"], world["sue"]
    first = push(client, alice, *batch)
    state, cursor = pull_all(client, sue)
    for _ in range(2):
        again = push(client, alice, *batch)
        assert again == [_as_replayed(result) for result in first]
        assert pull_all(client, sue, cursor)[0] == []  # no new change at all
    assert pull_all(client, sue)[0] == state
