"""The Today screen: due work, recent activity, and the offline sync line."""

from __future__ import annotations

from datetime import timedelta

from app.domain.records import EmployerVisit
from app.state.sync_status import OfflineSyncStatus
from app.state.today import TodayState
from tests.app.conftest import NOW


def test_an_empty_phone_says_nothing_is_due_and_nothing_waits(service, store):
    today = TodayState(service, sync_status=OfflineSyncStatus(store))
    assert today.headline == "Nothing due today"
    assert today.sync.label == "Not connected to your team yet · Nothing waiting to sync"
    assert today.recent == [] and not today.sync.connected


def test_due_and_overdue_next_steps_are_counted(service, store, add_employer):
    cafe, shop, mill = add_employer("Café"), add_employer("Shop"), add_employer("Mill")
    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, next_step_on=NOW.date()))
    service.save(
        EmployerVisit(employer_id=shop.id, occurred_at=NOW, next_step_on=NOW.date() - timedelta(days=1))
    )
    service.save(
        EmployerVisit(employer_id=mill.id, occurred_at=NOW, next_step_on=NOW.date() + timedelta(days=3))
    )
    today = TodayState(service, sync_status=OfflineSyncStatus(store))
    assert today.headline == "1 due today · 1 overdue"
    assert [item.title for item in today.upcoming] == ["Mill"]


def test_saving_raises_the_pending_count_after_refresh(service, store, add_employer):
    today = TodayState(service, sync_status=OfflineSyncStatus(store))
    before = today.sync.pending
    cafe = add_employer("Café")
    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW))
    today.refresh()
    assert today.sync.pending == before + 2
    assert today.sync.label.endswith(f"{before + 2} waiting to sync")
    assert [row.title for row in today.recent] == ["Café"]
