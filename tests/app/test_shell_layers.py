"""The Shell's screens sit in isolated layers (app.views.shell.Layer): a tap that opens, closes or
switches a screen diffs what changed around the screens, not every control of every kept screen;
and what a screen redraws inside its own layer still reaches the browser. Driven through a real
Flet session whose connection packs each message as flet-web does (no browser)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import flet as ft
import msgpack
import pytest
from flet.controls.base_control import BaseControl
from flet.messaging.connection import Connection
from flet.messaging.protocol import configure_encode_object_for_msgpack
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

from app.domain.records import EmployerVisit
from app.records import RecordService
from app.state.context import AppContext
from app.views.screens import log_screen
from app.views.shell import Layer, Shell
from tests.app.test_labels_and_pickers import NoSync

PACK = configure_encode_object_for_msgpack(BaseControl)


class PackingConnection(Connection):
    """Packs every message as flet-web's connection does (packing is what lets Flet diff the next
    update against this one) and keeps the bytes."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.pubsubhub = PubSubHub(loop=loop)
        self.sent: list[bytes] = []

    def send_message(self, message: Any) -> None:
        self.sent.append(msgpack.packb([message.action, message.body], default=PACK))


@pytest.fixture
def live_shell(service: RecordService) -> Iterator[tuple[Shell, PackingConnection]]:
    """A Shell on a real Flet page that a (pretend) browser has registered, showing Today."""
    loop = asyncio.new_event_loop()
    connection = PackingConnection(loop)
    session = Session(connection)
    session.apply_page_patch({"route": "/", "width": 390, "height": 844})
    msgpack.packb(session.get_page_patch(), default=PACK)  # the registration's answer
    shell = Shell(session.page, AppContext.offline(service, NoSync()))
    shell.go_root("today")
    try:
        yield shell, connection
    finally:
        loop.run_until_complete(asyncio.sleep(0))  # the visit form's location task, started on open
        loop.close()


def controls_diffed(action: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """The ids of the controls Flet went through (compared, or added) while `action` ran: each
    is readied for sending (`_before_update_safe`) once it is."""
    diffed: set[int] = set()
    ready = BaseControl._before_update_safe

    def counting(self: BaseControl) -> None:
        diffed.add(id(self))
        ready(self)

    with monkeypatch.context() as patched:
        patched.setattr(BaseControl, "_before_update_safe", counting)
        action()
    return diffed


def test_every_screen_is_an_isolated_layer(live_shell: tuple[Shell, PackingConnection]) -> None:
    shell, _ = live_shell
    shell.push(log_screen(shell, "visit"))
    assert len(shell.layers.controls) == 2
    assert all(isinstance(layer, Layer) and layer.is_isolated() for layer in shell.layers.controls)


def test_opening_and_closing_a_form_does_not_diff_the_screen_kept_below(
    live_shell: tuple[Shell, PackingConnection],
    add_employer: Callable[..., Any],
    service: RecordService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for day in range(1, 11):
        cafe = add_employer(f"Employer {day}")
        service.save(
            EmployerVisit(employer_id=cafe.id, occurred_at=service.clock.now() - timedelta(days=day))
        )
    shell, _ = live_shell
    shell.go_root("today")
    (today,) = shell.layers.controls
    inside_today = {id(control) for control in walk(today)} - {id(today)}
    assert len(inside_today) > 50  # ten recent rows and the rest of Today

    opened = controls_diffed(lambda: shell.push(log_screen(shell, "visit")), monkeypatch)
    closed = controls_diffed(shell.back, monkeypatch)
    assert id(today) in opened and id(today) in closed  # shown, hidden: the layer itself is diffed
    # Without isolation every control inside the hidden Today is compared on each tap too.
    assert not opened & inside_today and not closed & inside_today


def test_what_a_kept_screen_redraws_inside_its_layer_reaches_the_browser(
    live_shell: tuple[Shell, PackingConnection], add_employer: Callable[..., Any], service: RecordService
) -> None:
    shell, connection = live_shell
    shell.push(log_screen(shell, "visit"))
    cafe = add_employer("Riverside Café")
    service.save(EmployerVisit(employer_id=cafe.id, occurred_at=service.clock.now(), outcome="Owner keen"))
    connection.sent.clear()
    shell.back()  # Today redraws inside its kept layer: the new recent row must be sent
    assert any("Riverside Café".encode() in message for message in connection.sent)


def walk(control: Any) -> Iterator[ft.Control]:
    from tests.app.test_labels_and_pickers import walk as walk_controls

    yield from walk_controls(control)


def test_one_app_bar_serves_every_screen(live_shell: tuple[Shell, PackingConnection]) -> None:
    """A screen shown sets the bar's title and Back; a new bar each time would be sent whole."""
    shell, _ = live_shell
    bar = shell.page.appbar
    assert isinstance(bar, ft.AppBar) and bar.leading is None
    shell.push(log_screen(shell, "visit"))
    assert shell.page.appbar is bar and shell.app_title.value == "Log a visit"
    back = bar.leading
    assert isinstance(back, ft.Semantics) and back.identifier == "back"
    shell.push(log_screen(shell, "opening"))
    assert shell.page.appbar is bar and bar.leading is back  # still Back: kept as it is
    shell.back()
    shell.back()
    assert shell.page.appbar is bar and shell.app_title.value == "Today" and bar.leading is None
