"""Photo uploads after the records: each photo its own resumable, idempotent upload.

A pass (``upload_waiting``) sends at most ``max_per_pass`` photos, and only those whose record the
server already has (synced at least once), so a record never waits for its photo and a photo
never goes before its record. For each: declare it (``PUT /attachments/{id}``, harmless to
repeat), ask nothing more when the answer says how far the server got, and send the rest in
chunks from there (``PUT .../content`` with ``Content-Range``). A cut connection leaves the bytes
the server committed; the next pass resumes from the offset it reports.

What each answer means for the photo (it always stays on the phone):
    complete                 ``sent``
    Offline                  waits; the pass stops sending photos (the network is gone)
    409 record_not_synced    waits: the record has not reached the server yet
    409 upload_offset_mismatch   resume from ``details.received_bytes``... by asking the status
    422 checksum_mismatch    waits: the server dropped the bytes, the next pass sends them again
    404 not_found            waits: the declaration is gone (abandoned), the next pass declares again
    413 photo_storage_full   waits, with ``STORAGE_FULL`` shown: declared again once each pass, it
                             goes up once the team's cap is raised or space is freed (the reason is
                             cleared as soon as a declaration is accepted, not when the last byte is)
    413, 415, 403, other 4xx ``refused``, with the server's reason shown on the record
    401, 426                 raised: the runner signs out or asks for an update, as for records
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sync.errors import Offline, PayloadTooLarge, ProtocolFault
from sync.wire import WireError

CHUNK_BYTES = 256 * 1024
MAX_PER_PASS = 4
UNREADABLE = "The photo could not be read on this phone."
STORAGE_FULL = (
    "Waiting: your team's photo storage on the server is full. The photo stays on this phone and "
    "is sent once the team's limit is raised."
)
RETRY_CODES = frozenset({"record_not_synced", "checksum_mismatch", "upload_offset_mismatch", "not_found"})


@dataclass(frozen=True)
class UploadProgress:
    size: int
    received_bytes: int
    complete: bool


def decode_progress(raw: Any) -> UploadProgress:
    if not isinstance(raw, Mapping):
        raise WireError("an upload answer is an object")
    size, received, complete = raw.get("size"), raw.get("received_bytes"), raw.get("complete")
    if not isinstance(size, int) or not isinstance(received, int) or not isinstance(complete, bool):
        raise WireError("an upload answer has size, received_bytes and complete")
    return UploadProgress(size=size, received_bytes=received, complete=complete)


class WaitingPhoto(Protocol):
    """What the phone's store says of a photo to send (app.store.attachments.Attachment fits)."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def record_id(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def reason(self) -> str | None: ...


class PhotoSource(Protocol):
    """What the uploader needs of the phone's store (app.store.attachments.PhotoStore fits)."""

    def waiting(self, *, limit: int | None = None) -> Sequence[WaitingPhoto]: ...
    def read(self, attachment_id: str) -> bytes: ...
    def record_on_server(self, kind: str, record_id: str) -> bool: ...
    def mark_sent(self, attachment_id: str) -> None: ...
    def mark_refused(self, attachment_id: str, reason: str) -> None: ...
    def mark_waiting(self, attachment_id: str, reason: str) -> None: ...


class AttachmentApi(Protocol):
    def declare_attachment(
        self,
        attachment_id: str,
        *,
        record_kind: str,
        record_id: str,
        size: int,
        sha256: str,
        content_type: str,
    ) -> UploadProgress: ...
    def attachment_status(self, attachment_id: str) -> UploadProgress: ...
    def put_attachment_chunk(
        self, attachment_id: str, chunk: bytes, *, start: int, total: int
    ) -> UploadProgress: ...


@dataclass
class UploadReport:
    sent: int = 0
    refused: int = 0
    waiting: int = 0


class PhotoUploader:
    def __init__(
        self,
        photos: Callable[[], PhotoSource],
        api: AttachmentApi,
        *,
        chunk_bytes: int = CHUNK_BYTES,
        max_per_pass: int = MAX_PER_PASS,
    ) -> None:
        self._photos = photos  # read at each pass: a remote wipe replaces the store
        self._api = api
        self._chunk_bytes = chunk_bytes
        self._max_per_pass = max_per_pass

    def upload_waiting(self) -> UploadReport:
        """Send up to ``max_per_pass`` waiting photos whose records the server has."""
        photos, report = self._photos(), UploadReport()
        ready = [p for p in photos.waiting() if photos.record_on_server(p.kind, p.record_id)]
        for photo in ready[: self._max_per_pass]:
            try:
                self._upload(photos, photo)
            except Offline:
                report.waiting += 1
                return report  # the network went: the rest waits for the next pass
            except ProtocolFault as exc:
                if exc.code in RETRY_CODES:
                    report.waiting += 1
                    continue
                if exc.code == "photo_storage_full":
                    photos.mark_waiting(photo.id, STORAGE_FULL)
                    report.waiting += 1
                    continue
                photos.mark_refused(photo.id, _reason(exc))
                report.refused += 1
                continue
            photos.mark_sent(photo.id)
            report.sent += 1
        return report

    def _upload(self, photos: PhotoSource, photo: WaitingPhoto) -> None:
        try:
            data = photos.read(photo.id)
        except Exception:  # a photo file lost or damaged on the phone must not stop every pass
            raise ProtocolFault(UNREADABLE, code="unreadable_on_phone") from None
        progress = self._api.declare_attachment(
            photo.id,
            record_kind=photo.kind,
            record_id=photo.record_id,
            size=len(data),
            sha256=photo.sha256,
            content_type=photo.content_type,
        )
        if photo.reason:  # the server took the declaration: the team's storage is no longer full
            photos.mark_waiting(photo.id, "")
        # Bounded: each round sends a chunk or learns the server's offset; a stuck server ends it.
        for _ in range(2 * (len(data) // self._chunk_bytes + 2)):
            if progress.complete:
                return
            start = progress.received_bytes
            chunk = data[start : start + self._chunk_bytes]
            try:
                progress = self._api.put_attachment_chunk(photo.id, chunk, start=start, total=len(data))
            except ProtocolFault as exc:
                if exc.code != "upload_offset_mismatch":
                    raise
                progress = self._api.attachment_status(photo.id)  # another try got further: resume there
        if not progress.complete:
            raise Offline("the upload did not finish in this pass")


def _reason(exc: ProtocolFault) -> str:
    if exc.code == "unreadable_on_phone":
        return UNREADABLE
    if isinstance(exc, PayloadTooLarge) and exc.limit_bytes:
        return f"The photo is too large for the server (at most {exc.limit_bytes // (1024 * 1024)} MB)."
    return f"The server refused the photo: {exc}"
