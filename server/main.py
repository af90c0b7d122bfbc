"""The composition root of the API: `create_app(settings)` builds everything the routes use."""

from __future__ import annotations

import gc

from fastapi import APIRouter, FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp

from app.domain.clock import Clock, IdMaker, SystemClock
from app.domain.clock import new_id as random_id
from server.api import accounts, attachments, records, replies, sync, team
from server.api.deps import SESSION_COOKIE
from server.api.errors import ContainUnexpected, install_error_handlers
from server.api.openapi import install_openapi
from server.api.protocol_gate import ProtocolGate
from server.api.url_guard import NulGuard
from server.browser_policy import OriginGuard, SecurityHeaders, content_security_policy, tile_origin
from server.db.database import Database
from server.middleware import BodyLimitMiddleware
from server.settings import Settings
from server.web import install_web
from server.web.api_docs import install_docs
from server.web.forms import FormNulGuard
from sync.protocol import PROTOCOL_VERSION

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    new_id: IdMaker | None = None,
    database: Database | None = None,
) -> FastAPI:
    settings.check_safe_to_serve()  # raises UnsafeSettings: e.g. PostgreSQL with the dev secret key
    app = FastAPI(
        title="Fieldwork API",
        version=f"1.{PROTOCOL_VERSION}",
        description="Sync for the Fieldwork field app and review for IPS supervisors.",
        docs_url=None,  # FastAPI's page loads an unpinned Swagger UI with an inline script
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.new_id = new_id or random_id  # the ids of users, teams, devices, sessions, comments
    app.state.db = database or Database(settings.database_url)
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(sync.router)
    api.include_router(accounts.router)
    api.include_router(team.router)
    api.include_router(records.router)
    api.include_router(replies.router)
    api.include_router(attachments.router)

    @api.get("/health", tags=["health"])
    def health() -> dict[str, str | int]:
        return {"status": "ok", "protocol_version": PROTOCOL_VERSION}

    app.include_router(api)
    install_web(app)
    if settings.docs_enabled:
        install_docs(app)
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(FormNulGuard)  # inside the body limit: reads the whole, inflated form body
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(  # before the body is read: a forged request is refused unread
        OriginGuard,
        api_prefix=f"{API_PREFIX}/",
        session_cookie=SESSION_COOKIE,
        trusted=settings.trusted_origins(),
    )
    app.add_middleware(GZipAnswers)
    app.add_middleware(ProtocolGate, prefix=f"{API_PREFIX}/sync/")  # refuses before reading the body
    app.add_middleware(NulGuard)
    app.add_middleware(ContainUnexpected)  # every exception left unhandled above becomes a 500
    tiles = tile_origin(settings.map_tile_url)
    images = (tiles,) if tiles else ()
    app.add_middleware(  # outermost: on every answer, refusals and ContainUnexpected's 500 included
        SecurityHeaders,
        page_policy=content_security_policy(image_origins=images),
        docs_policy=content_security_policy(image_origins=images, docs=True),
    )
    return app


class GZipAnswers(GZipMiddleware):
    """Answers compressed for clients that accept it: a pull page of 1,000 changes is ~400 KiB of
    JSON, and a phone on a poor connection pays for every byte. Level 1: nearly all of level 5's
    saving for half its time. Push answers too: a full batch's results shrink to a third (two
    random ids each are what is left), and the phone waits on each answer before its next batch.
    On a poor signal in the field the bytes saved take far longer to arrive than compressing and
    inflating them take; only on loopback is it a loss (README, Benchmarks: figures behind the
    code)."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, minimum_size=1024, compresslevel=1)


def serving_app(settings: Settings) -> FastAPI:
    """The app a server process runs for its whole life. Once it is built, its ~135k long-lived
    objects are moved out of the cyclic collector's sight (gc.freeze): otherwise every full
    collection rescans them, a pause under load that lands on some request's p95 (README,
    Benchmarks: figures behind the code)."""
    app = create_app(settings)
    gc.freeze()
    return app
