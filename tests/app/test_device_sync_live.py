"""The app's sync link against the real API in its own process, on loopback: enroll with a code,
sync a visit, then a supervisor revokes the phone and everything it kept is gone."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from app.credentials import InThread
from app.device_sync import DeviceSync
from app.domain.clock import SystemClock, new_id
from app.domain.records import EmployerVisit
from app.records import RecordService
from app.store import LocalStore
from app.store.attachments import PhotoStore
from server.db.database import Database
from server.services import accounts
from sync.client import SyncClient
from sync.credentials import FileCredentialStore
from tests.sync.harness import ServerProcess, Team, make_team
from tests.sync.records import employer, job_seeker
from tests.sync.server_view import server_records

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 90, 200)).save(out, format="JPEG")
    return out.getvalue()


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(3000):  # bounded: ~30 s at most on a slow machine
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


async def test_a_revoked_phone_stops_syncing_and_erases_its_store(
    database: Database, server: ServerProcess, tmp_path: Path
):
    team: Team = make_team(database)
    team.add("alice")
    store = LocalStore.in_memory()
    clock = SystemClock()
    link = DeviceSync(
        store,
        clock=clock,
        make_client=SyncClient,
        device_name="Alice's phone",
        default_server_url=server.url,
        runner_options={"debounce_s": 0.001, "period_s": 1000.0},
    )
    service = RecordService(store, clock=clock, new_id=new_id, on_saved=link.after_save)
    events: list[str] = []
    link.subscribe(events.append)
    credentials = FileCredentialStore(tmp_path / "credentials.json")
    await link.start(InThread(credentials))

    enrolled = await link.connect(server.url, team.enrollment_code("alice"))
    bakery, seeker = employer(), job_seeker()
    service.save(bakery)
    service.save(seeker)
    visit = service.save(
        EmployerVisit(employer_id=bakery.id, occurred_at=clock.now(), job_seeker_ids=[seeker.id])
    )
    visit_id = visit.data["id"]
    photos = PhotoStore(store)  # a photo of the visit goes up after it, in the app's own passes
    photos.add(attachment_id="p1", kind="employer_visit", record_id=visit_id, photo=jpeg(), added_at="t")
    link.after_save()  # as the screen does once a photo is kept
    await until(lambda: visit_id in server_records(team) and store.pending_count() == 0)
    await until(lambda: photos.all()[0].state == "sent")
    await until(lambda: link.status is not None and not link.status.syncing)
    assert link.summary().label.startswith("Online · Synced")

    with database.write() as session:
        accounts.revoke_device(session, device_id=enrolled.device_id, clock=SystemClock())
    service.save(EmployerVisit(employer_id=bakery.id, occurred_at=clock.now(), outcome="after revocation"))
    await until(lambda: "revoked" in events)
    await link.wait_stopped()
    await until(lambda: credentials.load() is None)

    assert link.store is not store
    for kind in ("job_seeker", "employer", "employer_visit"):
        assert link.store.all(kind) == []
    assert link.store.pending_count() == 0
    assert link.runner is None and link.summary().action == "connect"
    assert not credentials.path.exists()
    link.store.close()
