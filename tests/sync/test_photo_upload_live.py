"""Photo uploads against the real API on loopback: the record syncs first and alone, a cut upload
resumes from the server's offset, a repeat of a finished one stores nothing twice, and a refusal
keeps the photo on the phone with the reason."""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
from PIL import Image
from sqlalchemy import func, select

from app.attachments import shrink_photo
from app.store import LocalStore, SyncOutcome
from app.store.attachments import REFUSED, SENT, WAITING, PhotoStore
from app.store.photo_files import photo_path
from server.db.database import Database
from server.db.models import AttachmentRow
from sync.attachments import UNREADABLE, PhotoUploader
from tests.sync.harness import Fault, ServerProcess, Team, enroll_device
from tests.sync.records import employer, save, visit

CHUNK = 16 * 1024
CONTENT = "/content"


def noisy_photo() -> bytes:
    """A shrunk photo of a few chunks (noise does not compress)."""
    picture = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
    raw = io.BytesIO()
    picture.save(raw, format="PNG")
    return shrink_photo(raw.getvalue())


class ChunkFaults:
    """Cuts chosen content requests (1-based) and notes each one's start offset."""

    def __init__(self, faults: dict[int, Fault]) -> None:
        self.faults = faults
        self.starts: list[int] = []

    def __call__(self, request: httpx.Request) -> Fault | None:
        if not request.url.path.endswith(CONTENT):
            return None
        self.starts.append(int(request.headers["content-range"].split()[1].split("-")[0]))
        return self.faults.get(len(self.starts))


def stored(database: Database, attachment_id: str) -> tuple[int, bytes, bool]:
    with database.read() as session:
        count = session.scalar(select(func.count()).where(AttachmentRow.id == attachment_id))
        row = session.get(AttachmentRow, attachment_id)
        assert row is not None
        return int(count or 0), bytes(row.data), row.complete


def test_a_cut_upload_resumes_from_the_servers_offset_and_the_record_never_waits(
    server: ServerProcess, team: Team, database: Database
) -> None:
    faults = ChunkFaults({2: Fault.DROP_RESPONSE, 3: Fault.DROP_REQUEST})
    device = enroll_device(server, team, "alice", plan=faults)
    photos = PhotoStore(device.store)
    uploader = PhotoUploader(lambda: photos, device.client, chunk_bytes=CHUNK)
    bakery = employer()
    save(device.store, bakery)
    seen = save(device.store, visit(bakery.id))
    photo = noisy_photo()
    assert len(photo) > 3 * CHUNK
    photos.add(
        attachment_id="photo-1", kind="employer_visit", record_id=seen.data["id"], photo=photo, added_at="t1"
    )

    assert uploader.upload_waiting().sent == 0 and faults.starts == []  # its record is not there yet
    device.engine.sync_once()
    assert device.store.get("employer_visit", seen.data["id"]).sync.state == "synced"  # type: ignore[union-attr]

    first = uploader.upload_waiting()  # chunk 2 is stored, but its answer is lost
    assert (first.sent, first.waiting) == (0, 1) and photos.all()[0].state == WAITING
    assert stored(database, "photo-1")[1] == photo[: 2 * CHUNK]
    uploader.upload_waiting()  # chunk 3 never reaches the server
    final = uploader.upload_waiting()
    assert final.sent == 1 and photos.all()[0].state == SENT
    assert faults.starts[:4] == [0, CHUNK, 2 * CHUNK, 2 * CHUNK]  # resumed where the server was
    assert faults.starts.count(0) == 1 and faults.starts.count(CHUNK) == 1  # nothing sent twice
    assert stored(database, "photo-1") == (1, photo, True)


def test_a_finished_upload_whose_answer_was_lost_is_not_sent_again(
    server: ServerProcess, team: Team, database: Database
) -> None:
    faults = ChunkFaults({1: Fault.DROP_RESPONSE})  # one chunk: the last, and its answer is lost
    device = enroll_device(server, team, "alice", plan=faults)
    photos = PhotoStore(device.store)
    uploader = PhotoUploader(lambda: photos, device.client)
    seen = save(device.store, visit(employer().id))
    device.engine.sync_once()
    photo = shrink_photo(noisy_photo())
    photos.add(
        attachment_id="photo-2", kind="employer_visit", record_id=seen.data["id"], photo=photo, added_at="t1"
    )
    assert uploader.upload_waiting().waiting == 1
    assert uploader.upload_waiting().sent == 1  # the declaration answers "complete"
    assert len(faults.starts) == 1 and stored(database, "photo-2") == (1, photo, True)


def test_a_refused_photo_stays_on_the_phone_with_the_servers_reason(
    server: ServerProcess, team: Team
) -> None:
    device = enroll_device(server, team, "alice")
    photos = PhotoStore(device.store)
    uploader = PhotoUploader(lambda: photos, device.client)
    seen = save(device.store, visit(employer().id))
    device.engine.sync_once()
    record_id = seen.data["id"]
    photos.add(
        attachment_id="not-a-photo",
        kind="employer_visit",
        record_id=record_id,
        photo=b"%PDF-1.7",
        added_at="t1",
    )
    huge = os.urandom(5 * 1024 * 1024 + 1)
    photos.add(attachment_id="too-big", kind="employer_visit", record_id=record_id, photo=huge, added_at="t2")
    report = uploader.upload_waiting()
    assert report.refused == 2
    refused = {entry.id: entry for entry in photos.all()}
    assert refused["not-a-photo"].state == REFUSED and "not a readable image/jpeg" in (
        refused["not-a-photo"].reason or ""
    )
    assert refused["too-big"].reason == "The photo is too large for the server (at most 5 MB)."
    assert photos.read("too-big") == huge  # kept on the phone
    assert uploader.upload_waiting().refused == 0  # a refused photo is not sent again


def test_a_photo_lost_on_the_phone_is_marked_and_does_not_stop_the_pass(tmp_path: Path) -> None:
    """No server needed: the photo's file is gone before any request is made."""
    store = LocalStore.open(tmp_path / "device", key=bytes(range(32)))
    store.save("employer_visit", {"id": "v1"}, op_id="op-1", queued_at="t1")
    store.record_outcomes([SyncOutcome("op-1", "employer_visit", "v1", "synced", server_version=1)])
    photos = PhotoStore(store)
    photos.add(attachment_id="gone", kind="employer_visit", record_id="v1", photo=b"jpeg", added_at="t1")
    photo_path(tmp_path / "device", "gone").unlink()
    calls: list[str] = []

    class NoCalls:
        def __getattr__(self, name: str) -> object:
            calls.append(name)
            raise AssertionError(name)

    report = PhotoUploader(lambda: photos, NoCalls()).upload_waiting()  # type: ignore[arg-type]
    assert report.refused == 1 and calls == []
    assert photos.all()[0].reason == UNREADABLE
    store.close()
