"""Photo uploads (server.services.attachments) on SQLite and PostgreSQL: chunks, idempotent repeats,
the size limit, the image check, who may upload, and the supervisor's record page and photo route."""

from __future__ import annotations

import hashlib
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from server.db.database import Database
from server.db.models import AttachmentRow
from server.db.security_models import AuditEvent
from server.services.attachments import MAX_BYTES
from tests.server.world import Member, World, new_id, op, push, sample


def jpeg(side: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (10, 120, 200)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def visit_of(client: TestClient, member: Member) -> str:
    record_id = new_id()
    (result,) = push(client, member, op("employer_visit", record_id, data=sample("employer_visit")))
    assert result["status"] == "applied", result
    return record_id


def declare(
    client: TestClient, member: Member, attachment_id: str, record_id: str, data: bytes, **overrides: Any
) -> Any:
    body = {
        "record_id": record_id,
        "record_kind": "employer_visit",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "content_type": "image/jpeg",
        **overrides,
    }
    return client.put(f"/api/v1/attachments/{attachment_id}", json=body, headers=member.bearer)


def chunk(client: TestClient, member: Member, attachment_id: str, data: bytes, start: int, end: int) -> Any:
    headers = {
        **member.bearer,
        "Content-Type": "application/octet-stream",
        "Content-Range": f"bytes {start}-{end}/{len(data)}",
    }
    return client.put(
        f"/api/v1/attachments/{attachment_id}/content", content=data[start : end + 1], headers=headers
    )


def test_a_photo_goes_up_in_chunks_and_every_repeat_changes_nothing(
    client: TestClient, world: World, database: Database
) -> None:
    alice, photo, attachment = world["alice"], jpeg(200), new_id()
    record_id = visit_of(client, alice)
    assert declare(client, alice, attachment, record_id, photo).status_code == 201
    half = len(photo) // 2
    first = chunk(client, alice, attachment, photo, 0, half - 1)
    assert first.status_code == 200 and first.json() == {
        "id": attachment, "size": len(photo), "received_bytes": half, "complete": False
    }  # fmt: skip
    again = declare(client, alice, attachment, record_id, photo)  # a retry after a lost answer
    assert again.status_code == 200 and again.json()["received_bytes"] == half
    wrong_offset = chunk(client, alice, attachment, photo, 0, half - 1)  # the first chunk again
    assert wrong_offset.status_code == 409
    assert wrong_offset.json()["error"]["code"] == "upload_offset_mismatch"
    assert wrong_offset.json()["error"]["details"] == {"received_bytes": half}
    last = chunk(client, alice, attachment, photo, half, len(photo) - 1)
    assert last.status_code == 200 and last.json()["complete"] is True
    repeat = chunk(client, alice, attachment, photo, half, len(photo) - 1)  # its answer was lost
    assert repeat.status_code == 200 and repeat.json()["complete"] is True
    assert declare(client, alice, attachment, record_id, photo).status_code == 200
    status = client.get(f"/api/v1/attachments/{attachment}", headers=alice.bearer).json()
    assert status["received_bytes"] == len(photo) and status["complete"] is True
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(AttachmentRow)) == 1
        assert bytes(session.get(AttachmentRow, attachment).data) == photo  # type: ignore[union-attr]
    other = declare(client, alice, attachment, record_id, jpeg(100))  # same id, other bytes
    assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"


def test_a_photo_over_the_limit_is_refused_with_the_limit(client: TestClient, world: World) -> None:
    alice = world["alice"]
    record_id = visit_of(client, alice)
    answer = declare(client, alice, new_id(), record_id, b"x", size=MAX_BYTES + 1)
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error["code"] == "attachment_too_large" and error["details"]["limit_bytes"] == MAX_BYTES


def test_bytes_that_are_not_an_image_are_refused_and_dropped(
    client: TestClient, world: World, database: Database
) -> None:
    alice, attachment = world["alice"], new_id()
    record_id = visit_of(client, alice)
    fake = b"\xff\xd8\xff\xe0 this is not a JPEG, only its first bytes" * 4
    assert declare(client, alice, attachment, record_id, fake).status_code == 201
    answer = chunk(client, alice, attachment, fake, 0, len(fake) - 1)
    assert answer.status_code == 415 and answer.json()["error"]["code"] == "not_an_image"
    with database.read() as session:
        assert session.get(AttachmentRow, attachment) is None  # dropped with its declaration
    png = declare(client, alice, new_id(), record_id, fake, content_type="application/pdf")
    assert png.status_code == 415
    photo, torn = jpeg(), new_id()
    assert declare(client, alice, torn, record_id, photo).status_code == 201
    damaged = photo[:-40] + bytes(40)
    bad_sum = client.put(
        f"/api/v1/attachments/{torn}/content",
        content=damaged,
        headers={**alice.bearer, "Content-Range": f"bytes 0-{len(photo) - 1}/{len(photo)}"},
    )
    assert bad_sum.status_code == 422 and bad_sum.json()["error"]["code"] == "checksum_mismatch"
    assert client.get(f"/api/v1/attachments/{torn}", headers=alice.bearer).status_code == 404  # declare again


def test_only_the_records_owner_uploads_and_only_in_their_team(client: TestClient, world: World) -> None:
    alice, bob, carl = world["alice"], world["bob"], world["carl"]
    record_id, photo, attachment = visit_of(client, alice), jpeg(), new_id()
    assert declare(client, bob, attachment, record_id, photo).status_code == 403  # same team, not owner
    other_team = declare(client, carl, attachment, record_id, photo)  # as if the record did not exist
    assert other_team.status_code == 409 and other_team.json()["error"]["code"] == "record_not_synced"
    not_yet = declare(client, alice, attachment, new_id(), photo)
    assert not_yet.status_code == 409 and not_yet.json()["error"]["code"] == "record_not_synced"
    assert client.put(f"/api/v1/attachments/{attachment}", json={}).status_code == 401
    assert declare(client, alice, attachment, record_id, photo).status_code == 201
    assert client.get(f"/api/v1/attachments/{attachment}", headers=carl.bearer).status_code == 404
    assert client.get(f"/api/v1/attachments/{attachment}", headers=bob.bearer).status_code == 404
    assert chunk(client, carl, attachment, photo, 0, len(photo) - 1).status_code == 404
    job_seeker = new_id()
    push(client, alice, op("job_seeker", job_seeker))
    wrong_kind = declare(client, alice, new_id(), job_seeker, photo, record_kind="job_seeker")
    assert wrong_kind.status_code == 400
    bad_range = client.put(
        f"/api/v1/attachments/{attachment}/content",
        content=photo,
        headers={**alice.bearer, "Content-Range": "bytes 5-1/10"},
    )
    assert bad_range.status_code == 400


def test_the_supervisor_sees_the_photo_on_the_record_page(
    client: TestClient, world: World, database: Database
) -> None:
    alice, sue, sam, photo, attachment = world["alice"], world["sue"], world["sam"], jpeg(), new_id()
    record_id = visit_of(client, alice)
    page = client.get(f"/review/records/{record_id}", headers=sue.web)
    assert page.status_code == 200 and "No photos." in page.text
    declare(client, alice, attachment, record_id, photo)
    chunk(client, alice, attachment, photo, 0, len(photo) - 1)
    page = client.get(f"/review/records/{record_id}", headers=sue.web)
    link = f"/review/records/{record_id}/photos/{attachment}"
    assert f'src="{link}"' in page.text
    assert "img-src 'self'" in page.headers["content-security-policy"]
    shown = client.get(link, headers=sue.web)
    assert shown.status_code == 200 and shown.content == photo
    assert shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["cache-control"] == "no-store"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert client.get(link, headers=sam.web).status_code == 404  # another team's supervisor
    assert client.get(link, follow_redirects=False).status_code in (303, 401)  # not signed in
    assert client.get(f"/review/records/{record_id}/photos/{new_id()}", headers=sue.web).status_code == 404
    with database.read() as session:
        viewed = session.scalars(select(AuditEvent).where(AuditEvent.action == "photo_viewed")).all()
    assert [(event.target, event.details, event.actor_user_id) for event in viewed] == [
        (record_id, {"photo": attachment}, sue.user_id)
    ]


def test_an_unfinished_photo_is_not_shown(client: TestClient, world: World) -> None:
    alice, sue, photo, attachment = world["alice"], world["sue"], jpeg(), new_id()
    record_id = visit_of(client, alice)
    declare(client, alice, attachment, record_id, photo)
    chunk(client, alice, attachment, photo, 0, 9)
    assert "No photos." in client.get(f"/review/records/{record_id}", headers=sue.web).text
    link = f"/review/records/{record_id}/photos/{attachment}"
    assert client.get(link, headers=sue.web).status_code == 404


def test_the_same_declaration_and_chunk_sent_at_once_are_stored_once(
    live_server: Any, client: TestClient, world: World, database: Database
) -> None:
    """Eight copies of a declaration, then of a first chunk, at the same moment (a proxy's retries):
    one is stored, the others answer as repeats (200) or with the offset to resume from (409)."""
    alice, photo, attachment = world["alice"], jpeg(200), new_id()
    record_id = visit_of(client, alice)
    body = {"record_id": record_id, "record_kind": "employer_visit", "size": len(photo),
            "sha256": hashlib.sha256(photo).hexdigest(), "content_type": "image/jpeg"}  # fmt: skip
    half = len(photo) // 2
    url = f"{live_server.url}/api/v1/attachments/{attachment}"

    def all_at_once(send: Any) -> list[int]:
        start = threading.Barrier(8)

        def one(_: int) -> int:
            with httpx.Client(timeout=30) as http:
                start.wait()
                return int(send(http).status_code)

        with ThreadPoolExecutor(max_workers=8) as pool:
            return sorted(pool.map(one, range(8)))

    declared = all_at_once(lambda http: http.put(url, json=body, headers=alice.bearer))
    assert declared == [200] * 7 + [201]
    headers = {**alice.bearer, "Content-Range": f"bytes 0-{half - 1}/{len(photo)}"}
    chunks = all_at_once(lambda http: http.put(f"{url}/content", content=photo[:half], headers=headers))
    assert chunks == [200] + [409] * 7
    with database.read() as session:
        row = session.get(AttachmentRow, attachment)
        assert row is not None and row.received == half and bytes(row.data) == photo[:half]
