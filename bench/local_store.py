"""Benchmark: the durable local store against TinyDB's default JSONStorage.

Run ``python bench/local_store.py``. For each size it measures the latency of one save when the
store already holds that many records: ``LocalStore.save`` (journal append + fsync) and
``TinyDB(path).insert`` (rewrites the whole JSON file), side by side, then the time to reopen
the durable store. Both use the same realistic employer-visit records (~500 bytes of JSON).

JSONStorage cannot be filled to 50k through its own insert in reasonable time, so its file is
written directly in one go and only the timed inserts go through TinyDB. The durable store is
filled through ``LocalStore.apply_remote`` in pages, as a first sync would. It is encrypted, as
the app's is; ``--plain`` measures the unencrypted store instead, for comparison.
"""

from __future__ import annotations

import gc
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable as a plain script

from tinydb import TinyDB

from app.store import JournalStorage, LocalStore, RemoteChange

SIZES = (10_000, 50_000)
DURABLE_SAVES = 1000
JSON_INSERTS = 30
KIND = "employer_visit"
# The app always encrypts its store (app/store/sealing.py); a fixed key keeps runs comparable.
STORE_KEY: bytes | None = bytes(range(32))
NOTES = (
    "Met the manager at the loading bay; two night-shift openings from June. Prefers a short "
    "working interview; follow up after the stock take."
)


def visit(rng: random.Random) -> dict[str, Any]:
    """An employer visit as the app stores it."""
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "version": 1,
        "employer_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "specialist_id": "spec-0042",
        "visited_at": f"2024-05-{rng.randrange(1, 29):02d}T{rng.randrange(8, 18):02d}:15:00+01:00",
        "purpose": rng.choice(["job_development", "follow_up", "placement_support"]),
        "contact_name": rng.choice(["Priya Shah", "Tom Birkett", "Ana Costa"]),
        "contact_role": "Store manager",
        "geotag": {
            "lat": round(54.3 + rng.random() / 10, 6),
            "lon": round(-2.75 + rng.random() / 10, 6),
            "accuracy_m": round(rng.uniform(3, 40), 1),
        },
        "job_seeker_ids": [str(uuid.UUID(int=rng.getrandbits(128), version=4))],
        "notes": NOTES[: rng.randrange(20, len(NOTES))],
        "disclosure": rng.choice(["full", "partial", "none"]),
        "outcome": "opening_found",
    }


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000, ordered[-1] * 1000


def timed(action: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def fill_durable(path: Path, size: int, rng: random.Random) -> LocalStore:
    """A durable store holding `size` visits, filled as a first sync would (pages of 1000)."""
    store = LocalStore.open(path, key=STORE_KEY)
    for page in range(0, size, 1000):
        records = [visit(rng) for _ in range(min(1000, size - page))]
        changes = [RemoteChange(KIND, r["id"], 1, r) for r in records]
        store.apply_remote(changes, cursor=f"c{page}")
    return store


def save_latencies(store: LocalStore, count: int, rng: random.Random) -> list[float]:
    """Seconds for each of `count` saves (journal append + fsync) into the store as it is."""
    return timed(lambda: save(store, visit(rng)), count)


def bench_durable(
    workdir: Path, size: int, rng: random.Random, saves: int = DURABLE_SAVES, *, worst_case: bool = True
) -> dict[str, Any]:
    path = workdir / f"durable-{size}"
    store = fill_durable(path, size, rng)
    samples = save_latencies(store, saves, rng)
    store.close()
    total = size + saves
    journal_mb = (path / "journal.log").stat().st_size / 1e6
    as_left_s, storage = timed_open(path, expect=total)
    storage.compact()
    storage.close()
    compacted_s, storage = timed_open(path, expect=total)
    # Worst case: killed just before the journal reached the size that triggers compaction.
    store = LocalStore(storage)
    while worst_case and storage.journal_bytes < 0.97 * storage.compaction_threshold():
        save(store, visit(rng))
        total += 1
    full_journal_mb = storage.journal_bytes / 1e6
    store.close()
    worst_s, storage = timed_open(path, expect=total)
    storage.close()
    return {
        "samples": samples,
        "records": size + saves,
        "records_worst": total,  # what the store holds as bench_durable leaves it
        "as_left": (as_left_s, journal_mb),
        "compacted": (compacted_s, (path / "snapshot.json").stat().st_size / 1e6),
        "worst": (worst_s, full_journal_mb),
    }


def save(store: LocalStore, record: dict[str, Any]) -> None:
    store.save(KIND, record, op_id=record["id"], queued_at="2024-05-02T10:15:00+01:00")


def timed_open(path: Path, *, expect: int) -> tuple[tuple[float, float], JournalStorage]:
    """(wall, CPU) seconds to open the durable store to a usable LocalStore, and its storage.

    CPU time is shown too because wall time on a shared machine includes waiting for a core.
    The garbage of earlier opens in this process is collected first (a phone opens its store
    once, into a fresh process), as before JSONStorage's reopen.
    """
    gc.collect()
    start, start_cpu = time.perf_counter(), time.process_time()
    storage = JournalStorage(path, key=STORE_KEY)
    store = LocalStore(storage)
    elapsed = time.perf_counter() - start, time.process_time() - start_cpu
    assert len(store.all(KIND)) == expect
    return elapsed, storage


def bench_json_storage(
    workdir: Path, size: int, rng: random.Random, inserts: int = JSON_INSERTS
) -> list[float]:
    path = workdir / f"tinydb-{size}.json"
    docs = {str(n): visit(rng) for n in range(1, size + 1)}
    path.write_text(json.dumps({"_default": docs}))
    db = TinyDB(path)
    samples = timed(lambda: db.insert(visit(rng)), inserts)
    db.close()
    return samples


def reopen_json_storage(workdir: Path, size: int) -> float:
    """Seconds to open the JSONStorage file bench_json_storage left and read every record."""
    path = workdir / f"tinydb-{size}.json"
    gc.collect()  # as before the durable store's reopen (timed_open)
    started = time.perf_counter()
    db = TinyDB(path)
    count = len(db.all())
    elapsed = time.perf_counter() - started
    db.close()
    assert count > size, count
    return elapsed


def reopen_durable(workdir: Path, size: int, expect: int, *, compact: bool = False) -> float:
    """Seconds to open the durable store bench_durable left and read every record; compacted
    first (not timed) when asked, else as left (worst case: journal just under compaction)."""
    if compact:
        storage = JournalStorage(workdir / f"durable-{size}", key=STORE_KEY)
        storage.compact()
        storage.close()
    (elapsed, _cpu), storage = timed_open(workdir / f"durable-{size}", expect=expect)
    storage.close()
    return elapsed


def main() -> None:
    global STORE_KEY
    if "--plain" in sys.argv[1:]:
        STORE_KEY = None
    print("store files:", "plaintext (--plain)" if STORE_KEY is None else "encrypted (AES-256-GCM)")
    load_before = os.getloadavg()[0]
    rng = random.Random(42)
    sizes = sorted(len(json.dumps(visit(rng), separators=(",", ":"))) for _ in range(1000))
    print(f"record size: {sizes[0]}-{sizes[-1]} bytes of JSON (median {sizes[500]})")
    workdir = Path(tempfile.mkdtemp(prefix="fieldwork-bench-"))
    rows, reopen_rows = [], []
    try:
        for size in SIZES:
            durable = bench_durable(workdir, size, rng)
            plain = bench_json_storage(workdir, size, rng)
            d50, d99, dmax = percentiles(durable["samples"])
            j50, j99, jmax = percentiles(plain)
            rows.append((size, d50, d99, dmax, j50, j99, jmax))
            reopen_rows.append((size, durable))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"save latency, ms ({DURABLE_SAVES} durable saves, {JSON_INSERTS} JSONStorage inserts per size)")
    header = ("records", "durable p50", "p99", "max", "JSONStorage p50", "p99", "max", "ratio p50", "p99")
    print("{:>8} | {:>11} {:>6} {:>6} | {:>15} {:>7} {:>7} | {:>9} {:>6}".format(*header))
    for size, d50, d99, dmax, j50, j99, jmax in rows:
        print(
            f"{size:>8} | {d50:>11.2f} {d99:>6.2f} {dmax:>6.1f} | {j50:>15.1f} {j99:>7.1f} {jmax:>7.1f}"
            f" | {j50 / d50:>8.0f}x {j99 / d99:>5.0f}x"
        )
    print()
    print("durable store reopen, ms wall (CPU)")
    for _, d in reopen_rows:
        (compacted, compacted_cpu), snapshot_mb = d["compacted"]
        (as_left, as_left_cpu), journal_mb = d["as_left"]
        (worst, worst_cpu), full_mb = d["worst"]
        print(
            f"{d['records']:>8} records: {compacted * 1000:>5.0f} ({compacted_cpu * 1000:.0f}) compacted"
            f" (snapshot {snapshot_mb:.1f} MB); {as_left * 1000:>5.0f} ({as_left_cpu * 1000:.0f}) as the"
            f" bench left it (journal {journal_mb:.1f} MB); {worst * 1000:>5.0f} ({worst_cpu * 1000:.0f})"
            f" worst case (journal {full_mb:.1f} MB, just under the compaction point)"
        )
    print(f"\nload average during the run: {load_before:.1f} -> {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
