"""Photos on the phone: shrunk with no EXIF, sealed in the store folder, re-sealed by a key rotation,
erased by a remote wipe, and never in the way of a record save."""

from __future__ import annotations

import asyncio
import io
import threading
from pathlib import Path

import pytest
from PIL import Image

from app.attachments import NOT_A_PHOTO, PhotoAttacher, PhotoRefused, shrink_photo
from app.device_data import DeviceData
from app.domain.clock import FakeClock
from app.store import LocalStore, StoreError
from app.store import attachments as attachments_module
from app.store.attachments import REFUSED, SENT, WAITING, PhotoStore
from app.store.photo_files import PHOTOS, photo_path, read_photo
from app.store.rotation import open_store, rotate
from app.store.sealing import Sealer
from app.store_key import FileKeysInThread, FileKeyStore, key_file
from tests.app.conftest import NOW

from .conftest import visit

KIND = "employer_visit"
GPS_MARK = b"Riverside-GPS-51.5N"  # text in the EXIF that must not survive


def camera_photo(width: int = 3200, height: int = 2400) -> bytes:
    """A camera-sized JPEG with EXIF: orientation 6 (turned 90 degrees) and a GPS-ish note."""
    picture = Image.new("RGB", (width, height), (200, 40, 40))
    picture.paste((20, 20, 220), (0, 0, width // 2, height // 2))  # a corner to find it by
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to view
    exif[0x010E] = GPS_MARK.decode()  # ImageDescription
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=95, exif=exif)
    return out.getvalue()


def test_a_photo_is_shrunk_upright_and_loses_its_exif() -> None:
    raw = camera_photo()
    small = shrink_photo(raw)
    assert GPS_MARK in raw and GPS_MARK not in small and b"PhoneMaker" not in small
    with Image.open(io.BytesIO(small)) as opened:
        assert opened.format == "JPEG"
        assert opened.size == (1200, 1600)  # upright (was 3200x2400 sideways), longest side 1600
        assert not opened.getexif()
        assert "exif" not in opened.info
    assert len(small) < len(raw) / 4


def test_a_file_that_is_not_a_photo_is_refused_in_words() -> None:
    with pytest.raises(PhotoRefused, match=NOT_A_PHOTO):
        shrink_photo(b"%PDF-1.7 not a photo at all")


def test_a_photo_is_sealed_in_the_store_folder_and_reads_back(tmp_path: Path) -> None:
    key = bytes(range(32))
    store = LocalStore.open(tmp_path / "device", key=key)
    photos = PhotoStore(store)
    small = shrink_photo(camera_photo(800, 600))
    entry = photos.add(attachment_id="a1", kind=KIND, record_id="v1", photo=small, added_at="t1")
    assert (entry.state, entry.size) == (WAITING, len(small))
    on_disk = photo_path(tmp_path / "device", "a1").read_bytes()
    assert small not in on_disk and small[:64] not in on_disk  # sealed, not a plain JPEG
    assert b"\xff\xd8\xff" not in on_disk[:16]
    store.close()

    with LocalStore.open(tmp_path / "device", key=key) as reopened:
        again = PhotoStore(reopened)
        assert again.read("a1") == small
        assert again.for_record(KIND, "v1") == [entry] and again.waiting() == [entry]
        again.mark_refused("a1", "the server says no")
        again.mark_sent("a1")
        assert again.waiting() == [] and again.all()[0].state == SENT
    with pytest.raises(StoreError):  # another key reads nothing of it
        read_photo(tmp_path / "device", "a1", Sealer(bytes(32)))


def test_a_refused_photo_stays_on_the_phone_with_its_reason() -> None:
    with LocalStore.in_memory() as store:
        photos = PhotoStore(store)
        photos.add(attachment_id="a1", kind=KIND, record_id="v1", photo=b"jpeg", added_at="t1")
        photos.mark_refused("a1", "this file is not an image")
        (entry,) = photos.all()
        assert (entry.state, entry.reason) == (REFUSED, "this file is not an image")
        assert photos.read("a1") == b"jpeg" and photos.waiting() == []


def test_a_record_save_returns_while_a_photo_is_still_being_shrunk(clock: FakeClock) -> None:
    """Nothing about photos slows a save: the shrink is held on an event, and saves go on."""
    store = LocalStore.in_memory()
    photos = PhotoStore(store)
    shrinking, release = threading.Event(), threading.Event()

    def held_shrink(raw: bytes) -> bytes:
        shrinking.set()
        assert release.wait(10)
        return raw

    attacher = PhotoAttacher(lambda: photos, clock=clock, new_id=lambda: "a1", shrink=held_shrink)
    store.save(KIND, visit("v1"), op_id="op-1", queued_at="t1")
    pending = attacher.attach(KIND, "v1", b"picked bytes")
    assert shrinking.wait(10)  # the worker is inside the shrink now
    store.save(KIND, visit("v2"), op_id="op-2", queued_at="t2")  # returns: nothing waits on the photo
    assert store.get(KIND, "v2") is not None and not pending.done() and photos.all() == []
    release.set()
    assert pending.result(10).record_id == "v1"
    assert [entry.id for entry in photos.waiting()] == ["a1"]
    attacher.close()


def test_key_rotation_re_seals_the_photos(tmp_path: Path) -> None:
    keys = FileKeyStore(key_file(tmp_path / "device"))
    store = open_store(tmp_path / "device", keys)
    old = keys.load_or_create()
    PhotoStore(store).add(attachment_id="a1", kind=KIND, record_id="v1", photo=b"photo-1", added_at="t1")
    before = photo_path(tmp_path / "device", "a1").read_bytes()
    rotate(store, keys)
    assert PhotoStore(store).read("a1") == b"photo-1"
    store.close()
    assert photo_path(tmp_path / "device", "a1").read_bytes() != before
    with LocalStore.open(tmp_path / "device", key=keys.load_or_create()) as reopened:
        assert PhotoStore(reopened).read("a1") == b"photo-1"  # the new key alone reads it
    assert Sealer(old).open_photo(photo_path(tmp_path / "device", "a1").read_bytes(), "a1") is None


def test_a_remote_wipe_erases_the_photos(tmp_path: Path) -> None:
    folder = tmp_path / "device"

    async def scenario() -> None:
        data = DeviceData(folder, FileKeysInThread(FileKeyStore(key_file(folder))))
        store = await data.open()
        PhotoStore(store).add(attachment_id="a1", kind=KIND, record_id="v1", photo=b"photo", added_at="t")
        assert (folder / PHOTOS).is_dir()
        fresh = await data.erase(store)
        assert PhotoStore(fresh).all() == []
        fresh.close()

    asyncio.run(scenario())
    assert not (folder / PHOTOS).exists()
    assert not any(path.suffix == ".photo" for path in tmp_path.rglob("*"))


def test_an_attachment_id_is_checked() -> None:
    with LocalStore.in_memory() as store, pytest.raises(StoreError):
        PhotoStore(store).add(
            attachment_id="../x", kind=KIND, record_id="v1", photo=b"p", added_at=NOW.isoformat()
        )


def test_a_photo_written_while_the_key_rotates_is_sealed_with_the_new_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is written outside the store's lock: a rotation that finishes meanwhile (here,
    just before the write, with the old key already in hand) must not leave it under the old key."""
    keys = FileKeyStore(key_file(tmp_path / "device"))
    store = open_store(tmp_path / "device", keys)
    real_write = attachments_module.write_photo
    rotations: list[str] = []

    def write_after_a_rotation(folder: Path, photo_id: str, plain: bytes, sealer: Sealer | None) -> None:
        if not rotations:
            rotate(store, keys, step=rotations.append)
        real_write(folder, photo_id, plain, sealer)

    monkeypatch.setattr(attachments_module, "write_photo", write_after_a_rotation)
    PhotoStore(store).add(attachment_id="a1", kind=KIND, record_id="v1", photo=b"photo-1", added_at="t1")
    store.close()
    assert "rotated" in rotations
    with LocalStore.open(tmp_path / "device", key=keys.load_or_create()) as reopened:
        assert PhotoStore(reopened).read("a1") == b"photo-1"
