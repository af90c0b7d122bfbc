"""One record: its fields for a person, its sync state, a supervisor's comment, and the way to edit."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any

from app.domain.journey import job_search_start
from app.domain.labels import field_label, label
from app.domain.outbox import ARCHIVED_FIELD
from app.domain.records import (
    Employer,
    EmployerVisit,
    Geotag,
    Job,
    JobOpening,
    JobSeeker,
    Record,
    SupportCheckIn,
    kind_of,
)
from app.domain.rules import WageRules
from app.geo import describe
from app.records import RecordService, describe_record
from app.state.checkin_form import CheckInFormState
from app.state.disclosures import DecisionRow, decision_rows, revoke_decision
from app.state.employers import EmployerFormState
from app.state.feedback import REVIEW_LABELS, Comment, shown_review_state
from app.state.forms import FormState
from app.state.job_seekers import JobSeekerFormState
from app.state.jobs import JobRow, JobStartFormState, job_rows
from app.state.opening_form import OpeningFormState
from app.state.replies import thread, write_reply
from app.state.visit_form import VisitFormState, employer_point
from app.store import StoredRecord
from app.visit_check import CheckRules, LocationCheck, check_visit_location

KIND_LABELS = {
    "employer": "Employer",
    "job_seeker": "Job seeker",
    "employer_visit": "Employer visit",
    "job_opening": "Job opening",
    "support_check_in": "Check-in",
    "job": "Job",
}
HIDDEN = {"id", "created_at", "version", "disclosure_reason", "geocoded_address"}
SYNC_LABELS = {
    "pending": "Saved on this phone, waiting to sync",
    "synced": "Synced",
    "rejected": "The server refused this record. Edit it and save to send it again",
    "conflict": "Changed elsewhere too: the team's copy was kept. Check the values",
}


class RecordDetailState:
    def __init__(
        self,
        service: RecordService,
        kind: str,
        record_id: str,
        *,
        rules: CheckRules | None = None,
        wages: WageRules | None = None,
    ) -> None:
        self.service = service
        self.rules = rules or CheckRules()
        self.wages = wages or WageRules()  # a wage shows with its currency
        self.location_check: LocationCheck | None = None  # visits only
        self.kind = kind
        self.record_id = record_id
        self.record: Record | None = None
        self.title = ""
        self.subtitle = ""
        self.rows: list[tuple[str, str]] = []
        self.sync_label = ""
        self.sync_problems: list[str] = []
        self.review_state = "unreviewed"  # as shown: changed_since_review after an edit
        self.review_label = REVIEW_LABELS["unreviewed"]
        self.comments: list[Comment] = []  # the thread: supervisors' comments and this phone's replies
        self.reply_draft = ""  # kept here so a redraw (a sync pass) never loses what is typed
        self.reply_error: str | None = None
        self.sync_state = "pending"
        self.conflict_rows: list[tuple[str, str]] = []  # (field, the value that was not kept)
        self.related: list[tuple[str, str, str, str]] = []  # (kind, id, title, detail)
        self.open_tasks: list[EmployerVisit] = []  # an employer's open next steps, soonest first
        self.task_message: str | None = None  # what Done or Dismiss did, or why it could not
        self.jobs: list[JobRow] = []  # a job seeker's jobs, current first (issue 15)
        # A job seeker's disclosure decision in force for each employer, newest first (issue 15).
        self.decisions: list[DecisionRow] = []
        self.decision_message: str | None = None  # what Revoke did
        self.refresh()

    @property
    def found(self) -> bool:
        return self.record is not None

    def refresh(self) -> None:
        stored = self.service.stored(self.kind, self.record_id)
        if stored is not None and stored.deleted:
            stored = None  # archived on this phone: gone from every screen until undone
        self.record = self.service.load(self.kind, self.record_id) if stored is not None else None
        if stored is None or self.record is None:
            self.title, self.rows = "Record not found", []
            return
        employers = self.service.employers_by_id()
        seekers = self.service.job_seekers_by_id()
        self.title, self.subtitle, _ = describe_record(self.record, employers=employers, seekers=seekers)
        self.rows = [
            (_label(f.name), _show(getattr(self.record, f.name), employers=employers, seekers=seekers))
            for f in dataclasses.fields(self.record)
            if f.name not in HIDDEN
        ]
        if isinstance(self.record, JobSeeker) and self.record.job_search_started_on is None:
            # Until the job seeker chooses a day, the search (and its 30-day clock) starts on referral.
            start = job_search_start(self.record)
            shown = (
                f"{_show(start, employers=employers, seekers=seekers)} (the referral date)" if start else "—"
            )
            self.rows = [(n, shown if n == _label("job_search_started_on") else v) for n, v in self.rows]
        if isinstance(self.record, JobOpening | Job) and self.record.wage is not None:
            wage = f"{self.wages.money(self.record.wage)} {label(self.record.wage_unit)}"
            self.rows = [(name, wage if name == _label("wage") else value) for name, value in self.rows]
        reason = getattr(self.record, "disclosure_reason", "")
        if reason:
            self.rows.append(("Reason for linking without disclosure consent", reason))
        sync = stored.sync
        self.sync_state = sync.state
        self.sync_label = SYNC_LABELS.get(sync.state, sync.state)
        errors = sync.field_errors or {}
        # The server's reason often repeats the field errors; say each thing once.
        repeated = bool(sync.reason) and any(message in (sync.reason or "") for message in errors.values())
        self.sync_problems = [sync.reason] if sync.reason and not repeated else []
        self.sync_problems += [f"{_label(k)}: {v}" for k, v in errors.items()]
        self.conflict_rows = [
            (_label(name), _show(value, employers=employers, seekers=seekers))
            for name, value in (sync.conflict or {}).items()
            if name != ARCHIVED_FIELD  # the whole record, archived elsewhere: the reason says so
        ]
        review = stored.review or {}
        self.review_state = shown_review_state(stored)
        self.review_label = REVIEW_LABELS[self.review_state]
        self.comments = thread(self.service, kind=self.kind, record_id=self.record_id, review=review)
        legacy = review.get("comment")  # an older review shape: one comment string
        if legacy and not self.comments:
            self.comments = [Comment("Supervisor", str(legacy), "")]
        self.related = self._related(employers, seekers)
        if isinstance(self.record, JobSeeker):
            self.jobs = job_rows(self.service, self.record.id, wages=self.wages)
            self.decisions = decision_rows(self.service, self.record.id)
        if isinstance(self.record, Employer):
            self.open_tasks = self.service.open_next_steps(self.record.id)
        if isinstance(self.record, EmployerVisit):
            employer = employers.get(self.record.employer_id)
            self.location_check = check_visit_location(
                self.record.geotag, employer_point(employer), rules=self.rules
            )

    @property
    def can_reply(self) -> bool:
        """A thread to answer: the supervisor has commented or reviewed."""
        return self.review_state != "unreviewed" or any(not c.mine for c in self.comments)

    def send_reply(self) -> bool:
        """Keep the draft as a reply on this phone, to be sent on the next sync; False (and
        `reply_error`, the draft kept) when it cannot be a reply."""
        body = self.reply_draft
        self.reply_error = write_reply(self.service, kind=self.kind, record_id=self.record_id, body=body)
        if self.reply_error is None:
            self.reply_draft = ""
        self.refresh()
        return self.reply_error is None

    def on_sync(self, event: str) -> bool:
        """After a sync pass the record may have synced, been refused or reviewed: read it again.
        True when what the page shows changed (the view redraws only then)."""
        if event != "pass_done":
            return False
        before = self._shown()
        self.refresh()
        return self._shown() != before

    def _shown(self) -> tuple[object, ...]:
        return (
            self.found,
            self.sync_label,
            tuple(self.sync_problems),
            self.review_label,
            tuple(self.comments),
            tuple(self.rows),
            tuple(self.jobs),
            tuple(self.decisions),
        )

    def _related(
        self, employers: dict[str, Employer], seekers: dict[str, JobSeeker]
    ) -> list[tuple[str, str, str, str]]:
        record = self.record
        related: list[Record] = []
        if isinstance(record, Employer):
            related = [*self.service.visits_to(record.id)]
            related += [o for o in self.service.openings() if o.employer_id == record.id]
        elif isinstance(record, JobSeeker):
            related = [c for c in self.service.check_ins() if c.job_seeker_id == record.id]
            related += [
                v
                for v in self.service.visits()
                if record.id in v.job_seeker_ids or record.id in v.undisclosed_job_seeker_ids
            ]
        rows = []
        for item in related[:20]:
            title, detail, at = describe_record(item, employers=employers, seekers=seekers)
            when = f"{at:%-d %b} · " if at else ""
            rows.append((kind_of(item), item.id, title, when + detail))
        return rows

    def revoke(self, decision_id: str) -> None:
        """Revoke a job seeker's disclosure decision for one employer, today."""
        self.decision_message = revoke_decision(self.service, decision_id)
        self.refresh()

    def close_task(self, visit_id: str, *, done: bool) -> None:
        """Done or Dismiss on one of the employer's open tasks (the same words as on Today)."""
        from app.state.today import close_next_step

        self.task_message = close_next_step(self.service, visit_id, done=done)
        self.refresh()

    def edit_form(self) -> FormState | None:
        record = self.record
        if isinstance(record, EmployerVisit):
            return VisitFormState(self.service, base=record, rules=self.rules)
        if isinstance(record, JobOpening):
            return OpeningFormState(self.service, base=record, wages=self.wages)
        if isinstance(record, SupportCheckIn):
            return CheckInFormState(self.service, base=record)
        if isinstance(record, Employer):
            return EmployerFormState(self.service, base=record)
        if isinstance(record, JobSeeker):
            return JobSeekerFormState(self.service, base=record)
        if isinstance(record, Job):
            return JobStartFormState(self.service, base=record, wages=self.wages)
        return None

    @property
    def can_archive(self) -> bool:
        return self.found and self.service.archive_refusal(self.kind, self.record_id) is None

    def archive(self) -> ArchiveUndo:
        """Archive the record at once (no confirmation: the undo is the safety net); the record
        leaves every list, Today, search and count, and its delete is queued for sync."""
        archived = self.service.archive(self.kind, self.record_id)
        label = KIND_LABELS.get(self.kind, "Record")
        text = f"{label} archived" + (f": {self.title}" if self.title else "")
        self.refresh()
        return ArchiveUndo(self.service, archived, text)


# How long the Undo stays on screen after an archive: long enough to reach it with a thumb.
UNDO_SECONDS = 10


class ArchiveUndo:
    """The Undo offered after an archive. It brings the record back once, whether its delete is
    still on the phone, on the air, or already applied by the server (RecordService.restore)."""

    def __init__(self, service: RecordService, archived: StoredRecord, message: str) -> None:
        self.service = service
        self.archived = archived
        self.message = message
        self.undone = False

    def undo(self) -> bool:
        """Restore the record; False when it was already undone (a second tap does nothing)."""
        if self.undone:
            return False
        self.service.restore(self.archived)
        self.undone = True
        return True


def _label(name: str) -> str:
    return field_label(name)  # one table for the phone (app.domain.labels): no two rows alike


def _show(value: Any, *, employers: dict[str, Employer], seekers: dict[str, JobSeeker]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, Geotag):
        return describe(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Enum):
        return label(value)
    if isinstance(value, datetime):
        return f"{value:%a %-d %b %Y, %H:%M}"
    if isinstance(value, date):
        return f"{value:%a %-d %b %Y}"
    if isinstance(value, list):
        return ", ".join(
            label(item) if isinstance(item, Enum) else _lookup(item, employers, seekers) for item in value
        )
    if isinstance(value, str):
        return _lookup(value, employers, seekers)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _lookup(value: Any, employers: dict[str, Employer], seekers: dict[str, JobSeeker]) -> str:
    if value in employers:
        return employers[value].name
    if value in seekers:
        return seekers[value].code
    return str(value)
