"""Over real HTTP: a uvicorn server on a loopback port, gzip batches, enrollment and pull."""

from __future__ import annotations

import gzip
import json

import httpx

from tests.server.world import CURRENT_APP, new_id, op


def test_a_device_pushes_gzip_and_pulls_over_a_real_socket(live_server, world):
    alice = world["alice"]
    operations = [op("employer", new_id()) for _ in range(50)]
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        pushed = http.post(
            "/api/v1/sync/push",
            content=gzip.compress(json.dumps({"operations": operations}).encode()),
            headers={**alice.bearer, "Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
        assert pushed.status_code == 200
        assert {r["status"] for r in pushed.json()["results"]} == {"applied"}
        pulled = http.get("/api/v1/sync/pull", headers=world["alice_tablet"].bearer).json()
        assert [c["record_id"] for c in pulled["changes"]] == [o["record_id"] for o in operations]
        stranger = {"Authorization": "Bearer nope", **CURRENT_APP}
        assert http.get("/api/v1/sync/pull", headers=stranger).status_code == 401
