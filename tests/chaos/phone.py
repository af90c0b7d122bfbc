"""One chaos phone: `python -m tests.chaos.phone DIR URL USER TARGET SEED`.

The phone's encrypted store lives in DIR/store (key beside it, as the app keeps it), its device
token in DIR/token, and its log of saves begun and acknowledged in DIR/saves.jsonl. It saves through the app's
RecordService while a sync thread runs the real SyncEngine and SyncClient, as the app does, until
the log holds TARGET saves. Then it prints `done` and obeys the controller on stdin:
`sync` (to quiescence), `dump PATH` (the store as JSON) and `quit`.

A save is acknowledged once `save` returned: one JSON line appended to the log and fsynced (see
SaveLog). Lines
printed for the controller: `ready {...}`, `saving`, `acked`, `sync-start`, `sync-end`,
`sync-error NAME`, `done`, `synced N`, `dumped`.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
from pathlib import Path
from typing import Any

import httpx

from app.domain.clock import SystemClock, new_id
from app.records import RecordService
from app.store import LocalStore
from app.store_key import FileKeyStore, key_file
from sync.client import SyncClient
from sync.engine import SyncEngine
from sync.errors import SyncError
from tests.chaos.workload import TRACKED, Intent, Tokens, next_intent

READ_TIMEOUT_S = 2.0  # short, so the proxy's held answers cost little time
BATCH = 4  # small batches: a pass is several requests, so faults land in the middle of one
PULL_PAGE = 25
SYNC_IDLE_S = 0.2  # the sync thread's periodic pass, like the runner's timer (much shorter here)
BURST_WAIT_S = 30.0
THINK_S = (0.02, 0.2)


def emit(text: str) -> None:
    with _print_lock:
        print(text, flush=True)


_print_lock = threading.Lock()


class RecordingIds:
    """The app's id maker, remembering the last id: after a save, that is the save's op_id."""

    def __init__(self) -> None:
        self.last = ""

    def __call__(self) -> str:
        self.last = new_id()
        return self.last


class SaveLog:
    """Two kinds of line. Before a save, what it is about to do and what the phone had seen (an
    unacknowledged save may still have reached the store, and a later save builds on it); after
    `save` returned, its acknowledgment, fsynced. A kill -9 loses nothing written, only an fsync
    makes it survive a power cut, and the acknowledgment is the line that must."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = sum(1 for entry in read_saves(path) if entry["acked"])
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
            os.write(self._fd, b"\n")  # a line torn by a kill: end it, read_saves skips it

    def intent(self, entry: dict[str, Any]) -> None:
        os.write(self._fd, (json.dumps(entry, sort_keys=True) + "\n").encode())

    def acknowledge(self, intent_id: str, op_id: str) -> None:
        os.write(self._fd, (json.dumps({"ack": intent_id, "save": op_id}) + "\n").encode())
        os.fsync(self._fd)
        self.count += 1


def read_saves(path: Path) -> list[dict[str, Any]]:
    """Every save a phone began, each with `acked` (and its op id as `save` when acknowledged)."""
    if not path.exists():
        return []
    intents: dict[str, dict[str, Any]] = {}
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # torn by a kill before it was written whole: never acknowledged
        if "ack" in entry:
            intents[entry["ack"]].update(acked=True, save=entry["save"])
        else:
            intents[entry["intent"]] = {**entry, "acked": False, "save": None}
    return list(intents.values())


class Phone:
    def __init__(self, folder: Path, url: str, user: str, seed: int) -> None:
        self.name = folder.name
        self.user = user
        store_dir = folder / "store"
        key = FileKeyStore(key_file(store_dir)).load_or_create()
        self.store = LocalStore.open(store_dir, key=key)
        token = (folder / "token").read_text().strip()
        self.client = SyncClient(url, token, timeout=httpx.Timeout(READ_TIMEOUT_S))
        self.engine = SyncEngine(self.store, self.client, batch_size=BATCH, pull_limit=PULL_PAGE)
        self.ids = RecordingIds()
        self.dirty = threading.Event()
        self.service = RecordService(
            self.store, clock=SystemClock(), new_id=self.ids, on_saved=self.dirty.set
        )
        self.log = SaveLog(folder / "saves.jsonl")
        self.rng = random.Random(seed)
        self.tokens = Tokens(self.name, random.Random(self.rng.getrandbits(64)))
        self.passed = threading.Event()
        self.last: Intent | None = None
        self.stop = threading.Event()

    def save_until(self, target: int) -> None:
        syncer = threading.Thread(target=self._sync_loop, name="sync", daemon=True)
        syncer.start()
        for _ in range(target * 4):  # bounded: each burst acknowledges at least one save
            if self.log.count >= target:
                break
            self.passed.clear()
            for _ in range(self.rng.randint(1, 4)):
                self.last = next_intent(self.store, self.rng, self.tokens, last=self.last)
                self._save(self.last)
            # The next burst lands while the sync thread's next pass may be in flight (the app's
            # case); waiting for a pass to end keeps the phones from racing far ahead of the API.
            self.passed.wait(BURST_WAIT_S)
            # A person's pause between records (the load generator's pacing, as in bench/load.py):
            # without it four phones finish their saves before the API has restarted once.
            self.stop.wait(self.rng.uniform(*THINK_S))
        self.stop.set()
        self.dirty.set()
        syncer.join(timeout=60)

    def _save(self, intent: Intent) -> None:
        intent_id = self.tokens()
        self.log.intent(
            {
                "intent": intent_id,
                "phone": self.name,
                "user": self.user,
                "kind": intent.kind,
                "record": intent.record.id,
                "create": intent.create,
                "values": intent.values,
                "base_version": intent.base_version,
                "base_state": intent.base_state,
                "seen": intent.seen,
            }
        )
        emit("saving")
        self.service.save(intent.record)
        self.log.acknowledge(intent_id, self.ids.last)
        emit("acked")

    def _sync_loop(self) -> None:
        for _ in range(1_000_000):  # bounded; ends on stop
            self.dirty.wait(SYNC_IDLE_S)
            self.dirty.clear()
            if self.stop.is_set():
                return
            emit("sync-start")
            try:
                self.engine.sync_once()
                emit("sync-end")
            except SyncError as exc:
                emit(f"sync-error {type(exc).__name__}")
            except Exception as exc:  # a bug below the network: reported, and the phone keeps going
                emit(f"sync-crash {type(exc).__name__}: {exc}")
            self.passed.set()

    def sync_to_quiescence(self, passes: int = 30) -> int:
        """Sync until the outbox is empty and a pass pulled nothing; the pending count left."""
        for _ in range(passes):
            try:
                report = self.engine.sync_once()
            except SyncError:
                continue
            if self.store.pending_count() == 0 and report.pulled == 0:
                break
        return self.store.pending_count()

    def dump(self, path: Path) -> None:
        records = {}
        for kind in TRACKED:
            for record in self.store.all(kind):
                records[record.data["id"]] = {
                    "kind": kind,
                    "data": record.data,
                    "state": record.sync.state,
                    "server_version": record.sync.server_version,
                }
        path.write_text(json.dumps({"records": records, "pending": self.store.pending_count()}))


def serve_commands(phone: Phone) -> None:
    for line in sys.stdin:  # ends when the controller closes our stdin
        command, _, argument = line.strip().partition(" ")
        if command == "sync":
            emit(f"synced {phone.sync_to_quiescence()}")
        elif command == "dump":
            phone.dump(Path(argument))
            emit("dumped")
        elif command == "quit":
            return


def main(folder: str, url: str, user: str, target: str, seed: str) -> None:
    phone = Phone(Path(folder), url, user, int(seed))
    ready = {"notes": phone.store.recovery_notes, "lost": phone.store.lost_changes}
    emit(f"ready {json.dumps(ready)}")
    phone.save_until(int(target))
    emit("done")
    serve_commands(phone)
    phone.client.close()
    phone.store.close()


if __name__ == "__main__":
    main(*sys.argv[1:6])
