"""Child process of test_kill: saves records until it is killed.

Usage: python _writer.py STORE_DIR RUN COMPACT_MIN_BYTES SEED KEY_HEX

Once the store is open it prints ``ready``; after each save returns it prints ``<record id>
<version>`` (flushed), so every printed line is a save the store promised to keep, and the
parent picks the moment of its kill by these lines, not by the clock. Versions grow across runs
(RUN * 1_000_000 + n), so the parent can check that each record holds at least the last version
printed for it. A few saves are followed by a forced compaction, bracketed by
``compact-start``/``compact-end`` lines, so kills also land in the middle of compactions.
"""

from __future__ import annotations

import random
import sys

from app.store import JournalStorage, LocalStore

KIND = "employer_visit"
RECORD_POOL = 400  # a bounded set of ids keeps the store (and each reopen) small


def main(argv: list[str]) -> None:
    path, run, compact_min_bytes, seed = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    key = bytes.fromhex(argv[5])  # the encrypted store, as the app runs it
    rng = random.Random(seed)
    storage = JournalStorage(path, compact_min_bytes=compact_min_bytes, key=key)
    store = LocalStore(storage)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for n in range(10**9):
        record_id = f"visit-{rng.randrange(RECORD_POOL):04d}"
        version = run * 1_000_000 + n
        record = {
            "id": record_id,
            "version": version,
            "employer_id": f"emp-{rng.randrange(40)}",
            "geotag": {"lat": 54.3 + rng.random() / 10, "lon": -2.7 - rng.random() / 10},
            "notes": "x" * rng.randrange(50, 400),
        }
        store.save(KIND, record, op_id=f"op-{run}-{n}", queued_at=f"{run}-{n}")
        out.write(f"{record_id} {version}\n")
        out.flush()
        if rng.random() < 0.03:
            out.write("compact-start\n")
            out.flush()
            storage.compact()
            out.write("compact-end\n")
            out.flush()


if __name__ == "__main__":
    main(sys.argv)
