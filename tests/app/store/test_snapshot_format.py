"""Snapshot formats 2 and 3 (pickles of plain values, app.store.codec): stores written before
them, in format 1 (JSON), still open whole and are rewritten by the next compaction; a pickle that
names any global is damage and runs nothing; only plain values are written. Format 3's own
(record kinds in chunks, format 2 still read): test_lazy_tables."""

from __future__ import annotations

import gc
import json
import pickle
import shutil
import zlib
from pathlib import Path
from typing import Any

import pytest

from app.store import JournalStorage, LocalStore, StoreCorrupted, StoreError
from app.store.codec import (
    JSON_SNAPSHOT_MAGIC,
    PICKLE_SNAPSHOT_MAGIC,
    SNAPSHOT_MAGIC,
    Put,
    apply_ops,
    checked_payload,
    decode_snapshot,
    encode_snapshot,
)
from app.store.sealing import Sealer

from .conftest import SEALED_KEY

# Written by the code before format 2 (tests/app/store/data/README.md says how): a compacted store
# of four employers, then two more transactions in its journal (a save, a delete), plain and sealed.
DATA = Path(__file__).with_name("data")


def _tables_by_hand() -> dict[str, Any]:
    """The state of the plain old store, read without the store's code: JSON snapshot + journal."""
    blob = (DATA / "v1-plain" / "snapshot.json").read_bytes()
    header, _, body = blob.partition(b"\n")
    assert header.startswith(JSON_SNAPSHOT_MAGIC + b" ")
    tables: dict[str, Any] = json.loads(body)
    for line in (DATA / "v1-plain" / "journal.log").read_bytes().splitlines():
        payload = checked_payload(line)
        assert payload is not None
        apply_ops(tables, json.loads(payload))
    return tables


def _inner_header(path: Path, key: bytes | None) -> bytes:
    blob = (path / "snapshot.json").read_bytes()
    if key is not None:
        opened = Sealer(key).open_snapshot(blob)
        assert opened is not None
        blob = opened
    return blob.partition(b"\n")[0]


@pytest.mark.parametrize(
    ("name", "key"), [("v1-plain", None), ("v1-sealed", SEALED_KEY)], ids=["plain", "sealed"]
)
def test_a_store_in_the_old_format_opens_whole_and_compacts_to_the_new(
    tmp_path: Path, name: str, key: bytes | None
) -> None:
    path = tmp_path / name
    shutil.copytree(DATA / name, path)
    assert _inner_header(path, key).startswith(JSON_SNAPSHOT_MAGIC + b" ")
    expected = _tables_by_hand()
    assert (
        set(expected["employer"]) == {"e0", "e1", "e2", "e3", "e4"}
        and expected["_sync"]["employer/e1"]["deleted"]
    )

    storage = JournalStorage(path, key=key)
    assert storage.read() == expected and storage.recovery_notes == []
    storage.compact()
    storage.close()
    assert _inner_header(path, key).startswith(SNAPSHOT_MAGIC + b" ")

    with LocalStore(JournalStorage(path, key=key)) as store:
        assert store.storage.read() == expected
        names = {record.data["id"]: record.data["name"] for record in store.all("employer")}
        assert names == {
            "e0": "Café Rio",
            "e2": 'quote " and \\ back',
            "e3": "tab\tnew\nline",
            "e4": "after the snapshot",
        }
        assert sorted(entry.record_id for entry in store.outbox()) == ["e0", "e1", "e2", "e3", "e4"]


class _Touch:
    """Unpickled by plain pickle.loads, this creates `marker`: the code a store must never run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (Path.touch, (self.marker,))


def _snapshot_of(value: Any) -> bytes:
    """A format-2 snapshot (every table in one pickle) of ``value``."""
    body = pickle.dumps(value, protocol=5)
    return b"%s %08x %d\n%s" % (PICKLE_SNAPSHOT_MAGIC, zlib.crc32(body), len(body), body)


def test_a_snapshot_naming_a_global_is_damage_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    evil = {"employer": {"e0": {"name": _Touch(marker)}}}
    with pytest.raises(StoreCorrupted, match="plain values only"):
        decode_snapshot(_snapshot_of(evil))
    assert not marker.exists()

    path = tmp_path / "store"
    storage = JournalStorage(path)
    storage.apply([Put("employer", "e1", {"name": "kept"})])
    storage.compact()
    storage.close()
    (path / "snapshot.json").write_bytes(_snapshot_of(evil))  # a checksum that holds
    reopened = JournalStorage(path)
    assert reopened.read() == {"employer": {"e1": {"name": "kept"}}}  # from the backup
    assert "backup snapshot was used" in reopened.recovery_notes[0]
    reopened.close()
    assert not marker.exists()
    pickle.loads(pickle.dumps(evil))  # what the store's reader refused would have run
    assert marker.exists()


def test_plain_values_round_trip_and_nothing_else_is_written() -> None:
    tables = {
        "t": {
            "a": {
                "f": [1.5, -0.0, 1e308, 2**70, -3],
                "s": "Café 日本 \x00 \ud7ff",
                "n": None,
                "b": [True, False],
            },
            "b": {},
            "": {"nested": [[], [{}], {"k": [1, [2, [3]]]}]},
        },
        "empty": {},
    }
    assert decode_snapshot(encode_snapshot(tables)) == tables
    for bad in (object(), Path("/"), ValueError("x")):
        with pytest.raises(StoreError, match="not JSON-serialisable"):
            encode_snapshot({"t": {"a": {"x": bad}}})


def test_what_a_load_builds_goes_straight_to_the_oldest_gc_generation(tmp_path: Path) -> None:
    """Built with the collector paused, the tables would otherwise all count as young: the next
    collections would walk every one of them (pickles.paused_gc moves them on without a walk). A
    record kind is decoded whole when first read whole (lazy), also with the collector paused."""
    storage = JournalStorage(tmp_path)
    storage.apply([Put("t", str(n), {"n": [n]}) for n in range(500)])
    storage.compact()
    storage.close()
    assert gc.isenabled()
    reopened = JournalStorage(tmp_path)
    loaded = reopened.read()
    assert loaded is not None
    record = loaded["t"]["7"]
    oldest = {id(obj) for obj in gc.get_objects(generation=2)}
    assert id(loaded) in oldest and id(record) in oldest
    reopened.close()


def test_only_a_snapshot_no_cipher_checked_is_refused_for_its_checksum() -> None:
    """A sealed snapshot's cipher has checked every byte (sealing), so its checksum is not
    computed again; a plaintext one's is."""
    tables = {"employer": {"e1": {"name": "kept"}}}
    blob = encode_snapshot(tables)
    wrong_crc = b"%s %08x" % (SNAPSHOT_MAGIC, zlib.crc32(b"other")) + blob[len(SNAPSHOT_MAGIC) + 9 :]
    with pytest.raises(StoreCorrupted, match="checksum"):
        decode_snapshot(wrong_crc)
    assert decode_snapshot(wrong_crc, authenticated=True) == tables
    with pytest.raises(StoreCorrupted, match="length"):
        decode_snapshot(blob + b"x", authenticated=True)


def test_a_sealed_snapshot_changed_anywhere_does_not_open(tmp_path: Path) -> None:
    path = tmp_path / "store"
    storage = JournalStorage(path, key=SEALED_KEY)
    storage.apply([Put("employer", "e1", {"name": "kept"})])
    storage.compact()
    storage.close()
    sealed = (path / "snapshot.json").read_bytes()
    plain = Sealer(SEALED_KEY).open_snapshot(sealed)
    assert plain is not None
    for at in (len(sealed) - 1, len(sealed) // 2, sealed.find(b"\n") + 20):
        changed = bytearray(sealed)
        changed[at] ^= 1
        assert Sealer(SEALED_KEY).open_snapshot(bytes(changed)) is None, at


def test_equal_short_strings_are_stored_once_and_stay_so_across_a_reopen(tmp_path: Path) -> None:
    """States, enum values and a record's id (also its key) are one object each in the live
    tables, so a snapshot refers back to them instead of holding (and rebuilding) every copy."""
    path = tmp_path / "store"
    store = LocalStore.open(path, key=SEALED_KEY)
    for n in range(3):
        store.save("employer_visit", {"id": f"v{n}", "purpose": "follow_up"}, op_id=f"op{n}", queued_at="t")

    def check(tables: dict[str, Any]) -> None:
        visits = tables["employer_visit"]
        first, *others = [doc["purpose"] for doc in visits.values()]
        assert others and all(purpose is first for purpose in others)
        assert all(doc["id"] is key for key, doc in visits.items())
        states = [row["state"] for row in tables["_sync"].values()]
        assert all(state is states[0] for state in states)

    check(store.storage.read() or {})
    assert isinstance(store.storage, JournalStorage)
    store.storage.compact()
    store.close()
    reopened = LocalStore.open(path, key=SEALED_KEY)
    check(reopened.storage.read() or {})
    assert [r.data["purpose"] for r in reopened.all("employer_visit")] == ["follow_up"] * 3
    reopened.close()
