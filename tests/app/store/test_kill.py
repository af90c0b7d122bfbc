"""Kill test: SIGKILL a writer at random moments; every save that returned must survive."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.store import LocalStore

from .conftest import SEALED_KEY

WRITER = Path(__file__).with_name("_writer.py")
REPO = Path(__file__).resolve().parents[3]
KILLS = 60
KIND = "employer_visit"


def run_and_kill(store_dir: Path, out_path: Path, *, run: int, delay: float) -> list[str]:
    """Start a writer, SIGKILL it after ``delay`` seconds, return its complete output lines."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, str(WRITER), str(store_dir), str(run), "16384", str(run), SEALED_KEY.hex()]
    with open(out_path, "wb") as out:
        child = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE, env=env)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        _, stderr = child.communicate(timeout=10)
    assert child.returncode == -signal.SIGKILL, stderr.decode(errors="replace")  # did not crash
    text = out_path.read_text()
    complete = text if text.endswith("\n") else text.rpartition("\n")[0]
    return complete.splitlines()


@pytest.mark.slow
def test_every_returned_save_survives_sigkill(tmp_path: Path) -> None:
    rng = random.Random(20240502)
    store_dir = tmp_path / "store"
    promised: dict[str, int] = {}  # record id -> last version whose save returned
    runs_with_saves = kills_in_compaction = 0
    for run in range(1, KILLS + 1):
        lines = run_and_kill(store_dir, tmp_path / "out.txt", run=run, delay=rng.uniform(0.05, 0.5))
        saves = [line.split() for line in lines if not line.startswith("compact")]
        for record_id, printed_version in saves:
            promised[record_id] = int(printed_version)
        runs_with_saves += bool(saves)
        kills_in_compaction += bool(lines) and lines[-1] == "compact-start"

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

    assert runs_with_saves >= KILLS // 2, "most kills landed before the writer started saving"
    print(f"{KILLS} kills, {len(promised)} records checked, {kills_in_compaction} during compaction")
