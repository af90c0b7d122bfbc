"""The Today screen: the sync line, supervisor feedback, records needing attention, what is due,
what was done lately, and a notice when the phone's saved data had to be repaired."""

from __future__ import annotations

from app.domain.errors import DisclosureRefused, ValidationError
from app.records import Activity, DueItem, RecordService
from app.state.feedback import AttentionRow, FeedbackRow, attention_rows, feedback_rows
from app.state.store_health import dismiss_recovery, recovery_notice
from app.state.sync_status import StatusSource, SyncSummary
from app.store import StoreError

RECENT_LIMIT = 8
UPCOMING_DAYS = 7


class TodayState:
    def __init__(self, service: RecordService, *, sync_status: StatusSource) -> None:
        self.service = service
        self.sync_status = sync_status
        self.due: list[DueItem] = []
        self.upcoming: list[DueItem] = []
        self.recent: list[Activity] = []
        self.feedback: list[FeedbackRow] = []
        self.attention: list[AttentionRow] = []
        self.sync = SyncSummary(connected=False, pending=0, attention=0, label="")
        self.store_notice: str | None = None  # the store was repaired on opening: say so until dismissed
        self.task_message: str | None = None  # what Done or Dismiss did, or why it could not
        self.refresh()

    @property
    def today_label(self) -> str:
        return self.service.clock.now().strftime("%A %-d %B")

    @property
    def headline(self) -> str:
        overdue = sum(1 for item in self.due if item.overdue)
        if not self.due:
            return "Nothing due today"
        due_today = len(self.due) - overdue
        parts = [f"{due_today} due today"] if due_today else []
        if overdue:
            parts.append(f"{overdue} overdue")
        return " · ".join(parts)

    def refresh(self) -> None:
        today = self.service.clock.now().date()
        items = self.service.due_items(today, horizon_days=UPCOMING_DAYS)
        self.due = [item for item in items if item.due_on <= today]
        self.upcoming = [item for item in items if item.due_on > today]
        self.store_notice = recovery_notice(self.service.store)
        self.refresh_sync()

    def mark_done(self, item: DueItem) -> None:
        self._close(item, done=True)

    def dismiss(self, item: DueItem) -> None:
        self._close(item, done=False)

    def _close(self, item: DueItem, *, done: bool) -> None:
        """Close a next step (a task stays on Today until this); check-ins close by logging one."""
        if item.kind != "next_step":
            return
        self.task_message = close_next_step(self.service, item.record_id, done=done)
        self.refresh()

    def dismiss_store_notice(self) -> None:
        dismiss_recovery(self.service.store)
        self.store_notice = None

    def refresh_sync(self) -> None:
        """The parts a sync pass can change: the line, feedback pulled down, refused records, and
        each recent record's own state ("waiting" becomes "synced")."""
        self.sync = self.sync_status.summary()
        self.recent = self.service.recent_activity(RECENT_LIMIT)
        self.feedback = feedback_rows(self.service)
        self.attention = attention_rows(self.service)


def read_ahead(service: RecordService) -> None:
    """Read what the first Today shows (e.g. on a thread while the page loads): the service keeps
    it until a record changes, so the first Today only draws. With a big store this is decoding
    every record, seconds that would otherwise come after the page asked for Today."""
    today = service.clock.now().date()
    service.due_items(today, horizon_days=UPCOMING_DAYS)
    service.recent_activity(RECENT_LIMIT)
    feedback_rows(service)
    attention_rows(service)


def close_next_step(service: RecordService, visit_id: str, *, done: bool) -> str:
    """Mark a visit's next step done or dismissed; the sentence to show either way."""
    try:
        service.close_next_step(visit_id, done=done)
    except (ValidationError, DisclosureRefused, StoreError) as exc:
        return f"Not changed: {exc}"
    return "Marked done on this phone." if done else "Dismissed on this phone."
