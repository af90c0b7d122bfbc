"""Issue 17, items 1 and 9, and the task buttons, without a browser: every enum has words of its
own (one table, app.domain.labels); no form or record page names two fields alike; a date picked on
the calendar or the clock goes through the same setter and the same checks as typed text; the
opening form says when a wage is below the minimum; Today and the employer page close tasks.

Views are built with a stand-in shell (no page): handlers are called as Flet would call them."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest

import app.domain
from app.domain import labels
from app.domain.enums import ContactMode, SeekerStatus, VisitPurpose, WageUnit
from app.domain.records import Employer, EmployerVisit, JobOpening, JobSeeker, SupportCheckIn
from app.domain.rules import DEFAULT_MINIMUM_WAGE, WageRules, is_competitive
from app.state.checkin_form import CheckInFormState
from app.state.context import AppContext
from app.state.detail import HIDDEN, RecordDetailState
from app.state.employers import EmployerFormState
from app.state.forms import FormState, picked_date
from app.state.job_seekers import JobSeekerFormState
from app.state.opening_form import OpeningFormState
from app.state.openings import OpeningsState
from app.state.sync_status import StatusSource, SyncSummary
from app.state.today import TodayState
from app.state.visit_form import VisitFormState
from app.views.detail import DetailView
from app.views.screens import form_screen
from app.views.today import TodayView
from app.views.widgets import SECTION
from tests.app.conftest import NOW


class NoSync(StatusSource):
    def summary(self) -> SyncSummary:
        return SyncSummary(connected=False, pending=0, attention=0, label="")


class FakePage:
    def __init__(self) -> None:
        self.dialogs: list[Any] = []
        self.floating_action_button = None

    def show_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog)

    def run_task(self, *_args: Any) -> None:  # the visit form's GPS fix: not wanted here
        return None

    def update(self) -> None:
        return None


class FakeShell:
    """What a view asks of the Shell; handlers run directly and errors are not swallowed."""

    def __init__(self, service: Any, wages: WageRules | None = None) -> None:
        self.page = FakePage()
        self.ctx = AppContext.offline(service, NoSync())
        if wages is not None:
            self.ctx.wages = wages
        self.stack: list[Any] = []
        self.refreshes = 0
        self.notes: list[str] = []

    def handler(self, fn: Any) -> Any:
        return fn

    def async_handler(self, fn: Any) -> Any:
        return fn

    def then_refresh(self, action: Any) -> Any:
        def run(*args: Any) -> None:
            action(*args)
            self.refresh()

        return run

    def refresh(self) -> None:
        self.refreshes += 1

    def update_in_place(self, _control: Any) -> None:
        return None

    def notify(self, text: str) -> None:
        self.notes.append(text)

    def back(self) -> None:
        return None

    def push(self, screen: Any) -> None:
        self.stack.append(screen)


def walk(control: Any) -> list[Any]:
    """Every control in a built tree (Flet controls are dataclasses: follow their fields)."""
    found: list[Any] = []
    stack = [control]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
            continue
        if not isinstance(item, ft.Control):
            continue
        found.append(item)
        for f in dataclasses.fields(item):
            if f.name.startswith("_") or f.name in ("parent", "page"):
                continue
            value = getattr(item, f.name, None)
            if isinstance(value, ft.Control | list | tuple):
                stack.append(value)
    return found


def by_identifier(tree: Any, identifier: str) -> Any:
    """The control a browser test finds by flt-semantics-identifier."""
    for control in walk(tree):
        if isinstance(control, ft.Semantics) and control.identifier == identifier:
            return control.content
    raise AssertionError(f"no control tagged {identifier!r}")


def shown_labels(tree: Any) -> list[str]:
    """What names a field to a person: field labels and section headings."""
    names: list[str] = []
    for control in walk(tree):
        if isinstance(control, ft.TextField | ft.Dropdown | ft.Switch) and isinstance(control.label, str):
            names.append(control.label)
        elif isinstance(control, ft.Text) and control.data == SECTION:
            names.append(str(control.value))
    return names


def same_words(name: str) -> str:
    return re.sub(r"\s*\(.*\)$", "", name).strip().casefold()


def click(control: Any) -> None:
    control.on_click(SimpleNamespace(control=control))


# -- words, not codes ---------------------------------------------------------------------------


def domain_enums() -> list[type[Enum]]:
    found: dict[str, type[Enum]] = {}
    for info in pkgutil.iter_modules(app.domain.__path__, "app.domain."):
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Enum) and obj.__module__ == module.__name__:
                found[f"{obj.__module__}.{obj.__name__}"] = obj
    return list(found.values())


def test_every_member_of_every_enum_in_the_domain_has_words_of_its_own():
    enums = domain_enums()
    assert ContactMode in enums and len(enums) >= 14  # the scan sees the enums
    for enum in enums:
        assert enum in labels.TABLES, f"{enum.__name__} has no label table in app.domain.labels"
        table = labels.TABLES[enum]
        assert set(table) == set(enum), f"{enum.__name__}: labels for {set(enum) ^ set(table)}"
        for member in enum:
            text = labels.label(member)
            assert text.strip() and text == text.strip()
            assert text != str(member.value).replace("_", " "), f"{member!r} is shown as its code"
        shown = [text for _, text in labels.options(enum)]
        assert len(set(shown)) == len(shown), f"two {enum.__name__} values read the same"
    assert labels.label(VisitPurpose.INTRODUCE_IPS) == "Introduce IPS"


def test_chips_lists_and_record_pages_show_the_labels(service, add_employer, add_seeker):
    cafe = add_employer("Café")
    seeker = add_seeker("KD-7", status=SeekerStatus.JOB_SEARCHING)
    stored = service.save(
        EmployerVisit(employer_id=cafe.id, occurred_at=NOW, purpose=VisitPurpose.INTRODUCE_IPS)
    )
    assert "Introduce IPS" in service.recent_activity()[0].detail
    page = RecordDetailState(service, "employer_visit", stored.data["id"])
    assert dict(page.rows)["Why"] == "Introduce IPS"
    seeker_page = dict(RecordDetailState(service, "job_seeker", seeker.id).rows)
    assert seeker_page["Status"] == "Job searching"
    shell = FakeShell(service)
    view = form_screen(shell, VisitFormState(service))
    chips = [c.label for c in walk(view.build()) if isinstance(c, ft.Chip)]
    assert "Introduce IPS" in chips and "Face to face" in chips
    assert not [text for text in chips if "_" in text]


FORMS = {
    "visit": lambda service: VisitFormState(service),
    "opening": lambda service: OpeningFormState(service),
    "check-in": lambda service: CheckInFormState(service),
    "employer": lambda service: EmployerFormState(service),
    "job seeker": lambda service: JobSeekerFormState(service),
}


@pytest.mark.parametrize("kind", FORMS)
def test_no_two_fields_of_a_form_share_a_label(kind, service, add_employer, add_seeker):
    add_employer("Café")
    add_seeker("KD-1")
    state: FormState = FORMS[kind](service)
    tree = form_screen(FakeShell(service), state).build()
    names = shown_labels(tree)
    assert len(names) >= 3, names
    words = [same_words(name) for name in names]
    repeated = sorted({name for name, w in zip(names, words, strict=True) if words.count(w) > 1})
    assert not repeated, f"the {kind} form names two things alike: {repeated}"


@pytest.mark.parametrize("record", [Employer, JobSeeker, EmployerVisit, JobOpening, SupportCheckIn])
def test_no_two_rows_of_a_record_page_share_a_label(record):
    names = [labels.field_label(f.name) for f in dataclasses.fields(record) if f.name not in HIDDEN]
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert not repeated, f"a {record.__name__} page shows two rows called {repeated}"


def test_a_job_seeker_page_names_benefits_counselling_once(service, add_seeker):
    seeker = add_seeker("KD-3", benefits_counselling_on=date(2026, 4, 20))
    names = [name for name, _ in RecordDetailState(service, "job_seeker", seeker.id).rows]
    assert names.count("Benefits counselling") == 1 and "Benefits counselling date" in names


# -- wages: currency and the minimum -------------------------------------------------------------


def test_the_minimum_wage_hint_follows_the_pay_per_hour(service):
    form = OpeningFormState(service)
    assert form.wage_label == "Wage (£)" and form.wage_hint is None
    form.set_field("wage", "10.50")
    assert form.wage_hint == "Below the minimum wage (£12.21 an hour): not competitive work in IPS."
    form.set_field("wage", str(DEFAULT_MINIMUM_WAGE))
    assert form.wage_hint is None  # at the minimum is competitive
    form.set_field("wage_unit", WageUnit.WEEK.value)
    form.set_field("wage", "400")
    assert form.wage_hint is None  # per week with no hours: cannot be told yet
    form.set_field("hours_per_week", "40")
    assert form.wage_hint is not None  # £10 an hour
    form.set_field("hours_per_week", "30")
    assert form.wage_hint is None  # £13.33 an hour
    form.set_field("wage", "four hundred")
    assert form.wage_hint is None  # the field's own error says what is wrong
    # The hint and the competitive rule agree on the same opening.
    typed = JobOpening(wage=10.0, wage_unit=WageUnit.HOUR)
    assert WageRules().below_minimum(typed) != is_competitive(typed, minimum_wage=DEFAULT_MINIMUM_WAGE)


def test_a_configured_currency_and_minimum_reach_the_form_the_list_and_the_page(service, add_employer):
    cafe = add_employer("Café")
    stored = service.save(JobOpening(employer_id=cafe.id, title="Barista", wage=14.0))
    wages = WageRules(currency="$", minimum_wage=15.0)
    shell = FakeShell(service, wages)
    assert OpeningsState(service, wages=wages).rows[0].detail == "Café · Identified · $14.00 per hour"
    page = RecordDetailState(service, "job_opening", stored.data["id"], wages=wages)
    assert dict(page.rows)["Wage"] == "$14.00 per hour"
    form = page.edit_form()
    assert isinstance(form, OpeningFormState)
    view = form_screen(shell, form)
    tree = view.build()
    assert "Wage ($)" in shown_labels(tree)
    hint = by_identifier(tree, "wage-hint")
    assert "Below the minimum wage ($15.00 an hour)" in hint.content.controls[1].value
    # Typing redraws the hint in place.
    wage = by_identifier(tree, "field-wage")
    wage.value = "16"
    wage.on_change(SimpleNamespace(control=wage))
    assert view.wage_hint.content is None


# -- date and time pickers -------------------------------------------------------------------------


def test_picked_dates_are_the_day_picked_whatever_the_offset():
    assert picked_date(date(2026, 5, 4)) == date(2026, 5, 4)
    assert picked_date(datetime(2026, 5, 4, 0, 0)) == date(2026, 5, 4)
    # Local midnight in London (UTC+1) and in New York (UTC-4), sent in UTC.
    assert picked_date(datetime(2026, 5, 3, 23, 0, tzinfo=UTC)) == date(2026, 5, 4)
    assert picked_date(datetime(2026, 5, 4, 4, 0, tzinfo=UTC)) == date(2026, 5, 4)


def test_picker_setters_write_the_text_a_person_would_type(service):
    form = VisitFormState(service)
    form.set_field("occurred_at", "2026-05-01 14:05")
    form.set_date_part("occurred_at", datetime(2026, 5, 2, 0, 0))
    assert form.text("occurred_at") == "2026-05-02 14:05"  # the typed time is kept
    form.set_time_part("occurred_at", time(8, 45))
    assert form.text("occurred_at") == "2026-05-02 08:45"  # the date is kept
    form.set_field("occurred_at", "yesterday-ish")
    form.set_time_part("occurred_at", time(7, 0))
    assert form.text("occurred_at") == "2026-05-04 07:00"  # unreadable: today's date
    form.set_date("next_step_on", datetime(2026, 5, 10, 23, 0, tzinfo=UTC))
    assert form.text("next_step_on") == "2026-05-11"
    form.set_days_from_today("next_step_on", 7)
    assert form.text("next_step_on") == "2026-05-11"


def test_a_picked_date_is_checked_at_save_like_a_typed_one(service, add_employer):
    cafe = add_employer("Café")
    form = VisitFormState(service, employer_id=cafe.id)
    form.set_date("next_step_on", date(2029, 1, 1))  # the calendar allows it; the rule does not
    assert not form.on_save().ok
    assert form.errors == {"next_step_on": "Next step date is more than two years ahead"}
    form.set_date("next_step_on", NOW.date() + timedelta(days=3))
    assert form.on_save().ok and form.message == "Visit saved on this phone."


def test_the_calendar_and_clock_buttons_open_pickers_that_set_the_field(service, add_employer):
    cafe = add_employer("Café")
    shell = FakeShell(service)
    state = VisitFormState(service, employer_id=cafe.id)
    view = form_screen(shell, state)
    tree = view.build()
    for name in ("occurred_at", "next_step_on"):
        by_identifier(tree, f"{name}-calendar")  # every date field has its calendar
    click(by_identifier(tree, "next_step_on-calendar"))
    calendar = shell.page.dialogs[-1]
    assert isinstance(calendar, ft.DatePicker) and calendar.value.date() == NOW.date()
    assert calendar.locale == ft.Locale("en", "GB")  # "Sun 29 Nov", weeks from Monday
    calendar.value = datetime(2026, 5, 20, 23, 0, tzinfo=UTC)  # what the browser sends back
    calendar.on_change(SimpleNamespace(control=calendar))
    assert state.text("next_step_on") == "2026-05-21" and shell.refreshes == 1

    tree = view.build()
    click(by_identifier(tree, "occurred_at-clock"))
    clock = shell.page.dialogs[-1]
    assert isinstance(clock, ft.TimePicker) and clock.value == time(9, 30)
    clock.value = time(16, 15)
    clock.on_change(SimpleNamespace(control=clock))
    assert state.text("occurred_at") == "2026-05-04 16:15"
    click(by_identifier(view.build(), "occurred_at-calendar"))
    shell.page.dialogs[-1].value = datetime(2026, 5, 3)
    shell.page.dialogs[-1].on_change(SimpleNamespace(control=shell.page.dialogs[-1]))
    assert state.text("occurred_at") == "2026-05-03 16:15"
    assert view.state.on_save().ok


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("opening", ("noted_on", "started_on")),
        ("check-in", ("occurred_at", "next_check_in_on")),
        ("employer", ("next_step_on",)),
        ("job seeker", ("referral_date", "job_started_on")),
    ],
)
def test_every_date_field_has_a_calendar_and_a_today_button(kind, fields, service):
    state = FORMS[kind](service)
    tree = form_screen(FakeShell(service), state).build()
    for name in fields:
        by_identifier(tree, f"{name}-calendar")
        if name != "occurred_at":  # a time has its clock instead
            by_identifier(tree, f"{name}-shortcut-0")  # Today, or the field's own quick buttons
        else:
            by_identifier(tree, f"{name}-clock")


# -- Done and Dismiss on Today and on the employer page ----------------------------------------------


def test_today_and_the_employer_page_close_tasks_with_done_and_dismiss(service, add_employer):
    cafe = add_employer("Café")
    for step, due in (("Call about start dates", -2), ("Send the leaflet", 0)):
        service.save(
            EmployerVisit(
                employer_id=cafe.id,
                occurred_at=NOW - timedelta(days=9),
                next_step=step,
                next_step_on=NOW.date() + timedelta(days=due),
            )
        )
    shell = FakeShell(service)
    today = TodayView(shell, TodayState(service, sync_status=NoSync()))
    tree = today.build()
    row = by_identifier(tree, "due-task-0")
    texts = [c.value for c in walk(row) if isinstance(c, ft.Text)]
    assert "Café: Call about start dates" in texts and "Overdue: due Sat 2 May" in texts
    click(by_identifier(tree, "due-task-0-done"))
    assert [item.detail for item in today.state.due] == ["Send the leaflet"]
    assert today.state.task_message == "Marked done on this phone."

    page = DetailView(shell, RecordDetailState(service, "employer", cafe.id))
    tree = page.build()
    assert [v.next_step for v in page.state.open_tasks] == ["Send the leaflet"]
    click(by_identifier(tree, "employer-task-0-dismiss"))
    assert page.state.open_tasks == [] and page.state.task_message == "Dismissed on this phone."
    today.state.refresh()
    assert today.state.due == []  # gone from Today too: it is the same task


def test_errors_beside_fields_read_as_sentences(service):
    form = OpeningFormState(service)
    form.set_field("wage", "-3")
    assert not form.on_save().ok and form.errors["wage"] == "wage cannot be negative"  # the domain's
    tree = form_screen(FakeShell(service), form).build()
    assert by_identifier(tree, "field-wage").error == "Wage cannot be negative"
    assert by_identifier(tree, "opening-employer-search").error == "Employer is required"
