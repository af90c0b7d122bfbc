"""Issue 15 on the phone: the job seeker's decisions per employer (list, decide, revoke) and the
visit form's "On behalf, not disclosed", through the real RecordService and store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.domain.enums import Disclosure, DisclosureDecision
from app.domain.records import EmployerDisclosure, EmployerVisit
from app.records import describe_record
from app.state.detail import RecordDetailState
from app.state.disclosures import DisclosureDecisionFormState, decision_rows
from app.state.visit_form import VisitFormState
from tests.app.conftest import NOW


def test_decide_list_and_revoke_on_the_job_seekers_page(service, add_employer, add_seeker):
    cafe, mill = add_employer("Café"), add_employer("Old Mill")
    seeker = add_seeker("KD-301", Disclosure.NOT_CONSENTED)

    form = DisclosureDecisionFormState(service, job_seeker_id=seeker.id)
    assert form.text("decided_on") == NOW.date().isoformat()  # today by default
    assert form.text("decision") == "agreed"
    result = form.on_save()
    assert not result.ok and "employer_id" in result.errors  # the employer must be picked
    form.set_field("employer_id", cafe.id)
    assert form.on_save().ok

    declined = DisclosureDecisionFormState(service, job_seeker_id=seeker.id)
    declined.set_field("employer_id", mill.id)
    declined.set_field("decision", DisclosureDecision.DECLINED.value)
    declined.set_field("decided_on", (NOW.date() - timedelta(days=2)).isoformat())
    assert declined.on_save().ok

    page = RecordDetailState(service, "job_seeker", seeker.id)
    assert [(row.employer, row.agreed) for row in page.decisions] == [("Café", True), ("Old Mill", False)]
    assert page.decisions[0].detail.startswith("Agreed on ")
    assert service.disclosures().may_name(seeker, cafe.id)

    page.revoke(page.decisions[0].decision_id)
    assert "revoked" in (page.decision_message or "")
    assert [row.employer for row in page.decisions] == ["Old Mill"]
    assert not service.disclosures().may_name(seeker, cafe.id)
    revoked = [d for d in service.all("employer_disclosure", EmployerDisclosure) if d.employer_id == cafe.id]
    assert [d.revoked_on for d in revoked] == [NOW.date()]  # kept, dated, not deleted
    assert decision_rows(service, "someone-else") == []


def test_the_visit_form_moves_a_seeker_without_agreement_on_behalf_in_one_tap(
    service, store, add_employer, add_seeker
):
    cafe, mill = add_employer("Café"), add_employer("Old Mill")
    seeker = add_seeker("KD-302", Disclosure.CONSENTED)
    other = add_seeker("KD-303", Disclosure.CONSENTED)
    decide = DisclosureDecisionFormState(service, job_seeker_id=seeker.id)
    decide.set_field("employer_id", mill.id)
    decide.set_field("decision", DisclosureDecision.DECLINED.value)
    assert decide.on_save().ok

    form = VisitFormState(service, employer_id=cafe.id)
    form.toggle_job_seeker(seeker.id)
    form.toggle_job_seeker(other.id)
    # Any decision ends the general flag: no agreement for the café, so it warns.
    assert form.needs_disclosure_reason() and [s.code for s in form.not_agreed()] == ["KD-302"]
    result = form.on_save()
    assert not result.ok and "disclosure_reason" in result.errors
    assert store.all("employer_visit") == []

    form.on_behalf_not_disclosed()
    assert not form.needs_disclosure_reason() and "disclosure_reason" not in form.errors
    assert [s.code for s in form.behalf_seekers()] == ["KD-302"]
    assert form.on_save().ok
    (saved,) = service.all("employer_visit", EmployerVisit)
    assert saved.job_seeker_ids == [other.id] and saved.undisclosed_job_seeker_ids == [seeker.id]

    # The specialist's own list says so; the page of the job seeker lists the visit.
    _, detail, _ = describe_record(
        saved, employers=service.employers_by_id(), seekers=service.job_seekers_by_id()
    )
    assert detail.endswith("KD-303 · on behalf, not disclosed: KD-302")
    page = RecordDetailState(service, "job_seeker", seeker.id)
    assert saved.id in [record_id for _, record_id, _, _ in page.related]

    # Editing it: a tap on the on-behalf chip takes them off the visit altogether.
    edit = VisitFormState(service, base=saved)
    assert [s.code for s in edit.behalf_seekers()] == ["KD-302"]
    edit.toggle_job_seeker(seeker.id)
    assert edit.behalf_seekers() == [] and edit.value("job_seeker_ids") == [other.id]


def test_choosing_another_employer_rechecks_the_named_seekers(service, add_employer, add_seeker):
    cafe, mill = add_employer("Café"), add_employer("Old Mill")
    seeker = add_seeker("KD-304", Disclosure.NOT_CONSENTED)
    decide = DisclosureDecisionFormState(service, job_seeker_id=seeker.id)
    decide.set_field("employer_id", cafe.id)
    assert decide.on_save().ok
    form = VisitFormState(service, employer_id=mill.id)
    form.toggle_job_seeker(seeker.id)
    assert form.needs_disclosure_reason()
    form.on_save()
    assert "disclosure_reason" in form.errors
    form.select_employer(cafe.id)  # the employer they agreed for
    assert not form.needs_disclosure_reason() and "disclosure_reason" not in form.errors
    assert form.on_save().ok


def test_the_views_offer_decide_revoke_and_on_behalf(service, add_employer, add_seeker):
    from app.views.detail import DetailView
    from app.views.disclosures import DecideView
    from app.views.screens import form_screen
    from tests.app.test_labels_and_pickers import FakeShell, by_identifier, click, shown_labels

    class Shell(FakeShell):
        def async_handler(self, fn: Any) -> Any:  # the page's "Use my location" (matches)
            return fn

    cafe = add_employer("Café")
    seeker = add_seeker("KD-305", Disclosure.NOT_CONSENTED)
    shell = Shell(service)
    page = DetailView(shell, RecordDetailState(service, "job_seeker", seeker.id))
    click(by_identifier(page.build(), "decide-employer"))
    (decide,) = shell.stack
    assert isinstance(decide, DecideView)
    assert {"Employer", "Their decision", "Decided on"} <= set(shown_labels(decide.build()))
    decide.state.set_field("employer_id", cafe.id)
    decide.state.set_field("decision", "declined")
    assert decide.state.on_save().ok

    page.state.refresh()
    click(by_identifier(page.build(), "decision-revoke-0"))
    assert page.state.decisions == [] and "revoked" in (page.state.decision_message or "")

    visit = form_screen(shell, VisitFormState(service, employer_id=cafe.id))
    visit.state.toggle_job_seeker(seeker.id)
    click(by_identifier(visit.build(), "on-behalf"))
    assert visit.state.value("undisclosed_job_seeker_ids") == [seeker.id]
    by_identifier(visit.build(), "behalf-choice-0")  # listed, a tap away from coming off


def test_the_opening_and_check_in_forms_warn_for_their_own_employer(service, add_employer, add_seeker):
    from app.state.checkin_form import CheckInFormState
    from app.state.opening_form import OpeningFormState

    cafe, mill = add_employer("Café"), add_employer("Old Mill")
    seeker = add_seeker("KD-306", Disclosure.NOT_CONSENTED)
    decide = DisclosureDecisionFormState(service, job_seeker_id=seeker.id)
    decide.set_field("employer_id", cafe.id)
    assert decide.on_save().ok
    opening = OpeningFormState(service, employer_id=cafe.id)
    opening.set_field("job_seeker_ids", [seeker.id])
    assert not opening.needs_disclosure_reason()
    opening.set_field("employer_id", mill.id)
    assert opening.needs_disclosure_reason()
    check_in = CheckInFormState(service, job_seeker_id=seeker.id)
    check_in.set_field("with_whom", "both")
    check_in.select_employer(cafe.id)
    assert not check_in.needs_disclosure_reason()
    check_in.select_employer(mill.id)
    assert check_in.needs_disclosure_reason()
