"""ASGI entry point for process managers: `uvicorn --factory server.asgi:app_from_env`.

Settings come from the environment; every process built this way is stateless, so several can run
behind a load balancer on one PostgreSQL database.
"""

from __future__ import annotations

from fastapi import FastAPI

from server.main import serving_app
from server.settings import Settings


def app_from_env() -> FastAPI:
    return serving_app(Settings())
