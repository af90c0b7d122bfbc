"""Web mode draws with skwasm by default (issue 18: a fresh page loads and draws much sooner than with
CanvasKit), multi-threaded: flet's server sends the cross-origin isolation headers that let skwasm
draw on a worker. The app is started with no --renderer and no FIELDWORK_WEB_RENDERER."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.field_app import app_page, by_id, running_field_app, shot

pytestmark = pytest.mark.browser

RENDERER = """
() => ({
    skwasm: window._flutter_skwasmInstance !== undefined,
    canvasKit: window.flutterCanvasKit !== undefined,
    isolated: window.crossOriginIsolated,
})
"""


def test_web_mode_draws_with_skwasm_on_a_worker_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIELDWORK_WEB_RENDERER", raising=False)
    assert "FIELDWORK_WEB_RENDERER" not in os.environ
    with (
        running_field_app(
            ["--demo", "--store", str(tmp_path / "store"), "--no-gps"], log_path=tmp_path / "app.log"
        ) as url,
        app_page(url) as page,
    ):
        by_id(page, "log-visit").wait_for(state="attached")
        page.get_by_text("Riverside Café").first.wait_for(state="attached")
        assert page.evaluate(RENDERER) == {"skwasm": True, "canvasKit": False, "isolated": True}
        path = shot(page, "field-app-today-skwasm.png")
        assert path.stat().st_size > 10_000  # drawn, not a blank canvas
