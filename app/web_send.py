"""Web mode's messages to the browser leave without first being written out as text for a log line.

flet-web's `FletApp.send_message` builds its debug log line with an f-string, so every outgoing
message is turned into text before the logger checks its level, with debug logging on or off. The
text is the message's dataclass repr: every control a patch adds, with every one of its fields. A
new screen or form is one large patch, so that text was a real part of the app's own time for a
tap. `send_light` hands `send_message` a light view of each message instead: the same action and
body, which it packs and sends as before, and a short text for the log line.

Only web mode sends through flet-web; a phone build talks to its Flutter client over flet's own
socket transport, which writes no such line.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

_MARK = "_fieldwork_light_log"


class LightMessage:
    """A message as `send_message` reads it: its action and body as they are, its text short."""

    __slots__ = ("message",)

    def __init__(self, message: Any) -> None:
        self.message = message

    @property
    def action(self) -> Any:
        return self.message.action

    @property
    def body(self) -> Any:
        return self.message.body

    def __getattr__(self, name: str) -> Any:  # anything else flet-web may read, from the message
        return getattr(self.message, name)

    def __repr__(self) -> str:
        return f"Message(action={self.message.action!r})"


def send_light(app_class: Any = None) -> bool:
    """Wrap flet-web's `FletApp.send_message` (or `app_class`'s) once, so it formats a
    `LightMessage`; False when flet-web is not installed (nothing to wrap)."""
    if app_class is None:
        try:
            app_class = importlib.import_module("flet_web.fastapi.flet_app").FletApp
        except ImportError:
            return False
    send = app_class.send_message
    if getattr(send, _MARK, False):
        return True

    @functools.wraps(send)
    def send_message(self: Any, message: Any) -> None:
        send(self, LightMessage(message))

    setattr(send_message, _MARK, True)
    app_class.send_message = send_message
    return True
