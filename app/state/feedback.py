"""Supervisor feedback and records needing attention, as rows for Today and record detail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain.errors import ValidationError
from app.records import RecordService, describe_record
from app.store import StoredRecord
from sync.protocol import changed_since_review

CHANGED_SINCE_REVIEW = "changed_since_review"
REVIEW_LABELS = {
    "unreviewed": "Not reviewed yet",
    "approved": "Approved by your supervisor",
    "needs_changes": "Your supervisor asks for changes",
    CHANGED_SINCE_REVIEW: "Edited since your supervisor's review",
}
# Local edits the server has not taken: the record on this phone is past its server version.
UNSENT_EDIT_STATES = ("pending", "rejected")
FEEDBACK_KINDS = ("employer_visit", "job_opening", "support_check_in", "employer", "job_seeker")
FEEDBACK_PREFIXES = {"needs_changes": "Changes asked", CHANGED_SINCE_REVIEW: "Edited since review"}


@dataclass(frozen=True)
class Comment:
    author: str
    body: str
    at: str  # ISO 8601 as the server wrote it
    mine: bool = False  # the specialist's own reply (app.state.replies), not a supervisor's comment
    note: str = ""  # a reply still on this phone: "Waiting to send", or why it was not sent

    @property
    def when(self) -> str:
        """The comment's time on this phone's clock, e.g. "4 May, 11:00"."""
        try:
            at = datetime.fromisoformat(self.at)
        except ValueError:
            return self.at
        local = at.astimezone() if at.tzinfo else at
        return f"{local:%-d %b, %H:%M}"


@dataclass(frozen=True)
class FeedbackRow:
    record_kind: str
    record_id: str
    title: str
    detail: str  # the review state, or the latest comment
    state: str  # as shown_review_state says: unreviewed, approved, needs_changes, changed_since_review
    latest_at: str  # the newest comment's time (ISO), for ordering


@dataclass(frozen=True)
class AttentionRow:
    record_kind: str
    record_id: str
    title: str
    reason: str
    state: str  # rejected or conflict


def shown_review_state(stored: StoredRecord) -> str:
    """The review as this phone shows it. An edit after the decision is "changed since review"
    (sync.protocol's rule, the one the supervisor pages use) until the supervisor reviews again,
    whether the server has it (a newer server version; the phone's own pushes never come back in a
    pull, so the review it holds is the old one) or it is still only on this phone."""
    review = stored.review or {}
    decision = str(review.get("state") or "unreviewed")
    reviewed = review.get("reviewed_version")
    unsent = stored.sync.state in UNSENT_EDIT_STATES
    version = stored.sync.server_version + (1 if unsent else 0)
    reviewed_version = reviewed if isinstance(reviewed, int) and not isinstance(reviewed, bool) else None
    if changed_since_review(decision, reviewed_version=reviewed_version, version=version):
        return CHANGED_SINCE_REVIEW
    return decision if decision in REVIEW_LABELS else "unreviewed"


def comments_of(review: dict[str, Any] | None) -> list[Comment]:
    raw = (review or {}).get("comments") or []
    mine = set((review or {}).get("reply_ids") or [])  # the specialist's replies, as the server has them
    comments = [
        Comment(
            str(c.get("author") or "Supervisor"),
            str(c.get("body") or ""),
            str(c.get("created_at") or ""),
            mine=c.get("id") in mine,
        )
        for c in raw
        if isinstance(c, dict)
    ]
    return sorted(comments, key=lambda c: c.at)


def _title(service: RecordService, stored: StoredRecord, names: dict[str, Any]) -> tuple[str, str]:
    try:
        record = service.load(stored.kind, str(stored.data["id"]))
    except ValidationError:
        record = None
    if record is None:
        return str(stored.data.get("name") or stored.data.get("code") or "A record"), ""
    title, detail, _ = describe_record(record, employers=names["employers"], seekers=names["seekers"])
    return title, detail


def feedback_rows(service: RecordService, *, limit: int = 8) -> list[FeedbackRow]:
    """Records a supervisor asked to change first, then those with comments, newest comment first."""
    names = {"employers": service.employers_by_id(), "seekers": service.job_seekers_by_id()}
    rows: list[FeedbackRow] = []
    # From memory, not a pass over every record; grouped by kind as FEEDBACK_KINDS orders them.
    reviewed = [stored for stored in service.reviewed_records() if stored.kind in FEEDBACK_KINDS]
    for stored in sorted(reviewed, key=lambda stored: FEEDBACK_KINDS.index(stored.kind)):
        review = stored.review or {}
        comments = [c for c in comments_of(review) if not c.mine]  # the supervisors' words, not replies
        if review.get("state") != "needs_changes" and not comments:
            continue
        state = shown_review_state(stored)
        title, _ = _title(service, stored, names)
        latest = comments[-1] if comments else None
        detail = f"{latest.author}: {latest.body}" if latest else REVIEW_LABELS[state]
        if latest and state in FEEDBACK_PREFIXES:
            detail = f"{FEEDBACK_PREFIXES[state]} · {detail}"
        rows.append(
            FeedbackRow(
                stored.kind, str(stored.data["id"]), title, detail, state, latest.at if latest else ""
            )
        )
    rows.sort(key=lambda row: row.latest_at, reverse=True)
    rows.sort(key=lambda row: row.state != "needs_changes")  # stable: needs_changes first
    return rows[:limit]


def attention_rows(service: RecordService) -> list[AttentionRow]:
    """Records the server refused or that ended in a conflict: they stay here until fixed."""
    names = {"employers": service.employers_by_id(), "seekers": service.job_seekers_by_id()}
    rows = []
    for stored in service.attention_records():  # from memory, not deleted here
        title, _ = _title(service, stored, names)
        default = "Refused by the server" if stored.sync.state == "rejected" else "Changed elsewhere too"
        rows.append(
            AttentionRow(
                stored.kind, str(stored.data["id"]), title, stored.sync.reason or default, stored.sync.state
            )
        )
    return rows
