"""A phone on the previous protocol version against the real API: it is told to update the app,
and nothing is lost or half-applied on either side; the updated app then syncs everything."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from app.domain.clock import FakeClock
from app.state.sync_status import describe
from sync.client import SyncClient, UpdateRequired
from sync.engine import SyncEngine, SyncReport
from sync.protocol import PROTOCOL_VERSION
from sync.runner import UPDATE_THE_APP, SyncRunner
from tests.sync.harness import ServerProcess, Team, enroll_device
from tests.sync.records import employer, save, visit
from tests.sync.server_view import server_records


def test_an_outdated_app_is_told_to_update_and_keeps_its_outbox(server: ServerProcess, team: Team):
    device = enroll_device(server, team, "alice")
    bakery = employer()
    save(device.store, bakery)
    save(device.store, visit(bakery.id))
    token = device.client._http.headers["Authorization"].removeprefix("Bearer ")  # the phone's own token
    outdated = SyncClient(server.url, token, protocol_version=PROTOCOL_VERSION - 1)

    with pytest.raises(UpdateRequired, match="Update the app"):
        SyncEngine(device.store, outdated).sync_once()

    assert device.store.pending_count() == 2
    stored = device.store.get("employer", bakery.id)
    assert stored is not None and stored.sync.state == "pending" and stored.data["name"] == "Harbour Bakery"
    assert server_records(team) == {}

    report = device.engine.sync_once()  # the updated app
    assert report.pushed == 2 and device.store.pending_count() == 0
    assert len(server_records(team)) == 2


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_sync_line_says_update_the_app(anyio_backend):
    def refused() -> SyncReport:
        raise UpdateRequired("This version of the app is too old for the server.")

    published = []
    runner = SyncRunner(
        refused,
        clock=_clock(),
        health=lambda: True,
        counts=lambda: (3, 0),
        on_status=published.append,
        on_revoked=lambda: None,
        period_s=1000.0,
    )
    await asyncio.wait_for(runner.run_pass(), 5.0)
    status = runner.status
    assert status.problem == UPDATE_THE_APP and status.online is False and not status.revoked
    line = describe(status, pending=3, attention=0, now=_clock().now())
    assert "Update the app" in line.label and "3 waiting to sync" in line.label


def _clock() -> FakeClock:
    return FakeClock(datetime(2026, 5, 4, 9, 0, tzinfo=UTC))


def test_the_client_maps_426_to_update_required():
    transport = httpx.MockTransport(
        lambda request: httpx.Response(426, json={"error": {"code": "app_update_required", "message": "m"}})
    )
    with pytest.raises(UpdateRequired):
        SyncClient("http://api.test", "t", transport=transport).pull(None)
