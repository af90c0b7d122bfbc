"""A photo the server turns away because the team's photo storage is full waits on the phone, says
why on its record, is declared again once each pass (one request, no chunks) and goes up once the
team's limit is raised: the real store, client and uploader against the real API on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from app.state.photos import RecordPhotosState
from app.store.attachments import SENT, WAITING, PhotoStore
from server.db.database import Database
from server.db.models import AttachmentRow
from sync.attachments import STORAGE_FULL, PhotoUploader
from tests.server.test_attachments import jpeg
from tests.sync.harness import Fault, ServerProcess, Team, enroll_device
from tests.sync.records import employer, save, visit

PHOTO = jpeg(64)
CAP = len(PHOTO) + len(PHOTO) // 2  # one photo fits, not two


@pytest.fixture(scope="module")
def server(database: Database) -> Iterator[ServerProcess]:
    process = ServerProcess(database.url, env={"FIELDWORK_PHOTO_STORAGE_PER_TEAM_BYTES": str(CAP)})
    process.start()
    yield process
    process.kill()


class Requests:
    """Notes each photo request the phone sends (method and path); cuts the chunks while `cut`."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.cut = False

    def __call__(self, request: httpx.Request) -> Fault | None:
        if "/attachments/" in request.url.path:
            self.seen.append((request.method, request.url.path.rsplit("/attachments/", 1)[1]))
        cut = self.cut and request.url.path.endswith("/content")
        return Fault.DROP_REQUEST if cut else None


def test_a_photo_refused_for_full_storage_waits_and_goes_up_once_the_limit_is_raised(
    server: ServerProcess, team: Team, database: Database
) -> None:
    requests = Requests()
    device = enroll_device(server, team, "alice", plan=requests)
    photos = PhotoStore(device.store)
    uploader = PhotoUploader(lambda: photos, device.client)
    bakery = employer()
    save(device.store, bakery)
    seen = save(device.store, visit(bakery.id))
    device.engine.sync_once()
    for name in ("first", "second"):
        photos.add(attachment_id=name, kind="employer_visit", record_id=seen.data["id"], photo=PHOTO,
                   added_at=name)  # fmt: skip
    screen = RecordPhotosState(lambda: photos, None, "employer_visit", seen.data["id"])

    report = uploader.upload_waiting()
    assert (report.sent, report.refused, report.waiting) == (1, 0, 1)
    assert [(p.id, p.state, p.reason) for p in photos.all()] == [
        ("first", SENT, None), ("second", WAITING, STORAGE_FULL)
    ]  # fmt: skip
    assert [row.label for row in screen.rows()] == ["Sent", STORAGE_FULL]

    requests.seen.clear()  # later passes ask once each, and send no bytes while it is full
    for _ in range(2):
        again = uploader.upload_waiting()
        assert (again.sent, again.refused, again.waiting) == (0, 0, 1)
    assert requests.seen == [("PUT", "second"), ("PUT", "second")]

    raised = ServerProcess(database.url, env={"FIELDWORK_PHOTO_STORAGE_PER_TEAM_BYTES": str(3 * CAP)})
    raised.port, raised.url = server.port, server.url  # the same server, restarted with a new limit
    server.kill()
    raised.start()
    try:
        # The declaration is taken, then the connection goes before a byte: the photo still waits,
        # but no longer because the storage is full.
        requests.cut = True
        cut = uploader.upload_waiting()
        assert (cut.sent, cut.waiting) == (0, 1)
        assert [(p.state, p.reason) for p in photos.all()] == [(SENT, None), (WAITING, "")]
        assert [row.label for row in screen.rows()] == ["Sent", "Waiting to send"]
        requests.cut = False
        last = uploader.upload_waiting()
    finally:
        raised.kill()
        server.start()  # for the module's other tests, as it was
    assert (last.sent, last.waiting) == (1, 0)
    assert [(p.state, p.reason) for p in photos.all()] == [(SENT, None), (SENT, None)]
    assert [row.label for row in screen.rows()] == ["Sent", "Sent"]
    with database.read() as session:
        second = session.get(AttachmentRow, "second")
        assert second is not None and second.complete and bytes(second.data) == PHOTO
        assert session.scalars(select(AttachmentRow.id).where(AttachmentRow.complete.is_(False))).all() == []
