"""The start (issue 18): web mode serves the page at once and opens the store on a thread meanwhile
(app.main.Opening); a page that connects first waits for it, a store that cannot be opened is
said on the page, and what the first Today reads is read ahead on that thread, so the first Today
decodes nothing. app.main.serve_web (flet's web app under uvicorn) is replaced by a stand-in that
drives the page's main directly."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest

from app import main, record_cache
from app.domain.records import Employer, EmployerVisit
from app.records import RecordService
from app.state.sync_status import SyncSummary
from app.state.today import TodayState
from app.store import LocalStore

WAIT_S = 30  # a generous bound on a thread's hand-over, never reached when things work


class Page:
    def __init__(self) -> None:
        self.controls: list[ft.Control] = []

    def add(self, *controls: ft.Control) -> None:
        self.controls += controls


class NoSync:
    def summary(self) -> SyncSummary:
        return SyncSummary(connected=False, pending=0, attention=0, label="")


Step = Callable[[Callable[[Any], Any]], None]


@pytest.fixture
def serving(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Step]]:
    """serve_web's stand-in: each step the test adds gets the page main (as flet's server would
    call it for a page), inside serve_web, before run() goes on to close the store."""
    steps: list[Step] = []

    def run(page_main: Callable[[Any], Any], **_kwargs: Any) -> None:
        assert steps, "a test adds what a page does"
        for step in steps:
            step(page_main)

    monkeypatch.setattr(main, "serve_web", run)  # as app.main.run calls it
    yield steps
    gc.unfreeze()


def test_serving_starts_before_the_store_is_open_and_a_page_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serving: list[Step]
) -> None:
    started, release = threading.Event(), threading.Event()
    shown: list[Page] = []

    async def app_main(page: Page) -> None:
        shown.append(page)

    def slow_open(_args: Any) -> tuple[Any, Any]:
        started.set()
        assert release.wait(WAIT_S)
        return SimpleNamespace(service=SimpleNamespace(store=LocalStore.in_memory())), app_main

    monkeypatch.setattr(main, "open_app", slow_open)

    def while_serving(page_main: Callable[[Page], Any]) -> None:
        assert started.wait(WAIT_S)  # the store is being opened while the server runs
        page = Page()

        async def connect() -> None:
            task = asyncio.create_task(page_main(page))
            for _ in range(5):
                await asyncio.sleep(0)
            assert not task.done() and shown == []  # the page waits: nothing drawn from no store
            release.set()
            await task

        asyncio.run(connect())
        assert shown == [page]  # then gets the app

    serving.append(while_serving)
    main.run(["--web", "--store", str(tmp_path / "device"), "--geocoder", "off", "--no-gps"])


def test_a_store_that_cannot_be_opened_says_so_on_the_page(tmp_path: Path, serving: list[Step]) -> None:
    store_path = tmp_path / "device"
    held = asyncio.run(main.file_device_data(store_path).open())  # another process has it open
    pages: list[Page] = []

    def open_page(page_main: Callable[[Page], Any]) -> None:
        page = Page()
        asyncio.run(page_main(page))
        pages.append(page)

    serving.append(open_page)
    try:
        main.run(["--web", "--store", str(store_path), "--geocoder", "off", "--no-gps"])
    finally:
        held.close()
    (page,) = pages
    (text,) = page.controls
    assert isinstance(text, ft.Text)
    assert str(text.value).startswith(main.CANNOT_OPEN) and "already open elsewhere" in str(text.value)


def test_the_first_today_is_read_on_the_opening_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serving: list[Step]
) -> None:
    store_path = tmp_path / "device"
    store = asyncio.run(main.file_device_data(store_path).open())
    seeding = RecordService(store, clock=main.LocalClock(), new_id=iter(map(str, range(100))).__next__)
    cafe = seeding.save(Employer(name="Riverside Café")).data["id"]
    today = main.LocalClock().now()
    for day in range(3):
        seeding.save(
            EmployerVisit(
                employer_id=cafe, occurred_at=today, next_step=f"Call {day}", next_step_on=today.date()
            )
        )
    store.close()

    decoded: list[str] = []
    real_cached = record_cache._cached

    def counting(stored: Any) -> Any:
        decoded.append(stored.kind)
        return real_cached(stored)

    monkeypatch.setattr(record_cache, "_cached", counting)
    found: list[TodayState] = []

    def first_today(page_main: Any) -> None:
        opening = page_main.__self__
        asyncio.run(asyncio.to_thread(opening._done.wait, WAIT_S))
        assert opening.ctx is not None and decoded  # the thread read the records
        decoded.clear()
        found.append(TodayState(opening.ctx.service, sync_status=NoSync()))
        assert decoded == []  # the first Today decodes nothing more
        assert gc.get_freeze_count() > 0  # and the records are set aside from the collector

    serving.append(first_today)
    main.run(["--web", "--store", str(store_path), "--geocoder", "off", "--no-gps"])
    (state,) = found
    assert [item.detail for item in state.due] == ["Call 0", "Call 1", "Call 2"]
