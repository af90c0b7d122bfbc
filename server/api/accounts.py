"""Enrollment (device tokens) and web login (session cookies)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from server.api.deps import (
    SESSION_COOKIE,
    AddressDep,
    ClockDep,
    CurrentUser,
    DbDep,
    NewIdDep,
    SessionTokenDep,
    SettingsDep,
)
from server.api.openapi import errors
from server.api.schemas import EnrollBody, LoginBody, Me
from server.services import accounts, attempts
from server.settings import local_host
from sync.protocol import EnrollResponse

router = APIRouter(tags=["accounts"])


@router.post("/enroll", response_model=EnrollResponse, responses=errors(401, 422, 429))
def enroll(
    body: EnrollBody,
    db: DbDep,
    clock: ClockDep,
    new_id: NewIdDep,
    settings: SettingsDep,
    address: AddressDep,
) -> EnrollResponse:
    """Exchange a one-time enrollment code for a device token (returned once, stored as a hash).

    Too many wrong codes from one address: 429 with Retry-After."""
    return attempts.enroll(
        db,
        code=body.code,
        device_name=body.device_name,
        address=address,
        clock=clock,
        settings=settings,
        new_id=new_id,
    )


def _me(principal: accounts.Principal) -> Me:
    return Me(
        user_id=principal.user_id,
        username=principal.username,
        display_name=principal.display_name,
        role=principal.role.value,
        team_id=principal.team_id,
    )


@router.post("/auth/login", response_model=Me, responses=errors(401, 422, 429))
async def login(
    body: LoginBody,
    request: Request,
    response: Response,
    db: DbDep,
    clock: ClockDep,
    new_id: NewIdDep,
    settings: SettingsDep,
    address: AddressDep,
) -> Me:
    """Check a password (argon2) and set the session cookie.

    Too many failures for one username from one address, from one address, or for one username
    from everywhere (a much higher ceiling): 429 with Retry-After. Async: waiting for a password
    hashing slot holds no request thread."""
    token, principal = await attempts.sign_in(
        db,
        username=body.username,
        password=body.password,
        address=address,
        clock=clock,
        settings=settings,
        via="api",
        new_id=new_id,
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",  # with JSON-only bodies, keeps cross-site forms from using the session
        secure=settings.secure_cookies(local_host(request.scope)),
    )
    return _me(principal)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401))
def logout(response: Response, db: DbDep, clock: ClockDep, token: SessionTokenDep) -> Response:
    """End the session on the server (the cookie alone no longer works anywhere)."""
    with db.write() as session:
        accounts.logout(session, token=token, clock=clock)
    response.status_code = status.HTTP_204_NO_CONTENT
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/auth/me", response_model=Me, responses=errors(401))
def me(principal: CurrentUser) -> Me:
    return _me(principal)
