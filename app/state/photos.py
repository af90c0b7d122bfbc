"""A visit's or an opening's photos on its record screen: attach one, see each with where it stands.

Attaching hands the picked bytes to ``app.attachments.PhotoAttacher`` (its own thread shrinks,
seals and keeps the photo) and returns at once; the screen redraws when the future ends. Rows say
"Waiting to send" (or why it waits), "Sent" or "Not sent: <the server's reason>" (the photo then
stays here).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from app.attachments import PhotoAttacher, PhotoRefused, thumbnail
from app.state.context import AppContext
from app.store.attachments import REFUSED, SENT, WAITING, Attachment, PhotoStore
from app.store.errors import StoreError

PHOTO_KINDS = frozenset({"employer_visit", "job_opening"})
ADDED = "Photo kept on this phone. It is sent after the record."
STATE_LABELS = {SENT: "Sent", REFUSED: "Not sent"}


@dataclass(frozen=True)
class PhotoRow:
    id: str
    label: str  # where it stands, in words
    kb: int
    thumbnail: bytes | None  # a small JPEG, None if the photo cannot be read here


class RecordPhotosState:
    def __init__(
        self,
        photos: Callable[[], PhotoStore],
        attacher: PhotoAttacher | None,
        kind: str,
        record_id: str,
    ) -> None:
        self._photos = photos
        self._attacher = attacher
        self.kind = kind
        self.record_id = record_id
        self.message: str | None = None
        self.error: str | None = None
        self.adding = 0  # photos picked and still being shrunk
        self._thumbnails: dict[str, bytes | None] = {}
        self._shown: list[str] = []  # the labels last drawn

    @property
    def can_attach(self) -> bool:
        return self._attacher is not None and self.kind in PHOTO_KINDS

    def rows(self) -> list[PhotoRow]:
        photos = self._photos()
        rows = [self._row(photos, entry) for entry in photos.for_record(self.kind, self.record_id)]
        self._shown = [row.label for row in rows]
        return rows

    def on_sync(self, event: str) -> bool:
        """True when a finished pass changed where a shown photo stands (sent, or refused)."""
        if event != "pass_done":
            return False
        entries = self._photos().for_record(self.kind, self.record_id)
        return [_label(entry) for entry in entries] != self._shown

    def attach(self, picked: bytes) -> Future[Attachment]:
        """Start attaching; call ``finished`` with the future once it is done."""
        assert self._attacher is not None, "no photos in this preview"
        self.adding += 1
        self.message = self.error = None
        return self._attacher.attach(self.kind, self.record_id, picked)

    def finished(self, done: Future[Attachment]) -> bool:
        """Note how an attach ended; True when a photo was kept."""
        self.adding = max(0, self.adding - 1)
        try:
            done.result()
        except PhotoRefused as exc:
            self.error = str(exc)
            return False
        except StoreError as exc:
            self.error = f"The photo could not be kept on this phone ({exc})."
            return False
        self.message = ADDED
        return True

    def _row(self, photos: PhotoStore, entry: Attachment) -> PhotoRow:
        if entry.id not in self._thumbnails:
            try:
                self._thumbnails[entry.id] = thumbnail(photos.read(entry.id))
            except (StoreError, OSError, ValueError):
                self._thumbnails[entry.id] = None
        return PhotoRow(entry.id, _label(entry), max(1, round(entry.size / 1024)), self._thumbnails[entry.id])


def _label(entry: Attachment) -> str:
    label = STATE_LABELS.get(entry.state, "Waiting to send")
    if entry.state == WAITING and entry.reason:
        return entry.reason  # why it waits (sync.attachments.STORAGE_FULL)
    return f"{label}: {entry.reason}" if entry.state == REFUSED and entry.reason else label


def photos_for(ctx: AppContext, kind: str, record_id: str) -> RecordPhotosState:
    """The photos of one record, on the store the app uses now (a remote wipe replaces it)."""
    return RecordPhotosState(lambda: PhotoStore(ctx.service.store), ctx.photos, kind, record_id)
