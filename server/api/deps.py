"""Annotated dependencies: the database, clock, id maker and settings built by create_app, and the caller.

`CurrentDevice` reads a bearer device token; `CurrentSupervisor` reads the web session cookie (or a
bearer session token, for scripts) and requires a supervisor or admin. Both look the credential up
in the database on every request, so revocation is immediate on every instance.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.domain.clock import Clock, IdMaker
from server.db.database import Database
from server.errors import Forbidden, NotAuthenticated
from server.services import accounts
from server.services.accounts import Principal, Role
from server.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="A device token from /api/v1/enroll")
SESSION_COOKIE = "fieldwork_session"
_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="Web session from /api/v1/auth/login"
)


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_new_id(request: Request) -> IdMaker:
    new_id: IdMaker = request.app.state.new_id
    return new_id


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_address(request: Request) -> str:
    """The caller's address, for rate limits (behind a proxy, run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


# The dependencies below are `async def` wrappers of the readers above: FastAPI runs a plain `def`
# dependency on a worker thread, one hop there and back per dependency and per request, for what
# is an attribute read. The readers stay plain functions for code that calls them directly.
async def _db(request: Request) -> Database:
    return get_db(request)


async def _address(request: Request) -> str:
    return client_address(request)


async def _clock(request: Request) -> Clock:
    return get_clock(request)


async def _new_id(request: Request) -> IdMaker:
    return get_new_id(request)


async def _settings(request: Request) -> Settings:
    return get_settings(request)


DbDep = Annotated[Database, Depends(_db)]
AddressDep = Annotated[str, Depends(_address)]
ClockDep = Annotated[Clock, Depends(_clock)]
NewIdDep = Annotated[IdMaker, Depends(_new_id)]
SettingsDep = Annotated[Settings, Depends(_settings)]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def authenticate_device(session: Session, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    if credentials is None:
        raise NotAuthenticated("send the device token as 'Authorization: Bearer <token>'")
    return accounts.authenticate_device(session, token=credentials.credentials)


def current_device(db: DbDep, credentials: BearerDep) -> Principal:
    with db.read() as session:
        return authenticate_device(session, credentials)


async def session_token(token: Annotated[str | None, Depends(_cookie)]) -> str:
    if not token:
        raise NotAuthenticated("please log in")
    return token


SessionTokenDep = Annotated[str, Depends(session_token)]


def current_user(db: DbDep, clock: ClockDep, token: SessionTokenDep) -> Principal:
    with db.read() as session:
        principal = accounts.authenticate_session(session, token=token, clock=clock)
    return principal


async def current_supervisor(principal: Annotated[Principal, Depends(current_user)]) -> Principal:
    if principal.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("supervisors only")
    return principal


async def current_admin(principal: Annotated[Principal, Depends(current_user)]) -> Principal:
    if principal.role is not Role.ADMIN:
        raise Forbidden("admins only")
    return principal


CurrentDevice = Annotated[Principal, Depends(current_device)]
CurrentUser = Annotated[Principal, Depends(current_user)]
CurrentSupervisor = Annotated[Principal, Depends(current_supervisor)]
CurrentAdmin = Annotated[Principal, Depends(current_admin)]
