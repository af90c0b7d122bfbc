"""What every supervisor page shares: templates, the signed-in supervisor, CSRF, page errors.

Pages read the same session cookie as the JSON API (server.api.deps.SESSION_COOKIE). A missing or
ended session sends the browser to the sign-in page; a specialist gets a 403 page. Forms carry a
signed double-submit CSRF token: a random value in an HttpOnly cookie, and in each form that value
signed with the server's secret (itsdangerous); a POST must present both, matching.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import text
from sqlalchemy.orm import Session

from server.api.deps import SESSION_COOKIE, get_clock, get_db, get_settings
from server.db.database import Database
from server.errors import NotAuthenticated
from server.services import accounts
from server.services.accounts import Principal

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
CSRF_COOKIE = "fieldwork_csrf"
CSRF_FIELD = "csrf_token"
DEFAULT_TIME_ZONE = "Europe/London"
KIND_LABELS = {
    "employer_visit": "Employer visit",
    "job_opening": "Job opening",
    "support_check_in": "In-work support check-in",
    "employer": "Employer",
    "job_seeker": "Job seeker",
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
# (~40 ms a query at 500k visits) or starting parallel workers costs more than running them.
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


def _serializer(request: Request) -> URLSafeTimedSerializer:
    secret = get_settings(request).secret_key.get_secret_value()
    return URLSafeTimedSerializer(secret, salt="fieldwork-web-csrf")


def csrf_value(request: Request) -> str:
    """The raw CSRF value of this browser (from its cookie, or a new one set on the response)."""
    value = getattr(request.state, "csrf_value", None) or request.cookies.get(CSRF_COOKIE)
    if not value:
        value = secrets.token_urlsafe(24)
    request.state.csrf_value = value
    return str(value)


def csrf_form_token(request: Request) -> str:
    return str(_serializer(request).dumps(csrf_value(request)))


async def verify_csrf(request: Request) -> None:
    """Dependency for POST pages: the form's signed token must match the browser's cookie."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    max_age = get_settings(request).session_hours * 3600
    try:
        signed_value = _serializer(request).loads(str(sent), max_age=max_age) if sent else None
    except BadSignature:
        signed_value = None
    if not cookie or signed_value is None or not secrets.compare_digest(str(signed_value), cookie):
        raise PageError(403, "This form has expired or did not come from this site. Reload and try again.")


def render(request: Request, name: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    token = csrf_form_token(request)
    response = templates.TemplateResponse(
        request, name, {"csrf_token": token, "csrf_field": CSRF_FIELD, **context}, status_code=status
    )
    if request.cookies.get(CSRF_COOKIE) != request.state.csrf_value:
        settings = get_settings(request)
        response.set_cookie(
            CSRF_COOKIE,
            request.state.csrf_value,
            httponly=True,
            samesite="strict",
            secure=settings.cookie_secure,
            path="/",
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


def install_page_errors(app: Any) -> None:
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(LoginRequired, _login_required)
