"""What every supervisor page shares: templates, the signed-in supervisor, CSRF, page errors.

Pages read the same session cookie as the JSON API (server.api.deps.SESSION_COOKIE). A missing or
ended session sends the browser to the sign-in page; a specialist gets a 403 page.

Forms carry a CSRF token that is an HMAC, keyed by the server's secret, of the session the page was
rendered for: the session cookie's value once signed in, or before sign-in a random value in an
HttpOnly cookie of this browser. A token never follows a value a page can choose: a same-site page
that plants a cookie gets a token for that cookie, never for the victim's session. The Origin and
Sec-Fetch-Site check on every state-changing request (server.browser_policy) comes first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.clock import Clock
from server.api.deps import SESSION_COOKIE, get_clock, get_db, get_settings
from server.db.database import Database
from server.errors import Forbidden, NotAuthenticated
from server.services import accounts, audit
from server.services.accounts import Principal
from server.settings import local_host

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
CSRF_COOKIE = "fieldwork_csrf"  # before sign-in only
CSRF_FIELD = "csrf_token"
DEFAULT_TIME_ZONE = "Europe/London"
KIND_LABELS = {
    "employer_visit": "Employer visit",
    "job_opening": "Job opening",
    "support_check_in": "In-work support check-in",
    "employer": "Employer",
    "job_seeker": "Job seeker",
    "job": "Job",
    "employer_disclosure": "Employer disclosure decision",
}
STATE_LABELS = {
    "unreviewed": "Unreviewed",
    "approved": "Approved",
    "needs_changes": "Needs changes",
    "changed_since_review": "Changed since review",
}
templates.env.globals.update(kind_labels=KIND_LABELS, state_labels=STATE_LABELS)


class PageError(Exception):
    """A page cannot be shown: rendered as an HTML error page with this status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class LoginRequired(Exception):
    """No valid session: the browser goes to the sign-in page and comes back after."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def team_zone(request: Request) -> ZoneInfo:
    return ZoneInfo(getattr(request.app.state.settings, "review_time_zone", DEFAULT_TIME_ZONE))


# Review queries read a few thousand index entries each: on PostgreSQL, compiling them with JIT
# or starting parallel workers costs more than running them (README, Benchmarks: figures behind the code).
_REVIEW_SETTINGS = text(
    "SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"
)


@contextmanager
def review_read(db: Database) -> Iterator[Session]:
    """A read transaction for the review pages (on PostgreSQL without JIT or parallel workers)."""
    with db.read() as session:
        if not db.is_sqlite:
            session.execute(_REVIEW_SETTINGS)
        yield session


FORGED_FORM = "This form has expired or did not come from this site. Reload the page and try again."


def csrf_value(request: Request) -> str:
    """The raw pre-sign-in CSRF value of this browser (from its cookie, or a new one that render
    sets on the response)."""
    value = getattr(request.state, "csrf_value", None) or request.cookies.get(CSRF_COOKIE)
    if not value:
        value = secrets.token_urlsafe(24)
    request.state.csrf_value = value
    return str(value)


def _token_for(request: Request, kind: str, value: str) -> str:
    secret = get_settings(request).secret_key.get_secret_value().encode()
    mac = hmac.new(secret, f"fieldwork-csrf\0{kind}\0{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def csrf_form_token(request: Request) -> str:
    """The token this request's forms carry: tied to the session cookie when there is one (valid or
    not: the POST that comes back carries the same cookie), else to this browser's CSRF cookie."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return _token_for(request, "session", session)
    return _token_for(request, "browser", csrf_value(request))


def _expected_token(request: Request) -> str | None:
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        return _token_for(request, "session", session)
    browser = request.cookies.get(CSRF_COOKIE)
    return _token_for(request, "browser", browser) if browser else None


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def verify_csrf(request: Request) -> None:
    """Dependency for POST pages: the form's token must be the one for this request's session.
    Refused: 403, an HTML page for a browser, else the API's standard error body."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = _expected_token(request)
    if not isinstance(sent, str) or expected is None or not hmac.compare_digest(sent, expected):
        if wants_html(request):
            raise PageError(403, FORGED_FORM)
        raise Forbidden(FORGED_FORM)


def secure_cookie(request: Request) -> bool:
    """Whether cookies set on this answer get the Secure flag (server.settings.Settings.secure_cookies)."""
    return get_settings(request).secure_cookies(local_host(request.scope))


def render(request: Request, name: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    token = csrf_form_token(request)
    response = templates.TemplateResponse(
        request, name, {"csrf_token": token, "csrf_field": CSRF_FIELD, **context}, status_code=status
    )
    fresh = getattr(request.state, "csrf_value", None)
    if fresh is not None and request.cookies.get(CSRF_COOKIE) != fresh:
        response.set_cookie(
            CSRF_COOKIE, fresh, httponly=True, samesite="strict", secure=secure_cookie(request), path="/"
        )
    return response


def web_user(request: Request) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        with get_db(request).read() as session:
            return accounts.authenticate_session(session, token=token, clock=get_clock(request))
    except NotAuthenticated:
        return None


def web_supervisor(request: Request) -> Principal:
    principal = web_user(request)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    if not principal.sees_whole_team:
        raise PageError(403, "These pages are for supervisors. Your records are on your phone.")
    return principal


Supervisor = Annotated[Principal, Depends(web_supervisor)]
CsrfChecked = Depends(verify_csrf)


def safe_next(path: str | None) -> str:
    """Only same-site paths after sign-in (no open redirects)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/review"
    return path


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    principal = web_user(request)
    return render(request, "error.html", {"message": exc.message, "user": principal}, status=exc.status)


async def _login_required(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?next={quote(exc.next_path, safe='')}", status_code=303)


def install_page_errors(app: FastAPI) -> None:
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(LoginRequired, _login_required)


def audit_export(
    db: Database, clock: Clock, supervisor: Principal, fmt: str, filters: dict[str, Any] | None = None
) -> None:
    """Exports leave the building: each is in the audit log with its format and filters (ids and
    dates only, the ones set)."""
    with db.write() as session:
        audit.record(
            session,
            clock=clock,
            action=audit.Action.EXPORT,
            team_id=supervisor.team_id,
            actor_user_id=supervisor.user_id,
            format=fmt,
            filters={key: value for key, value in (filters or {}).items() if value},
        )
