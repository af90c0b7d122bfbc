"""The audit log page, for admins only: sign-ins, reviews, exports, enrollments, revocations.

Admins see their own team's events only: those that belong to no team (a sign-in with an unknown
username, a wrong enrollment code) are shown to no one here. Supervisors and specialists get 403;
other teams' admins never see this team's events. Repeated events counted into one row per window
(blocked sign-ins, record views) say how many times.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from server.api.deps import DbDep
from server.services import audit
from server.services.accounts import Role
from server.timeutil import as_utc
from server.web.common import PageError, Supervisor, render, team_zone
from server.web.present import local_time

router = APIRouter(prefix="/review", include_in_schema=False)
PAGE_SIZE = 100
ACTION_LABELS = {
    "sign_in": "Sign-in",
    "review": "Review",
    "comment": "Comment",
    "reply": "Reply from the phone",
    "resolve_conflict": "Conflict cleared",
    "export": "Export",
    "enrollment_code": "Enrollment code issued",
    "enrollment": "Phone enrolled",
    "device_revoked": "Phone revoked",
    "user_disabled": "User disabled",
    "record_viewed": "Record viewed",
    "photo_viewed": "Photo viewed",
    "user_created": "User added",
    "password_reset": "Password reset",
    "code_format_set": "Job seeker code format changed",
}


def _details(event: audit.EventView) -> str:
    facts = [f"{key}: {value}" for key, value in sorted(event.details.items())]
    if event.count > 1:  # repeats counted into one row per window (blocked attempts, views)
        facts.insert(0, f"{event.count} times")
    return ", ".join(facts)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    db: DbDep,
    supervisor: Supervisor,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    if supervisor.role is not Role.ADMIN:
        raise PageError(403, "The audit log is for admins.")
    zone = team_zone(request)
    with db.read() as session:
        events = audit.list_events(
            session, team_id=supervisor.team_id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
    rows = [
        {
            "when": local_time(as_utc(event.at), zone),
            "action": ACTION_LABELS.get(event.action, event.action),
            "outcome": event.outcome,
            "actor": event.actor,
            "device": event.device_id or "",
            "target": event.target or "",
            "details": _details(event),
        }
        for event in events[:PAGE_SIZE]
    ]
    context = {
        "user": supervisor,
        "nav": "audit",
        "rows": rows,
        "page": page,
        "zone": zone.key,
        "prev_url": f"/review/audit?page={page - 1}" if page > 1 else None,
        "next_url": f"/review/audit?page={page + 1}" if len(events) > PAGE_SIZE else None,
    }
    return render(request, "audit.html", context)
