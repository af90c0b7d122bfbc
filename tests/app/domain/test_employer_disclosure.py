"""The disclosure guard decided per employer (issue 15): a rule table over DisclosureBook."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.enums import CheckInWith, Disclosure, DisclosureDecision
from app.domain.errors import DisclosureRefused
from app.domain.records import EmployerDisclosure, EmployerVisit, JobOpening, JobSeeker, SupportCheckIn
from app.domain.rules import DisclosureBook, check_disclosure

AGREED, DECLINED = DisclosureDecision.AGREED, DisclosureDecision.DECLINED


def decided(
    decision: DisclosureDecision,
    on: int,
    *,
    employer: str = "e1",
    revoked: int | None = None,
    seeker: str = "s1",
    ident: str = "",
) -> EmployerDisclosure:
    return EmployerDisclosure(
        id=ident or f"{seeker}-{employer}-{on}-{decision}",
        job_seeker_id=seeker,
        employer_id=employer,
        decision=decision,
        decided_on=date(2026, 11, on),
        revoked_on=date(2026, 11, revoked) if revoked else None,
    )


# (general flag, decisions, may be named to employer e1)
RULES = [
    pytest.param(Disclosure.CONSENTED, [], True, id="no decisions: the consented flag carries over"),
    pytest.param(Disclosure.NOT_CONSENTED, [], False, id="no decisions: not consented"),
    pytest.param(Disclosure.UNDECIDED, [], False, id="no decisions: undecided"),
    pytest.param(Disclosure.NOT_CONSENTED, [decided(AGREED, 3)], True, id="agreed for e1 beats the flag"),
    pytest.param(Disclosure.CONSENTED, [decided(DECLINED, 3)], False, id="declined for e1 beats the flag"),
    pytest.param(
        Disclosure.CONSENTED,
        [decided(AGREED, 3, employer="e2")],
        False,
        id="agreed for another employer only",
    ),
    pytest.param(Disclosure.CONSENTED, [decided(AGREED, 3, revoked=5)], False, id="agreement revoked"),
    pytest.param(
        Disclosure.NOT_CONSENTED, [decided(AGREED, 3), decided(DECLINED, 5)], False, id="later decline wins"
    ),
    pytest.param(
        Disclosure.NOT_CONSENTED, [decided(DECLINED, 3), decided(AGREED, 5)], True, id="later agreement wins"
    ),
    pytest.param(
        Disclosure.NOT_CONSENTED,
        [decided(AGREED, 3), decided(DECLINED, 5, revoked=6)],
        True,
        id="the latest is revoked: the one before is in force",
    ),
    pytest.param(
        Disclosure.NOT_CONSENTED,
        [decided(DECLINED, 5), decided(AGREED, 3)],
        False,
        id="order of the list does not matter, decided_on does",
    ),
]


@pytest.mark.parametrize(("flag", "decisions", "allowed"), RULES)
def test_the_rule_table(flag, decisions, allowed):
    seeker = JobSeeker(id="s1", code="KD-1", disclosure=flag)
    book = DisclosureBook.of(decisions)
    assert book.may_name(seeker, "e1") is allowed
    visit = EmployerVisit(employer_id="e1", job_seeker_ids=["s1"])
    if allowed:
        check_disclosure(visit, {"s1": seeker}, book)
    else:
        with pytest.raises(DisclosureRefused, match="KD-1 has not agreed to disclose to this employer"):
            check_disclosure(visit, {"s1": seeker}, book)
        # ...unless the record says why, as before issue 15
        check_disclosure(
            EmployerVisit(employer_id="e1", job_seeker_ids=["s1"], disclosure_reason="asked"),
            {"s1": seeker},
            book,
        )


def test_the_same_day_the_later_change_wins():
    early = datetime(2026, 11, 3, 9, tzinfo=UTC)
    late = datetime(2026, 11, 3, 15, tzinfo=UTC)
    agreed = EmployerDisclosure(
        id="b",
        job_seeker_id="s1",
        employer_id="e1",
        decision=AGREED,
        decided_on=date(2026, 11, 3),
        updated_at=early,
    )
    declined = EmployerDisclosure(
        id="a",
        job_seeker_id="s1",
        employer_id="e1",
        decision=DECLINED,
        decided_on=date(2026, 11, 3),
        updated_at=late,
    )
    assert DisclosureBook.of([declined, agreed]).active("s1", "e1") is declined


def test_on_behalf_not_disclosed_is_always_allowed():
    seeker = JobSeeker(id="s1", code="KD-1", disclosure=Disclosure.NOT_CONSENTED)
    book = DisclosureBook.of([decided(DECLINED, 3)])
    check_disclosure(EmployerVisit(employer_id="e1", undisclosed_job_seeker_ids=["s1"]), {"s1": seeker}, book)
    # named as well as on behalf: named wins, so the guard applies
    with pytest.raises(DisclosureRefused):
        check_disclosure(
            EmployerVisit(employer_id="e1", job_seeker_ids=["s1"], undisclosed_job_seeker_ids=["s1"]),
            {"s1": seeker},
            book,
        )


def test_openings_and_employer_check_ins_are_judged_for_their_own_employer():
    seeker = JobSeeker(id="s1", code="KD-1", disclosure=Disclosure.NOT_CONSENTED)
    book = DisclosureBook.of([decided(AGREED, 3, employer="e1")])
    seekers = {"s1": seeker}
    check_disclosure(JobOpening(employer_id="e1", job_seeker_ids=["s1"]), seekers, book)
    check_disclosure(
        SupportCheckIn(job_seeker_id="s1", with_whom=CheckInWith.BOTH, employer_id="e1"), seekers, book
    )
    with pytest.raises(DisclosureRefused):
        check_disclosure(JobOpening(employer_id="e2", job_seeker_ids=["s1"]), seekers, book)
    with pytest.raises(DisclosureRefused):
        check_disclosure(
            SupportCheckIn(job_seeker_id="s1", with_whom=CheckInWith.EMPLOYER, employer_id=None),
            seekers,
            book,
        )


def test_active_for_lists_the_decision_in_force_per_employer_newest_first():
    book = DisclosureBook.of(
        [
            decided(AGREED, 3),
            decided(DECLINED, 6),
            decided(AGREED, 4, employer="e2"),
            decided(AGREED, 2, employer="e3", revoked=5),
        ]
    )
    assert [(d.employer_id, d.decision) for d in book.active_for("s1")] == [("e1", DECLINED), ("e2", AGREED)]
