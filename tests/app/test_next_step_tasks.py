"""A next step is a task (issue 17, item 4): it stays on Today and with its employer until it is
marked done or dismissed; a later visit with no next step closes nothing, and may add another."""

from __future__ import annotations

from datetime import timedelta

import flet as ft

from app.domain.codec import from_dict, to_dict
from app.domain.records import EmployerVisit
from app.domain.rules import next_step_open
from app.state.sync_status import StatusSource, SyncSummary
from app.state.today import TodayState
from app.state.visit_form import VisitFormState
from tests.app.conftest import NOW


class NoSync(StatusSource):
    def summary(self) -> SyncSummary:
        return SyncSummary(connected=False, pending=0, attention=0, label="")


def visit(service, employer_id: str, *, days_ago: int, step: str = "", due_in: int | None = None) -> str:
    stored = service.save(
        EmployerVisit(
            employer_id=employer_id,
            occurred_at=NOW - timedelta(days=days_ago),
            next_step=step,
            next_step_on=None if due_in is None else NOW.date() + timedelta(days=due_in),
        )
    )
    return str(stored.data["id"])


def test_a_later_visit_with_no_next_step_leaves_the_overdue_task_on_today(service, add_employer):
    cafe = add_employer("Café")
    visit(service, cafe.id, days_ago=10, step="Call about start dates", due_in=-2)
    visit(service, cafe.id, days_ago=1)  # no next step: it closes nothing
    today = TodayState(service, sync_status=NoSync())
    assert [(i.title, i.detail, i.overdue) for i in today.due] == [("Café", "Call about start dates", True)]


def test_every_open_task_of_an_employer_is_listed_not_only_the_latest_visits(service, add_employer):
    cafe = add_employer("Café")
    visit(service, cafe.id, days_ago=10, step="Call about start dates", due_in=-2)
    visit(service, cafe.id, days_ago=1, step="Bring CVs", due_in=3)
    steps = [v.next_step for v in service.open_next_steps(cafe.id)]
    assert steps == ["Call about start dates", "Bring CVs"]
    today = TodayState(service, sync_status=NoSync())
    assert [i.detail for i in today.due] == ["Call about start dates"]
    assert [i.detail for i in today.upcoming] == ["Bring CVs"]


def test_done_closes_the_task_as_an_edit_of_its_visit_that_syncs(service, add_employer, store):
    cafe = add_employer("Café")
    visit_id = visit(service, cafe.id, days_ago=10, step="Call about start dates", due_in=-2)
    today = TodayState(service, sync_status=NoSync())
    today.mark_done(today.due[0])
    assert today.due == [] and today.task_message == "Marked done on this phone."
    stored = store.get("employer_visit", visit_id)
    assert stored.data["next_step_done_on"] == NOW.date().isoformat() and stored.data["version"] == 2
    assert stored.sync.state == "pending"  # in the outbox: it goes to the server like any edit
    assert service.open_next_steps(cafe.id) == []


def test_dismiss_closes_the_task_without_saying_it_was_done(service, add_employer, store):
    cafe = add_employer("Café")
    visit_id = visit(service, cafe.id, days_ago=3, step="Drop leaflet", due_in=0)
    today = TodayState(service, sync_status=NoSync())
    today.dismiss(today.due[0])
    data = store.get("employer_visit", visit_id).data
    assert data["next_step_dismissed"] is True and data["next_step_done_on"] is None
    assert today.due == [] and today.task_message == "Dismissed on this phone."


def test_a_new_visit_sees_the_employers_open_tasks_and_may_close_them(service, add_employer):
    cafe, shop = add_employer("Café"), add_employer("Shop")
    visit(service, cafe.id, days_ago=10, step="Call about start dates", due_in=-2)
    visit(service, shop.id, days_ago=10, step="Other employer's task", due_in=1)
    form = VisitFormState(service, employer_id=cafe.id)
    assert [v.next_step for v in form.open_tasks] == ["Call about start dates"]
    form.close_task(form.open_tasks[0].id, done=True)
    assert form.open_tasks == [] and form.task_message == "Marked done on this phone."


def test_a_visit_saved_before_tasks_existed_loads_with_its_next_step_open():
    data = to_dict(EmployerVisit(id="old", employer_id="e1", occurred_at=NOW, next_step="Call", version=1))
    del data["next_step_done_on"], data["next_step_dismissed"]
    old = from_dict("employer_visit", data)
    assert isinstance(old, EmployerVisit) and next_step_open(old)


class ShellPage:
    """The parts of a Flet page the Shell sets and calls (controls built without a real page)."""

    def __init__(self) -> None:
        self.floating_action_button = None
        self.navigation_bar = None

    def add(self, *controls) -> None:
        self.controls = controls

    def update(self) -> None:
        return None

    def show_dialog(self, _dialog) -> None:
        return None

    def run_task(self, *_args) -> None:
        return None


def walk(control):
    yield control
    for child in [*(getattr(control, "controls", None) or []), getattr(control, "content", None)]:
        if child is not None:
            yield from walk(child)


def texts_in(control) -> str:
    return " ".join(str(c.value) for c in walk(control) if isinstance(c, ft.Text))


def test_done_on_today_redraws_inside_the_same_scrolling_column(service, add_employer):
    """Done (and Dismiss) redraw Today inside the column that scrolls, so the list stays where it
    was; the Shell's refresh would build a new column, which Flutter shows from the top."""
    from app.state.context import AppContext
    from app.views.shell import Shell

    visit(service, add_employer("Café").id, days_ago=10, step="Call about start dates", due_in=-2)
    visit(service, add_employer("Bakery").id, days_ago=3, step="Bring CVs", due_in=0)
    shell = Shell(ShellPage(), AppContext.offline(service, NoSync()))  # type: ignore[arg-type]
    shell.go_root("today")
    (layer,) = shell.layers.controls
    scrolling = [c for c in walk(layer) if isinstance(c, ft.Column) and c.scroll is not None]
    done = next(c for c in walk(layer) if getattr(c, "identifier", None) == "due-task-0-done")
    assert "Call about start dates" in texts_in(
        next(c for c in walk(layer) if getattr(c, "identifier", "") == "due-task-0")
    )

    done.content.on_click(None)

    assert shell.errors == []
    assert shell.layers.controls == [layer]
    assert [c for c in walk(layer) if isinstance(c, ft.Column) and c.scroll is not None] == scrolling
    tasks = [c for c in walk(layer) if str(getattr(c, "identifier", "")).startswith("due-task-")]
    texts = texts_in(layer)
    assert "Call about start dates" not in texts and "Bring CVs" in texts
    assert "Marked done on this phone." in texts
    assert {c.identifier for c in tasks} >= {"due-task-0"} and "due-task-1" not in {
        c.identifier for c in tasks
    }
