"""Fidelity metric rules, with hand-computed expectations (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.services.metrics import (
    Contact,
    Seeker,
    caseloads,
    first_contacts,
    pipeline,
    recent_weeks,
    seeker_metrics,
    week_bounds,
    week_of,
    weekly_contacts,
)

LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def contact(
    rid: str, at: datetime, employer: str = "e1", *, owner: str = "alice", f2f: bool = True
) -> Contact:
    return Contact(record_id=rid, owner_id=owner, employer_id=employer, occurred_at=at, face_to_face=f2f)


def test_a_week_starts_on_monday_midnight_in_the_teams_zone():
    # Sunday 2026-05-10 23:30 in London (BST, UTC+1) is 22:30 UTC: still the week of Monday 4 May.
    assert week_of(utc(2026, 5, 10, 22, 30), LONDON) == date(2026, 5, 4)
    # Monday 00:30 London is Sunday 23:30 UTC: already the week of Monday 11 May in London...
    assert week_of(utc(2026, 5, 10, 23, 30), LONDON) == date(2026, 5, 11)
    # ...but still the week of 4 May for a team keeping its weeks in UTC.
    assert week_of(utc(2026, 5, 10, 23, 30), ZoneInfo("UTC")) == date(2026, 5, 4)


def test_auckland_weeks_begin_half_a_day_before_utc():
    # Monday 11 May 00:00 NZST (UTC+12) is Sunday 10 May 12:00 UTC.
    assert week_of(utc(2026, 5, 10, 11, 59), AUCKLAND) == date(2026, 5, 4)
    assert week_of(utc(2026, 5, 10, 12, 0), AUCKLAND) == date(2026, 5, 11)


def test_a_week_with_a_clock_change_is_an_hour_short_or_long():
    spring_start, spring_end = week_bounds(date(2026, 3, 23), LONDON)  # BST begins Sun 29 March
    assert spring_end.astimezone(UTC) - spring_start.astimezone(UTC) == timedelta(hours=167)
    autumn_start, autumn_end = week_bounds(date(2026, 10, 19), LONDON)  # BST ends Sun 25 October
    assert autumn_end.astimezone(UTC) - autumn_start.astimezone(UTC) == timedelta(hours=169)
    # Monday 26 October 00:00 GMT is 00:00 UTC; 23:59 UTC on Sunday (after the change) is the old week.
    assert week_of(utc(2026, 10, 25, 23, 59), LONDON) == date(2026, 10, 19)
    assert week_of(utc(2026, 10, 26, 0, 0), LONDON) == date(2026, 10, 26)


def test_recent_weeks_are_mondays_oldest_first_including_this_week():
    assert recent_weeks(date(2026, 5, 6), 3) == [date(2026, 4, 20), date(2026, 4, 27), date(2026, 5, 4)]


def test_only_face_to_face_contacts_count_toward_the_standard():
    counts = weekly_contacts(
        [contact("a", utc(2026, 5, 4, 9), f2f=True), contact("b", utc(2026, 5, 5, 9), "e2", f2f=False)],
        zone=LONDON,
        earlier_first={},
    )
    week = counts[("alice", date(2026, 5, 4))]
    assert (week.face_to_face, week.other_contacts, week.meets_standard) == (1, 1, False)


def test_six_face_to_face_contacts_meet_the_standard():
    six = [contact(str(i), utc(2026, 5, 4, 9 + i), f"e{i}") for i in range(6)]
    assert weekly_contacts(six, zone=LONDON, earlier_first={})[("alice", date(2026, 5, 4))].meets_standard


def test_the_teams_first_face_to_face_contact_is_new_and_later_ones_repeat():
    contacts = [
        contact("a1", utc(2026, 5, 4, 9), "bakery"),  # new: nobody met the bakery before
        contact("b1", utc(2026, 5, 5, 9), "bakery", owner="bob"),  # repeat for the team, though Bob's first
        contact("a2", utc(2026, 5, 6, 9), "garage", f2f=False),  # a phone call does not "meet" the garage
        contact("a3", utc(2026, 5, 7, 9), "garage"),  # new
        contact("a4", utc(2026, 5, 8, 9), "cafe"),  # repeat: met before the window
    ]
    counts = weekly_contacts(contacts, zone=LONDON, earlier_first={"cafe": utc(2026, 1, 2, 9)})
    alice, bob = counts[("alice", date(2026, 5, 4))], counts[("bob", date(2026, 5, 4))]
    assert (alice.face_to_face, alice.new_employers, alice.repeat_visits, alice.other_contacts) == (
        3,
        2,
        1,
        1,
    )
    assert (bob.face_to_face, bob.new_employers, bob.repeat_visits) == (1, 0, 1)


def test_contacts_either_side_of_local_midnight_fall_in_different_weeks():
    counts = weekly_contacts(
        [contact("late", utc(2026, 5, 10, 22, 59)), contact("early", utc(2026, 5, 10, 23, 1), "e2")],
        zone=LONDON,
        earlier_first={},
    )
    assert counts[("alice", date(2026, 5, 4))].face_to_face == 1
    assert counts[("alice", date(2026, 5, 11))].face_to_face == 1


def seeker(**changes: object) -> Seeker:
    base: dict[str, object] = {
        "record_id": "s1", "code": "KT-07", "owner_id": "alice", "referral_date": date(2026, 4, 1),
        "status": "job_searching", "job_started_on": None,
    }  # fmt: skip
    return Seeker(**(base | changes))  # type: ignore[arg-type]


def test_days_to_first_contact_count_from_referral_to_the_local_day_of_the_visit():
    # 23:30 UTC on 30 April is 1 May in London: 30 days after a 1 April referral.
    firsts = first_contacts(
        [
            (utc(2026, 4, 30, 23, 30), ["s1"]),
            (utc(2026, 3, 20, 9), ["s1"]),
        ],  # the March one predates referral
        referrals={"s1": date(2026, 4, 1)},
        zone=LONDON,
    )
    assert firsts == {"s1": date(2026, 5, 1)}
    metrics = seeker_metrics(
        seeker(), first_contact_on=firsts["s1"], last_support_on=None, today=date(2026, 6, 1)
    )
    assert metrics.days_to_first_contact == 30 and not metrics.first_contact_overdue


def test_no_contact_is_overdue_only_after_thirty_days():
    on_day_30 = seeker_metrics(seeker(), first_contact_on=None, last_support_on=None, today=date(2026, 5, 1))
    on_day_31 = seeker_metrics(seeker(), first_contact_on=None, last_support_on=None, today=date(2026, 5, 2))
    assert (on_day_30.first_contact_overdue, on_day_31.first_contact_overdue) == (False, True)


def test_in_work_support_is_due_three_days_after_a_start_then_weekly_then_monthly():
    working = seeker(status="working", job_started_on=date(2026, 5, 4))
    fresh = seeker_metrics(working, first_contact_on=None, last_support_on=None, today=date(2026, 5, 8))
    assert fresh.next_support_due == date(2026, 5, 7) and fresh.support_overdue
    weekly = seeker_metrics(
        working, first_contact_on=None, last_support_on=date(2026, 5, 10), today=date(2026, 5, 17)
    )
    assert weekly.next_support_due == date(2026, 5, 17) and not weekly.support_overdue
    monthly = seeker_metrics(
        working, first_contact_on=None, last_support_on=date(2026, 6, 10), today=date(2026, 6, 20)
    )
    assert monthly.next_support_due == date(2026, 7, 10)
    searching = seeker_metrics(seeker(), first_contact_on=None, last_support_on=None, today=date(2026, 5, 8))
    assert searching.next_support_due is None and not searching.support_overdue


def test_the_clock_starts_when_the_job_search_starts_else_at_referral():
    # Referred 1 April; chose to start the job search on 20 April: the 30 days run from 20 April.
    late = seeker(job_search_started_on=date(2026, 4, 20))
    visits = [(utc(2026, 4, 10, 9), ["s1"]), (utc(2026, 4, 25, 9), ["s1"])]  # the first predates it
    firsts = first_contacts(visits, referrals={"s1": late.clock_start}, zone=LONDON)  # type: ignore[dict-item]
    assert firsts == {"s1": date(2026, 4, 25)}
    found = seeker_metrics(late, first_contact_on=firsts["s1"], last_support_on=None, today=date(2026, 6, 1))
    assert found.days_to_first_contact == 5
    waiting = [
        seeker_metrics(late, first_contact_on=None, last_support_on=None, today=date(2026, 5, d))
        for d in (20, 21)
    ]
    assert [m.first_contact_overdue for m in waiting] == [False, True]  # day 30, day 31 from 20 April
    assert seeker().clock_start == date(2026, 4, 1)


def test_a_working_job_seeker_with_check_ins_is_never_overdue_for_a_first_contact():
    today = date(2026, 6, 1)  # 61 days after the referral, no employer contact for them
    working = seeker(status="working", job_started_on=date(2026, 5, 4))
    supported = seeker_metrics(working, first_contact_on=None, last_support_on=date(2026, 5, 20), today=today)
    unsupported = seeker_metrics(working, first_contact_on=None, last_support_on=None, today=today)
    assert (supported.first_contact_overdue, unsupported.first_contact_overdue) == (False, True)
    # A current Job record makes them working whatever the status says, and sets the support clock.
    in_job = seeker_metrics(
        seeker(), first_contact_on=None, last_support_on=date(2026, 5, 20), today=today,
        current_job_started_on=date(2026, 5, 4),
    )  # fmt: skip
    assert not in_job.first_contact_overdue and in_job.next_support_due == date(2026, 5, 27)


def test_in_work_support_visits_do_not_count_toward_job_development():
    support = Contact(record_id="s", owner_id="alice", employer_id="e9", occurred_at=utc(2026, 5, 5, 9),
                      face_to_face=True, job_development=False)  # fmt: skip
    counts = weekly_contacts([contact("a", utc(2026, 5, 4, 9)), support], zone=LONDON, earlier_first={})
    week = counts[("alice", date(2026, 5, 4))]
    assert (week.face_to_face, week.new_employers, week.in_work_support) == (1, 1, 1)


def test_caseload_leaves_out_ended_job_seekers():
    seekers = [seeker(record_id=str(i), status="working") for i in range(3)] + [seeker(status="ended")]
    assert caseloads(seekers) == {"alice": 3}


def test_pipeline_lists_every_stage_in_order():
    assert pipeline(["hired", "identified", "identified"]) == {
        "identified": 2, "interested": 0, "applied": 0, "interview": 0, "hired": 1, "closed": 0,
    }  # fmt: skip
