"""Today builds a screenful (issue 18): with dozens of next steps due, it builds the first few due rows
and a "Show more" that says how many are left, and each tap adds a page of them, keeping the rows
already shown; so the browser lays out the same few rows with 2,000 records due as with 3. Built
without a page, through RecordService and LocalStore."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import flet as ft

from app.domain.records import EmployerVisit
from app.records import RecordService
from app.state.today import TodayState
from app.views.today import DUE_FIRST, DUE_PAGE, UPCOMING_FIRST, TodayView
from tests.app.conftest import NOW
from tests.app.test_labels_and_pickers import FakeShell, NoSync

DUE = 30
UPCOMING = 6


def identifiers(column: ft.Column) -> list[str]:
    return [str(getattr(control, "identifier", "")) for control in column.controls]


def more_button(column: ft.Column, identifier: str) -> ft.TextButton:
    more = column.controls[-1]
    assert isinstance(more, ft.Semantics) and more.identifier == identifier
    assert isinstance(more.content, ft.TextButton)
    return more.content


def steps_due(service: RecordService, add_employer: Callable[..., Any]) -> None:
    cafe = add_employer("Riverside Café")
    for day in range(DUE):  # all overdue or due today
        service.save(
            EmployerVisit(
                employer_id=cafe.id,
                occurred_at=NOW - timedelta(days=40),
                next_step=f"Step {day:02d}",
                next_step_on=NOW.date() - timedelta(days=day),
            )
        )
    for day in range(1, UPCOMING + 1):  # this week
        service.save(
            EmployerVisit(
                employer_id=cafe.id,
                occurred_at=NOW - timedelta(days=40),
                next_step=f"Later {day}",
                next_step_on=NOW.date() + timedelta(days=day),
            )
        )


def test_today_builds_a_screenful_of_due_rows_and_shows_more_a_page_at_a_time(
    service: RecordService, add_employer: Callable[..., Any]
) -> None:
    steps_due(service, add_employer)
    view = TodayView(FakeShell(service), TodayState(service, sync_status=NoSync()))  # type: ignore[arg-type]
    view.build()
    assert len(view.state.due) == DUE and len(view.state.upcoming) == UPCOMING

    due = identifiers(view.due_rows)
    assert due == [f"due-task-{i}" for i in range(DUE_FIRST)] + ["due-rows-more"]
    assert more_button(view.due_rows, "due-rows-more").content == f"Show more ({DUE - DUE_FIRST} more)"
    upcoming = identifiers(view.upcoming_rows)
    assert upcoming == [f"due-task-{DUE + i}" for i in range(UPCOMING_FIRST)] + ["upcoming-rows-more"]

    shown = list(view.due_rows.controls[:DUE_FIRST])
    more_button(view.due_rows, "due-rows-more").on_click(None)  # type: ignore[arg-type, call-arg, misc]
    after = DUE_FIRST + DUE_PAGE
    assert identifiers(view.due_rows) == [f"due-task-{i}" for i in range(after)] + ["due-rows-more"]
    assert all(a is b for a, b in zip(view.due_rows.controls[:DUE_FIRST], shown, strict=True))
    more_button(view.due_rows, "due-rows-more").on_click(None)  # type: ignore[arg-type, call-arg, misc]
    assert identifiers(view.due_rows) == [f"due-task-{i}" for i in range(DUE)]  # all shown: no button
