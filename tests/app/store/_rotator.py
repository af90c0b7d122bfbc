"""Child process of test_key_rotation's kill test: saves, rotates the store's key, saves again.

Usage: python _rotator.py STORE_DIR RUN PAUSE_AT

It opens the store as the app does on a computer (key files beside it, an interrupted rotation
finished on opening), prints ``ready``, saves a few records printing ``<record id> <version>``
after each save returns, rotates the key printing each step's name as it becomes durable, then
saves a few more (and prints ``saved``). Steps of the rotation that opening finishes are printed
as ``open:<step>``. At the line PAUSE_AT it blocks reading stdin, so the parent's SIGKILL lands at
exactly that point and not wherever the process had got to by then.
"""

from __future__ import annotations

import random
import sys

from app.store.rotation import open_store, rotate
from app.store_key import FileKeyStore, key_file

KIND = "employer_visit"
RECORD_POOL = 40


def main(argv: list[str]) -> None:
    path, run, pause_at = argv[1], int(argv[2]), argv[3]
    rng = random.Random(run)

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        if line == pause_at:
            sys.stdin.readline()  # the parent kills us here; it never writes

    keys = FileKeyStore(key_file(path))
    store = open_store(path, keys, step=lambda name: say(f"open:{name}"))
    say("ready")
    n = 0
    for phase in ("before", "after"):
        for _ in range(12):
            record_id = f"visit-{rng.randrange(RECORD_POOL):03d}"
            version = run * 1_000 + n
            record = {"id": record_id, "version": version, "notes": "x" * rng.randrange(20, 200)}
            store.save(KIND, record, op_id=f"op-{run}-{n}", queued_at=f"{run}-{n}")
            say(f"{record_id} {version}")
            n += 1
        if phase == "before":
            rotate(store, keys, step=say)
    say("saved")
    store.close()


if __name__ == "__main__":
    main(sys.argv)
