"""Nearby employers in a real browser with a fake GPS: the demo's employers, nearest first."""

from __future__ import annotations

import pytest

from tests.e2e.field_app import app_page, by_id, running_field_app, shot, tap, text_of

pytestmark = pytest.mark.browser

# Beside Lakeland Print Co, which is last by name: first in the list only when sorted by distance.
NEAR_THE_PRINTER = {"latitude": 54.3400, "longitude": -2.7400, "accuracy": 12}


def test_nearby_lists_the_demo_employers_nearest_first_from_the_phones_position(tmp_path):
    store = tmp_path / "store"
    with (
        running_field_app(["--demo", "--store", str(store)], log_path=tmp_path / "app.log") as url,
        app_page(url, permissions=["geolocation"], geolocation=NEAR_THE_PRINTER) as page,
    ):
        page.get_by_role("tab", name="Employers").click()
        tap(page, "nearby-screen")
        first = by_id(page, "nearby-0")
        first.filter(has_text="Lakeland Print Co").wait_for()
        assert "57 m" in text_of(first)
        assert "Riverside Café" in text_of(by_id(page, "nearby-4"))  # the farthest, 1.2 km
        shot(page, "field-app-nearby.png")
