"""Connect to your team: server address, code, one big Connect button."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.connect import ConnectState
from app.views.widgets import MIN_TARGET, banner, screen, tagged

if TYPE_CHECKING:
    from app.views.shell import Shell


class ConnectView:
    url_field: ft.TextField
    code_field: ft.TextField

    def __init__(self, shell: Shell, state: ConnectState) -> None:
        self.shell = shell
        self.state = state
        self.title = state.title

    def build(self) -> ft.Control:
        state = self.state

        def url_changed(e: ft.Event[ft.TextField]) -> None:
            state.server_url = e.control.value or ""
            self._link_pasted(e.control.value or "")

        def code_changed(e: ft.Event[ft.TextField]) -> None:
            state.code = e.control.value or ""
            self._link_pasted(e.control.value or "")

        self.url_field = ft.TextField(
            label="Server address",
            value=state.server_url,
            hint_text="https://fieldwork.example.org",
            keyboard_type=ft.KeyboardType.URL,
            autocorrect=False,
            on_change=url_changed,
            text_size=17,
        )
        self.code_field = ft.TextField(
            label="Connection code",
            value=state.code,
            hint_text="From your supervisor, or paste the link",
            autocorrect=False,
            capitalization=ft.TextCapitalization.CHARACTERS,
            on_change=code_changed,
            on_submit=self.shell.async_handler(self._connect),
            text_size=20,
        )
        return screen(
            ft.Text(state.intro, size=16),
            *([banner(state.error, kind="error", identifier="connect-error")] if state.error else []),
            tagged("field-server_url", self.url_field),
            tagged("field-code", self.code_field),
        )

    def footer(self) -> ft.Control:
        state = self.state
        label = "Connecting…" if state.busy else "Connect"
        button = ft.FilledButton(
            content=label,
            icon=ft.Icons.LINK,
            on_click=self.shell.async_handler(self._connect),
            disabled=not state.can_connect,
            height=MIN_TARGET + 8,
            style=ft.ButtonStyle(text_style=ft.TextStyle(size=18, weight=ft.FontWeight.W_600)),
        )
        return ft.Row([ft.Container(tagged("connect", button, label="Connect"), expand=True)])

    def _link_pasted(self, text: str) -> None:
        # The link from the team page's QR code fills both fields, so the specialist sees what
        # they are connecting to before tapping Connect.
        if self.state.take_pasted(text):
            self.url_field.value = self.state.server_url
            self.code_field.value = self.state.code
            self.shell.refresh()

    async def _connect(self, _e: Any) -> None:
        # The fields' own values are the latest the phone sent, even if a change event is still queued.
        self.state.server_url = self.url_field.value or self.state.server_url
        self.state.code = self.code_field.value or self.state.code
        self.state.busy = True
        self.shell.refresh()
        ok = await self.state.connect()
        if ok:
            self.shell.notify(self.state.success_message)
            self.shell.go_root("today")
        else:
            self.shell.refresh()
