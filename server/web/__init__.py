"""Supervisor pages: server-rendered HTML over the same services as the JSON API.

`install_web(app)` mounts the page routers, the page error handlers and the static files (the
pages' CSS and JS in server/web/static, Leaflet vendored in assets/leaflet).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from server.web import (
    auth,
    pages_activity,
    pages_archived,
    pages_audit,
    pages_fidelity,
    pages_map,
    pages_outcomes,
    pages_record,
    pages_team,
)
from server.web.common import HERE, install_page_errors

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def install_web(app: FastAPI) -> None:
    pages = (
        pages_activity, pages_archived, pages_audit, pages_fidelity, pages_map, pages_outcomes, pages_record,
        pages_team,
    )  # fmt: skip
    for module in (auth, *pages):
        app.include_router(module.router)
    install_page_errors(app)
    app.mount("/static/leaflet", StaticFiles(directory=ASSETS / "leaflet"), name="leaflet")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
