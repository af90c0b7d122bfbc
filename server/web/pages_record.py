"""One record: every field, the geotag, one page of its versions and conflicts (with a flagged
record's older conflicts), the review and its comment thread. Reviews and comments go through
server.services.reviews, which gives the record a new change number so the specialist's phone
pulls them. A decision on an older version than the record's shows as "changed since review"
(sync.protocol.changed_since_review)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.domain.errors import ValidationError
from app.domain.visit_check import LocationCheck
from server.api.deps import ClockDep, DbDep, NewIdDep
from server.db.database import Database
from server.db.models import RecordRow, User
from server.errors import NotFound
from server.services import audit, history, replies, reviews, visit_checks
from server.services.accounts import Principal
from server.services.activity import names_for
from server.services.archive import archive_notes
from server.services.attachments import photo_for_reviewer, photos_for_record
from server.timeutil import as_utc
from server.web.common import CsrfChecked, PageError, Supervisor, render, team_zone
from server.web.present import local_instant, local_time, words
from sync.protocol import Review, changed_since_review

router = APIRouter(prefix="/review/records", include_in_schema=False)
RecordId = str
HIDDEN_FIELDS = ("id", "geotag", "version", "geocoded_address")
# Issue 15: the supervisor sees a visit's on-behalf job seekers marked as such, never as named.
FIELD_NAMES = {"undisclosed_job_seeker_ids": "On behalf of, not disclosed (never named to the employer)"}


def _load(
    request: Request, db: Database, supervisor: Principal, record_id: str, before: int | None = None
) -> dict[str, Any]:
    zone = team_zone(request)
    with db.read() as session:
        try:
            row, history_page = reviews.record_history(
                session, principal=supervisor, record_id=record_id[:64], before_version=before
            )
        except NotFound:
            raise PageError(404, "There is no such record in your team.") from None
        older = _older_conflicts(session, row, history_page)
        review = reviews.load_reviews(session, record_pks=[row.pk]).get(row.pk)
        waiting = replies.reply_waiting(session, record_pk=row.pk)
        replied = set(review.reply_ids) if review else set()
        # An archived record (a tombstone) shows what it said last, and who archived it when.
        archived = archive_notes(session, record_pks=[row.pk]).get(row.pk) if row.deleted else None
        data = (archived.data if archived is not None else row.data) or {}
        linked = {str(v) for k, v in data.items() if k.endswith("_id") and isinstance(v, str)}
        for field in ("job_seeker_ids", "undisclosed_job_seeker_ids"):
            linked |= {str(v) for v in data.get(field) or [] if isinstance(v, str)}
        names = names_for(session, team_id=supervisor.team_id, record_ids=linked)
        owner = session.get(User, row.owner_user_id)
        photos = photos_for_record(session, record_pk=row.pk)
        location_check, last_visit = _geography(request, session, row, supervisor.team_id)
    fields = [
        (
            FIELD_NAMES.get(key) or words(key).capitalize(),
            local_instant(value, zone) or _show(key, value, names),
        )
        for key, value in data.items()
        if key not in HIDDEN_FIELDS
    ]
    geotag = data.get("geotag") if isinstance(data.get("geotag"), dict) else None
    if geotag is not None:
        geotag = {**geotag, "fixed_at": local_instant(geotag.get("fixed_at"), zone)}
    return {
        "user": supervisor,
        "row": row,
        "archived": None
        if archived is None
        else {"by": archived.by, "at": local_time(archived.at, zone), "version": archived.version},
        "owner": owner.display_name if owner else "",
        "fields": fields,
        "geotag": geotag if geotag and geotag.get("latitude") is not None else None,
        **_history(history_page, older, zone, version=row.version, before=before),
        "review": review,
        "comments": [
            {
                "author": c.author,
                "body": c.body,
                "at": _instant_or(c.created_at, zone),
                "reply": c.id in replied,  # the specialist's, from the phone
            }
            for c in (review.comments if review else [])
        ],
        "reply_waiting": waiting,
        "reviewed_at": _instant_or(review.reviewed_at, zone) if review else None,
        **_review_state(review, version=row.version),
        "zone": zone.key,
        "location_check": location_check,
        "photos": [
            {
                "id": photo.id,
                "kb": max(1, round(photo.size / 1024)),
                "at": local_time(as_utc(photo.received_at), zone),
            }
            for photo in photos
        ],
        "last_visit": local_time(as_utc(last_visit), zone) if last_visit else None,
    }


def _older_conflicts(
    session: Session, row: RecordRow, page: history.HistoryPage
) -> list[history.VersionEntry]:
    """A flagged record's conflicts below this page: the flag must stay explainable on any page."""
    if not row.flagged or page.older_before is None:
        return []
    return history.older_conflicts(session, record_pk=row.pk, before_version=page.older_before)


def _history(
    page: history.HistoryPage,
    older: list[history.VersionEntry],
    zone: ZoneInfo,
    *,
    version: int,
    before: int | None,
) -> dict[str, Any]:
    """The history table's page, its paging links (plain links: no script needed) and the older
    conflicts. Versions are numbered 1, 2, ... without gaps, so the newer page starts PAGE above."""
    newer = None
    if before is not None and page.entries:
        start = page.entries[0].version + history.PAGE + 1
        newer = start if start <= version else 0  # 0: the newest page, no cursor
    return {
        "history": [_version_row(entry, zone) for entry in page.entries],
        "older_before": page.older_before,
        "newer_before": newer,
        "older_conflicts": [_version_row(entry, zone) for entry in older],
    }


def _version_row(entry: history.VersionEntry, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "version": entry.version,
        "author": entry.author or "",
        "at": local_time(as_utc(entry.created_at), zone),
        "conflicts": [
            {**c, "kept": _instant_or(c.get("kept"), zone), "other": _instant_or(c.get("other"), zone)}
            for c in entry.conflicts
            if isinstance(c, dict)
        ],
        "deleted": entry.data is None,
    }


def _review_state(review: Review | None, *, version: int) -> dict[str, Any]:
    """`state` as the badge shows it; `decision` as last saved (the form starts from it)."""
    decision = review.state if review else "unreviewed"
    reviewed_version = review.reviewed_version if review else None
    changed = changed_since_review(decision, reviewed_version=reviewed_version, version=version)
    return {
        "state": reviews.CHANGED_SINCE_REVIEW if changed else decision,
        "decision": decision,
        "reviewed_version": reviewed_version if decision in reviews.DECISIONS else None,
    }


def _instant_or(value: Any, zone: ZoneInfo) -> Any:  # value: a JSON value from the record
    return local_instant(value, zone) or value


def _geography(
    request: Request, session: Session, row: RecordRow, team_id: str
) -> tuple[LocationCheck | None, datetime | None]:
    """A visit's location check against its employer; an employer's last visit (derived)."""
    data = row.data or {}
    if row.kind == "employer_visit" and not row.deleted:
        points = visit_checks.employer_points(
            session, team_id=team_id, employer_ids=[data.get("employer_id")]
        )
        rules = visit_checks.rules_from(request.app.state.settings)
        return visit_checks.check_visit(data, points, rules=rules), None
    if row.kind == "employer" and not row.deleted:
        return None, visit_checks.last_visit_at(session, team_id=team_id, employer_id=row.record_id)
    return None, None


def _show(key: str, value: Any, names: dict[str, str]) -> str:
    if isinstance(value, list):
        return ", ".join(names.get(str(item), str(item)) for item in value) or "—"
    if key.endswith("_id") and isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "—"
    return words(value) if isinstance(value, str) and "_" in value and " " not in value else str(value)


@router.get("/{record_id}", response_class=HTMLResponse)
def record_page(
    request: Request,
    record_id: RecordId,
    db: DbDep,
    clock: ClockDep,
    supervisor: Supervisor,
    before: Annotated[int | None, Query(ge=1, le=2_000_000_000)] = None,
) -> HTMLResponse:
    """The record with its newest versions, or with those older than `before` (paging links)."""
    context = _load(request, db, supervisor, record_id, before)
    with db.write() as session:  # only a record of the viewer's team gets here (else 404)
        audit.record_view(
            session,
            clock=clock,
            team_id=supervisor.team_id,
            viewer_user_id=supervisor.user_id,
            record_id=record_id[:64],
        )
    return render(request, "record.html", context)


@router.post("/{record_id}/review", dependencies=[CsrfChecked], response_model=None)
def review_record(
    request: Request,
    record_id: RecordId,
    db: DbDep,
    clock: ClockDep,
    new_id: NewIdDep,
    supervisor: Supervisor,
    state: Annotated[str, Form(max_length=20)],
    comment: Annotated[str, Form(max_length=reviews.MAX_COMMENT)] = "",
    version: Annotated[int | None, Form(ge=1, le=2_000_000_000)] = None,
) -> Response:
    """Approve, or ask for changes (a comment saying what to change is required). `version` is
    the one the page showed: an edit that arrived after it still shows as changed."""
    if state not in ("approved", "needs_changes"):
        raise PageError(400, "Choose approved or needs changes.")
    if state == "needs_changes" and not comment.strip():
        context = _load(request, db, supervisor, record_id)
        context["error"] = "Say what needs to change: a comment is required for 'needs changes'."
        context["chosen"] = state  # the decision just made stays chosen on the error page
        return render(request, "record.html", context, status=422)
    try:
        with db.write() as session:
            reviews.set_review(
                session,
                principal=supervisor,
                record_id=record_id,
                state=state,
                clock=clock,
                seen_version=version,
            )
            if comment.strip():
                reviews.add_comment(
                    session,
                    principal=supervisor,
                    record_id=record_id,
                    body=comment,
                    clock=clock,
                    new_id=new_id,
                )
    except NotFound:
        raise PageError(404, "There is no such record in your team.") from None
    return RedirectResponse(f"/review/records/{record_id}#review", status_code=303)


@router.post("/{record_id}/comments", dependencies=[CsrfChecked], response_model=None)
def comment_record(
    request: Request,
    record_id: RecordId,
    db: DbDep,
    clock: ClockDep,
    new_id: NewIdDep,
    supervisor: Supervisor,
    body: Annotated[str, Form(max_length=reviews.MAX_COMMENT)] = "",
) -> Response:
    try:
        with db.write() as session:
            reviews.add_comment(
                session, principal=supervisor, record_id=record_id, body=body, clock=clock, new_id=new_id
            )
    except ValidationError:
        context = _load(request, db, supervisor, record_id)
        context["comment_error"] = "Write a comment first."
        return render(request, "record.html", context, status=422)
    except NotFound:
        raise PageError(404, "There is no such record in your team.") from None
    return RedirectResponse(f"/review/records/{record_id}#comments", status_code=303)


@router.post("/{record_id}/resolve", dependencies=[CsrfChecked], response_model=None)
def resolve_record(record_id: RecordId, db: DbDep, clock: ClockDep, supervisor: Supervisor) -> Response:
    try:
        with db.write() as session:
            reviews.clear_flag(session, principal=supervisor, record_id=record_id, clock=clock)
    except NotFound:
        raise PageError(404, "There is no such record in your team.") from None
    return RedirectResponse(f"/review/records/{record_id}#history", status_code=303)


@router.get("/{record_id}/photos/{attachment_id}", response_model=None)
def record_photo(
    record_id: RecordId, attachment_id: str, db: DbDep, clock: ClockDep, supervisor: Supervisor
) -> Response:
    """A photo the record's owner attached, for the team's supervisors only; each viewing is audited."""
    with db.write() as session:
        try:
            data, content_type = photo_for_reviewer(
                session,
                team_id=supervisor.team_id,
                record_id=record_id[:64],
                attachment_id=attachment_id[:64],
            )
        except NotFound:
            raise PageError(404, "There is no such photo in your team.") from None
        audit.photo_view(
            session,
            clock=clock,
            team_id=supervisor.team_id,
            viewer_user_id=supervisor.user_id,
            record_id=record_id[:64],
            attachment_id=attachment_id[:64],
        )
    # Cache-Control: no-store and nosniff come from SecurityHeaders, on every answer.
    return Response(data, media_type=content_type, headers={"Content-Disposition": "inline"})
