"""The visit form asks for a fix when it opens and redraws its location line in place only when the
answer changes what the line says: with no fix (GPS off, refused, or timed out) the line already
says so, and redrawing it would send the same banner again on every form opened."""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from app.geo import FixedLocation, NoLocation
from app.state.visit_form import VisitFormState
from app.views.visit import VisitView
from tests.app.test_labels_and_pickers import FakeShell
from tests.app.test_visit_check import gps


class RedrawCountingShell(FakeShell):
    def __init__(self, service: Any) -> None:
        super().__init__(service)
        self.redrawn: list[ft.Control] = []

    def update_in_place(self, control: Any) -> None:
        self.redrawn.append(control)


def opened_form(shell: RedrawCountingShell, service: Any, **fields: Any) -> VisitView:
    view = VisitView(shell, VisitFormState(service, **fields))  # type: ignore[arg-type]
    shell.stack.append(view)
    view.build()
    return view


def banner_text(view: VisitView) -> str:
    from tests.app.test_labels_and_pickers import walk

    return " ".join(str(c.value) for c in walk(view.location_box) if isinstance(c, ft.Text))


def test_no_fix_leaves_the_location_line_as_it_was(service: Any) -> None:
    shell = RedrawCountingShell(service)
    shell.ctx.location = NoLocation()
    view = opened_form(shell, service)
    line = view.location_box.content
    asyncio.run(view._locate())
    assert shell.redrawn == [] and view.location_box.content is line
    assert "No GPS fix" in banner_text(view)


def test_a_fix_redraws_the_location_line_with_it(service: Any, add_employer: Any) -> None:
    bakery = add_employer("Harbour Bakery", latitude=0.0, longitude=0.0)
    shell = RedrawCountingShell(service)
    shell.ctx.location = FixedLocation(gps(0.0, 0.0045))
    view = opened_form(shell, service, employer_id=bakery.id)
    asyncio.run(view._locate())
    assert shell.redrawn == [view.location_box]
    assert "501 m from Harbour Bakery." in banner_text(view)
