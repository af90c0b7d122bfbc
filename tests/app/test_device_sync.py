"""The app's sync link with a fake API: enrollment starts the runner, a save schedules a pass,
a revocation erases the store and credentials. No network, millisecond delays, bounded waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from app.credentials import InThread
from app.device_sync import DeviceSync
from app.domain.records import Employer, EmployerVisit
from app.records import RecordService
from app.state.connect import ConnectState
from app.state.sync_status import SIGNED_OUT
from app.store import LocalStore
from app.store.errors import STORAGE_FULL
from sync.credentials import BAD_CODE, Credentials, MemoryCredentialStore
from sync.errors import Unauthorized
from sync.protocol import EnrollResponse, Operation, OperationResult, PullResponse, PushResponse
from tests.app.conftest import NOW
from tests.app.store.faults import JournalFaults

pytestmark = pytest.mark.anyio
FAST = {"debounce_s": 0.001, "period_s": 1000.0}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeApi:
    """Accepts every push; `revoked` makes every call answer 401; `codes` are the valid codes."""

    def __init__(self) -> None:
        self.revoked = False
        self.codes = {"GOOD-CODE"}
        self.pushed: list[str] = []
        self.tokens: list[str | None] = []

    def client(self, url: str, token: str | None = None) -> FakeClient:
        self.tokens.append(token)
        return FakeClient(self)


class FakeClient:
    def __init__(self, api: FakeApi) -> None:
        self.api = api

    def push(self, operations: list[Operation]) -> PushResponse:
        if self.api.revoked:
            raise Unauthorized("revoked")
        self.api.pushed += [op.record_id for op in operations]
        return PushResponse(
            results=[
                OperationResult(op.op_id, op.kind, op.record_id, "applied", version=1) for op in operations
            ]
        )

    def pull(self, cursor: str | None, *, limit: int = 500) -> PullResponse:
        if self.api.revoked:
            raise Unauthorized("revoked")
        return PullResponse(changes=[], next_cursor="c1", has_more=False)

    def health(self) -> bool:
        return True

    def enroll(self, code: str, *, device_name: str) -> EnrollResponse:
        if code not in self.api.codes:
            raise Unauthorized("invalid code")
        return EnrollResponse(device_id="dev-1", token="tok-1", user_name="Ana", team_name="IPS North")

    def close(self) -> None:
        pass


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(5000):  # bounded
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never became true")


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def link(store: LocalStore, clock, api: FakeApi) -> DeviceSync:
    return DeviceSync(
        store,
        clock=clock,
        make_client=api.client,
        device_name="test phone",
        default_server_url="http://127.0.0.1:9",
        runner_options=FAST,
    )


async def test_a_phone_with_no_credentials_does_not_sync_and_offers_to_connect(
    link: DeviceSync, api: FakeApi
):
    await link.start(InThread(MemoryCredentialStore()))
    assert link.runner is None and api.tokens == []
    assert link.summary().action == "connect"


async def test_connecting_saves_the_credentials_and_pushes_what_was_saved_offline(
    link: DeviceSync, store: LocalStore, api: FakeApi, service: RecordService
):
    service.save(Employer(name="Harbour Bakery"))
    creds = MemoryCredentialStore()
    events: list[str] = []
    link.subscribe(events.append)
    await link.start(InThread(creds))
    state = ConnectState(link)
    state.code = "GOOD-CODE"
    assert await state.connect()
    assert state.success_message == "Connected to IPS North as Ana. Syncing now."
    assert creds.load() == Credentials("http://127.0.0.1:9", "tok-1", "dev-1", "Ana", "IPS North")
    await until(lambda: "pass_done" in events)
    assert store.pending_count() == 0 and len(api.pushed) == 1
    assert "enrolled" in events
    summary = link.summary()
    assert summary.label == "Online · Synced just now · Nothing waiting to sync"
    link.stop()
    await link.wait_stopped()


async def test_a_wrong_code_keeps_what_was_typed_and_says_what_to_do(link: DeviceSync):
    await link.start(InThread(MemoryCredentialStore()))
    state = ConnectState(link)
    state.code = "OLD-CODE"
    assert not await state.connect()
    assert state.error == BAD_CODE and state.code == "OLD-CODE" and not state.busy
    assert link.runner is None


async def test_a_save_schedules_a_pass_through_the_service_hook(
    link: DeviceSync, store: LocalStore, api: FakeApi, clock
):
    service = RecordService(store, clock=clock, new_id=_ids(), on_saved=link.after_save)
    await link.start(InThread(MemoryCredentialStore(Credentials("http://x", "tok", "d", "Ana", "IPS"))))
    await until(lambda: link.status is not None and link.status.online is True)
    stored = service.save(Employer(name="Castle Street Pharmacy"))
    await until(lambda: store.pending_count() == 0)
    assert api.pushed == [stored.data["id"]]
    link.stop()
    await link.wait_stopped()


async def test_a_revoked_phone_erases_every_record_and_forgets_its_token(
    link: DeviceSync, store: LocalStore, api: FakeApi, service: RecordService, add_seeker, add_employer
):
    creds = MemoryCredentialStore(Credentials("http://x", "tok", "d", "Ana", "IPS"))
    api.revoked = True
    seeker = add_seeker("KD-101")
    cafe = add_employer("Café")
    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, job_seeker_ids=[seeker.id]))
    events: list[str] = []
    handed_on: list[LocalStore] = []
    link.subscribe(events.append)
    link.on_new_store = handed_on.append
    await link.start(InThread(creds))
    await until(lambda: "revoked" in events)
    await link.wait_stopped()
    assert creds.load() is None
    assert link.store is not store and handed_on == [link.store]  # the screens get the empty store
    for kind in ("job_seeker", "employer", "employer_visit"):
        assert link.store.all(kind) == []
    assert link.store.pending_count() == 0  # unsent changes go too: the team no longer wants them
    assert link.runner is None
    summary = link.summary()
    assert summary.label.startswith(SIGNED_OUT) and summary.action == "connect"
    assert ConnectState(link).intro.startswith(SIGNED_OUT)


def _ids() -> Callable[[], str]:
    counter = iter(range(1, 10_000))
    return lambda: f"id-{next(counter):04d}"


async def test_a_full_disk_during_sync_says_so_and_keeps_the_outbox(
    tmp_path: Path, clock, api: FakeApi, monkeypatch: pytest.MonkeyPatch
):
    phone = tmp_path / "phone"
    store = LocalStore.open(phone)  # the real journal: the disk, not record_outcomes, fails
    link = DeviceSync(
        store,
        clock=clock,
        make_client=api.client,
        device_name="test phone",
        default_server_url="http://127.0.0.1:9",
        runner_options=FAST,
    )
    saved = RecordService(store, clock=clock, new_id=_ids()).save(Employer(name="Harbour Bakery"))
    faults = JournalFaults(phone, monkeypatch)
    faults.fail("write", times=10_000)  # full until space is freed: the answers cannot be written

    await link.start(InThread(MemoryCredentialStore(Credentials("http://x", "tok", "d", "Ana", "IPS"))))
    await until(lambda: link.status is not None and link.status.problem == STORAGE_FULL)
    assert api.pushed == [saved.data["id"]] and faults.failed  # pushed, then the write refused
    assert store.pending_count() == 1  # still queued: it goes again once there is space
    assert STORAGE_FULL in link.summary().label

    faults.heal()
    link.sync_now()
    await until(lambda: store.pending_count() == 0)
    assert api.pushed == [saved.data["id"]] * 2
    link.stop()
    await link.wait_stopped()
    store.close()
