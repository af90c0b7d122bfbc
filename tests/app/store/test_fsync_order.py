"""What reaches stable storage, and in which order, before a save returns: a spy on the real calls.

``os.open``/``os.write``/``os.fsync``/``os.replace``/``os.close`` are wrapped (and still do their
work), so each event names the file or directory it touched. A save must write its journal line
and fsync it before it returns; a compaction must write each new file, fsync it, rename it into
place and fsync the directory, in that order, before the journal is reset.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.store import JournalStorage, LocalStore, RemoteChange, SyncOutcome

from .conftest import SEALED_KEY, visit

KIND = "employer_visit"
DIR = "<store dir>"
PARENT = "<parent dir>"
Event = tuple[str, ...]


class Spy:
    """Records ("write" | "fsync" | "truncate", name) and ("replace", old, new) as they happen."""

    def __init__(self, store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.store_dir = store_dir
        self.events: list[Event] = []
        self._names: dict[int, str] = {}
        real = {name: getattr(os, name) for name in ("open", "close", "write", "fsync", "replace")}
        self._real = real

        def spy_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            fd: int = real["open"](path, flags, *args, **kwargs)
            self._names[fd] = self._name(path)
            return fd

        def spy_close(fd: int) -> None:
            self._names.pop(fd, None)
            real["close"](fd)

        monkeypatch.setattr(os, "open", spy_open)
        monkeypatch.setattr(os, "close", spy_close)
        monkeypatch.setattr(os, "write", self._on_fd("write", real["write"]))
        monkeypatch.setattr(os, "fsync", self._on_fd("fsync", real["fsync"]))
        monkeypatch.setattr(os, "replace", self._on_replace)

    def _on_fd(self, call: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def spy(fd: int, *args: Any) -> Any:
            result = real(fd, *args)  # recorded after it returned: it happened
            if fd in self._names:  # descriptors the store opened, not pytest's own output
                self.events.append((call, self._names[fd]))
            return result

        return spy

    def _on_replace(self, src: Any, dst: Any, **kwargs: Any) -> None:
        self._real["replace"](src, dst, **kwargs)
        old, new = self._name(src), self._name(dst)
        self.events.append(("replace", old, new))
        # A descriptor open on the renamed file now writes to ``new`` (the fresh journal's does).
        self._names = {fd: new if name == old else name for fd, name in self._names.items()}

    def _name(self, path: Any) -> str:
        resolved = Path(os.fsdecode(path)).absolute()
        if resolved == self.store_dir.absolute():
            return DIR
        if resolved == self.store_dir.parent.absolute():
            return PARENT
        return resolved.name

    def during(self, action: Callable[..., object], *args: Any, **kwargs: Any) -> list[Event]:
        """The events of ``action(...)``, consecutive writes of one file counted once (short writes)."""
        start = len(self.events)
        action(*args, **kwargs)
        events: list[Event] = []
        for event in self.events[start:]:
            if not (event[0] == "write" and events and events[-1] == event):
                events.append(event)
        return events


LINE = [("write", "journal.log"), ("fsync", "journal.log")]


def durable_rename(name: str) -> list[Event]:
    tmp = f"{name}.tmp"
    return [("write", tmp), ("fsync", tmp), ("replace", tmp, name), ("fsync", DIR)]


COMPACTION = [
    *durable_rename("snapshot.json"),
    *durable_rename("snapshot.bak"),  # the backup too, before the journal is reset
    ("fsync", "journal.log.tmp"),  # the new empty journal
    ("replace", "journal.log.tmp", "journal.log"),
    ("fsync", DIR),
]


@pytest.fixture(params=["plain", "sealed"])
def key(request: pytest.FixtureRequest) -> bytes | None:
    return SEALED_KEY if request.param == "sealed" else None


def test_every_transaction_is_written_and_fsynced_before_it_returns(
    tmp_path: Path, key: bytes | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_dir = tmp_path / "store"
    LocalStore.open(store_dir, key=key).close()  # created (and, sealed, compacted) before the spy
    spy = Spy(store_dir, monkeypatch)
    with LocalStore.open(store_dir, key=key) as store:
        for n in range(20):
            assert spy.during(store.save, KIND, visit(f"v{n}"), op_id=f"op-{n}", queued_at="t") == LINE
        answer = SyncOutcome("op-0", KIND, "v0", "synced", server_version=1)
        assert spy.during(lambda: store.record_outcomes([answer])) == LINE
        pulled = RemoteChange(KIND, "v99", 1, visit("v99"))
        assert spy.during(lambda: store.apply_remote([pulled], cursor="c1")) == LINE
        assert spy.during(lambda: store.delete(KIND, "v1", op_id="op-d", queued_at="t")) == LINE


def test_a_compaction_syncs_each_file_then_its_rename_then_the_directory_before_the_save_returns(
    tmp_path: Path, key: bytes | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_dir = tmp_path / "store"
    LocalStore.open(store_dir, key=key).close()
    spy = Spy(store_dir, monkeypatch)
    storage = JournalStorage(store_dir, key=key, compact_min_bytes=4096)
    with LocalStore(storage) as store:
        seen: list[list[Event]] = []
        for n in range(40):  # ~500 bytes a line: several compactions
            seen.append(spy.during(store.save, KIND, visit(f"v{n}"), op_id=f"op-{n}", queued_at="t"))
        compacting = [events for events in seen if events != LINE]
        assert len(compacting) >= 3
        for events in compacting:  # the line first: the save is durable before any housekeeping
            assert events == LINE + COMPACTION
        assert spy.during(storage.compact) == COMPACTION


def test_a_new_store_makes_its_directory_and_journal_survive_a_power_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_dir = tmp_path / "store"
    spy = Spy(store_dir, monkeypatch)
    events = spy.during(lambda: LocalStore.open(store_dir).close())
    # The new directory's entry in its parent, then the new journal's entry in the directory.
    assert [event for event in events if event[0] == "fsync"] == [("fsync", PARENT), ("fsync", DIR)]
