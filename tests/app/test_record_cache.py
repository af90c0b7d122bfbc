"""RecordService keeps decoded records and derived views in memory (app.record_cache.RecordCache): after
every kind of write the store sees (a save, a pulled change and delete, an archive and its undo, a
push's conflict and refusal, a supervisor's review, a remote wipe, an unreadable record), what the
service answers equals what a fresh service decoding the whole store answers. The views kept record
by record (the cache's indexes: recent activity, last use, visits per employer, open next steps,
feedback) are read after every write, so each write reaches them as one change."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from app.domain.clock import FakeClock
from app.domain.codec import to_dict
from app.domain.enums import SeekerStatus
from app.domain.records import Employer, EmployerVisit, JobOpening, JobSeeker, SupportCheckIn
from app.domain.rules import next_step_open
from app.records import DueItem, RecordService
from app.state.feedback import attention_rows, feedback_rows
from app.store import LocalStore, RemoteChange, SyncOutcome
from tests.app.conftest import NOW

TODAY = NOW.date()


def views(service: RecordService) -> dict[str, Any]:
    """Every read a screen makes, in a comparable form."""

    def by_id(records: list[Any]) -> list[Any]:
        return sorted(records, key=lambda record: record.id)

    def stored(rows: list[Any]) -> list[Any]:
        return [(row.kind, row.data, row.sync, row.review) for row in rows]

    return {
        "employers": service.employers(),
        "job_seekers": service.job_seekers(),
        "visits": by_id(service.visits()),
        "openings": by_id(service.openings()),
        "check_ins": by_id(service.check_ins()),
        "employers_by_id": service.employers_by_id(),
        "seekers_by_id": service.job_seekers_by_id(),
        "recent_employers": service.recent_employers(),
        "recent_job_seekers": service.recent_job_seekers(),
        "due": service.due_items(TODAY, horizon_days=7),
        "due_today": service.due_items(TODAY),
        "open_next_steps": service.open_next_steps(),
        "recent": service.recent_activity(50),
        "recent_8": service.recent_activity(8),
        "attention": stored(service.attention_records()),
        "attention_count": (service.attention_count(), len(service.store.needs_attention())),
        "reviewed": stored(service.reviewed_records()),
        "visit_stats": service.employer_visit_stats(),
        "visits_to": {e.id: service.visits_to(e.id) for e in service.employers()},
        "visit_counts": {e.id: service.visit_count(e.id) for e in service.employers()},
        "feedback_rows": feedback_rows(service),
        "attention_rows": attention_rows(service),
    }


def fresh(store: LocalStore, clock: FakeClock) -> dict[str, Any]:
    """What a service that has cached nothing yet answers: a full decode of the store."""
    counter = itertools.count(1)
    other = RecordService(store, clock=clock, new_id=lambda: f"other-{next(counter)}")
    try:
        return views(other)
    finally:
        other.store = LocalStore.in_memory()  # drops its listener on `store`


def check(service: RecordService, store: LocalStore, clock: FakeClock) -> dict[str, Any]:
    cached = views(service)
    assert cached == fresh(store, clock)
    counted, listed = cached["attention_count"]
    assert counted == listed  # what the sync line says, from memory, is what the store lists
    return cached


def push_all(store: LocalStore, state: str = "synced", **fields: Any) -> None:
    """The server took every queued op, as a push answers."""
    outcomes = [
        SyncOutcome(entry.op_id, entry.kind, entry.record_id, state, server_version=1, **fields)  # type: ignore[arg-type]
        for entry in store.outbox()
    ]
    store.record_outcomes(outcomes)


def test_cached_views_equal_a_fresh_decode_after_every_kind_of_write(
    service: RecordService,
    store: LocalStore,
    clock: FakeClock,
    add_employer: Callable[..., Employer],
    add_seeker: Callable[..., JobSeeker],
) -> None:
    cafe = add_employer("Riverside Café", sector="Hospitality")
    garden = add_employer("Fellside Garden Centre")
    worker = add_seeker("KD-101", status=SeekerStatus.WORKING, job_started_on=TODAY - timedelta(days=40))
    searching = add_seeker("KD-102")
    visits = [
        service.save(
            EmployerVisit(
                employer_id=(cafe if i % 2 else garden).id,
                occurred_at=NOW - timedelta(days=i + 1, minutes=i),
                job_seeker_ids=[searching.id] if i == 3 else [],
                next_step=f"Call back {i}" if i % 3 == 0 else "",
                next_step_on=TODAY + timedelta(days=i - 3) if i % 3 == 0 else None,
            )
        ).data["id"]
        for i in range(9)
    ]
    check_in = service.save(
        SupportCheckIn(
            job_seeker_id=worker.id,
            occurred_at=NOW - timedelta(days=2),
            next_check_in_on=TODAY + timedelta(days=1),
        )
    ).data["id"]
    opening = service.save(JobOpening(employer_id=cafe.id, title="Barista", job_seeker_ids=[searching.id]))
    before = check(service, store, clock)  # the cache is loaded now
    assert len(before["visits"]) == 9 and before["due"] and before["recent"]

    # a save: a next step closed from Today, and a new visit
    service.close_next_step(visits[0], done=True)
    service.save(
        EmployerVisit(employer_id=garden.id, occurred_at=NOW, next_step="Send CV", next_step_on=TODAY)
    )
    after = check(service, store, clock)
    assert after["due"] != before["due"] and after["recent"] != before["recent"]

    # pushed: every record synced (the rows' "waiting" becomes "synced")
    push_all(store)
    assert {row.sync_state for row in check(service, store, clock)["recent"]} == {"synced"}

    # pulled: a new visit, a renamed employer (every row naming it), a check-in deleted elsewhere
    new_visit = EmployerVisit(
        id="pulled-visit", employer_id=cafe.id, occurred_at=NOW - timedelta(hours=1),
        next_step="Meet the owner", next_step_on=TODAY - timedelta(days=1), created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    renamed = replace(cafe, name="Riverside Coffee House", version=2)
    store.apply_remote(
        [
            RemoteChange("employer_visit", new_visit.id, 1, to_dict(new_visit)),
            RemoteChange("employer", cafe.id, 2, to_dict(renamed)),
            RemoteChange("support_check_in", check_in, 2, None),
        ],
        cursor="c1",
    )
    pulled = check(service, store, clock)
    assert any(item.title == "Riverside Coffee House" for item in pulled["due"])
    assert pulled["check_ins"] == []

    # archived on this phone, then the archive undone
    archived = service.archive("job_opening", opening.data["id"])
    assert check(service, store, clock)["openings"] == []
    service.restore(archived)
    assert len(check(service, store, clock)["openings"]) == 1

    # a push that ends in a conflict, and one the server refuses
    service.save(replace(renamed, notes="Owner prefers mornings"))
    push_all(store, "conflict", reason="Changed elsewhere too")
    service.save(Employer(name="Kent Valley Care Home"))
    push_all(store, "rejected", reason="Name already used")
    conflicted = check(service, store, clock)
    assert {row.state for row in conflicted["attention_rows"]} == {"conflict", "rejected"}
    # an archive the server refuses: the visit is back, and counted on the sync line
    service.archive("employer_visit", visits[8])
    push_all(store, "rejected", reason="Supervisor is reviewing it")
    refused = check(service, store, clock)  # the refused archive puts the visit back, refused
    assert refused["attention_count"][0] == len(conflicted["attention_rows"]) + 1

    # a supervisor's review pulled down
    review = {
        "state": "needs_changes",
        "comments": [{"author": "Sam", "body": "Add the outcome", "created_at": "x"}],
    }
    visit = store.get("employer_visit", visits[4])
    assert visit is not None
    store.apply_remote([RemoteChange("employer_visit", visits[4], 2, visit.data, review=review)], cursor="c2")
    assert [row.record_id for row in check(service, store, clock)["feedback_rows"]] == [visits[4]]

    # a record this app version cannot read (shown under attention only when it needs it)
    store.apply_remote(
        [RemoteChange("employer_visit", "unreadable", 1, {"id": "unreadable", "occurred_at": 5})], cursor="c3"
    )
    assert "unreadable" not in {visit.id for visit in check(service, store, clock)["visits"]}

    # the job seekers wiped by the server (a remote wipe)
    store.wipe_kind("job_seeker")
    wiped = check(service, store, clock)
    assert wiped["job_seekers"] == [] and all(item.kind == "next_step" for item in wiped["due"])


def test_a_save_from_another_thread_is_seen_by_the_next_read(
    service: RecordService, store: LocalStore, add_employer: Callable[..., Employer]
) -> None:
    """The sync engine writes on its own thread: the next read on the UI thread shows it."""
    employer = add_employer("Riverside Café")
    push_all(store)  # synced, so a pulled edit replaces it
    assert [e.name for e in service.employers()] == ["Riverside Café"]

    def pull() -> None:
        store.apply_remote(
            [RemoteChange("employer", employer.id, 2, to_dict(replace(employer, name="Riverside Coffee")))],
            cursor="c",
        )

    thread = threading.Thread(target=pull)
    thread.start()
    thread.join()
    assert [e.name for e in service.employers()] == ["Riverside Coffee"]


def test_reading_twice_decodes_nothing_new(
    service: RecordService, add_employer: Callable[..., Employer]
) -> None:
    """The point of the cache: a refresh with no change returns the same decoded records."""
    add_employer("Riverside Café")
    first = service.employers()[0]
    again = service.employers()[0]
    assert again is first  # the same object, not a second decode
    service.save(Employer(name="Fellside Garden Centre"))
    names = [e.name for e in service.employers()]
    assert names == ["Fellside Garden Centre", "Riverside Café"]
    assert service.employers()[1] is first  # an unchanged record is not decoded again


def test_a_new_store_after_sign_out_starts_a_new_cache(
    service: RecordService, add_employer: Callable[..., Employer]
) -> None:
    add_employer("Riverside Café")
    assert service.employers()
    service.store = LocalStore.in_memory()
    assert service.employers() == [] and service.due_items(date(2026, 5, 4)) == []


def full_due_items(service: RecordService, today: date, horizon_days: int) -> list[Any]:
    """What is due, recomputed from every record (as the service did before keeping it record by
    record): the reference the kept answer must equal."""
    employers = service.employers_by_id()
    last_day = today + timedelta(days=horizon_days)
    items: list[Any] = []
    for visit in full_open_next_steps(service):
        if visit.next_step_on is not None and visit.next_step_on <= last_day:
            employer = employers.get(visit.employer_id)
            items.append(
                DueItem(
                    "next_step", employer.name if employer else "Unknown employer",
                    visit.next_step or "Next step", visit.next_step_on, visit.next_step_on < today,
                    "employer_visit", visit.id,
                )
            )  # fmt: skip
    latest: dict[str, SupportCheckIn] = {}
    for check_in in service.check_ins():
        held = latest.get(check_in.job_seeker_id)
        if held is None or _time(check_in.occurred_at) > _time(held.occurred_at):
            latest[check_in.job_seeker_id] = check_in
    for seeker in service.job_seekers():
        due = RecordService._check_in_due(seeker, latest.get(seeker.id), today)
        if due is not None and due[0] <= last_day:
            planned = due[1] == "planned"
            items.append(
                DueItem(
                    "check_in" if planned else "support", seeker.code,
                    "Planned check-in" if planned else "In-work support due", due[0], due[0] < today,
                    "job_seeker", seeker.id,
                )
            )  # fmt: skip
    return sorted(items, key=lambda item: (item.due_on, item.title.casefold()))


def full_open_next_steps(service: RecordService) -> list[EmployerVisit]:
    every = sorted((v for v in service.visits() if next_step_open(v)), key=lambda v: v.id)
    return sorted(every, key=lambda v: (v.next_step_on or date.max, -_time(v.occurred_at)))


def _time(value: Any) -> float:
    return value.timestamp() if value is not None else float("-inf")


ACTIONS = ["save"] * 4 + ["edit"] * 2 + ["rename"] * 2 + ["close", "archive", "pull", "employer", "check_in"]


@pytest.mark.parametrize("seed", range(6))
def test_due_items_kept_record_by_record_equal_a_full_recomputation(
    seed: int,
    service: RecordService,
    store: LocalStore,
    clock: FakeClock,
    add_seeker: Callable[..., JobSeeker],
) -> None:
    """Random saves, edits, closes, archives, pulls (new, edited, renamed, deleted) and wipes: after
    each, what is due and the open next steps equal a recomputation from every record."""
    rng = random.Random(seed)
    names = ["Riverside Café", "riverside café", "Fellside Garden", "Kent Care", "Abbey Mill"]
    employers = [service.save(Employer(name=rng.choice(names))).data["id"] for _ in range(4)]
    seekers = [
        add_seeker(f"KD-{i}", status=SeekerStatus.WORKING, job_started_on=TODAY - timedelta(days=i * 9)).id
        for i in range(3)
    ]
    visits: list[str] = []
    pulls = itertools.count(1)

    def a_visit(**fields: Any) -> EmployerVisit:
        dated = rng.random() < 0.8
        return EmployerVisit(
            employer_id=rng.choice([*employers, "gone-employer"]),
            occurred_at=rng.choice([NOW - timedelta(days=rng.randrange(30)), NOW - timedelta(days=2)]),
            next_step=rng.choice(["", "Call back", "Send CV"]),
            next_step_on=TODAY + timedelta(days=rng.randrange(-5, 12)) if dated else None,
            **fields,
        )

    def live_visit() -> EmployerVisit | None:
        ids = [v.id for v in service.visits()]
        found = service.load("employer_visit", rng.choice(ids)) if ids else None
        return found if isinstance(found, EmployerVisit) else None

    def step(action: str) -> str:
        visit = live_visit()
        if action == "save" or visit is None:
            visits.append(service.save(a_visit()).data["id"])
        elif action == "edit":
            moved = a_visit()
            service.save(replace(visit, next_step_on=moved.next_step_on, employer_id=moved.employer_id))
        elif action == "close":
            service.close_next_step(visit.id, done=rng.random() < 0.5)
        elif action == "archive":
            service.archive("employer_visit", visit.id)
        elif action == "pull":
            push_all(store)
            n = next(pulls)
            pulled = replace(a_visit(), id=f"pulled-{n}", created_at=NOW, updated_at=NOW)
            edited = replace(visit, next_step_on=TODAY + timedelta(days=rng.randrange(-3, 9)), version=2)
            store.apply_remote(
                [
                    RemoteChange("employer_visit", pulled.id, 1, to_dict(pulled)),
                    RemoteChange("employer_visit", visit.id, 2, to_dict(edited)),
                    RemoteChange("employer_visit", rng.choice(visits), 3, None),
                ],
                cursor=f"c{n}",
            )
        elif action == "rename":
            employer = service.employers_by_id().get(rng.choice(employers))
            if employer is not None:
                service.save(replace(employer, name=rng.choice(names)))
        elif action == "employer":  # pulled: maybe the one some visits named and the phone lacked
            employer_id = rng.choice(["gone-employer", f"pulled-employer-{next(pulls)}"])
            pulled_employer = Employer(id=employer_id, name=rng.choice(names), created_at=NOW, updated_at=NOW)
            store.apply_remote(
                [RemoteChange("employer", employer_id, 1, to_dict(pulled_employer))], cursor="e"
            )
            employers.append(employer_id)
        elif action == "check_in":
            service.save(
                SupportCheckIn(
                    job_seeker_id=rng.choice(seekers),
                    occurred_at=NOW - timedelta(days=rng.randrange(10)),
                    next_check_in_on=TODAY + timedelta(days=rng.randrange(-2, 10)),
                )
            )
        else:
            store.wipe_kind(rng.choice(["employer", "employer_visit", "job_seeker"]))
        return action

    for n in range(80):
        action = step("wipe" if n in (40, 60) else rng.choice(ACTIONS))
        for horizon in (0, 7, 30):
            assert service.due_items(TODAY, horizon_days=horizon) == full_due_items(
                service, TODAY, horizon
            ), action
        assert service.open_next_steps() == full_open_next_steps(service), action
    check(service, store, clock)


def test_a_save_that_moves_no_next_step_hands_on_the_due_rows_made_before(
    service: RecordService, add_employer: Callable[..., Employer], add_seeker: Callable[..., JobSeeker]
) -> None:
    """Most visits have no next step: saving one leaves what is due as it was, so the due next
    steps (and the list merged with the check-ins) are handed on as made, not gone through again
    one by one (with a big store Today lists them by the thousand after every save)."""
    cafe = add_employer("Riverside Café")
    add_seeker("KD-101", status=SeekerStatus.WORKING, job_started_on=TODAY - timedelta(days=5))
    for day in range(3):
        service.save(
            EmployerVisit(
                employer_id=cafe.id,
                occurred_at=NOW - timedelta(days=day + 1),
                next_step="Call back",
                next_step_on=TODAY - timedelta(days=day),
            )
        )
    steps = service._due_steps(TODAY, 7)
    merged = service._due_items(TODAY, 7)
    assert len(steps) == 3 and len(merged) == 4  # and the job seeker's in-work support

    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, outcome="Met the owner"))
    assert service._due_steps(TODAY, 7) is steps
    assert service._due_items(TODAY, 7) is merged
    assert service.due_items(TODAY, horizon_days=7) == full_due_items(service, TODAY, 7)

    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, next_step="Send CV", next_step_on=TODAY))
    again = service._due_steps(TODAY, 7)
    assert again is not steps and len(again) == 4  # a new next step: made again, with it
    assert service.due_items(TODAY, horizon_days=7) == full_due_items(service, TODAY, 7)


def test_the_pickers_prepared_on_a_thread_are_what_a_form_open_reads(
    service: RecordService, add_employer: Callable[..., Employer], add_seeker: Callable[..., JobSeeker]
) -> None:
    """After the first Today the forms' recent-first lists are built on a thread; the first form
    open then reads them built (kept in the cache), and `then` runs after them."""
    cafe, garden = add_employer("Riverside Café"), add_employer("Fellside Garden Centre")
    seeker = add_seeker("KD-101")
    service.save(EmployerVisit(employer_id=garden.id, occurred_at=NOW, job_seeker_ids=[seeker.id]))
    built_before_then: list[bool] = []

    def then() -> None:
        memo = service._cache._memo
        built_before_then.append("recent_employers" in memo and "recent_job_seekers" in memo)

    service.prepare_pickers(then=then).join()
    assert built_before_then == [True]
    assert [e.id for e in service.recent_employers()] == [garden.id, cafe.id]
    assert [s.id for s in service.recent_job_seekers()] == [seeker.id]
