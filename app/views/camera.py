"""Take a photo with the camera: flet-camera 1.0.5, Flet's own extension over Flutter's `camera`
package (Android, iOS and the browser's getUserMedia; `flet build` compiles it in with the other
extensions, and `[tool.flet] permissions` asks for the camera). The screen shows the back camera's
preview and a Take photo button; the picture (a JPEG) goes back to the record's Photos section,
which hands it to the photo worker exactly like a picked file. No sound is recorded, so no
microphone permission is asked for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import flet as ft
from flet_camera import Camera, CameraLensDirection, ResolutionPreset

from app.views.widgets import big_button, tagged

if TYPE_CHECKING:
    from app.views.shell import Shell

CAMERA_TIMEOUT_S = 20.0  # every camera call is awaited with no timeout of its own
READY = "Point the camera at the posting, card or form, then tap Take photo."
NOT_READY = "The camera is not ready yet."


class CameraScreen:
    title = "Take a photo"

    def __init__(self, shell: Shell, on_taken: Callable[[bytes], Awaitable[None]]) -> None:
        self.shell = shell
        self.on_taken = on_taken
        self.camera: Camera | None = None
        self.ready = False
        self.status = ft.Text("Opening the camera…", size=15)

    def build(self) -> ft.Control:
        self.camera = Camera(expand=True, preview_enabled=True)
        self.ready = False
        self.shell.page.run_task(self._open, self.camera)
        return ft.Column(
            [ft.Container(self.camera, expand=True), tagged("camera-status", self.status)],
            expand=True,
            spacing=8,
        )

    def footer(self) -> ft.Control:
        return big_button(
            "Take photo", ft.Icons.PHOTO_CAMERA, self.shell.async_handler(self._take), identifier="shutter"
        )

    async def _open(self, camera: Camera) -> None:
        try:
            cameras = await asyncio.wait_for(camera.get_available_cameras(), CAMERA_TIMEOUT_S)
            if not cameras:
                raise LookupError("this device has no camera")
            back = next((c for c in cameras if c.lens_direction == CameraLensDirection.BACK), cameras[0])
            await asyncio.wait_for(
                camera.initialize(back, ResolutionPreset.VERY_HIGH, enable_audio=False), CAMERA_TIMEOUT_S
            )
        except TimeoutError:
            self._say("The camera did not answer. Go back and use Add photo to pick a picture instead.")
        except Exception as exc:  # the platform's refusal (no camera, permission denied): said, not raised
            self._say(f"The camera could not be opened ({exc}). Go back and use Add photo instead.")
        else:
            if camera is self.camera:
                self.ready = True
                self._say(READY)

    async def _take(self, _e: Any) -> None:
        camera = self.camera
        if not self.ready or camera is None:
            self._say(NOT_READY)
            return
        self.ready = False  # one picture per tap
        self._say("Taking the photo…")
        data = await asyncio.wait_for(camera.take_picture(), CAMERA_TIMEOUT_S)
        self.shell.back()
        await self.on_taken(bytes(data))

    def _say(self, text: str) -> None:
        self.status.value = text
        self.shell.update_in_place(self.status)
