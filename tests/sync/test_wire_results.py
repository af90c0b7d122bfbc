"""The phone decodes a push answer's plain results (applied as sent: only op_id, kind, record_id,
status and version) on a quicker path than the others; both give what the protocol's own
constructor gives, and an answer outside the protocol is still refused."""

from __future__ import annotations

import dataclasses

import pytest

from sync.protocol import FieldConflict, OperationResult
from sync.wire import WireError, decode_push_response

PLAIN = {"op_id": "op-1", "kind": "employer", "record_id": "r-1", "status": "applied", "version": 3}


def test_a_plain_result_decodes_to_what_the_constructor_builds() -> None:
    decoded = decode_push_response({"results": [PLAIN, dict(PLAIN, op_id="op-2")]}).results
    assert decoded == [OperationResult(**PLAIN), OperationResult(**dict(PLAIN, op_id="op-2"))]
    for result in decoded:
        assert dataclasses.asdict(result) == dataclasses.asdict(OperationResult(**result.__dict__))
    # Each result has its own containers, as the constructor's default factories give.
    assert decoded[0].errors is not decoded[1].errors and decoded[0].conflicts is not decoded[1].conflicts


def test_results_with_more_or_fewer_fields_decode_as_before() -> None:
    conflict = {"field": "name", "kept": "Café", "other": "Cafe"}
    answer = {
        "results": [
            dict(PLAIN, status="conflict", data={"name": "Café"}, conflicts=[conflict], message="changed"),
            dict(PLAIN, status="rejected", errors={"name": "required"}),
            {key: value for key, value in PLAIN.items() if key != "version"},  # an older server's
        ]
    }
    decoded = decode_push_response(answer).results
    assert decoded[0].conflicts == [FieldConflict(**conflict)] and decoded[0].data == {"name": "Café"}
    assert decoded[1].errors == {"name": "required"} and decoded[1].status == "rejected"
    assert decoded[2].version == 0


@pytest.mark.parametrize(
    "result",
    [
        {key: value for key, value in PLAIN.items() if key != "op_id"},
        dict(PLAIN, unknown=1),
        ["op-1", "employer"],
    ],
)
def test_a_result_outside_the_protocol_is_refused(result: object) -> None:
    with pytest.raises(WireError):
        decode_push_response({"results": [result]})
