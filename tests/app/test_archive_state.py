"""Archive with undo on the phone (issue 17, item 6): the record leaves every list at once, the
delete is queued, Undo brings it back exactly, and both survive closing and reopening the store."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from app.domain.errors import ValidationError
from app.domain.records import EmployerVisit, JobOpening, SupportCheckIn
from app.records import RecordService
from app.state.detail import RecordDetailState
from app.state.job_seekers import JobSeekersState
from app.state.openings import OpeningsState
from app.state.sync_status import OfflineSyncStatus
from app.state.today import TodayState
from app.store import LocalStore
from tests.app.conftest import NOW


def _visit(service: RecordService, employer_id: str) -> str:
    visit = EmployerVisit(
        employer_id=employer_id,
        occurred_at=NOW - timedelta(days=1),
        next_step="Call about start dates",
        next_step_on=NOW.date() - timedelta(days=1),
    )
    return str(service.save(visit).data["id"])


def _shown_everywhere(service: RecordService, record_id: str) -> dict[str, bool]:
    today = TodayState(service, sync_status=OfflineSyncStatus(service.store))
    openings = OpeningsState(service)
    openings.set_query("barista")
    return {
        "today due": any(item.record_id == record_id for item in today.due),
        "recent": any(row.record_id == record_id for row in today.recent),
        "visits": any(visit.id == record_id for visit in service.visits()),
        "openings search": any(row.id == record_id for row in openings.rows),
        "detail": RecordDetailState(service, "employer_visit", record_id).found
        or RecordDetailState(service, "job_opening", record_id).found,
    }


def test_archive_hides_the_record_everywhere_at_once_and_undo_brings_it_back_exactly(
    service, store, add_employer
):
    cafe = add_employer("Riverside Café")
    visit_id = _visit(service, cafe.id)
    opening_id = str(service.save(JobOpening(employer_id=cafe.id, title="Barista")).data["id"])
    before = store.get("employer_visit", visit_id)
    assert before is not None and all(
        _shown_everywhere(service, visit_id)[k] for k in ("today due", "visits")
    )

    detail = RecordDetailState(service, "employer_visit", visit_id)
    assert detail.can_archive
    undo = detail.archive()
    assert undo.message == "Employer visit archived: Riverside Café"
    assert not any(_shown_everywhere(service, visit_id).values())
    assert [e.deleted for e in store.outbox() if e.record_id == visit_id] == [True]
    employer_page = RecordDetailState(service, "employer", cafe.id)
    assert [row[1] for row in employer_page.related] == [opening_id]  # the visit left the employer too

    assert undo.undo() and not undo.undo()  # a second tap does nothing
    after = store.get("employer_visit", visit_id)
    assert after is not None and not after.deleted and after.data == before.data
    assert [e.deleted for e in store.outbox() if e.record_id == visit_id] == [False]  # one op, no duplicate
    assert _shown_everywhere(service, visit_id)["today due"]

    RecordDetailState(service, "job_opening", opening_id).archive()
    openings = OpeningsState(service)
    assert [row.id for row in openings.rows] == []


def test_archive_and_undo_survive_closing_the_store(tmp_path, clock, add_employer):
    counter = itertools.count(1)
    store = LocalStore.open(tmp_path / "store")
    service = RecordService(store, clock=clock, new_id=lambda: f"id-{next(counter):04d}")
    opening = str(service.save(JobOpening(employer_id="e-1", title="Barista")).data["id"])
    check_in = str(service.save(SupportCheckIn(job_seeker_id="s-1", occurred_at=NOW)).data["id"])
    undo = RecordDetailState(service, "job_opening", opening).archive()
    RecordDetailState(service, "support_check_in", check_in).archive()
    undo.undo()
    store.close()

    reopened = LocalStore.open(tmp_path / "store")
    service = RecordService(reopened, clock=clock, new_id=lambda: f"id-{next(counter):04d}")
    assert [o.id for o in service.openings()] == [opening]
    assert service.check_ins() == []
    queued = {(e.record_id, e.deleted) for e in reopened.outbox()}
    assert queued == {(opening, False), (check_in, True)}
    reopened.close()


def test_only_the_specialists_own_records_are_archived(service, add_employer, add_seeker):
    cafe = add_employer("Riverside Café")
    named, free = add_seeker("KD-101"), add_seeker("KD-102")
    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, job_seeker_ids=[named.id]))
    assert not RecordDetailState(service, "employer", cafe.id).can_archive  # the team's directory
    with pytest.raises(ValidationError, match="shared by the team"):
        service.archive("employer", cafe.id)
    assert not RecordDetailState(service, "job_seeker", named.id).can_archive
    assert "Ended instead" in (service.archive_refusal("job_seeker", named.id) or "")
    RecordDetailState(service, "job_seeker", free.id).archive()
    seekers = JobSeekersState(service)
    assert [row.code for row in seekers.rows] == ["KD-101"]
    assert seekers.caseload_note == "1 active"
