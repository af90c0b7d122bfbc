"""The team's photo storage cap (Settings.photo_storage_per_team_bytes), on SQLite and PostgreSQL.

Nothing on the server deletes a record for good (an archive is a tombstone that keeps the record,
its versions and its photos), so the photos a team keeps are bounded by a cap instead: a
declaration that would pass it is a 413 `photo_storage_full`, which the phone shows on the photo
and keeps it waiting; every declared upload counts at its size, finished or not, and declarations of one
team queue so two never both take the last of the space."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select, text

from server.db.database import Database
from server.db.models import AttachmentRow, RecordRow, Team
from server.settings import Settings
from sync.attachments import STORAGE_FULL, PhotoUploader
from sync.client import SyncClient
from tests.server.test_attachments import chunk, declare, jpeg, visit_of
from tests.server.world import World, new_id

PHOTO = jpeg(64)
CAP = 2 * len(PHOTO) + len(PHOTO) // 2  # two photos fit, not a third


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key=SecretStr("test-secret"),
        cookie_secure=False,
        photo_storage_per_team_bytes=CAP,
    )


def _rows(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(AttachmentRow)) or 0)


def _full(response: Any, *, used: int) -> None:
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "photo_storage_full"
    assert error["details"] == {"team_limit_bytes": CAP, "used_bytes": used, "size": len(PHOTO)}
    assert "photo storage is full" in error["message"] and "stays on the phone" in error["message"]


def test_a_photo_past_the_teams_cap_is_refused_and_every_declared_upload_counts(
    client: TestClient, world: World, database: Database
) -> None:
    alice, bob, carl = world["alice"], world["bob"], world["carl"]
    visit = visit_of(client, alice)
    sent, started = new_id(), new_id()
    assert declare(client, alice, sent, visit, PHOTO).status_code == 201
    assert chunk(client, alice, sent, PHOTO, 0, len(PHOTO) - 1).json()["complete"] is True
    assert declare(client, alice, started, visit, PHOTO).status_code == 201  # declared, no bytes yet
    _full(declare(client, alice, new_id(), visit, PHOTO), used=2 * len(PHOTO))
    _full(declare(client, bob, new_id(), visit_of(client, bob), PHOTO), used=2 * len(PHOTO))  # the team's cap
    assert _rows(database) == 2
    # What was declared before goes on: a repeat answers its state, its chunks are taken.
    assert declare(client, alice, sent, visit, PHOTO).status_code == 200
    assert chunk(client, alice, started, PHOTO, 0, len(PHOTO) - 1).json()["complete"] is True
    # Another team has its own space; a photo that fills the cap exactly is taken, not a byte more.
    assert declare(client, carl, new_id(), visit_of(client, carl), PHOTO).status_code == 201
    rest = b"x" * (CAP - 2 * len(PHOTO))
    assert declare(client, alice, new_id(), visit, rest).status_code == 201
    assert declare(client, alice, new_id(), visit, b"x").status_code == 413


@dataclass
class PhoneAlbum:
    """The phone's side of the uploader (app.store.attachments.PhotoStore's part), in memory."""

    record_id: str
    photos: dict[str, bytes]
    refused: dict[str, str] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    waits: dict[str, str] = field(default_factory=dict)  # why a waiting photo waits

    @dataclass(frozen=True)
    class Waiting:
        id: str
        record_id: str
        sha256: str
        kind: str = "employer_visit"
        content_type: str = "image/jpeg"
        reason: str | None = None

    def waiting(self, *, limit: int | None = None) -> Sequence[PhoneAlbum.Waiting]:
        done = set(self.refused) | set(self.sent)
        return [
            self.Waiting(pid, self.record_id, hashlib.sha256(data).hexdigest())
            for pid, data in self.photos.items()
            if pid not in done
        ]

    def read(self, attachment_id: str) -> bytes:
        return self.photos[attachment_id]

    def record_on_server(self, kind: str, record_id: str) -> bool:
        return True

    def mark_sent(self, attachment_id: str) -> None:
        self.sent.append(attachment_id)

    def mark_refused(self, attachment_id: str, reason: str) -> None:
        self.refused[attachment_id] = reason

    def mark_waiting(self, attachment_id: str, reason: str) -> None:
        self.waits[attachment_id] = reason


def test_the_phone_shows_why_the_photo_waits_and_keeps_it(
    live_server: Any, world: World, client: TestClient
) -> None:
    album = PhoneAlbum(visit_of(client, world["alice"]), {f"p{n}": PHOTO for n in range(3)})
    phone = SyncClient(live_server.url, world["alice"].token)
    try:
        report = PhotoUploader(lambda: album, phone).upload_waiting()
    finally:
        phone.close()
    assert (report.sent, report.refused, report.waiting) == (2, 0, 1)
    assert album.waits == {"p2": STORAGE_FULL} and album.refused == {}  # tried again on later passes
    assert set(album.photos) == {"p0", "p1", "p2"}  # the phone still has all three


# PostgreSQL only: SQLite's write transaction holds the whole database, so there is nothing to race.
@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_two_declarations_at_once_never_both_take_the_last_space(
    client: TestClient, world: World, database: Database
) -> None:
    alice = world["alice"]
    visit = visit_of(client, alice)
    assert declare(client, alice, new_id(), visit, PHOTO).status_code == 201
    answers: list[Any] = []
    with database.write() as session:
        # Another declaration is between its lock and its commit: it holds the team's row...
        session.execute(select(Team.id).where(Team.id == alice.team_id).with_for_update(key_share=True))
        racer = threading.Thread(
            target=lambda: answers.append(declare(client, alice, new_id(), visit, PHOTO))
        )
        racer.start()
        _wait_for_a_lock_wait(database)  # ...so this one queues behind it
        session.add(_reserved(alice.team_id, visit, session))
    racer.join(timeout=30)
    _full(answers[0], used=2 * len(PHOTO))
    assert _rows(database) == 2


def _reserved(team_id: str, visit: str, session: Any) -> AttachmentRow:
    """Another upload's row, declared in the same transaction as the lock above."""
    record = session.execute(select(RecordRow).where(RecordRow.record_id == visit)).scalar_one()
    first = session.execute(select(AttachmentRow)).scalars().first()
    return AttachmentRow(
        id=new_id(), team_id=team_id, record_pk=record.pk, owner_user_id=record.owner_user_id,
        device_id=None, content_type="image/jpeg", size=len(PHOTO), sha256=first.sha256, received=0,
        data=b"", complete=False, created_at=first.created_at, received_at=first.created_at,
    )  # fmt: skip


def _wait_for_a_lock_wait(database: Database) -> None:
    """Returns once another connection waits on a row lock (bounded: fails if none ever does)."""
    with database.engine.connect() as watcher:
        for _ in range(20_000):
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            if waiting:
                return
            watcher.rollback()  # a fresh snapshot of pg_stat_activity each time
    raise AssertionError("the second declaration never waited for the first")


def test_the_cap_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().photo_storage_per_team_bytes == 2 * 1024**3  # the default: 2 GiB a team
    monkeypatch.setenv("FIELDWORK_PHOTO_STORAGE_PER_TEAM_BYTES", "0")
    assert Settings().photo_storage_per_team_bytes == 0
