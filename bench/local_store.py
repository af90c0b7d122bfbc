"""Benchmark: the durable local store against TinyDB's default JSONStorage.

Run ``python bench/local_store.py``. For each size it measures the latency of one save when the
store already holds that many records: ``LocalStore.save`` (journal append + fsync) and
``TinyDB(path).insert`` (rewrites the whole JSON file), side by side, then the time to reopen
each store and read from it, interleaved run by run: reopen and read one record (the durable
store's ``get``; TinyDB's ``get(doc_id=...)``, which parses the whole file, as its first read
always does) and reopen and read them all (``LocalStore.all``, a copy of every record with its
sync state; TinyDB's ``all()``). The durable store is reopened with its journal just under the
compaction point (its worst case) and compacted. Both use the same realistic employer-visit
records (~500 bytes of JSON), and both hold the same records when reopened.

JSONStorage cannot be filled to 50k through its own insert in reasonable time, so its file is
written directly in one go and only the timed inserts go through TinyDB. The durable store is
filled through ``LocalStore.apply_remote`` in pages, as a first sync would. It is encrypted, as
the app's is; ``--plain`` measures the unencrypted store instead, for comparison. ``--size N``
(repeatable) measures only those sizes, e.g. ``--size 10000``.
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
REOPENS = 9  # medians of this many reopens per store, read and case
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
    """Save latencies into a durable store of ``size`` records, then leave it as a phone killed
    just before a compaction would (``worst_case``) or as the saves left it."""
    path = workdir / f"durable-{size}"
    store = fill_durable(path, size, rng)
    probe = store.all(KIND)[size // 2].data["id"]
    samples = save_latencies(store, saves, rng)
    storage = store.storage
    assert isinstance(storage, JournalStorage)
    total = size + saves
    # Worst case: killed just before the journal reached the size that triggers compaction.
    while worst_case and storage.journal_bytes < 0.97 * storage.compaction_threshold():
        save(store, visit(rng))
        total += 1
    journal_mb = storage.journal_bytes / 1e6
    store.close()
    return {
        "samples": samples,
        "records": size + saves,
        "records_worst": total,  # what the store holds as bench_durable leaves it
        "journal_mb": journal_mb,
        "probe": probe,  # the id of a record it holds
    }


def save(store: LocalStore, record: dict[str, Any]) -> None:
    store.save(KIND, record, op_id=record["id"], queued_at="2024-05-02T10:15:00+01:00")


def compact_durable(workdir: Path, size: int) -> float:
    """Compact the store bench_durable left (not timed); returns its snapshot's size in MB."""
    path = workdir / f"durable-{size}"
    storage = JournalStorage(path, key=STORE_KEY)
    storage.compact()
    storage.close()
    return (path / "snapshot.json").stat().st_size / 1e6


def reopen_durable(workdir: Path, size: int, *, expect: int, probe: str, read: str) -> tuple[float, float]:
    """(wall, CPU) seconds to open the durable store bench_durable left and read from it:
    ``read`` is "one" (``get`` one record) or "all" (``all`` of the kind, every record copied).

    CPU time is given too because wall time on a shared machine includes waiting for a core.
    The garbage of earlier opens in this process is collected first (a phone opens its store
    once, into a fresh process), as before JSONStorage's reopen.
    """
    gc.collect()
    start, start_cpu = time.perf_counter(), time.process_time()
    store = LocalStore(JournalStorage(workdir / f"durable-{size}", key=STORE_KEY))
    found = [store.get(KIND, probe)] if read == "one" else store.all(KIND)
    elapsed = time.perf_counter() - start, time.process_time() - start_cpu
    store.close()
    assert (found[0] is not None) if read == "one" else len(found) == expect, (read, len(found))
    return elapsed


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


def write_json_storage(workdir: Path, size: int, records: int, rng: random.Random) -> None:
    """The JSONStorage file to reopen: ``records`` visits, as many as the durable store holds."""
    docs = {str(n): visit(rng) for n in range(1, records + 1)}
    (workdir / f"tinydb-reopen-{size}.json").write_text(json.dumps({"_default": docs}))


def reopen_json_storage(workdir: Path, size: int, *, expect: int, read: str) -> tuple[float, float]:
    """(wall, CPU) seconds to open write_json_storage's file and read one record or them all.

    TinyDB parses the whole file on the first read of an opened database, whatever it reads."""
    path = workdir / f"tinydb-reopen-{size}.json"
    gc.collect()  # as before the durable store's reopen
    start, start_cpu = time.perf_counter(), time.process_time()
    db = TinyDB(path)
    found = [db.get(doc_id=expect // 2)] if read == "one" else db.all()
    elapsed = time.perf_counter() - start, time.process_time() - start_cpu
    db.close()
    assert (found[0] is not None) if read == "one" else len(found) == expect, (read, len(found))
    return elapsed


READS = ("one", "all")
Samples = dict[tuple[str, str], list[tuple[float, float]]]  # (store, read) -> (wall, CPU) per run


def reopen_side_by_side(workdir: Path, size: int, *, expect: int, probe: str, runs: int) -> Samples:
    """``runs`` reopens of each store for each read, interleaved so both see the same moments
    of a shared machine: (store, read) -> (wall, CPU) seconds per run; store is "durable" or
    "json", read is "one" or "all"."""
    samples: Samples = {}
    for _ in range(runs):
        for read in READS:
            samples.setdefault(("json", read), []).append(
                reopen_json_storage(workdir, size, expect=expect, read=read)
            )
            samples.setdefault(("durable", read), []).append(
                reopen_durable(workdir, size, expect=expect, probe=probe, read=read)
            )
    return samples


def medians(samples: Samples) -> dict[tuple[str, str], tuple[float, float]]:
    """(wall, CPU) medians of reopen_side_by_side's samples."""
    return {
        key: (statistics.median(s[0] for s in runs), statistics.median(s[1] for s in runs))
        for key, runs in samples.items()
    }


def main() -> None:
    global STORE_KEY
    args = sys.argv[1:]
    if "--plain" in args:
        STORE_KEY = None
    measured = [int(args[n + 1]) for n, arg in enumerate(args[:-1]) if arg == "--size"] or list(SIZES)
    print("store files:", "plaintext (--plain)" if STORE_KEY is None else "encrypted (AES-256-GCM)")
    load_before = os.getloadavg()
    rng = random.Random(42)
    sizes = sorted(len(json.dumps(visit(rng), separators=(",", ":"))) for _ in range(1000))
    print(f"record size: {sizes[0]}-{sizes[-1]} bytes of JSON (median {sizes[500]})")
    workdir = Path(tempfile.mkdtemp(prefix="fieldwork-bench-"))
    rows, reopen_rows = [], []
    try:
        for size in measured:
            durable = bench_durable(workdir, size, rng)
            plain = bench_json_storage(workdir, size, rng)
            d50, d99, dmax = percentiles(durable["samples"])
            j50, j99, jmax = percentiles(plain)
            rows.append((size, d50, d99, dmax, j50, j99, jmax))
            expect = durable["records_worst"]
            write_json_storage(workdir, size, expect, rng)
            probe = durable["probe"]
            worst = medians(reopen_side_by_side(workdir, size, expect=expect, probe=probe, runs=REOPENS))
            snapshot_mb = compact_durable(workdir, size)
            compacted = medians(reopen_side_by_side(workdir, size, expect=expect, probe=probe, runs=REOPENS))
            reopen_rows.append((expect, f"journal {durable['journal_mb']:.1f} MB", worst))
            reopen_rows.append((expect, f"compacted, snapshot {snapshot_mb:.1f} MB", compacted))
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
    print(f"reopen and read, ms wall (CPU), median of {REOPENS} interleaved runs; ratio JSONStorage/durable")
    print("(the durable store with its journal just under the compaction point, its worst case; compacted)")
    for records, case, figures in reopen_rows:
        for read, what in (("one", "read one record"), ("all", "read them all")):
            (dw, dc), (jw, jc) = figures[("durable", read)], figures[("json", read)]
            print(
                f"{records:>8} records, {what:<15}: durable {dw * 1000:>6.1f} ({dc * 1000:>5.1f})"
                f"  JSONStorage {jw * 1000:>6.1f} ({jc * 1000:>5.1f})  ratio {jw / dw:>4.2f}x"
                f" ({jc / dc:.2f}x CPU)  [{case}]"
            )
    before = " ".join(f"{load:.1f}" for load in load_before)
    after = " ".join(f"{load:.1f}" for load in os.getloadavg())
    print(f"\nload average (1, 5, 15 min) before the run: {before}; after: {after}")


if __name__ == "__main__":
    main()
