"""Photos for a visit or an opening: shrunk on the phone, kept sealed, never in a save's way.

``shrink_photo`` turns whatever the picker gave (a camera JPEG of 3-12 MB, a PNG screenshot) into
a JPEG of at most 1600 px on its longest side at quality 80, turned upright by its EXIF
orientation and then written *without* EXIF: a phone's EXIF carries the GPS position, the time and
the phone's make, which are personal data the photo does not need. Pillow does the work (10.4.0
is in Flet's mobile package index for Android and iOS).

``PhotoAttacher`` runs the shrinking, sealing and writing on its own worker thread: the screen
hands it the picked bytes and gets a future back at once, so a record save (on the UI's thread,
or the store's lock) never waits for a photo.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from app.domain.clock import Clock, IdMaker
from app.store.attachments import Attachment, PhotoStore

LONGEST_SIDE_PX = 1600
JPEG_QUALITY = 80
MAX_PHOTO_BYTES = 5 * 1024 * 1024  # after shrinking; the server refuses more (413)
MAX_PICKED_BYTES = 40 * 1024 * 1024  # what the phone agrees to open at all
MAX_PIXELS = 64_000_000  # a 64-megapixel camera; more is a decompression bomb, not a photo
NOT_A_PHOTO = "This file is not a photo Fieldwork can read: pick a JPEG or PNG photo."
TOO_BIG = "This photo is too large to attach, even shrunk."

Shrink = Callable[[bytes], bytes]


class PhotoRefused(ValueError):
    """The picked file cannot be attached; the message is for the specialist."""


def shrink_photo(raw: bytes, *, longest_side: int = LONGEST_SIDE_PX, quality: int = JPEG_QUALITY) -> bytes:
    """A JPEG of at most ``longest_side`` px, upright, with no EXIF or other metadata."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # only when a photo is attached

    if len(raw) > MAX_PICKED_BYTES:
        raise PhotoRefused(TOO_BIG)
    try:
        with Image.open(io.BytesIO(raw)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise PhotoRefused(TOO_BIG)
            upright = ImageOps.exif_transpose(opened)
            picture = upright.convert("RGB")  # drops alpha and palettes; JPEG holds neither
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, PhotoRefused):
            raise
        raise PhotoRefused(NOT_A_PHOTO) from None
    picture.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    for attempt_quality in (quality, 65, 50):
        out = io.BytesIO()
        # No exif=, no icc_profile=: Pillow writes none of the source's metadata.
        picture.save(out, format="JPEG", quality=attempt_quality, optimize=True)
        if out.tell() <= MAX_PHOTO_BYTES:
            return out.getvalue()
    raise PhotoRefused(TOO_BIG)


class PhotoAttacher:
    """Attaches photos to saved records off the caller's thread, one at a time."""

    def __init__(
        self,
        photos: Callable[[], PhotoStore],
        *,
        clock: Clock,
        new_id: IdMaker,
        shrink: Shrink = shrink_photo,
        executor: ThreadPoolExecutor | None = None,
    ) -> None:
        self._photos = photos  # read at each attach: a remote wipe replaces the store
        self._clock = clock
        self._new_id = new_id
        self._shrink = shrink
        self._executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldwork-photo")

    def attach(self, kind: str, record_id: str, picked: bytes) -> Future[Attachment]:
        """Returns at once; the future ends with the kept attachment, or ``PhotoRefused``."""
        return self._executor.submit(self._attach, kind, record_id, picked)

    def _attach(self, kind: str, record_id: str, picked: bytes) -> Attachment:
        photo = self._shrink(picked)
        return self._photos().add(
            attachment_id=self._new_id(),
            kind=kind,
            record_id=record_id,
            photo=photo,
            added_at=self._clock.now().isoformat(),
        )

    def close(self) -> None:
        self._executor.shutdown(wait=True)


def thumbnail(photo: bytes, *, side: int = 160) -> bytes:
    """A small JPEG of a kept photo for the record's screen."""
    from PIL import Image

    with Image.open(io.BytesIO(photo)) as opened:
        opened.draft("RGB", (side, side))  # a JPEG decodes at 1/2-1/8 scale: fast on a phone
        small: Any = opened.convert("RGB")
        small.thumbnail((side, side))
        out = io.BytesIO()
        small.save(out, format="JPEG", quality=70)
        return out.getvalue()
