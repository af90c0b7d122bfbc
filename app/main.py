"""Composition root of the field app: the only place that builds the real store, clock and geolocator.

    python -m app.main --web --port 8550 [--demo] [--store var/device] [--renderer skwasm]
                       [--server URL] [--enroll-code CODE]

Web mode serves the bundled Flutter client with no CDN, so it works with no network at all. It is
one person's: every browser that opens it shares this computer's records and team connection, with
no sign-in, so it listens on 127.0.0.1 only and refuses any other address.

The server starts first (only flet is imported before it): the app's modules, the store and what
the first Today reads are imported, opened and decoded on a thread meanwhile (Opening), while the
browser loads the page; a page that connects before that is done waits for it, and a store that
cannot be opened is said on the page (and printed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import importlib
import os
import platform
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import flet as ft

# Only flet is imported before serving: the app's own modules (and what they import) are imported on
# the thread that opens the store, while the server starts and the browser loads the page (see run).
if TYPE_CHECKING:
    from app.credentials import AsyncCredentialStore
    from app.device_data import DeviceData, Eraser
    from app.device_sync import DeviceSync
    from app.geo import LocationProvider
    from app.state.context import AppContext
    from app.store import LocalStore

DEFAULT_STORE = "var/device"
APP_VERSION = "0.1.0"  # [project] version; the team page shows it for each phone
# Nominatim's usage policy asks for an application name; operators add a contact (--geocoder-user-agent).
DEFAULT_GEOCODER_USER_AGENT = "Fieldwork/0.1 (IPS field app)"
CANNOT_OPEN = "Fieldwork cannot open the data saved on this device:"
LOOPBACK = "127.0.0.1"
ONE_PERSON = (
    "Web mode is one person's: every browser that opens it shares this computer's records and team "
    "connection, with no sign-in. It listens on 127.0.0.1 only (this computer's own browser). "
    "To give specialists the field app, install it on their phones (README: The phone package)."
)


def default_store_path() -> str:
    """FIELDWORK_STORE, else the app data folder a phone build provides, else var/device."""
    if os.environ.get("FIELDWORK_STORE"):
        return os.environ["FIELDWORK_STORE"]
    phone_data = os.environ.get("FLET_APP_STORAGE_DATA")
    return str(Path(phone_data) / "device") if phone_data else DEFAULT_STORE


RENDERERS = {
    "auto": ft.WebRenderer.AUTO,
    "canvaskit": ft.WebRenderer.CANVAS_KIT,
    "skwasm": ft.WebRenderer.SKWASM,
}
# skwasm (Flutter compiled to WebAssembly, drawing on a worker: flet's server sends the cross-origin
# isolation headers it needs) loads and draws a fresh page much sooner than CanvasKit, and that load
# is most of the first screen's wait. CanvasKit stays for tools that screenshot with virtual time
# (`chromium --screenshot`), which skwasm's drawing worker does not follow.
DEFAULT_RENDERER = "skwasm"


class LocalClock:
    """The phone's clock in its own time zone (specialists read and type local times)."""

    def now(self) -> datetime:
        return datetime.now().astimezone()


def device_name() -> str:
    from app.credentials import is_phone

    env_platform = os.environ.get("FLET_PLATFORM", "")
    if is_phone(env_platform):
        return f"{env_platform.capitalize()} phone"
    return f"Fieldwork on {platform.node() or 'this computer'}"


def build_context(
    store: LocalStore,
    *,
    device_data: Eraser | None = None,
    server_url: str | None = None,
    geocoder: object | None = None,
) -> AppContext:
    from app.attachments import PhotoAttacher
    from app.device_sync import DeviceSync
    from app.domain.clock import new_id
    from app.geo import NoLocation
    from app.records import RecordService
    from app.state.context import AppContext
    from app.store.attachments import PhotoStore
    from sync.client import SyncClient

    clock = LocalClock()

    def use_new_store(new_store: LocalStore) -> None:
        service.store = new_store  # after a sign-out erased the old one (app/device_data.py)

    sync = DeviceSync(
        store,
        clock=clock,
        make_client=SyncClient,
        device_name=device_name(),
        default_server_url=server_url,
        device_data=device_data,
        on_new_store=use_new_store,
    )
    # Each pull tells the team page this app's version and what still waits to sync here.
    sync.make_client = partial(
        SyncClient, app_version=APP_VERSION, pending=lambda: sync.store.pending_count()
    )
    service = RecordService(store, clock=clock, new_id=new_id, on_saved=sync.after_save)
    sync.attention_count = service.attention_count  # from memory, not a pass over the store
    ctx = AppContext(service=service, sync_status=sync, location=NoLocation(), sync=sync)
    # Photos are shrunk and sealed on their own thread, on whichever store the service has now.
    ctx.photos = PhotoAttacher(lambda: PhotoStore(service.store), clock=clock, new_id=new_id)
    ctx.geocoder = geocoder  # type: ignore[assignment]
    return ctx


def credential_store(page: ft.Page, store_path: str | Path) -> AsyncCredentialStore:
    """Secure storage on a phone build; a 0600 file beside the record store everywhere else."""
    from app.credentials import (
        CheckedFileCredentialStore,
        InThread,
        SecureStorageCredentialStore,
        credentials_file,
        is_phone,
    )

    if is_phone(page.platform) and not page.web:
        from flet_secure_storage import SecureStorage

        return SecureStorageCredentialStore(SecureStorage())
    return InThread(CheckedFileCredentialStore(credentials_file(store_path)))


def make_main(
    ctx: AppContext,
    *,
    store_path: str | Path,
    use_gps: bool = True,
    enroll_code: str | None = None,
) -> Callable[[ft.Page], Awaitable[None]]:
    code_used = False
    geocoding_started = False
    records_set_aside = False

    from app.geo import GeolocatorLocation, NoLocation
    from app.geocoding import GeocodeQueue, run_when_online
    from app.views.fonts import use_emoji_font
    from app.views.shell import Shell
    from sync.credentials import EnrollmentFailed

    async def main(page: ft.Page) -> None:
        nonlocal code_used, geocoding_started, records_set_aside
        location: LocationProvider = NoLocation()
        if use_gps:
            # A service control: created per page, inside main, and kept referenced by the provider.
            from flet_geolocator import Geolocator

            location = GeolocatorLocation(Geolocator(), clock=ctx.service.clock)
        shell = Shell(page, dataclasses.replace(ctx, location=location))
        use_emoji_font(page)  # a browser has no emoji font offline (app/views/fonts.py)
        shell.go_root("today")
        if not records_set_aside:
            # The forms' recent-first pickers are built next on a thread (not in the first form
            # open); then the records, which live as long as the process, are set aside: the garbage
            # collector need not walk them on each full pass, which with a big store would stall
            # whichever tap it lands in.
            records_set_aside = True
            ctx.service.prepare_pickers(then=gc.freeze)
        sync = ctx.sync
        if ctx.geocoder is not None and not geocoding_started:
            # Once per process: employers saved offline get their map location when online.
            geocoding_started = True
            run_when_online(GeocodeQueue(ctx.service, ctx.geocoder), sync)
        if sync is None:
            return
        await sync.start(credential_store(page, store_path))
        watch_connectivity(sync)
        if enroll_code and sync.credentials is None and not code_used and sync.default_server_url:
            code_used = True  # one try: a code works once, and the Connect screen is there for more
            try:
                await sync.connect(sync.default_server_url, enroll_code)
            except EnrollmentFailed as exc:
                shell.notify(f"Could not connect this phone: {exc.message}")
        shell.go_root(shell.root)

    return main


def watch_connectivity(sync: DeviceSync) -> None:
    """Flet's Connectivity service (phones, desktop, and the browser's online/offline events on
    web): a network that comes back sends an offline runner probing at once, not at its next probe."""

    def changed(event: ft.ConnectivityChangeEvent) -> None:
        connected = any(kind is not ft.ConnectivityType.NONE for kind in event.connectivity)
        if sync.runner is not None:
            sync.runner.connectivity_changed(connected)

    ft.Connectivity(on_change=changed)  # registers itself with this page, which keeps it


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app.main", description="Fieldwork field app")
    parser.add_argument("--web", action="store_true", help="serve the app to a browser")
    parser.add_argument("--host", default=LOOPBACK, help="only 127.0.0.1: web mode is one person's")
    parser.add_argument("--port", type=int, default=int(os.environ.get("FIELDWORK_PORT", "8550")))
    parser.add_argument("--store", default=default_store_path(), help="where this device keeps its records")
    parser.add_argument("--demo", action="store_true", help="load a demo caseload into an empty store")
    parser.add_argument(
        "--renderer",
        choices=sorted(RENDERERS),
        default=os.environ.get("FIELDWORK_WEB_RENDERER", DEFAULT_RENDERER),
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("FIELDWORK_SERVER"),
        help="central API URL offered on the Connect screen (the app works without it)",
    )
    parser.add_argument(
        "--enroll-code",
        default=os.environ.get("FIELDWORK_ENROLL_CODE"),
        help="connect to --server with this one-time code at start, unless already connected",
    )
    parser.add_argument("--no-gps", action="store_true", help="never ask the device for a location")
    parser.add_argument(
        "--fix-timeout",
        type=float,
        help="seconds to wait for a GPS fix (the save never waits)",
    )
    parser.add_argument(
        "--geocoder",
        choices=("nominatim", "off"),
        default=os.environ.get("FIELDWORK_GEOCODER", "nominatim"),
        help="where employer addresses are looked up when online (off: never)",
    )
    parser.add_argument(
        "--geocoder-user-agent",
        default=os.environ.get("FIELDWORK_GEOCODER_USER_AGENT", DEFAULT_GEOCODER_USER_AGENT),
        help="how this app names itself to Nominatim (add a contact address)",
    )
    parser.add_argument(
        "--visit-distance-m",
        type=float,
        default=os.environ.get("FIELDWORK_VISIT_DISTANCE_M"),  # None: app.visit_check's
        help="flag a visit whose GPS fix is farther than this from its employer",
    )
    parser.add_argument(
        "--minimum-wage",
        type=float,
        default=os.environ.get("FIELDWORK_MINIMUM_WAGE"),  # None: app.domain.rules's
        help="per hour: the opening form says when a wage is below it",
    )
    parser.add_argument(
        "--currency",
        default=os.environ.get("FIELDWORK_CURRENCY"),  # None: app.domain.rules's
        help="the sign wages are shown with",
    )
    return parser.parse_args(argv)


def refuse_other_addresses(host: str, environ: Mapping[str, str]) -> None:
    """Stop before anything is opened unless the app listens on 127.0.0.1 only. flet lets
    FLET_SERVER_IP override the host it is given, and serves a web page on a Linux machine with no
    display even without --web: both are checked, whatever the mode."""
    for source, bound in (("--host", host), ("FLET_SERVER_IP", environ.get("FLET_SERVER_IP") or LOOPBACK)):
        if bound != LOOPBACK:
            raise SystemExit(f"Fieldwork refuses to listen on {bound} ({source}). {ONE_PERSON}")


def file_device_data(store_path: str | Path) -> DeviceData:
    """The store folder and its 0600 key files: what a computer (not a phone) keeps."""
    from app.device_data import DeviceData
    from app.store_key import FileKeysInThread, FileKeyStore, key_file

    return DeviceData(store_path, FileKeysInThread(FileKeyStore(key_file(store_path))))


def prepared_context(store: LocalStore, args: argparse.Namespace, *, device_data: Eraser) -> AppContext:
    """The app over an open store: sync link, rules, the demo caseload, any repair notice."""
    from app.domain.rules import WageRules
    from app.geo import default_geocoder
    from app.state.store_health import remember_recovery
    from app.visit_check import CheckRules

    remember_recovery(store)  # Today says what opening the store repaired, until dismissed
    geocoder = default_geocoder(args.geocoder_user_agent) if args.geocoder == "nominatim" else None
    ctx = build_context(store, device_data=device_data, server_url=args.server, geocoder=geocoder)
    if args.fix_timeout is not None:
        ctx.fix_timeout_s = args.fix_timeout
    if args.visit_distance_m is not None:
        ctx.check_rules = CheckRules(max_distance_m=args.visit_distance_m)
    wages = {"currency": args.currency, "minimum_wage": args.minimum_wage}
    ctx.wages = WageRules(**{name: value for name, value in wages.items() if value is not None})
    if args.demo:
        from app.demo import load_demo

        if load_demo(ctx.service):
            print("Loaded the demo caseload.", flush=True)
    return ctx


def make_phone_main(args: argparse.Namespace) -> Callable[[ft.Page], Awaitable[None]]:
    """On a phone the store's key is in secure storage, which answers only once there is a page:
    the store is opened inside main (once per process)."""
    from app.device_data import DeviceData
    from app.store import StoreError
    from app.store_key import SecureStorageKeyStore

    opened: AppContext | None = None

    async def main(page: ft.Page) -> None:
        nonlocal opened
        if opened is None:
            from flet_secure_storage import SecureStorage

            data = DeviceData(args.store, SecureStorageKeyStore(SecureStorage()))
            try:
                opened = prepared_context(await data.open(), args, device_data=data)
            except StoreError as exc:
                page.add(ft.Text(f"{CANNOT_OPEN} {exc}", size=16))
                return
        app_main = make_main(
            opened, store_path=args.store, use_gps=not args.no_gps, enroll_code=args.enroll_code
        )
        await app_main(page)

    return main


AppMain = Callable[[ft.Page], Awaitable[None]]
# Interpreter slices while the opening thread runs: the server's threads get the interpreter back
# within this, not Python's ten times longer default, at each of the many hand-overs a file
# transfer makes.
OPENING_SWITCH_S = 0.0005


class Opening:
    """The store opened and the app composed on a thread from the process start, while flet's
    server starts and the browser loads the page (seconds of its own work); the first page awaits
    it. `open_app` returns the app over the open store and its main; what the first Today reads is
    read on the thread too, with the garbage collector paused: the records decoded live as long as
    the process, so they are set aside from it after (gc.freeze) rather than walked meanwhile."""

    def __init__(self, open_app: Callable[[], tuple[AppContext, AppMain]]) -> None:
        self._open_app = open_app
        self._done = threading.Event()
        self.ctx: AppContext | None = None
        self.main: AppMain | None = None
        self.error: str | None = None  # what the page says instead when the app cannot start
        self._thread = threading.Thread(target=self._run, name="open-app", daemon=True)

    def start(self) -> Opening:
        self._thread.start()
        return self

    def _run(self) -> None:
        from app.store import StoreError

        switch, collecting = sys.getswitchinterval(), gc.isenabled()
        sys.setswitchinterval(OPENING_SWITCH_S)
        gc.disable()
        try:
            self.ctx, self.main = self._open_app()
            gc.freeze()
        except StoreError as exc:
            self.error = f"{CANNOT_OPEN} {exc}"
            print(self.error, file=sys.stderr, flush=True)
        except Exception as exc:  # shown on the page and printed, not left as a page that never loads
            traceback.print_exc(file=sys.stderr)
            self.error = f"Fieldwork could not start: {exc!r}"
        finally:
            if collecting:
                gc.enable()
            sys.setswitchinterval(switch)
            self._done.set()

    async def page_main(self, page: ft.Page) -> None:
        """Flet's main for every page: the app's once it is open, else the reason it is not."""
        if not self._done.is_set():
            await asyncio.to_thread(self._done.wait)  # the server's loop stays free meanwhile
        if self.main is None:
            page.add(ft.Text(self.error or CANNOT_OPEN, size=16, selectable=True))
            return
        await self.main(page)

    def close(self) -> None:
        self._done.wait()
        if self.ctx is not None:
            self.ctx.service.store.close()  # after a sign-out, the new store


# Imported on the opening thread too, so the first page only builds Today.
FIRST_SCREEN_MODULES = ("app.views.shell", "app.views.screens", "app.views.today")


def open_app(args: argparse.Namespace) -> tuple[AppContext, AppMain]:
    """On the opening thread: the store, the app over it, and what the first Today reads."""
    from app.state.today import read_ahead

    data = file_device_data(args.store)
    ctx = prepared_context(asyncio.run(data.open()), args, device_data=data)
    main = make_main(ctx, store_path=args.store, use_gps=not args.no_gps, enroll_code=args.enroll_code)
    for name in FIRST_SCREEN_MODULES:
        importlib.import_module(name)
    read_ahead(ctx.service)
    return ctx, main


def import_web_server() -> None:
    """What ft.run imports to serve a web page (flet-web and uvicorn), if this install has it."""
    with contextlib.suppress(ImportError):
        importlib.import_module("flet_web.fastapi.serve_fastapi_web_app")


def serve_web(
    page_main: Callable[[ft.Page], Awaitable[None]], *, port: int, renderer: ft.WebRenderer
) -> None:
    """Flet's web app, served by uvicorn on 127.0.0.1 as ft.run serves it, with its websocket
    answering only the page it served (app.web_origin)."""
    import uvicorn

    from app.web_origin import SameOriginSockets, own_origins
    from app.web_send import send_light

    send_light()  # no message is written out as text for a debug log line first (app.web_send)
    flet_app = ft.run(
        page_main,
        export_asgi_app=True,
        no_cdn=True,
        web_renderer=renderer,
        assets_dir=str(Path(__file__).parent.parent / "assets"),
    )
    guarded = SameOriginSockets(flet_app, allowed=own_origins(LOOPBACK, port))
    # The same websocket implementation ft.run chooses; uvicorn's own logs stay quiet, as under ft.run.
    config = uvicorn.Config(guarded, host=LOOPBACK, port=port, ws="websockets-sansio", log_level="warning")
    uvicorn.Server(config).run()


def run(argv: Sequence[str] | None = None) -> None:
    from flet.utils import is_linux_server

    from app.credentials import is_phone
    from app.views.timing import install_from_env as install_timing_from_env

    args = parse_args(argv)
    if is_phone(os.environ.get("FLET_PLATFORM", "")):
        ft.run(make_phone_main(args))
        return
    refuse_other_addresses(args.host, os.environ)
    install_timing_from_env()  # FIELDWORK_UI_TIMING=file: bench/ui.py's in-app timing of each tap
    # flet's web server is imported first, sharing the interpreter with nothing, so serving starts
    # as early as it can; the store opens meanwhile, and a page waits for it (Opening).
    import_web_server()
    opening = Opening(partial(open_app, args)).start()
    try:
        # With no display flet would serve a web page even without --web: served the same way here.
        if args.web or is_linux_server():  # type: ignore[no-untyped-call]
            port = int(os.environ.get("FLET_SERVER_PORT") or args.port)
            print(f"Fieldwork: http://{LOOPBACK}:{port}/", flush=True)
            serve_web(opening.page_main, port=port, renderer=RENDERERS[args.renderer])
        else:
            ft.run(opening.page_main, host=LOOPBACK)  # the desktop client, over flet's local socket
    finally:
        opening.close()


if __name__ == "__main__":
    run(sys.argv[1:])
