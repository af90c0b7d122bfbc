"""Space the team's photo cap keeps for uploads that will never finish is given back, and no photo
is lost: a declaration left unfinished for Settings.photo_upload_abandoned_days is deleted by the
team's next declaration, a refused upload (bytes not an image, or not matching their SHA-256) is
deleted with its bytes, and the phone declares such a photo again on its next pass. On SQLite and
PostgreSQL, with the app's injected clock; the phone's side is the real SyncClient and PhotoUploader
against the real app on loopback."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from app.domain.clock import FakeClock
from server.db.database import Database
from server.db.models import AttachmentRow
from server.settings import Settings
from sync.attachments import PhotoUploader, UploadProgress
from sync.client import SyncClient
from tests.server.test_attachments import chunk, declare, jpeg, visit_of
from tests.server.test_photo_storage_cap import PhoneAlbum
from tests.server.world import World, new_id

PHOTO = jpeg(64)
CAP = 2 * len(PHOTO) + len(PHOTO) // 2  # two photos fit, not a third
DAYS = 7


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key=SecretStr("test-secret"),
        cookie_secure=False,
        photo_storage_per_team_bytes=CAP,
        photo_upload_abandoned_days=DAYS,
    )


def _stored(database: Database) -> dict[str, tuple[int, bool]]:
    """Every upload on the server: its bytes received and whether it is complete."""
    with database.read() as session:
        rows = session.execute(select(AttachmentRow.id, AttachmentRow.received, AttachmentRow.complete))
        return {row.id: (row.received, row.complete) for row in rows}


def test_an_upload_left_unfinished_for_the_set_days_stops_counting_and_is_deleted(
    client: TestClient, world: World, database: Database, clock: FakeClock
) -> None:
    alice, bob = world["alice"], world["bob"]
    visit = visit_of(client, alice)
    whole, started = new_id(), new_id()
    assert declare(client, alice, whole, visit, PHOTO).status_code == 201
    assert chunk(client, alice, whole, PHOTO, 0, len(PHOTO) - 1).json()["complete"] is True
    assert declare(client, alice, started, visit, PHOTO).status_code == 201
    assert chunk(client, alice, started, PHOTO, 0, 99).json()["received_bytes"] == 100
    clock.advance(days=DAYS, seconds=-1)
    assert declare(client, bob, new_id(), visit_of(client, bob), PHOTO).status_code == 413  # not yet
    clock.advance(seconds=2)
    taken = new_id()
    assert declare(client, bob, taken, visit_of(client, bob), PHOTO).status_code == 201
    # The unfinished one is gone with its bytes; a photo the server has whole is never swept.
    assert _stored(database) == {whole: (len(PHOTO), True), taken: (0, False)}
    # Declared again, it counts again like any new photo: the space is bob's now.
    again = declare(client, alice, started, visit, PHOTO)
    assert again.status_code == 413 and again.json()["error"]["code"] == "photo_storage_full"


def test_an_upload_still_being_resumed_is_counted_from_its_last_chunk_not_its_declaration(
    client: TestClient, world: World, database: Database, clock: FakeClock
) -> None:
    alice, bob = world["alice"], world["bob"]
    visit = visit_of(client, alice)
    slow = new_id()
    assert declare(client, alice, slow, visit, PHOTO).status_code == 201
    assert chunk(client, alice, slow, PHOTO, 0, 99).json()["received_bytes"] == 100
    clock.advance(days=DAYS - 1)
    assert chunk(client, alice, slow, PHOTO, 100, 199).json()["received_bytes"] == 200  # still resuming
    clock.advance(days=2)  # past the set days from its declaration, not from its last chunk
    assert declare(client, bob, new_id(), visit_of(client, bob), PHOTO).status_code == 201
    assert _stored(database)[slow] == (200, False)  # kept: the phone goes on from byte 200
    clock.advance(days=DAYS - 1)
    assert chunk(client, alice, slow, PHOTO, 200, len(PHOTO) - 1).json()["complete"] is True


def test_a_refused_uploads_dropped_bytes_no_longer_count(
    client: TestClient, world: World, database: Database
) -> None:
    alice = world["alice"]
    visit = visit_of(client, alice)
    fake = b"\xff\xd8\xff\xe0 not a JPEG, only its first bytes" + bytes(len(PHOTO))
    not_image, torn = new_id(), new_id()
    assert declare(client, alice, not_image, visit, fake).status_code == 201
    assert chunk(client, alice, not_image, fake, 0, len(fake) - 1).status_code == 415
    assert declare(client, alice, torn, visit, PHOTO).status_code == 201
    damaged = PHOTO[:-40] + bytes(40)
    bad_sum = client.put(
        f"/api/v1/attachments/{torn}/content",
        content=damaged,
        headers={**alice.bearer, "Content-Range": f"bytes 0-{len(PHOTO) - 1}/{len(PHOTO)}"},
    )
    assert bad_sum.status_code == 422 and bad_sum.json()["error"]["code"] == "checksum_mismatch"
    assert _stored(database) == {}
    gone = client.get(f"/api/v1/attachments/{torn}", headers=alice.bearer)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    # Both refusals gave their space back: two photos fit, and the torn one is sent again whole.
    assert declare(client, alice, new_id(), visit, PHOTO).status_code == 201
    assert declare(client, alice, torn, visit, PHOTO).status_code == 201
    assert chunk(client, alice, torn, PHOTO, 0, len(PHOTO) - 1).json()["complete"] is True


def test_the_phone_declares_an_abandoned_upload_again_and_sends_it_whole(
    live_server: Any, world: World, client: TestClient, database: Database, clock: FakeClock
) -> None:
    alice, bob = world["alice"], world["bob"]
    album = PhoneAlbum(visit_of(client, alice), {"cut": PHOTO})
    phone = SyncClient(live_server.url, alice.token)
    try:
        # A pass cut after one chunk, then the phone stays away past the set days.
        phone.declare_attachment(
            "cut", record_kind="employer_visit", record_id=album.record_id, size=len(PHOTO),
            sha256=hashlib.sha256(PHOTO).hexdigest(), content_type="image/jpeg",
        )  # fmt: skip
        phone.put_attachment_chunk("cut", PHOTO[:100], start=0, total=len(PHOTO))
        clock.advance(days=DAYS + 1)
        assert declare(client, bob, "bobs", visit_of(client, bob), PHOTO).status_code == 201
        assert "cut" not in _stored(database)
        report = PhotoUploader(lambda: album, phone).upload_waiting()
    finally:
        phone.close()
    assert (report.sent, report.refused, album.sent) == (1, 0, ["cut"])
    assert _stored(database)["cut"] == (len(PHOTO), True)


class SweptMidUpload:
    """The phone's real client, except that a teammate's declaration days later deletes this
    upload (abandoned) just before its first chunk reaches the server."""

    def __init__(self, phone: SyncClient, teammate_declares: Any, clock: FakeClock) -> None:
        self.phone, self.teammate_declares, self.clock = phone, teammate_declares, clock
        self.swept = False

    def declare_attachment(self, attachment_id: str, **details: Any) -> UploadProgress:
        return self.phone.declare_attachment(attachment_id, **details)

    def attachment_status(self, attachment_id: str) -> UploadProgress:
        return self.phone.attachment_status(attachment_id)

    def put_attachment_chunk(
        self, attachment_id: str, chunk: bytes, *, start: int, total: int
    ) -> UploadProgress:
        if not self.swept:
            self.swept = True
            self.clock.advance(days=DAYS + 1)
            self.teammate_declares()
        return self.phone.put_attachment_chunk(attachment_id, chunk, start=start, total=total)


def test_a_declaration_deleted_while_the_phone_sends_it_waits_for_the_next_pass(
    live_server: Any, world: World, client: TestClient, database: Database, clock: FakeClock
) -> None:
    alice, bob = world["alice"], world["bob"]
    album = PhoneAlbum(visit_of(client, alice), {"late": PHOTO})
    bobs_visit = visit_of(client, bob)
    phone = SyncClient(live_server.url, alice.token)
    api = SweptMidUpload(phone, lambda: declare(client, bob, "bobs", bobs_visit, PHOTO), clock)
    try:
        first = PhotoUploader(lambda: album, api).upload_waiting()
        assert api.swept and (first.sent, first.refused, first.waiting) == (0, 0, 1)
        assert album.refused == {} and "late" not in _stored(database)
        second = PhotoUploader(lambda: album, api).upload_waiting()
    finally:
        phone.close()
    assert (second.sent, album.sent) == (1, ["late"])
    assert _stored(database)["late"] == (len(PHOTO), True)


def test_the_days_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().photo_upload_abandoned_days == 7
    monkeypatch.setenv("FIELDWORK_PHOTO_UPLOAD_ABANDONED_DAYS", "30")
    assert Settings().photo_upload_abandoned_days == 30
