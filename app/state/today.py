"""The Today screen: what is due, what was done lately, and how much is waiting to sync."""

from __future__ import annotations

from app.records import Activity, DueItem, RecordService
from app.state.sync_status import SyncStatus, SyncSummary

RECENT_LIMIT = 8
UPCOMING_DAYS = 7


class TodayState:
    def __init__(self, service: RecordService, *, sync_status: SyncStatus) -> None:
        self.service = service
        self.sync_status = sync_status
        self.due: list[DueItem] = []
        self.upcoming: list[DueItem] = []
        self.recent: list[Activity] = []
        self.sync = SyncSummary(connected=False, pending=0, attention=0, label="")
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
        self.recent = self.service.recent_activity(RECENT_LIMIT)
        self.sync = self.sync_status.summary()
