"""Push and pull answers carry the standard Server-Timing header with the handler's own time, so a
client (bench/sync.py) can tell the server's part of a sync from the network's and its own."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.server.world import World, new_id, op, sample

TIMING = re.compile(r"app;dur=\d+\.\d")


def test_push_and_pull_answers_say_how_long_the_server_took(client: TestClient, world: World) -> None:
    member = world["alice"]
    record_id = new_id()
    ops = [op("employer", record_id, data={**sample("employer"), "id": record_id, "version": 1})]
    pushed = client.post("/api/v1/sync/push", json={"operations": ops}, headers=member.bearer)
    pulled = client.get("/api/v1/sync/pull", headers=member.bearer)
    for answer in (pushed, pulled):
        assert answer.status_code == 200, answer.text
        assert TIMING.fullmatch(answer.headers["server-timing"]), answer.headers["server-timing"]
