"""Today after a save elsewhere (issue 18): Back redraws Today inside the controls it kept, and every
row that shows the same thing is the same control (Flet then sends only the new row), instead of a
rebuilt screen that Flet sends whole. Built without a page, through RecordService and LocalStore."""

from __future__ import annotations

from datetime import timedelta

import flet as ft

from app.domain.records import EmployerVisit
from app.state.today import TodayState
from app.views.today import TodayView
from tests.app.conftest import NOW
from tests.app.test_labels_and_pickers import FakeShell, NoSync


def texts(control: ft.Control) -> list[str]:
    from tests.app.test_labels_and_pickers import walk

    return [str(c.value) for c in walk(control) if isinstance(c, ft.Text)]


def test_a_save_redraws_today_in_place_keeping_the_rows_that_did_not_change(service, add_employer):
    cafe, mill = add_employer("Riverside Café"), add_employer("Old Mill")
    for day in range(1, 6):
        service.save(EmployerVisit(employer_id=mill.id, occurred_at=NOW - timedelta(days=day)))
    service.save(
        EmployerVisit(
            employer_id=cafe.id,
            occurred_at=NOW - timedelta(days=9),
            next_step="Call the manager",
            next_step_on=NOW.date(),
        )
    )
    view = TodayView(FakeShell(service), TodayState(service, sync_status=NoSync()))  # type: ignore[arg-type]
    content = view.build()
    recent, due = list(view.recent_rows.controls), list(view.due_rows.controls)
    assert len(recent) == 6 and len(due) == 1

    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=NOW, outcome="Met the owner"))
    assert view.redraw() is True
    assert view.content is content  # the same screen: nothing rebuilt around the rows
    now = view.recent_rows.controls
    assert now[1:] == recent  # the same controls, one place down
    assert all(a is b for a, b in zip(now[1:], recent, strict=True))
    assert now[0] not in recent and "Riverside Café" in texts(now[0])
    assert view.due_rows.controls[0] is due[0]


def test_a_new_section_rebuilds_today(service, add_employer):
    cafe = add_employer("Riverside Café")
    view = TodayView(FakeShell(service), TodayState(service, sync_status=NoSync()))  # type: ignore[arg-type]
    view.build()
    assert view.state.due == []
    service.save(
        EmployerVisit(
            employer_id=cafe.id, occurred_at=NOW, next_step="Send the leaflet", next_step_on=NOW.date()
        )
    )
    assert view.redraw() is False  # "You are up to date." becomes a list: the Shell rebuilds
    view.build()
    assert "Due · 1 due today" in texts(view.content)


def test_the_headline_follows_a_redraw(service, add_employer):
    cafe = add_employer("Riverside Café")
    service.save(
        EmployerVisit(
            employer_id=cafe.id, occurred_at=NOW, next_step="Send the leaflet", next_step_on=NOW.date()
        )
    )
    view = TodayView(FakeShell(service), TodayState(service, sync_status=NoSync()))  # type: ignore[arg-type]
    view.build()
    service.save(
        EmployerVisit(
            employer_id=cafe.id,
            occurred_at=NOW,
            next_step="Call back",
            next_step_on=NOW.date() - timedelta(days=2),
        )
    )
    assert view.redraw() is True
    assert "Due · 1 due today · 1 overdue" in texts(view.content)
