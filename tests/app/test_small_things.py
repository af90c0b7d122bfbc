"""The small things a specialist's walk hit (issue 17, item 11), each through its view-model, the
Today view's controls, or the supervisor pages over HTTP."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from app.credentials import InThread
from app.device_sync import DeviceSync
from app.domain.clock import FakeClock
from app.domain.records import Employer
from app.records import RecordService
from app.state.connect import ConnectState, server_address
from app.state.detail import RecordDetailState
from app.state.opening_form import OpeningFormState
from app.state.sync_status import LAST_SYNC_META, OfflineSyncStatus
from app.state.today import TodayState
from app.store import LocalStore
from app.views.today import TodayView
from app.views.widgets import FAB_CLEARANCE
from server import security
from server.db.database import Database
from server.db.migrate import upgrade
from server.main import create_app
from server.settings import Settings
from sync.credentials import UNREACHABLE, Credentials, MemoryCredentialStore
from sync.engine import SyncEngine
from sync.errors import Offline
from tests.app.conftest import NOW
from tests.app.test_device_sync import FAST, FakeApi, FakeClient, until
from tests.server.web_helpers import csrf_from, seed_activity, sign_in
from tests.server.world import build_world


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# -- Connect: an address typed without http:// ---------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "used"),
    [
        ("team.example.org", "https://team.example.org"),
        (" team.example.org:8443/ ", "https://team.example.org:8443"),
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("localhost:8000", "http://localhost:8000"),
        ("192.168.1.20:8000", "http://192.168.1.20:8000"),
        ("10.0.0.5", "http://10.0.0.5"),
        ("[::1]:8000", "http://[::1]:8000"),
        ("8.8.8.8", "https://8.8.8.8"),
        ("http://team.example.org", "http://team.example.org"),  # a typed scheme is kept
        ("https://192.168.1.20", "https://192.168.1.20"),
    ],
)
def test_an_address_without_a_scheme_gets_https_except_on_this_network(typed: str, used: str) -> None:
    assert server_address(typed) == used


class AddressApi(FakeApi):
    """Enrolls only at `answers_at`, like a real server at one address."""

    def __init__(self, answers_at: str) -> None:
        super().__init__()
        self.answers_at = answers_at
        self.urls: list[str] = []

    def client(self, url: str, token: str | None = None) -> FakeClient:
        self.urls.append(url)
        return super().client(url, token) if url == self.answers_at else DownClient(self)


@pytest.mark.anyio
async def test_connect_uses_http_for_a_local_address_typed_bare_and_says_so(store: LocalStore, clock) -> None:
    api = AddressApi("http://127.0.0.1:8000")
    link = DeviceSync(store, clock=clock, make_client=api.client, device_name="p", runner_options=FAST)
    await link.start(InThread(MemoryCredentialStore()))
    state = ConnectState(link)
    state.server_url, state.code = "127.0.0.1:8000", "GOOD-CODE"
    assert await state.connect()
    assert state.server_url == "http://127.0.0.1:8000"
    assert state.success_message == "Connected to IPS North as Ana at http://127.0.0.1:8000. Syncing now."
    link.stop()
    await link.wait_stopped()


@pytest.mark.anyio
async def test_a_failed_connect_names_the_address_it_tried(store: LocalStore, clock) -> None:
    api = AddressApi("http://127.0.0.1:8000")
    link = DeviceSync(store, clock=clock, make_client=api.client, device_name="p", runner_options=FAST)
    await link.start(InThread(MemoryCredentialStore()))
    state = ConnectState(link)
    state.server_url, state.code = "team.example.org", "GOOD-CODE"
    assert not await state.connect()
    assert state.error == f"{UNREACHABLE} (tried https://team.example.org)"


# -- Detail: "waiting to sync" after the record synced ----------------------------------------------


def test_the_detail_page_says_synced_after_a_pass_sent_the_record(service: RecordService, store) -> None:
    stored = service.save(Employer(name="Harbour Bakery"))
    detail = RecordDetailState(service, "employer", stored.data["id"])
    assert detail.sync_label == "Saved on this phone, waiting to sync"
    SyncEngine(store, FakeClient(FakeApi())).sync_once()
    assert detail.on_sync("status") is False  # only a finished pass reads the record again
    assert detail.on_sync("pass_done") is True
    assert detail.sync_label == "Synced"
    assert detail.on_sync("pass_done") is False  # nothing new: the view does not redraw


# -- The sync line after a restart -------------------------------------------------------------------


class DownApi(FakeApi):
    def client(self, url: str, token: str | None = None) -> FakeClient:
        return DownClient(self)


class DownClient(FakeClient):
    def enroll(self, code: str, *, device_name: str) -> Any:
        raise Offline("nothing listens there")

    def push(self, operations: Any) -> Any:
        raise Offline("no signal")

    def pull(self, cursor: str | None, *, limit: int = 500) -> Any:
        raise Offline("no signal")

    def health(self) -> bool:
        return False


@pytest.mark.anyio
async def test_the_sync_line_remembers_the_last_sync_after_a_restart(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    creds = MemoryCredentialStore()
    creds.save(Credentials("http://127.0.0.1:9", "tok-1", "dev-1", "Ana", "IPS North"))
    store = LocalStore.open(tmp_path)
    first = DeviceSync(store, clock=clock, make_client=FakeApi().client, device_name="p", runner_options=FAST)
    events: list[str] = []
    first.subscribe(events.append)
    await first.start(InThread(creds))
    await until(lambda: "pass_done" in events)
    first.stop()
    await first.wait_stopped()
    store.close()

    clock.advance(minutes=5)
    store = LocalStore.open(tmp_path)  # the app started again, with no signal this time
    assert store.get_meta(LAST_SYNC_META) == NOW.isoformat()
    again = DeviceSync(store, clock=clock, make_client=DownApi().client, device_name="p", runner_options=FAST)
    await again.start(InThread(creds))
    await until(lambda: again.status is not None and again.status.online is False)
    assert again.summary().label == "Offline · Nothing waiting to sync · Synced 5 min ago"
    again.stop()
    await again.wait_stopped()
    store.close()


# -- The opening form's employer ---------------------------------------------------------------------


def test_a_new_opening_preselects_no_employer_unless_opened_from_one(service, add_employer) -> None:
    cafe = add_employer("Café")
    add_employer("Mill")
    assert OpeningFormState(service).text("employer_id") == ""
    assert OpeningFormState(service, employer_id=cafe.id).text("employer_id") == cafe.id
    refused = OpeningFormState(service)
    refused.set_field("title", "Barista")
    assert "employer_id" in refused.on_save().errors


# -- Today: the floating "Log" button and the last recent-activity row ------------------------------


def test_today_leaves_room_below_recent_activity_for_the_log_button(service, store) -> None:
    fab = ft.FloatingActionButton(content=ft.Text("Log"), height=60)
    # Controls are built without a page (FLET-NOTES): the shell's handlers are only wrapped, not run.
    shell = SimpleNamespace(
        page=SimpleNamespace(floating_action_button=fab),
        handler=lambda fn: fn,
        then_refresh=lambda fn: fn,
        push=lambda _screen: None,
        ctx=SimpleNamespace(sync=None, service=service),
    )
    view = TodayView(shell, TodayState(service, sync_status=OfflineSyncStatus(store)))  # type: ignore[arg-type]
    column = view.build()
    assert isinstance(column, ft.Column)
    recent = next(i for i, c in enumerate(column.controls) if _holds(c, view.recent_rows))
    below = column.controls[recent + 1 :]
    room = sum(float(c.height or 0) for c in below if isinstance(c, ft.Container)) + column.spacing * len(
        below
    )
    assert room >= FAB_CLEARANCE >= 60 + 16


def _holds(control: ft.Control, target: ft.Control) -> bool:
    if control is target:
        return True
    children = getattr(control, "controls", None) or []
    content = getattr(control, "content", None)
    return any(_holds(c, target) for c in [*children, *([content] if content is not None else [])])


# -- Supervisor pages: "Needs changes" stays chosen after a missing-comment error ---------------------


def test_the_review_form_keeps_needs_changes_after_a_missing_comment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    url = f"sqlite:///{tmp_path / 'fieldwork.db'}"
    upgrade(url)
    settings = Settings(database_url=url, secret_key="test-secret", cookie_secure=False)
    database, clock = Database(url), FakeClock(NOW)
    try:
        with TestClient(
            create_app(settings, clock=clock, database=database), base_url="http://127.0.0.1"
        ) as client:
            seeded = seed_activity(
                client, build_world(database, clock=clock, settings=settings, client=client)
            )
            sign_in(client, "sue")
            page = client.get(f"/review/records/{seeded.alice_visit}")
            answer = client.post(
                f"/review/records/{seeded.alice_visit}/review",
                data={"state": "needs_changes", "comment": " ", "csrf_token": csrf_from(page.text)},
            )
    finally:
        database.dispose()
    assert answer.status_code == 422 and "comment is required" in answer.text
    assert 'value="needs_changes" checked' in answer.text
    assert 'value="approved" checked' not in answer.text
