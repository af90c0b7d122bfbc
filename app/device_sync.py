"""This phone's link to its team: enrollment, the sync runner's life, revocation, and the status
the screens read. One per process (a web server may show it to several pages).

Listeners are called on the UI event loop with one of:
    "status"    the runner published a new status (pending, progress, online...)
    "pass_done" a pass finished: pulled reviews may have changed what screens show
    "enrolled"  this phone just joined a team
    "revoked"   the team signed this phone out: everything it kept is erased (app/device_data.py)
                and ``store`` is a new, empty one
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from app.credentials import AsyncCredentialStore, CredentialsDamaged
from app.device_data import Eraser, MemoryData
from app.domain.clock import Clock
from app.domain.code_format import CODE_FORMAT_META
from app.state.sync_status import SIGNED_OUT, SyncSummary, describe, remember_last_sync, remembered_last_sync
from app.store import LocalStore
from app.store.attachments import PhotoStore
from sync.attachments import AttachmentApi, PhotoUploader
from sync.credentials import Credentials, EnrollApi, request_credentials
from sync.engine import SyncApi, SyncEngine, SyncReport
from sync.runner import SyncRunner, SyncStatus

Listener = Callable[[str], None]
log = logging.getLogger(__name__)
ERASE_FAILED = (
    "Your team signed this phone out, but Fieldwork could not delete everything it kept on it. "
    "Uninstall the app to remove it."
)
SIGNED_OUT_META = "signed_out"  # kept in the new store: the notice outlives a restart until reconnecting


class DeviceApi(SyncApi, EnrollApi, AttachmentApi, Protocol):
    def health(self) -> bool: ...


ClientFactory = Callable[..., DeviceApi]  # (server_url, token=None) -> client


class DeviceSync:
    def __init__(
        self,
        store: LocalStore,
        *,
        clock: Clock,
        make_client: ClientFactory,
        device_name: str,
        default_server_url: str | None = None,
        runner_options: dict[str, float] | None = None,
        device_data: Eraser | None = None,
        on_new_store: Callable[[LocalStore], None] | None = None,
    ) -> None:
        self.store = store
        # What a sign-out erases (None: a store in memory); on_new_store hands the empty one on.
        self.device_data: Eraser = device_data or MemoryData()
        self.on_new_store = on_new_store
        self.clock = clock
        self.make_client = make_client
        self.device_name = device_name
        self.default_server_url = default_server_url or ""
        self.runner_options = runner_options or {}
        self.credentials_store: AsyncCredentialStore | None = None
        self.credentials: Credentials | None = None
        self.notice: str | None = None
        self.runner: SyncRunner | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: DeviceApi | None = None
        self._listeners: list[Listener] = []
        self._started = False
        self._was_syncing = False
        self._erasing: asyncio.Task[None] | None = None
        # How many records need attention; the app counts them from memory (RecordService).
        self.attention_count: Callable[[], int] = lambda: len(self.store.needs_attention())

    # -- life ----------------------------------------------------------------------------------

    async def start(self, credentials_store: AsyncCredentialStore) -> None:
        """Load saved credentials and, when enrolled, start syncing. Idempotent."""
        if self._started:
            return
        self._started = True
        self.credentials_store = credentials_store
        try:
            self.credentials = await credentials_store.load()
        except CredentialsDamaged as exc:
            self.notice = str(exc)  # the sync line asks to connect again; the outbox is kept
        if self.credentials is not None:
            self._start_runner(self.credentials)
        elif self.store.get_meta(SIGNED_OUT_META):
            self.notice = SIGNED_OUT  # erased in an earlier run: still say why the phone is empty

    async def connect(self, server_url: str, code: str) -> Credentials:
        """Enroll with a one-time code; raises sync.credentials.EnrollmentFailed (with a message)."""
        assert self.credentials_store is not None, "start() first"
        credentials = await asyncio.to_thread(
            request_credentials,
            server_url,
            code,
            device_name=self.device_name,
            make_client=lambda url: self.make_client(url),
        )
        await self.credentials_store.save(credentials)
        self.stop()
        self.credentials, self.notice = credentials, None
        if self.store.get_meta(SIGNED_OUT_META):
            self.store.set_meta(SIGNED_OUT_META, False)
        self._start_runner(credentials)
        self._emit("enrolled")
        return credentials

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.stop()
        self.runner = None
        if self._client is not None:
            close = getattr(self._client, "close", None)
            if callable(close):
                close()
            self._client = None

    async def wait_stopped(self) -> None:
        """Until the runner has stopped and, after a sign-out, the erase has finished."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._erasing is not None:
            await self._erasing

    # -- actions -------------------------------------------------------------------------------

    def after_save(self) -> None:
        if self.runner is not None:
            self.runner.after_save()

    def sync_now(self) -> None:
        if self.runner is not None:
            self.runner.sync_now()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- what screens read ---------------------------------------------------------------------

    @property
    def status(self) -> SyncStatus | None:
        return self.runner.status if self.runner is not None else None

    def summary(self) -> SyncSummary:
        if self._erasing is not None and not self._erasing.done():
            return describe(None, pending=0, attention=0, now=self.clock.now(), notice=self.notice)
        return describe(
            self.status,
            pending=self.store.pending_count(),
            attention=self.attention_count(),
            now=self.clock.now(),
            notice=self.notice,
        )

    # -- runner wiring -------------------------------------------------------------------------

    def _start_runner(self, credentials: Credentials) -> None:
        client = self.make_client(credentials.server_url, credentials.token)
        runner: SyncRunner | None = None

        def progress(update: object) -> None:
            if runner is not None:
                runner.report_progress(update)  # type: ignore[arg-type]

        engine = SyncEngine(self.store, client, on_progress=progress)
        uploader = PhotoUploader(lambda: PhotoStore(self.store), client)

        def sync_pass() -> SyncReport:
            report = engine.sync_once()  # the records first: a photo never holds one back
            remember_code_format(self.store, report.code_format)
            uploader.upload_waiting()  # then a few photos whose records the server now has
            return report

        runner = SyncRunner(
            sync_pass,
            clock=self.clock,
            health=client.health,
            counts=self._counts,
            on_status=self._on_status,
            on_revoked=self._on_revoked,
            last_success_at=remembered_last_sync(self.store),
            **self.runner_options,  # type: ignore[arg-type]
        )
        self._client, self.runner = client, runner
        self._was_syncing = False
        self._task = asyncio.get_running_loop().create_task(runner.run())

    def _counts(self) -> tuple[int, int]:
        return self.store.pending_count(), len(self.store.needs_attention())

    def _on_status(self, status: SyncStatus) -> None:
        finished = self._was_syncing and not status.syncing
        self._was_syncing = status.syncing
        self._emit("status")
        if finished and status.online:
            remember_last_sync(self.store, status.last_success_at)
            self._emit("pass_done")

    def _on_revoked(self) -> None:
        # Called by the runner, which has stopped: the erase waits for its task to end.
        self.notice = SIGNED_OUT
        self.credentials = None
        self._erasing = asyncio.get_running_loop().create_task(self._erase())

    async def _erase(self) -> None:
        runner_task = self._task
        self.stop()
        if runner_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await runner_task  # nothing writes to the store once this returns
        try:
            self.store = await self.device_data.erase(self.store)  # personal data first
            self.store.set_meta(SIGNED_OUT_META, True)
        except Exception as exc:  # the type only: a path in the text is not for the sync line
            log.error("erasing this device failed: %s", type(exc).__name__)
            self.notice = f"{ERASE_FAILED} ({type(exc).__name__})"
        finally:
            if self.credentials_store is not None:
                await self.credentials_store.clear()
        if self.on_new_store is not None:
            self.on_new_store(self.store)
        self._emit("revoked")

    def _emit(self, event: str) -> None:
        for listener in list(self._listeners):
            listener(event)


def remember_code_format(store: LocalStore, setting: str | None) -> None:
    """Keep the team's job-seeker code format that a pull carried (RecordService reads it at each
    save and the job seeker form explains it); written only when it changed."""
    if setting is not None and store.get_meta(CODE_FORMAT_META) != setting:
        store.set_meta(CODE_FORMAT_META, setting)
