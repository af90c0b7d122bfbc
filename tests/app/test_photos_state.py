"""The record screen's photos (app.state.photos): attach off the UI thread, rows in words."""

from __future__ import annotations

import io

from PIL import Image

from app.attachments import NOT_A_PHOTO, PhotoAttacher
from app.domain.clock import FakeClock
from app.state.photos import ADDED, RecordPhotosState
from app.store import LocalStore
from app.store.attachments import PhotoStore


def picked_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2000, 1000), (30, 160, 90)).save(out, format="PNG")
    return out.getvalue()


def test_a_visit_gets_a_photo_and_shows_where_it_stands(clock: FakeClock) -> None:
    store = LocalStore.in_memory()
    photos = PhotoStore(store)
    ids = iter(["p1", "p2"])
    attacher = PhotoAttacher(lambda: photos, clock=clock, new_id=lambda: next(ids))
    state = RecordPhotosState(lambda: photos, attacher, "employer_visit", "v1")
    assert state.can_attach and state.rows() == []

    pending = state.attach(picked_png())
    assert state.adding == 1
    pending.result(10)
    assert state.finished(pending) and state.message == ADDED and state.adding == 0
    (row,) = state.rows()
    assert row.label == "Waiting to send" and row.thumbnail is not None
    with Image.open(io.BytesIO(row.thumbnail)) as small:
        assert max(small.size) <= 160

    assert not state.on_sync("pass_done")  # nothing changed since drawn
    photos.mark_refused("p1", "The photo is too large for the server (at most 5 MB).")
    assert state.on_sync("pass_done") and not state.on_sync("status")  # the screen redraws
    assert state.rows()[0].label == "Not sent: The photo is too large for the server (at most 5 MB)."
    photos.mark_sent("p1")
    assert state.rows()[0].label == "Sent"

    refused = state.attach(b"not a picture")
    refused.exception(10)
    assert not state.finished(refused) and state.error == NOT_A_PHOTO and len(state.rows()) == 1
    attacher.close()


def test_only_visits_and_openings_take_photos(clock: FakeClock) -> None:
    store = LocalStore.in_memory()
    attacher = PhotoAttacher(lambda: PhotoStore(store), clock=clock, new_id=lambda: "x")
    assert not RecordPhotosState(lambda: PhotoStore(store), attacher, "employer", "e1").can_attach
    assert RecordPhotosState(lambda: PhotoStore(store), attacher, "job_opening", "o1").can_attach
    assert not RecordPhotosState(lambda: PhotoStore(store), None, "job_opening", "o1").can_attach
    attacher.close()
