from __future__ import annotations

import gzip
import json

import httpx
import pytest

from sync.client import Offline, ProtocolFault, SyncClient, Unauthorized
from sync.errors import PayloadTooLarge
from sync.protocol import PROTOCOL_VERSION, Operation


def client_answering(handler) -> SyncClient:
    return SyncClient("http://api.test", "tok-123", transport=httpx.MockTransport(handler))


def op(n: int) -> Operation:
    return Operation(op_id=f"op-{n}", kind="employer", record_id=f"rec-{n}", base_version=0, data={"n": n})


def test_push_sends_a_gzipped_batch_with_the_device_token():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers["authorization"]
        seen["encoding"] = request.headers.get("content-encoding")
        seen["body"] = json.loads(gzip.decompress(request.content))
        return httpx.Response(200, json={"results": []})

    client_answering(handler).push([op(n) for n in range(40)])
    assert seen["auth"] == "Bearer tok-123"
    assert seen["encoding"] == "gzip"
    assert len(seen["body"]["operations"]) == 40
    assert seen["body"]["protocol_version"] == PROTOCOL_VERSION


def test_a_prepared_push_sends_the_body_encoded_ahead_and_only_for_that_batch(monkeypatch):
    bodies = []

    def handler(request: httpx.Request) -> httpx.Response:
        gzipped = request.headers.get("content-encoding") == "gzip"
        bodies.append(json.loads(gzip.decompress(request.content) if gzipped else request.content))
        return httpx.Response(200, json={"results": []})

    client = client_answering(handler)
    prepared, other = [op(n) for n in range(40)], [op(n) for n in range(40, 80)]
    client.prepare_push(prepared)
    client.prepare_push(other)
    encodes = []
    monkeypatch.setattr("sync.client.push_request_body", lambda request: encodes.append(request) or b"{}")
    client.push(prepared)  # encoded already: nothing to encode now
    assert encodes == [] and [o["op_id"] for o in bodies[0]["operations"]] == [f"op-{n}" for n in range(40)]
    client.push([op(n) for n in range(40, 80)])  # equal to `other`, but not the list that was prepared
    assert len(encodes) == 1


def test_prepared_bodies_never_sent_are_dropped_beyond_two():
    client = client_answering(lambda request: httpx.Response(200, json={"results": []}))
    batches = [[op(n)] for n in range(5)]
    for batch in batches:
        client.prepare_push(batch)
    assert [entry[0] for entry in client._prepared.values()] == batches[-2:]


def test_a_small_body_is_sent_plain():
    def handler(request: httpx.Request) -> httpx.Response:
        assert "content-encoding" not in request.headers
        assert json.loads(request.content)["operations"][0]["op_id"] == "op-1"
        return httpx.Response(200, json={"results": []})

    client_answering(handler).push([op(1)])


def test_push_decodes_per_operation_results():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "results": [
                    {
                        "op_id": "op-1",
                        "kind": "employer",
                        "record_id": "rec-1",
                        "status": "applied",
                        "version": 3,
                    },
                    {
                        "op_id": "op-2",
                        "kind": "employer",
                        "record_id": "rec-2",
                        "status": "conflict",
                        "version": 5,
                        "conflicts": [{"field": "name", "kept": "A", "other": "B"}],
                    },
                ]
            },
        )

    response = client_answering(handler).push([op(1), op(2)])
    assert [r.status for r in response.results] == ["applied", "conflict"]
    assert response.results[1].conflicts[0].other == "B"


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_mean_offline(status):
    with pytest.raises(Offline):
        client_answering(lambda request: httpx.Response(status)).pull(None)


def test_a_connection_failure_means_offline():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(Offline):
        client_answering(handler).pull("c1")


def test_a_timeout_means_offline():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(Offline):
        client_answering(handler).pull("c1")


def test_a_compressed_answer_that_does_not_inflate_means_offline():
    # Push and pull answers come gzipped: one damaged on the way is no answer worth trusting.
    damaged = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    client = client_answering(lambda request: httpx.Response(200, headers=damaged, content=b"not gzip"))
    with pytest.raises(Offline):
        client.push([op(1)])
    with pytest.raises(Offline):
        client.pull("c1")


def test_401_means_the_device_is_no_longer_accepted():
    body = {"error": {"code": "token_revoked", "message": "This device was revoked"}}
    with pytest.raises(Unauthorized, match="revoked"):
        client_answering(lambda request: httpx.Response(401, json=body)).pull(None)


def test_other_client_errors_keep_the_servers_code():
    body = {"error": {"code": "batch_too_large", "message": "At most 500 operations"}}
    with pytest.raises(ProtocolFault) as caught:
        client_answering(lambda request: httpx.Response(413, json=body)).push([op(1)])
    assert caught.value.code == "batch_too_large"
    assert caught.value.status == 413


def test_a_413_names_the_servers_body_limit_from_its_details():
    body = {"error": {"code": "body_too_large", "message": "too big", "details": {"limit_bytes": 65536}}}
    with pytest.raises(PayloadTooLarge) as caught:
        client_answering(lambda request: httpx.Response(413, json=body)).push([op(1)])
    assert caught.value.limit_bytes == 65536


def test_an_answer_outside_the_protocol_is_a_protocol_fault():
    with pytest.raises(ProtocolFault):
        client_answering(lambda request: httpx.Response(200, json={"weird": True})).pull(None)


def test_pull_sends_the_cursor_and_decodes_tombstones_and_reviews():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["cursor"] == "abc"
        return httpx.Response(
            200,
            json={
                "changes": [
                    {"kind": "employer", "record_id": "e1", "version": 2, "data": None},
                    {
                        "kind": "employer_visit",
                        "record_id": "v1",
                        "version": 4,
                        "data": {"id": "v1"},
                        "review": {
                            "state": "needs_changes",
                            "comments": [{"id": "c", "author": "Sam", "body": "Who?", "created_at": "x"}],
                        },
                    },
                ],
                "next_cursor": "def",
                "has_more": False,
            },
        )

    page = client_answering(handler).pull("abc")
    assert page.changes[0].data is None
    assert page.changes[1].review is not None
    assert page.changes[1].review.comments[0].body == "Who?"
    assert page.next_cursor == "def"


def test_health_is_false_when_unreachable_and_true_when_answering():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    assert client_answering(down).health() is False
    assert client_answering(lambda request: httpx.Response(200, json={"ok": True})).health() is True
