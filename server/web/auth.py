"""Sign-in and sign-out for the supervisor pages (the session is the API's web session).

Sign-in is async: its database steps and its password hash run on threads it awaits
(server.services.attempts), so a flood of sign-ins waiting to be hashed holds no request thread."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.domain.clock import Clock
from server.api.deps import SESSION_COOKIE, AddressDep, ClockDep, DbDep, NewIdDep, SettingsDep
from server.db.database import Database
from server.errors import NotAuthenticated, RateLimited
from server.services import accounts, attempts
from server.web.common import CsrfChecked, render, safe_next, secure_cookie, web_user

router = APIRouter(include_in_schema=False)


@router.get("/", response_model=None)
def home() -> Response:
    return RedirectResponse("/review", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", {"next": safe_next(next), "user": web_user(request)})


@router.post("/login", dependencies=[CsrfChecked], response_model=None)
async def login(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    new_id: NewIdDep,
    settings: SettingsDep,
    address: AddressDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/review",
) -> Response:
    try:
        token, principal = await attempts.sign_in(
            db,
            username=username.strip(),
            password=password,
            address=address,
            clock=clock,
            settings=settings,
            via="web",
            new_id=new_id,
        )
    except RateLimited as limited:
        minutes = -(-limited.retry_after // 60)
        context = {
            "next": safe_next(next),
            "error": f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            "username": username,
        }
        page = render(request, "login.html", context, status=429)
        page.headers["Retry-After"] = str(limited.retry_after)
        return page
    except NotAuthenticated:
        context = {"next": safe_next(next), "error": "Wrong username or password.", "username": username}
        return render(request, "login.html", context, status=401)
    if not principal.sees_whole_team:
        await run_in_threadpool(_end_session, db, token=token, clock=clock)
        context = {
            "next": "/review",
            "error": "These pages are for supervisors and admins.",
            "username": username,
        }
        return render(request, "login.html", context, status=403)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=secure_cookie(request),
        path="/",
    )
    return response


def _end_session(db: Database, *, token: str, clock: Clock) -> None:
    with db.write() as session:
        accounts.logout(session, token=token, clock=clock)


@router.post("/logout", dependencies=[CsrfChecked], response_model=None)
def logout(request: Request, db: DbDep, clock: ClockDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with db.write() as session:
            accounts.logout(session, token=token, clock=clock)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
