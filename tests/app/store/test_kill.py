"""Kill test: SIGKILL a writer at chosen points of its work; every save that returned must survive.

The kill point is chosen by the writer's own output (its ``ready`` line, its n-th save
acknowledgement, or the start of a compaction), never by sleeping, so the test does the same
thing on a quiet machine and a loaded one.
"""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.store import LocalStore

from .conftest import SEALED_KEY

WRITER = Path(__file__).with_name("_writer.py")
REPO = Path(__file__).resolve().parents[3]
KILLS = 60
KIND = "employer_visit"
WAIT_S = 60.0  # only for a writer that hangs or dies: the test then fails, it never waits this out

Until = Callable[[list[str]], bool]


class Writer:
    """The writer process and the complete lines it printed so far."""

    def __init__(self, store_dir: Path, *, run: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        args = [sys.executable, str(WRITER), str(store_dir), str(run), "16384", str(run), SEALED_KEY.hex()]
        self.child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.lines: list[str] = []
        self._tail = b""

    def read_until(self, reached: Until) -> None:
        """Read its output until ``reached(lines)``; fail if it dies or stalls first."""
        assert self.child.stdout is not None
        fd = self.child.stdout.fileno()
        deadline = time.monotonic() + WAIT_S
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            for _ in range(1_000_000):  # bounded; each pass reads at least one byte or times out
                if reached(self.lines):
                    return
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(timeout=left):
                    break
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise AssertionError(f"writer exited early: {self._stderr()}")
                self._take(chunk)
        self.child.kill()
        raise AssertionError(f"writer never got there; it printed {len(self.lines)} lines")

    def kill(self) -> list[str]:
        """SIGKILL it now; returns every complete line it printed (each one a promise)."""
        self.child.send_signal(signal.SIGKILL)
        rest, stderr = self.child.communicate(timeout=10)
        assert self.child.returncode == -signal.SIGKILL, stderr.decode(errors="replace")  # no crash
        self._take(rest)
        return self.lines  # an unterminated last line is dropped: it was never a promise

    def _take(self, chunk: bytes) -> None:
        *complete, self._tail = (self._tail + chunk).split(b"\n")
        self.lines += [line.decode() for line in complete]

    def _stderr(self) -> str:
        _, stderr = self.child.communicate(timeout=10)
        return stderr.decode(errors="replace")[-2000:]


def kill_point(rng: random.Random) -> tuple[str, Until]:
    """Where this run's kill lands: as soon as the store is open, after n saves, or in a compaction."""
    roll = rng.random()
    if roll < 0.1:
        return "open", lambda lines: "ready" in lines
    if roll < 0.35:
        return "compaction", lambda lines: "compact-start" in lines
    saves = rng.randrange(1, 60)
    return "saves", lambda lines: sum(line[:1] == "v" for line in lines) >= saves


@pytest.mark.slow
def test_every_returned_save_survives_sigkill(tmp_path: Path) -> None:
    rng = random.Random(20240502)
    store_dir = tmp_path / "store"
    promised: dict[str, int] = {}  # record id -> last version whose save returned
    points: dict[str, int] = {}
    kills_in_compaction = 0
    for run in range(1, KILLS + 1):
        where, reached = kill_point(rng)
        writer = Writer(store_dir, run=run)
        writer.read_until(reached)
        lines = writer.kill()
        points[where] = points.get(where, 0) + 1
        saves = [line.split() for line in lines if line[:1] == "v"]
        for record_id, printed_version in saves:
            promised[record_id] = int(printed_version)
        kills_in_compaction += lines[-1] == "compact-start"

        store = LocalStore.open(store_dir, key=SEALED_KEY)  # must always open
        try:
            assert store.recovery_notes == []  # a kill is not damage
            queued = {entry.record_id for entry in store.outbox()}
            for record_id, version in promised.items():
                stored = store.get(KIND, record_id)
                assert stored is not None, f"run {run}: lost {record_id}"
                # A later save may have become durable just before the kill, never an earlier one.
                assert stored.data["version"] >= version, f"run {run}: {record_id} went back"
                assert record_id in queued, f"run {run}: {record_id} has no outbox entry"
        finally:
            store.close()

    assert len(points) == 3 and len(promised) > 100, points
    print(f"{KILLS} kills {points}, {len(promised)} records checked, {kills_in_compaction} in compaction")
