"""The team page: the team's people and their phones, and everything a supervisor or admin does
about them without a command line (who may do what: server.services.team_admin).

Secrets (an enrollment code, a new password) are shown once, on the page that answers the POST
that made them, never in a URL. Other actions redirect back to the page (POST, redirect, GET), with
what happened in `?done=`. Every form carries the CSRF token (server.web.common).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.domain.clock import Clock
from app.domain.code_format import MASK_PREFIX, PRESETS, BadCodeFormat
from server.api.deps import ClockDep, DbDep, NewIdDep, SettingsDep
from server.db.database import Database
from server.errors import AlreadyExists, Forbidden, NotFound
from server.services import code_formats, team_admin
from server.services.accounts import Principal, Role
from server.services.team_admin import InvalidMember, IssuedCode, MemberView, PhoneView
from server.timeutil import as_utc
from server.web.common import CsrfChecked, PageError, Supervisor, render, team_zone
from server.web.present import local_time

router = APIRouter(prefix="/review/team", include_in_schema=False)
UserId = Annotated[str, Form(max_length=36)]
STALE = timedelta(days=2)  # a phone quiet this long with saves waiting is worth a call
DONE = {
    "revoked": "The phone was revoked. It stops syncing at its next attempt and wipes what it holds.",
    "disabled": "The account was disabled: its sign-ins, sessions and phones are refused from now on.",
    "added": "Added to the team. Issue a connection code to set up their phone.",
    "code_format": "The job seeker code format is saved. Phones use it from their next sync; codes"
    " saved before are checked when their job seeker is next edited.",
}
ROLE_LABELS = {Role.SPECIALIST: "Specialist", Role.SUPERVISOR: "Supervisor", Role.ADMIN: "Admin"}


@router.get("", response_class=HTMLResponse)
def team_page(
    request: Request, db: DbDep, clock: ClockDep, supervisor: Supervisor, done: str = ""
) -> HTMLResponse:
    return _render(request, db, clock, supervisor, notice=DONE.get(done))


@router.post("/codes", dependencies=[CsrfChecked], response_class=HTMLResponse)
def issue_code(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    new_id: NewIdDep,
    settings: SettingsDep,
    supervisor: Supervisor,
    user_id: UserId,
) -> HTMLResponse:
    with _refusals(), db.write() as session:
        target = team_admin.team_member(session, team_id=supervisor.team_id, user_id=user_id)
        issued = team_admin.issue_code(
            session,
            actor=supervisor,
            target=target,
            clock=clock,
            secret=settings.secret_key.get_secret_value(),
            minutes=settings.enrollment_code_minutes,
            new_id=new_id,
        )
    return _render(request, db, clock, supervisor, code=_code_panel(request, issued, clock.now()))


@router.post("/phones/{device_id}/revoke", dependencies=[CsrfChecked], response_model=None)
def revoke_phone(device_id: str, db: DbDep, clock: ClockDep, supervisor: Supervisor) -> Response:
    with _refusals(), db.write() as session:
        team_admin.revoke_phone(session, actor=supervisor, device_id=device_id[:36], clock=clock)
    return RedirectResponse("/review/team?done=revoked", status_code=303)


@router.post("/members", dependencies=[CsrfChecked], response_model=None)
def add_member(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    new_id: NewIdDep,
    supervisor: Supervisor,
    username: Annotated[str, Form(max_length=100)],
    display_name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)] = Role.SPECIALIST.value,
) -> Response:
    try:
        with _refusals(), db.write() as session:
            _user_id, password = team_admin.create_member(
                session,
                actor=supervisor,
                username=username,
                display_name=display_name,
                role=role,
                clock=clock,
                new_id=new_id,
            )
    except (InvalidMember, AlreadyExists) as refused:
        form = {"username": username, "display_name": display_name, "role": role, "error": refused.message}
        return _render(request, db, clock, supervisor, add_form=form, status=422)
    if password is None:
        return RedirectResponse("/review/team?done=added", status_code=303)
    secret = {"who": username.strip().lower(), "password": password, "why": "added"}
    return _render(request, db, clock, supervisor, password=secret)


@router.post("/members/{user_id}/disable", dependencies=[CsrfChecked], response_model=None)
def disable_member(user_id: str, db: DbDep, clock: ClockDep, supervisor: Supervisor) -> Response:
    with _refusals(), db.write() as session:
        team_admin.disable_member(session, actor=supervisor, user_id=user_id[:36], clock=clock)
    return RedirectResponse("/review/team?done=disabled", status_code=303)


@router.post("/members/{user_id}/password", dependencies=[CsrfChecked], response_class=HTMLResponse)
def reset_password(
    request: Request, user_id: str, db: DbDep, clock: ClockDep, supervisor: Supervisor
) -> HTMLResponse:
    with _refusals(), db.write() as session:
        password = team_admin.reset_password(session, actor=supervisor, user_id=user_id[:36], clock=clock)
        who = team_admin.team_member(session, team_id=supervisor.team_id, user_id=user_id[:36]).username
    return _render(
        request, db, clock, supervisor, password={"who": who, "password": password, "why": "reset"}
    )


@router.post("/code-format", dependencies=[CsrfChecked], response_model=None)
def set_code_format(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    supervisor: Supervisor,
    choice: Annotated[str, Form(max_length=40)],
    mask: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Admins choose a preset, or a pattern of A, 9, X and - (never a regular expression)."""
    setting = f"{MASK_PREFIX}{mask.strip().upper()}" if choice == "mask" else choice
    try:
        with _refusals(), db.write() as session:
            code_formats.set_team_code_format(session, actor=supervisor, setting=setting, clock=clock)
    except BadCodeFormat as refused:
        form = {"choice": choice, "mask": mask, "error": f"Not saved: {refused}."}
        return _render(request, db, clock, supervisor, code_form=form, status=422)
    return RedirectResponse("/review/team?done=code_format", status_code=303)


@contextmanager
def _refusals() -> Iterator[None]:
    """Service refusals as page errors: another team's ids are 'not found', like ids that never
    existed; a role that may not act gets 403 with the rule in words."""
    try:
        yield
    except NotFound:
        raise PageError(404, "There is no such person or phone in your team.") from None
    except Forbidden as refused:
        raise PageError(403, _forbidden_message(refused.message)) from None


def _forbidden_message(reason: str) -> str:
    if reason == "admins only":
        return (
            "Only an admin can add people, disable an account, reset a password or change the"
            " job seeker code format."
        )
    if "own account" in reason:
        return "You cannot do this to your own account. Ask another admin."
    return "Supervisors issue connection codes for their team's specialists only. Ask an admin."


def _render(
    request: Request, db: Database, clock: Clock, supervisor: Principal, *, status: int = 200, **extra: Any
) -> HTMLResponse:
    with db.read() as session:
        members = team_admin.roster(session, team_id=supervisor.team_id)
        code_format = code_formats.team_code_format(session, team_id=supervisor.team_id)
    now, zone = clock.now(), team_zone(request)
    context = {
        "user": supervisor,
        "nav": "team",
        "is_admin": supervisor.role is Role.ADMIN,
        "members": [_member_row(m, supervisor, now, zone) for m in members],
        "zone": zone.key,
        "add_form": {"username": "", "display_name": "", "role": "specialist", "error": None},
        "code_format": code_format,
        "code_presets": [(name, preset.label, preset.example) for name, preset in PRESETS.items()],
        "code_form": {
            "choice": "mask" if code_format.mask is not None else code_format.setting,
            "mask": code_format.mask or "",
            "error": None,
        },
        **extra,
    }
    return render(request, "team.html", context, status=status)


def _member_row(member: MemberView, viewer: Principal, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    may_code = member.active and (
        viewer.role is Role.ADMIN or member.role is Role.SPECIALIST or member.user_id == viewer.user_id
    )
    is_self = member.user_id == viewer.user_id
    return {
        "id": member.user_id,
        "name": member.display_name,
        "username": member.username,
        "role": ROLE_LABELS[member.role],
        "active": member.active,
        "may_code": may_code,
        "may_disable": viewer.role is Role.ADMIN and member.active and not is_self,
        "may_reset": viewer.role is Role.ADMIN
        and member.active
        and not is_self
        and member.role is not Role.SPECIALIST,
        "phones": [_phone_row(phone, now, zone) for phone in reversed(member.phones)],
        "active_phones": sum(1 for phone in member.phones if phone.revoked_at is None),
    }


def _phone_row(phone: PhoneView, now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    synced = as_utc(phone.last_sync_at) if phone.last_sync_at else None
    quiet = synced is None or now - synced > STALE
    waiting = phone.pending if phone.pending is not None else None
    return {
        "id": phone.device_id,
        "name": phone.name,
        "enrolled": local_time(as_utc(phone.enrolled_at), zone),
        "last_sync": ago(synced, now) if synced else "Not yet",
        "last_sync_at": local_time(synced, zone) if synced else "",
        "pending": "—" if waiting is None else str(waiting),
        "version": phone.app_version or "—",
        "revoked": local_time(as_utc(phone.revoked_at), zone) if phone.revoked_at else "",
        "warn": phone.revoked_at is None and quiet and bool(waiting),
    }


def ago(then: datetime, now: datetime) -> str:
    """'just now', '5 minutes ago', '3 hours ago', '2 days ago': how stale, at a glance."""
    seconds = max(0, int((now - then).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


def enrollment_link(server_url: str, code: str) -> str:
    """What the QR code holds; the phone's Connect screen reads it (app.state.connect)."""
    return "fieldwork://enroll?" + urlencode({"server": server_url.rstrip("/"), "code": code})


def _code_panel(request: Request, issued: IssuedCode, now: datetime) -> dict[str, Any]:
    server_url = str(request.base_url).rstrip("/")
    link = enrollment_link(server_url, issued.code)
    qr = segno.make(link, error="m")
    svg = qr.svg_inline(
        scale=1, border=4, omitsize=True, title=f"QR code: connection link for {issued.display_name}"
    )
    minutes = max(1, round((as_utc(issued.expires_at) - now).total_seconds() / 60))
    return {
        "for": issued.display_name,
        "code": issued.code,
        "spaced": " ".join(issued.code[i : i + 4] for i in range(0, len(issued.code), 4)),
        "link": link,
        "server": server_url,
        "svg": svg,
        "until": local_time(as_utc(issued.expires_at), team_zone(request)),
        "minutes": minutes,
    }
