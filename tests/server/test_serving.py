"""A server process's app is built once and its startup objects are kept out of full collections."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from server.main import serving_app


def test_the_serving_app_freezes_its_startup_objects_and_serves(settings):
    gc.unfreeze()
    before = gc.get_freeze_count()
    try:
        app = serving_app(settings)
        assert gc.get_freeze_count() > before + 10_000  # the app, its routes, SQLAlchemy, pydantic
        with TestClient(app) as client:
            assert client.get("/api/v1/health").json()["status"] == "ok"
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
