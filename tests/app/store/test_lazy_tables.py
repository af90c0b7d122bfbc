"""Snapshot format 3 (app.store.lazy): record kinds stay encoded in chunks until read, and a
reopened store reads, writes and lists exactly as one that decoded everything; a store in
format 2 still opens and is rewritten in format 3 by the next compaction."""

from __future__ import annotations

import pickle
import random
import zlib
from pathlib import Path
from typing import Any

import pytest

from app.store import JournalStorage, LocalStore, StoreCorrupted
from app.store import lazy as lazy_module
from app.store.codec import PICKLE_SNAPSHOT_MAGIC, SNAPSHOT_MAGIC, Delete, DropTable, Put, decode_snapshot
from app.store.lazy import CHUNK, LiveTables
from app.store.sealing import Sealer

from .conftest import SEALED_KEY, visit

OP = {"op_id": "op", "queued_at": "2024-05-02T10:15:00+01:00"}


def _compacted(path: Path, tables: dict[str, dict[str, dict[str, Any]]], key: bytes | None = None) -> None:
    storage = JournalStorage(path, key=key)
    storage.apply([Put(table, doc_id, doc) for table, docs in tables.items() for doc_id, doc in docs.items()])
    storage.compact()
    storage.close()


def _live(storage: JournalStorage) -> LiveTables:
    tables = storage.read()
    assert isinstance(tables, LiveTables)
    return tables


def test_reopening_decodes_no_record_and_a_get_decodes_one_chunk(tmp_path: Path) -> None:
    ids = [f"r{n:04d}" for n in range(3 * CHUNK)]
    _compacted(tmp_path, {"visit": {i: {"id": i, "n": [n]} for n, i in enumerate(ids)}})
    storage = JournalStorage(tmp_path)
    encoded = _live(storage).lazy["visit"]
    assert dict.get(_live(storage), "visit") is None  # not a plain dict: nothing decoded yet
    assert storage.peek("visit", ids[CHUNK + 5]) == {"id": ids[CHUNK + 5], "n": [CHUNK + 5]}
    assert list(encoded._decoded) == [1]  # its chunk only
    assert storage.peek("visit", "missing") is None
    storage.close()


def test_a_reopened_store_matches_a_plain_dict_through_any_mix_of_writes(tmp_path: Path) -> None:
    """Edits keep their place, new and re-created documents go last, deletes vanish: a dict's
    order, both in the lazy table and once it is made plain, and again after compacting it."""
    rng = random.Random(7)
    model: dict[str, dict[str, Any]] = {f"d{n}": {"n": n} for n in range(2 * CHUNK + 40)}
    _compacted(tmp_path, {"t": model})
    storage = JournalStorage(tmp_path)
    for step in range(600):
        doc_id = f"d{rng.randrange(2 * CHUNK + 120)}"
        if rng.random() < 0.3:
            storage.apply([Delete("t", doc_id)])
            model.pop(doc_id, None)
        else:
            storage.apply([Put("t", doc_id, {"n": step})])
            model[doc_id] = {"n": step}
        if step % 150 == 0:
            listed = [doc for docs, _ in storage.batches("t") for doc in docs.items()]
            assert listed == list(model.items())
            assert storage.peek("t", doc_id) == model.get(doc_id)
    assert "t" in _live(storage).lazy
    storage.compact()  # from the lazy table: changed chunks re-encoded, the tail appended
    assert [pair for docs, _ in storage.batches("t") for pair in docs.items()] == list(model.items())
    assert list(_live(storage)["t"].items()) == list(model.items())  # made plain
    storage.close()
    reopened = JournalStorage(tmp_path)
    assert list(_live(reopened)["t"].items()) == list(model.items())
    reopened.close()


def test_dropping_or_resetting_a_lazy_table_forgets_it(tmp_path: Path) -> None:
    _compacted(tmp_path, {"a": {"1": {"x": 1}}, "b": {"2": {"y": 2}}})
    storage = JournalStorage(tmp_path)
    storage.apply([DropTable("a"), Put("a", "3", {"x": 3})])
    assert storage.read() == {"a": {"3": {"x": 3}}, "b": {"2": {"y": 2}}}
    storage.close()
    reopened = JournalStorage(tmp_path)
    assert reopened.read() == {"a": {"3": {"x": 3}}, "b": {"2": {"y": 2}}}
    reopened.write({"c": {"4": {"z": 4}}})  # TinyDB's full write: a reset, then the new state
    assert reopened.read() == {"c": {"4": {"z": 4}}}
    reopened.close()


def test_records_listed_from_encoded_chunks_are_the_callers_to_edit(tmp_path: Path) -> None:
    """A listing hands over the documents it decoded rather than copying them: editing them,
    nested values too, must change nothing in the store, for chunks decoded before or not."""
    with LocalStore.open(tmp_path) as store:
        for n in range(CHUNK + 10):
            store.save("employer_visit", visit(f"v{n:03d}"), **OP)
        store.storage.compact()  # type: ignore[attr-defined]
    with LocalStore.open(tmp_path) as store:
        assert store.get("employer_visit", "v001") is not None  # decodes the first chunk only
        listed = store.all("employer_visit")
        for record in listed:
            record.data["notes"] = "edited"
            record.data["geotag"]["lat"] = 0.0
            record.data["job_seeker_ids"].append("someone")
        again = store.all("employer_visit")
        assert [record.data for record in again] == [visit(f"v{n:03d}") for n in range(CHUNK + 10)]
        got = store.get("employer_visit", f"v{CHUNK + 3:03d}")
        assert got is not None and got.data == visit(f"v{CHUNK + 3:03d}")


def test_compacting_an_untouched_lazy_table_reencodes_none_of_its_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _compacted(tmp_path, {"t": {str(n): {"n": n} for n in range(3 * CHUNK)}, "_meta": {"k": {"value": 1}}})
    storage = JournalStorage(tmp_path)
    dumped: list[Any] = []
    real_dump = lazy_module.dump

    def counted_dump(value: Any) -> bytes:
        dumped.append(value)
        return real_dump(value)

    monkeypatch.setattr(lazy_module, "dump", counted_dump)
    storage.compact()
    assert len(dumped) == 1 and set(dumped[0]["kinds"]) == {"t"}  # the head alone
    assert storage.peek("t", str(2 * CHUNK)) == {"n": 2 * CHUNK}  # decodes its chunk, unchanged
    storage.apply([Put("t", "5", {"n": -5})])
    dumped.clear()
    storage.compact()
    chunk, index, head = dumped  # the changed chunk alone, then the index and the head
    assert set(chunk) == {str(n) for n in range(CHUNK)} and len(index) == 3 * CHUNK and "kinds" in head
    assert len(_live(storage)["t"]) == 3 * CHUNK  # made plain
    storage.compact()
    dumped.clear()
    storage.compact()  # the table reads the snapshot the last compaction wrote: nothing to encode
    assert len(dumped) == 1 and "t" in _live(storage).lazy
    storage.close()
    reopened = JournalStorage(tmp_path)
    assert reopened.peek("t", "5") == {"n": -5} and reopened.peek("t", str(2 * CHUNK)) == {"n": 2 * CHUNK}
    reopened.close()


def _v2_snapshot(tables: dict[str, Any]) -> bytes:
    """A snapshot as the code before format 3 wrote it: every table in one pickle."""
    body = pickle.dumps(tables, protocol=5)
    return b"%s %08x %d\n%s" % (PICKLE_SNAPSHOT_MAGIC, zlib.crc32(body), len(body), body)


@pytest.mark.parametrize("key", [None, SEALED_KEY], ids=["plain", "sealed"])
def test_a_format_2_store_opens_whole_and_compacts_to_format_3(tmp_path: Path, key: bytes | None) -> None:
    tables = {
        "employer": {"e1": {"id": "e1", "name": "Café Rio"}, "e2": {"id": "e2", "name": "Dock 4"}},
        "_sync": {"employer/e1": {"state": "synced", "server_version": 3}},
        "_outbox": {},
    }
    blob = _v2_snapshot(tables)
    if key is not None:
        blob = Sealer(key).seal_snapshot(blob)
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "snapshot.json").write_bytes(blob)
    (tmp_path / "snapshot.bak").write_bytes(blob)
    with LocalStore(JournalStorage(tmp_path, key=key)) as store:
        assert store.storage.read() == tables
        e1 = store.get("employer", "e1")
        assert e1 is not None and e1.sync.server_version == 3
        store.storage.compact()  # type: ignore[attr-defined]
    inner = (tmp_path / "snapshot.json").read_bytes()
    if key is not None:
        opened = Sealer(key).open_snapshot(inner)
        assert opened is not None
        inner = opened
    assert inner.startswith(SNAPSHOT_MAGIC + b" ")
    with LocalStore(JournalStorage(tmp_path, key=key)) as store:
        assert store.storage.read() == tables
        assert [record.data["name"] for record in store.all("employer")] == ["Café Rio", "Dock 4"]


class _Touch:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (Path.touch, (self.marker,))


def test_a_chunk_naming_a_global_is_damage_and_runs_nothing(tmp_path: Path) -> None:
    """A chunk is read after the store opened: refused then, its checksum holding or not."""
    marker = tmp_path / "ran"
    evil = pickle.dumps({"e1": {"name": _Touch(marker)}}, protocol=5)
    index = pickle.dumps({"e1": 0}, protocol=5)
    where = {"chunks": [(0, len(evil))], "index": (len(evil), len(evil) + len(index))}
    body = pickle.dumps({"tables": {}, "kinds": {"employer": where}}, protocol=5) + evil + index
    path = tmp_path / "store"
    path.mkdir()
    blob = b"%s %08x %d\n%s" % (SNAPSHOT_MAGIC, zlib.crc32(body), len(body), body)
    (path / "snapshot.json").write_bytes(blob)
    storage = JournalStorage(path)  # opens: the chunk is not read yet
    with pytest.raises(StoreCorrupted, match="plain values only"):
        storage.peek("employer", "e1")
    with pytest.raises(StoreCorrupted, match="plain values only"):
        list(storage.batches("employer"))
    storage.close()
    assert not marker.exists()
    pickle.loads(evil)  # what the store's reader refused would have run
    assert marker.exists()


@pytest.mark.parametrize(
    "kinds",
    [
        {"employer": {"chunks": [(0, 10**9)], "index": (0, 1)}},  # past the end
        {"employer": {"chunks": [], "index": (5, 1)}},  # backwards
        {"_sync": {"chunks": [], "index": (0, 1)}},  # an internal table is never chunked
        {"employer": {"chunks": "nope", "index": (0, 1)}},
        {"employer": {}},
    ],
    ids=["past-end", "backwards", "internal", "not-spans", "no-index"],
)
def test_a_head_that_does_not_fit_its_snapshot_is_damage(kinds: dict[str, Any]) -> None:
    body = pickle.dumps({"tables": {}, "kinds": kinds}, protocol=5) + b"x" * 8
    blob = b"%s %08x %d\n%s" % (SNAPSHOT_MAGIC, zlib.crc32(body), len(body), body)
    with pytest.raises(StoreCorrupted, match="head is malformed"):
        decode_snapshot(blob)


def test_equal_plain_sync_rows_are_one_dict_and_stay_apart_when_one_changes(tmp_path: Path) -> None:
    """Most sync rows are just a state and a server version: one dict per value, in memory and
    in the snapshot (a pickle writes it once), which is only safe since a write replaces a row."""
    synced = {"state": "synced", "server_version": 1}
    storage = JournalStorage(tmp_path)
    storage.apply([Put("_sync", f"visit/{n}", dict(synced)) for n in range(3)])
    storage.apply([Put("_sync", "visit/9", {**synced, "reason": "kept apart"})])
    rows = _live(storage)["_sync"]
    assert rows["visit/0"] is rows["visit/1"] is rows["visit/2"] and rows["visit/9"] is not rows["visit/0"]
    storage.compact()
    storage.close()
    reopened = JournalStorage(tmp_path)
    rows = _live(reopened)["_sync"]
    assert rows["visit/0"] is rows["visit/1"] is rows["visit/2"]
    reopened.apply([Put("_sync", "visit/1", {"state": "pending", "server_version": 1})])
    rows = _live(reopened)["_sync"]
    assert rows["visit/0"] == synced == rows["visit/2"] and rows["visit/1"]["state"] == "pending"
    reopened.close()
