"""End-to-end sync benchmark: 10k records from a device's durable store to a real API process on
loopback (SQLite) and back into the device's sync state; then the same with 30% of requests faulted.

    python bench/sync.py [--records 10000] [--fault-rate 0.3]

Timed: from the first push to the moment every record is marked synced on the device (the
server's commit and the device's durable write of each result), including the pull pass that
follows. Not timed: saving the records locally. With faults, retries run back to back; the real
runner would add its backoff waits, which are policy, not cost.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.domain.clock import SystemClock, new_id  # noqa: E402
from app.domain.codec import to_dict  # noqa: E402
from app.domain.enums import GeotagSource  # noqa: E402
from app.domain.records import Employer, EmployerVisit, Geotag, stamp  # noqa: E402
from app.store import LocalStore  # noqa: E402
from app.store.sealing import new_key  # noqa: E402
from sync.client import Offline, SyncClient  # noqa: E402
from sync.engine import SyncEngine  # noqa: E402
from sync.protocol import MAX_BATCH_OPERATIONS  # noqa: E402
from tests.sync.harness import (  # noqa: E402
    SLOW_FAULTS,
    Fault,
    FaultyTransport,
    ServerProcess,
    make_team,
    migrated_database,
)

# A real timeout waits out the client's 30 s, a restart a server start: both are in tests/sync.
QUICK_FAULTS = [f for f in Fault if f not in SLOW_FAULTS]


def fill(store: LocalStore, count: int) -> None:
    """Records as the app saves them: stamped (id, created/updated times, version 1)."""
    now = datetime.now(UTC)
    clock = SystemClock()
    employers = []
    for n in range(max(1, count // 20)):
        record = stamp(
            Employer(name=f"Employer {n}", sector="retail", address=f"{n} Main St"),
            clock=clock,
            new_id=new_id,
        )
        employers.append(record)
        store.save("employer", to_dict(record), op_id=new_id(), queued_at=now.isoformat())
    for n in range(count - len(employers)):
        place = employers[n % len(employers)]
        visit = EmployerVisit(
            employer_id=place.id,
            occurred_at=now - timedelta(minutes=n),
            outcome="Met the manager; interested in a trial shift",
            next_step="Bring CV",
            geotag=Geotag(
                latitude=-36.85, longitude=174.76, accuracy_m=12.0, fixed_at=now, source=GeotagSource.GPS
            ),
        )
        visit = stamp(visit, clock=clock, new_id=new_id)
        store.save("employer_visit", to_dict(visit), op_id=new_id(), queued_at=now.isoformat())


def run(server: ServerProcess, team_users: tuple, folder: Path, *, count: int, fault_rate: float) -> dict:
    team, username = team_users
    enrolled = SyncClient(server.url).enroll(team.enrollment_code(username), device_name="bench phone")
    rng = random.Random(7)

    def plan(request: httpx.Request) -> Fault | None:
        return rng.choice(QUICK_FAULTS) if rng.random() < fault_rate else None

    transport = FaultyTransport(plan, server=server)
    client = SyncClient(server.url, enrolled.token, transport=transport, timeout=httpx.Timeout(30.0))
    store = LocalStore.open(folder, key=new_key())  # encrypted, as the app runs it; a fresh folder per run
    fill(store, count)
    engine = SyncEngine(store, client, batch_size=MAX_BATCH_OPERATIONS)
    started = time.perf_counter()
    passes = 0
    for _ in range(200):  # bounded
        passes += 1
        with contextlib.suppress(Offline):
            engine.sync_once()
            if store.pending_count() == 0:
                break
    elapsed = time.perf_counter() - started
    synced = sum(
        1 for kind in ("employer", "employer_visit") for r in store.all(kind) if r.sync.state == "synced"
    )
    store.close()
    return {
        "seconds": elapsed,
        "requests": transport.requests,
        "faults": len(transport.faults),
        "passes": passes,
        "synced": synced,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = migrated_database(f"sqlite:///{folder / 'server.db'}")
        server = ServerProcess(database.url)
        server.start()
        try:
            results = {}
            for label, rate in (("no faults", 0.0), (f"{args.fault_rate:.0%} faulted", args.fault_rate)):
                team = make_team(database)
                team.add("bench")
                device = folder / f"device-{len(results)}"  # per run: two runs may share a fault rate
                results[label] = run(server, (team, "bench"), device, count=args.records, fault_rate=rate)
        finally:
            server.kill()
            database.dispose()
    budget = math.ceil(args.records / MAX_BATCH_OPERATIONS) + 2
    base = results["no faults"]["seconds"]
    print(f"sync {args.records} records, device store -> API (SQLite, loopback) -> device sync state")
    print(
        f"{'run':<14}{'seconds':>9}{'records/s':>11}{'requests':>10}{'faults':>8}{'synced':>8}{'x base':>8}"
    )
    for label, r in results.items():
        print(
            f"{label:<14}{r['seconds']:>9.2f}{args.records / r['seconds']:>11.0f}{r['requests']:>10}"
            f"{r['faults']:>8}{r['synced']:>8}{r['seconds'] / base:>8.2f}"
        )
    print(f"request budget without faults: <= {budget} (ceil(N/batch) + 2)")


if __name__ == "__main__":
    main()
