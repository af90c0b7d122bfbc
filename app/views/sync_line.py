"""The sync line on Today: what the runner says, plus the one action it offers (Connect or Sync now).

Built once per Today view and then changed in place (`show`), so a runner status arriving while
a thumb is on the screen never rebuilds the page under it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.sync_status import SyncSummary
from app.views.widgets import MIN_TARGET

if TYPE_CHECKING:
    from app.views.shell import Shell

STYLES = {
    "info": (ft.Colors.BLUE_50, ft.Icons.CLOUD_QUEUE, ft.Colors.BLUE_900),
    "ok": (ft.Colors.GREEN_50, ft.Icons.CLOUD_DONE, ft.Colors.GREEN_900),
    "warn": (ft.Colors.AMBER_50, ft.Icons.WARNING_AMBER, ft.Colors.BROWN_800),
    "error": (ft.Colors.RED_50, ft.Icons.ERROR_OUTLINE, ft.Colors.RED_900),
}


class SyncLine:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.icon = ft.Icon(ft.Icons.CLOUD_QUEUE, size=26)
        self.text = ft.Text("", size=16, weight=ft.FontWeight.W_500, expand=True)
        self.spinner = ft.ProgressRing(width=22, height=22, stroke_width=3, visible=False)
        # The identifier sits on the text itself: a Semantics around the whole row lost its
        # identifier in Flutter web once the spinner came and went during an in-place update.
        self.status = ft.Row(
            [self.icon, self.spinner, ft.Semantics(identifier="sync-status", content=self.text, expand=True)],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
            spacing=10,
        )
        self.button = ft.FilledTonalButton(
            content="Sync now",
            icon=ft.Icons.SYNC,
            height=MIN_TARGET,
            on_click=shell.handler(self._act),
            style=ft.ButtonStyle(text_style=ft.TextStyle(size=16, weight=ft.FontWeight.W_600)),
        )
        self.action = ft.Semantics(identifier="sync-now", label="Sync now", content=self.button)
        self.box = ft.Container(
            ft.Column([self.status, ft.Row([self.action], alignment=ft.MainAxisAlignment.END)], spacing=6),
            padding=12,
            border_radius=12,
        )
        self.summary: SyncSummary | None = None

    def build(self, summary: SyncSummary) -> ft.Control:
        self._apply(summary)
        return self.box

    def show(self, summary: SyncSummary) -> None:
        self._apply(summary)
        self.shell.update_in_place(self.box)

    def _apply(self, summary: SyncSummary) -> None:
        self.summary = summary
        bg, icon, fg = STYLES.get(summary.kind, STYLES["info"])
        self.box.bgcolor = bg
        self.icon.icon, self.icon.color, self.text.color = icon, fg, fg
        self.icon.visible, self.spinner.visible = not summary.syncing, summary.syncing
        self.text.value = summary.label
        connect = summary.action == "connect"
        label = "Connect to your team" if connect else "Sync now"
        self.button.content = label
        self.button.icon = ft.Icons.LINK if connect else ft.Icons.SYNC
        self.button.disabled = summary.syncing
        self.action.identifier = "connect-team" if connect else "sync-now"
        self.action.label = label
        self.action.visible = self.shell.ctx.sync is not None

    def _act(self, _e: Any) -> None:
        sync = self.shell.ctx.sync
        if self.summary is None or sync is None:
            return
        if self.summary.action == "connect":
            from app.views.screens import connect_screen

            self.shell.push(connect_screen(self.shell))
        else:
            sync.sync_now()
            self.shell.notify("Syncing with the server now.")
            self.shell.page.update()
