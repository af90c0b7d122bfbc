"""Composition root of the field app: the only place that builds the real store, clock and geolocator.

    python -m app.main --web --port 8550 [--demo] [--store var/device] [--renderer canvaskit]

Web mode serves the bundled Flutter client with no CDN, so it works with no network at all.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import flet as ft

from app.domain.clock import new_id
from app.geo import DEFAULT_FIX_TIMEOUT_S, GeolocatorLocation, LocationProvider, NoLocation
from app.records import RecordService
from app.state.context import AppContext
from app.state.sync_status import OfflineSyncStatus
from app.store import LocalStore
from app.views.shell import Shell

DEFAULT_STORE = "var/device"


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


class LocalClock:
    """The phone's clock in its own time zone (specialists read and type local times)."""

    def now(self) -> datetime:
        return datetime.now().astimezone()


def build_context(store: LocalStore, *, geocoder: object | None = None) -> AppContext:
    clock = LocalClock()
    service = RecordService(store, clock=clock, new_id=new_id)
    ctx = AppContext.offline(service, OfflineSyncStatus(store))
    ctx.geocoder = geocoder  # type: ignore[assignment]
    return ctx


def make_main(ctx: AppContext, *, use_gps: bool = True) -> Callable[[ft.Page], None]:
    def main(page: ft.Page) -> None:
        location: LocationProvider = NoLocation()
        if use_gps:
            # A service control: created per page, inside main, and kept referenced by the provider.
            from flet_geolocator import Geolocator

            location = GeolocatorLocation(Geolocator(), clock=ctx.service.clock)
        shell = Shell(page, dataclasses.replace(ctx, location=location))
        shell.go_root("today")

    return main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app.main", description="Fieldwork field app")
    parser.add_argument("--web", action="store_true", help="serve the app to a browser")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("FIELDWORK_PORT", "8550")))
    parser.add_argument("--store", default=default_store_path(), help="where this device keeps its records")
    parser.add_argument("--demo", action="store_true", help="load a demo caseload into an empty store")
    parser.add_argument(
        "--renderer", choices=sorted(RENDERERS), default=os.environ.get("FIELDWORK_WEB_RENDERER", "canvaskit")
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("FIELDWORK_SERVER"),
        help="central API URL (kept for the sync module; the app works without it)",
    )
    parser.add_argument("--no-gps", action="store_true", help="never ask the device for a location")
    parser.add_argument(
        "--fix-timeout",
        type=float,
        default=DEFAULT_FIX_TIMEOUT_S,
        help="seconds to wait for a GPS fix (the save never waits)",
    )
    return parser.parse_args(argv)


def run(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    Path(args.store).parent.mkdir(parents=True, exist_ok=True)
    store = LocalStore.open(args.store)
    ctx = build_context(store)
    ctx.fix_timeout_s = args.fix_timeout
    if args.demo:
        from app.demo import load_demo

        if load_demo(ctx.service):
            print("Loaded the demo caseload.", flush=True)
    main = make_main(ctx, use_gps=not args.no_gps)
    try:
        if args.web:
            print(f"Fieldwork: http://{args.host}:{args.port}/", flush=True)
            ft.run(
                main,
                view=ft.AppView.WEB_BROWSER,
                host=args.host,
                port=args.port,
                no_cdn=True,
                web_renderer=RENDERERS[args.renderer],
                assets_dir=str(Path(__file__).parent.parent / "assets"),
            )
        else:
            ft.run(main)
    finally:
        store.close()


if __name__ == "__main__":
    run(sys.argv[1:])
