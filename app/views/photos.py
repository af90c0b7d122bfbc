"""The Photos section of a visit's or an opening's screen: "Add photo" and each photo with its state.

"Take photo" opens the camera screen (``app.views.camera``: flet-camera, the back camera's preview
and a shutter). "Add photo" is Flet 1.0's FilePicker: with ``FilePickerFileType.IMAGE`` a phone
opens its photo picker (gallery / Photos), a browser its file dialog. Either way the bytes go to
the photo worker at once (``app.state.photos``); nothing here waits for the shrinking but this
section's own redraw.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.photos import PhotoRow, RecordPhotosState
from app.views.camera import CameraScreen
from app.views.widgets import banner, big_button, section

if TYPE_CHECKING:
    from app.views.shell import Shell


class PhotosSection:
    def __init__(self, shell: Shell, state: RecordPhotosState) -> None:
        self.shell = shell
        self.state = state
        self._picker: ft.FilePicker | None = None

    def build(self) -> list[ft.Control]:
        state = self.state
        rows = state.rows()
        if not state.can_attach and not rows:
            return []
        controls: list[ft.Control] = [_photo_row(index, row) for index, row in enumerate(rows)]
        if state.adding:
            controls.append(ft.Text("Shrinking the photo…", size=15, color=ft.Colors.BLUE_GREY_700))
        if state.error:
            controls.append(banner(state.error, kind="error", identifier="photo-error"))
        elif state.message:
            controls.append(banner(state.message, kind="ok", identifier="photo-message"))
        if state.can_attach:
            controls.append(
                big_button(
                    "Take photo",
                    ft.Icons.PHOTO_CAMERA,
                    self.shell.handler(lambda _e: self.shell.push(CameraScreen(self.shell, self._attach))),
                    identifier="take-photo",
                )
            )
            controls.append(
                big_button(
                    "Add photo",
                    ft.Icons.ADD_A_PHOTO,
                    self.shell.async_handler(self._pick),
                    identifier="add-photo",
                    filled=False,
                )
            )
        elif not rows:
            controls.append(ft.Text("No photos.", size=15))
        return [section("Photos", *controls)]

    def on_sync(self, event: str) -> bool:
        return self.state.on_sync(event)

    async def _pick(self, _e: Any) -> None:
        if self._picker is None:
            self._picker = ft.FilePicker()  # a service: registers with this page as it is made
        files = await self._picker.pick_files(
            dialog_title="Attach a photo", file_type=ft.FilePickerFileType.IMAGE, with_data=True
        )
        if not files:
            return
        picked = files[0]
        data = picked.bytes
        if data is None and picked.path:
            data = await asyncio.to_thread(Path(picked.path).read_bytes)
        if data is None:
            return
        await self._attach(data)

    async def _attach(self, data: bytes) -> None:
        """A photo taken or picked: to the photo worker, and this screen redrawn when it is kept."""
        future = self.state.attach(data)
        self.shell.refresh()  # "Shrinking the photo…"
        await asyncio.wrap_future(future)
        if self.state.finished(future) and self.shell.ctx.sync is not None:
            self.shell.ctx.sync.after_save()  # the record first, then this photo
        self.shell.refresh()


def _photo_row(index: int, row: PhotoRow) -> ft.Control:
    picture: ft.Control = (
        ft.Image(src=row.thumbnail, width=96, height=96, fit=ft.BoxFit.COVER, border_radius=6)
        if row.thumbnail is not None
        else ft.Icon(ft.Icons.BROKEN_IMAGE, size=48)
    )
    words = ft.Column(
        [
            ft.Text(row.label, size=15, max_lines=3, overflow=ft.TextOverflow.ELLIPSIS),
            ft.Text(f"{row.kb} KB", size=13, color=ft.Colors.BLUE_GREY_600),
        ],
        spacing=2,
        expand=True,
    )
    return ft.Semantics(
        content=ft.Row([picture, words], spacing=12),
        identifier=f"photo-{index}",
        label=f"Photo {index + 1}: {row.label}",
    )
