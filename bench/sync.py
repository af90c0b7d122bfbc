"""End-to-end sync benchmark: 10k records from a device's durable store to a real API process on
loopback (SQLite) and back into the device's sync state; then the same with 30% of requests faulted.

    python bench/sync.py [--records 10000] [--runs 5] [--fault-rate 0.3] [--json OUT] [--workdir DIR]

Each run starts from a fresh server database and a fresh device store (copies of one migrated
database and one filled store), against its own API process; the figures are medians of the runs.
Timed: from the first push to the moment every record is marked synced on the device (the
server's commit and the device's durable write of each result), including the pull pass that
follows. Not timed: saving the records locally, starting the server. With faults, retries run back
to back; the real runner would add its backoff waits, which are policy, not cost.

Where the time goes, per run: `server` is the API's own time per request (its Server-Timing
header: parsing, the database work and the commit, encoding the answer), `in calls` the device's
wall time inside push and pull calls (the server's time plus HTTP and decoding the answer; pushes
run on the engine's sender thread), `store` the device's time in its store (reading the outbox
and records, the durable writes of the answers and of the pull), `encode` building push bodies
from the encoded operations and compressing them (each operation is encoded while its batch is
built). Each is summed over the run's requests, in seconds.
The device's work overlaps the request in flight, so the parts add up to more than the total.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
    Team,
    make_team,
    migrated_database,
)

# A real timeout waits out the client's 30 s, a restart a server start: both are in tests/sync.
QUICK_FAULTS = [f for f in Fault if f not in SLOW_FAULTS]
# The store calls counted as the device's store time (the sync engine's and the runner's).
STORE_CALLS = frozenset(
    {
        "outbox",
        "get",
        "get_many",
        "record_outcomes",
        "apply_remote",
        "bump_attempts",
        "pending_count",
        "cursor",
    }
)


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


@dataclass
class Clocks:
    """Seconds spent, by part, summed over a run (thread-safe: pushes run on the sender thread)."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, part: str, seconds: float) -> None:
        with self._lock:
            self.seconds[part] += seconds
            self.calls[part] += 1

    @contextlib.contextmanager
    def timing(self, part: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(part, time.perf_counter() - started)

    def wrap(self, part: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.timing(part):
                return method(*args, **kwargs)

        return timed


class TimedStore:
    """The device store with its sync calls timed; everything else passes straight through."""

    def __init__(self, store: LocalStore, clocks: Clocks) -> None:
        self._store = store
        self._clocks = clocks

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        return self._clocks.wrap(f"store.{name}", value) if name in STORE_CALLS else value


class TimedApi:
    """The sync client with push, pull and body encoding timed on the device."""

    def __init__(self, client: SyncClient, clocks: Clocks) -> None:
        self.push = clocks.wrap("requests.push", client.push)
        self.pull = clocks.wrap("requests.pull", client.pull)
        self.prepare_push = clocks.wrap("encode", client.prepare_push)
        if hasattr(client, "prepare_encoded_push"):  # a client from before it would have none
            self.prepare_encoded_push = clocks.wrap("encode", client.prepare_encoded_push)
        if hasattr(client, "push_noting_sent"):  # the same
            self.push_noting_sent = clocks.wrap("requests.push", client.push_noting_sent)


class ServerTimed(httpx.BaseTransport):
    """Adds up the server's own time per request from its Server-Timing header, when it sends one."""

    def __init__(self, inner: httpx.BaseTransport, clocks: Clocks) -> None:
        self._inner = inner
        self._clocks = clocks

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        for metric in response.headers.get("server-timing", "").split(","):
            name, _, params = metric.strip().partition(";")
            if name == "app" and params.startswith("dur="):
                self._clocks.add(f"server.{request.url.path.rsplit('/', 1)[-1]}", float(params[4:]) / 1000)
        return response


def run(
    server: ServerProcess,
    team_users: tuple[Team, str],
    folder: Path,
    *,
    count: int,
    fault_rate: float,
    filled: tuple[Path, bytes] | None = None,
) -> dict[str, Any]:
    """One timed sync of `count` records into `server`; `filled` is a filled store folder and its
    key to copy to `folder` (otherwise the store is filled here, untimed)."""
    team, username = team_users
    enrolled = SyncClient(server.url).enroll(team.enrollment_code(username), device_name="bench phone")
    rng = random.Random(7)

    def plan(request: httpx.Request) -> Fault | None:
        return rng.choice(QUICK_FAULTS) if rng.random() < fault_rate else None

    clocks = Clocks()
    transport = FaultyTransport(plan, server=server)
    client = SyncClient(
        server.url, enrolled.token, transport=ServerTimed(transport, clocks), timeout=httpx.Timeout(30.0)
    )
    if filled is not None:
        shutil.copytree(filled[0], folder)
        store = LocalStore.open(folder, key=filled[1])
    else:
        store = LocalStore.open(folder, key=new_key())  # encrypted, as the app runs it
        fill(store, count)
    engine = SyncEngine(TimedStore(store, clocks), TimedApi(client, clocks), batch_size=MAX_BATCH_OPERATIONS)
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
    client.close()
    parts = dict(clocks.seconds)
    return {
        "seconds": elapsed,
        "requests": transport.requests,
        "faults": len(transport.faults),
        "passes": passes,
        "synced": synced,
        "parts": parts,
        "calls": dict(clocks.calls),
        "server": sum(v for k, v in parts.items() if k.startswith("server.")),
        "store": sum(v for k, v in parts.items() if k.startswith("store.")),
        "encode": parts.get("encode", 0.0),
        "request_wall": sum(v for k, v in parts.items() if k.startswith("requests.")),
    }


def measure(
    count: int, rates: Sequence[float], runs: int, *, workdir: Path | None = None
) -> dict[float, list[dict[str, Any]]]:
    """`runs` timed syncs at each fault rate (taking turns), each on a fresh server database (its own
    API process) and a fresh copy of one filled device store."""
    results: dict[float, list[dict[str, Any]]] = {rate: [] for rate in rates}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        folder = Path(tmp)
        template = folder / "template.db"
        migrated_database(f"sqlite:///{template}").dispose()
        key = new_key()
        filled = folder / "filled-store"
        store = LocalStore.open(filled, key=key)
        fill(store, count)
        store.close()
        for number in range(runs):
            for rate in rates:
                database_file = folder / f"server-{number}-{rate}.db"
                shutil.copyfile(template, database_file)
                database = migrated_database(f"sqlite:///{database_file}")  # already current
                server = ServerProcess(database.url)
                server.start()
                device = folder / f"device-{number}-{rate}"
                try:
                    team = make_team(database)
                    team.add("bench")
                    result = run(
                        server, (team, "bench"), device, count=count, fault_rate=rate, filled=(filled, key)
                    )
                    results[rate].append(result)
                finally:
                    server.kill()
                    database.dispose()
                shutil.rmtree(device, ignore_errors=True)
                database_file.unlink(missing_ok=True)
    return results


def median_of(results: list[dict[str, Any]], name: str) -> float:
    return float(statistics.median(r[name] for r in results))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fault-rate", type=float, default=0.3, help="the second row's; 0 skips it")
    parser.add_argument("--json", type=Path, help="also write every run's figures here, by fault rate")
    parser.add_argument("--workdir", type=Path, help="where the runs' databases and stores go")
    args = parser.parse_args()
    rates = [("no faults", 0.0)] + (
        [(f"{args.fault_rate:.0%} faulted", args.fault_rate)] if args.fault_rate else []
    )
    load_before = os.getloadavg()
    measured = measure(args.records, [rate for _, rate in rates], args.runs, workdir=args.workdir)
    if args.json:
        args.json.write_text(json.dumps({str(rate): results for rate, results in measured.items()}))
    table = {label: measured[rate] for label, rate in rates}
    load_after = os.getloadavg()
    budget = math.ceil(args.records / MAX_BATCH_OPERATIONS) + 2
    print(f"sync {args.records} records, device store -> API (SQLite, loopback) -> device sync state")
    print(f"medians of {args.runs} runs, each on a fresh server database and device store")
    print(
        f"{'run':<14}{'seconds':>9}{'records/s':>11}{'requests':>10}{'faults':>8}{'synced':>8}"
        f"{'server':>8}{'in calls':>10}{'store':>7}{'encode':>8}  all runs (s)"
    )
    base = median_of(table["no faults"], "seconds")
    for label, results in table.items():
        seconds = median_of(results, "seconds")
        print(
            f"{label:<14}{seconds:>9.2f}{args.records / seconds:>11.0f}"
            f"{median_of(results, 'requests'):>10.0f}"
            f"{median_of(results, 'faults'):>8.0f}{min(r['synced'] for r in results):>8}"
            f"{median_of(results, 'server'):>8.2f}{median_of(results, 'request_wall'):>10.2f}"
            f"{median_of(results, 'store'):>7.2f}{median_of(results, 'encode'):>8.2f}  "
            + " ".join(f"{r['seconds']:.2f}" for r in results)
            + (f"  ({seconds / base:.2f}x no faults)" if label != "no faults" else "")
        )
    print("device store time by call (median s):")
    for label, results in table.items():
        names = sorted({k for r in results for k in r["parts"] if k.startswith("store.")})
        print(
            f"  {label}: "
            + ", ".join(
                f"{k[6:]} {statistics.median(r['parts'].get(k, 0.0) for r in results):.3f}" for k in names
            )
        )
    print(f"request budget without faults: <= {budget} (ceil(N/batch) + 2)")
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )


if __name__ == "__main__":
    main()
