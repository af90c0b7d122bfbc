"""The check-in form's worker in a real browser, on a phone holding 2,000 more job seekers than the
demo (issue 18): no dropdown of them all; typing part of a code shows a few matches, and the one
tapped becomes the worker; their new job's opening is found the same way. Screenshots under
artifacts/."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.field_app import (
    app_page,
    by_id,
    choose,
    running_field_app,
    search_picker,
    shot,
    tap,
    tap_until,
)

pytestmark = pytest.mark.browser

SEEKERS = 2_000


def seeded_store(path: Path) -> None:
    """The demo caseload and SEEKERS job seekers coded JS-0000 on, in the app's own encrypted store."""
    from app.demo import load_demo
    from app.domain.clock import new_id
    from app.domain.codec import to_dict
    from app.domain.records import JobSeeker
    from app.main import LocalClock, file_device_data
    from app.records import RecordService
    from app.store import RemoteChange

    store = asyncio.run(file_device_data(path).open())
    try:
        clock = LocalClock()
        load_demo(RecordService(store, clock=clock, new_id=new_id))
        now = clock.now()
        seekers = [
            JobSeeker(id=new_id(), created_at=now, updated_at=now, code=f"JS-{i:04d}") for i in range(SEEKERS)
        ]
        store.apply_remote(
            [RemoteChange("job_seeker", s.id, 1, to_dict(s)) for s in seekers], cursor="seeded"
        )
    finally:
        store.close()


def test_the_check_in_finds_its_worker_among_two_thousand_by_part_of_a_code(tmp_path):
    store = tmp_path / "store"
    seeded_store(store)
    with (
        running_field_app(["--store", str(store)], log_path=tmp_path / "app.log") as url,
        app_page(url) as page,
    ):
        by_id(page, "sync-status").wait_for(state="attached")
        tap_until(page, "log-check-in", "worker-search")  # the run's first tap on a fresh app
        assert page.get_by_role("checkbox", name="JS-1234").count() == 0  # not drawn until searched
        assert page.get_by_role("combobox").count() == 0  # no dropdown of every job seeker
        search_picker(page, "worker", "123")
        assert by_id(page, "worker-match-5").count() == 1 and by_id(page, "worker-match-6").count() == 0
        shot(page, "field-app-check-in-worker-search.png")
        by_id(page, "worker-search").locator("input").first.fill("1234")
        by_id(page, "worker-match-1").wait_for(state="detached")  # one job seeker matches
        choose(page, "JS-1234")
        by_id(page, "worker-match-0").wait_for(state="detached")  # the search is done
        shot(page, "field-app-check-in-worker-found.png")

        # Their new job, from an opening found by part of its title (the same picker).
        tap(page, "check-in-job-started")
        by_id(page, "job-opening-search").wait_for(state="attached")
        assert page.get_by_role("combobox").count() == 0
        search_picker(page, "job-opening", "wareh")
        assert by_id(page, "job-opening-match-1").count() == 0
        shot(page, "field-app-job-opening-search.png")
