"""A push answer leaves out the fields a result has at their defaults (server.api.sync.push_answer),
and the phone's decoder (sync.wire) reads that shape and the full one older servers send alike."""

from __future__ import annotations

import json

import pydantic_core
from fastapi.testclient import TestClient

from app.domain.codec import from_dict, to_dict
from server.api.sync import push_answer
from sync.protocol import FieldConflict, OperationResult, PushResponse
from sync.wire import decode_push_response
from tests.server.world import World, new_id, op, push, sample

VARIED = PushResponse(
    results=[
        OperationResult(op_id=new_id(), kind="employer", record_id=new_id(), status="applied", version=1),
        OperationResult(
            op_id=new_id(), kind="job_seeker", record_id=new_id(), status="already_applied", version=3
        ),
        OperationResult(
            op_id=new_id(),
            kind="employer",
            record_id=new_id(),
            status="applied",
            version=2,
            data={"name": "Rio", "notes": None, "contacts": [], "extra": {}},  # nulls and empties inside stay
        ),
        OperationResult(
            op_id=new_id(),
            kind="job_opening",
            record_id=new_id(),
            status="rejected",
            errors={"wage": "must be a finite number"},
        ),
        OperationResult(
            op_id=new_id(),
            kind="employer",
            record_id=new_id(),
            status="conflict",
            version=4,
            data={"name": "Café"},
            conflicts=[FieldConflict(field="name", kept="Café", other="Cafe")],
            message="changed on the server",
        ),
        OperationResult(op_id=new_id(), kind="employer", record_id=new_id(), status="conflict", message=""),
    ]
)


def test_the_trimmed_answer_and_the_full_answer_decode_to_the_same_results() -> None:
    trimmed = json.loads(push_answer(VARIED))
    full = json.loads(pydantic_core.to_json(VARIED))  # what servers before the trim sent
    assert decode_push_response(trimmed) == decode_push_response(full) == VARIED
    plain = trimmed["results"][0]
    assert list(plain) == ["op_id", "kind", "record_id", "status", "version"]
    assert trimmed["results"][2]["data"] == {"name": "Rio", "notes": None, "contacts": [], "extra": {}}
    assert trimmed["results"][5]["message"] == ""  # only None is left out, not an empty message
    for result, sent in zip(full["results"], trimmed["results"], strict=True):
        assert {**result, **sent} == result  # nothing but defaults is missing


def test_five_hundred_applied_results_are_much_smaller(client: TestClient, world: World) -> None:
    ops = []
    for n in range(500):  # as the field app's codec writes them, so the server keeps each as sent
        record_id = new_id()
        data = {**sample("employer", name=f"Employer {n}"), "id": record_id, "version": 1}
        data = to_dict(from_dict("employer", {**data, "created_at": "2026-05-04T08:00:00+00:00"}))
        ops.append(op("employer", record_id, data=data))
    results = push(client, world["alice"], *ops)
    assert {tuple(result) for result in results} == {("op_id", "kind", "record_id", "status", "version")}
    answer = PushResponse(results=decode_push_response({"results": results}).results)
    trimmed, full = len(push_answer(answer)), len(pydantic_core.to_json(answer))
    assert trimmed < 0.8 * full, (trimmed, full)
