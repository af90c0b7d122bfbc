"""Web mode sends each message to the browser without first turning the whole message into text for
flet-web's debug log line (app.web_send): the same bytes go out, and no control is written out."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack
import pytest
from flet.controls.base_control import BaseControl
from flet.messaging.protocol import Message, MessageAction, configure_encode_object_for_msgpack

from app.web_send import LightMessage, send_light

flet_app = pytest.importorskip("flet_web.fastapi.flet_app")


class Written(str):
    """A value that counts how often it is written out as text (repr), as a log line would."""

    reprs = 0

    def __repr__(self) -> str:
        Written.reprs += 1
        return super().__repr__()


def app_with_queue(app_class: Any) -> tuple[Any, asyncio.Queue[bytes]]:
    """An instance of flet-web's FletApp (or a subclass) that has a send queue and nothing else."""
    app = object.__new__(app_class)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    app._FletApp__send_queue = queue  # as FletApp's websocket handler sets it up
    return app, queue


def test_a_message_goes_out_as_the_same_bytes_without_being_written_out_as_text() -> None:
    class LightApp(flet_app.FletApp):  # type: ignore[misc,name-defined]
        pass

    assert send_light(LightApp) is True
    app, queue = app_with_queue(LightApp)
    body = {"controls": [Written("Riverside Café"), Written("Harbour Bakery")]}
    Written.reprs = 0
    app.send_message(Message(MessageAction.PATCH_CONTROL, body))
    assert Written.reprs == 0  # flet-web's own send_message writes the whole body out: 2
    expected = msgpack.packb(
        [MessageAction.PATCH_CONTROL, body], default=configure_encode_object_for_msgpack(BaseControl)
    )
    assert queue.get_nowait() == b"\x00" + expected


def test_flet_webs_own_send_writes_the_message_out() -> None:
    """Why app.web_send exists: when this fails, flet-web no longer formats every message for its
    log line, and app.web_send can go."""
    original = getattr(flet_app.FletApp.send_message, "__wrapped__", flet_app.FletApp.send_message)

    class PlainApp(flet_app.FletApp):  # type: ignore[misc,name-defined]
        send_message = original

    app, _queue = app_with_queue(PlainApp)
    Written.reprs = 0
    app.send_message(Message(MessageAction.PATCH_CONTROL, {"controls": [Written("Riverside Café")]}))
    assert Written.reprs == 1


def test_wrapped_once_and_the_light_message_reads_as_the_message() -> None:
    class LightApp(flet_app.FletApp):  # type: ignore[misc,name-defined]
        pass

    send_light(LightApp)
    wrapped = LightApp.send_message
    send_light(LightApp)
    assert LightApp.send_message is wrapped
    message = Message(MessageAction.PATCH_CONTROL, {"controls": []})
    light = LightMessage(message)
    assert (light.action, light.body) == (message.action, message.body)
    assert repr(light) == f"Message(action={MessageAction.PATCH_CONTROL!r})"


def test_web_mode_wraps_flet_webs_send() -> None:
    assert send_light() is True
    assert getattr(flet_app.FletApp.send_message, "_fieldwork_light_log", False) is True
