"""The Today screen: due work, recent activity, and the offline sync line."""

from __future__ import annotations

from datetime import timedelta

from app.domain.records import EmployerVisit
from app.state.sync_status import OfflineSyncStatus
from app.state.today import TodayState
from app.store import SyncOutcome
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


def test_after_a_sync_pass_recent_records_show_that_they_are_synced(service, store, add_employer):
    visit_id = service.save(EmployerVisit(employer_id=add_employer("Café").id, occurred_at=NOW)).data["id"]
    today = TodayState(service, sync_status=OfflineSyncStatus(store))
    assert [row.sync_state for row in today.recent] == ["pending"]
    (entry,) = [entry for entry in store.outbox() if entry.record_id == visit_id]
    store.record_outcomes([SyncOutcome(entry.op_id, "employer_visit", visit_id, "synced", server_version=1)])

    today.refresh_sync()  # what the screen runs when a pass ends

    assert [row.sync_state for row in today.recent] == ["synced"]
