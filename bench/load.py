"""Load: simulated phones syncing at once against TWO real API processes on one PostgreSQL.

    python bench/load.py [--devices 50] [--seconds 30] [--team-size 10]

Each phone is a real sync engine over a durable in-memory store and the real HTTP client; phone i
talks to server i % 2 (as behind a load balancer). For `--seconds`, every phone saves a few
records (an employer, then visits to it), syncs, and waits a moment, again and again; then each
syncs once more to drain. Every request goes to 127.0.0.1. Reported: requests and records per
second, p50/p95/p99 latency per request type, errors. Checked: no errors, and nothing lost: the
server holds exactly the records the phones saved, and no phone has anything pending.

Needs PostgreSQL at 127.0.0.1:5432 (database `test` to create a scratch database from; dropped at
the end). tests/sync/test_load.py runs a shorter pass of this as a slow test.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.store import LocalStore  # noqa: E402
from server.db.models import RecordRow  # noqa: E402
from sync.client import SyncClient  # noqa: E402
from sync.engine import SyncEngine  # noqa: E402
from tests.sync.harness import ServerProcess, Team, make_team, migrated_database  # noqa: E402
from tests.sync.records import employer, save, visit  # noqa: E402

PG_ADMIN = os.environ.get("FIELDWORK_TEST_PG", "postgresql://127.0.0.1:5432/test")


class TimedTransport(httpx.BaseTransport):
    """Forwards to the real socket, recording each request's latency, path and status."""

    def __init__(self, log: RequestLog) -> None:
        self._inner = httpx.HTTPTransport()
        self._log = log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = self._inner.handle_request(request)
            response.read()
        except httpx.TransportError:
            self._log.add(request.url.path, time.perf_counter() - started, None)
            raise
        self._log.add(request.url.path, time.perf_counter() - started, response.status_code)
        return response

    def close(self) -> None:
        self._inner.close()


@dataclass
class RequestLog:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[int | None] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, seconds: float, status: int | None) -> None:
        kind = path.rsplit("/", 1)[-1]
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            self.statuses[status] += 1


@dataclass
class Phone:
    name: str
    store: LocalStore
    engine: SyncEngine
    client: SyncClient
    saved: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    devices: int
    seconds: float
    requests: int
    records_saved: int
    records_on_server: int
    pending_on_phones: int
    errors: list[str]
    latencies: dict[str, list[float]]
    statuses: dict[int | None, int]

    @property
    def ok(self) -> bool:
        return (
            not self.errors and self.records_on_server == self.records_saved and self.pending_on_phones == 0
        )


def _scratch_database() -> tuple[str, str]:
    name = f"fieldwork_load_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


def _drop(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _enroll(server: ServerProcess, team: Team, username: str, log: RequestLog) -> Phone:
    enrolled = SyncClient(server.url).enroll(
        team.enrollment_code(username), device_name=f"{username}'s phone"
    )
    client = SyncClient(
        server.url, enrolled.token, transport=TimedTransport(log), timeout=httpx.Timeout(60.0)
    )
    store = LocalStore.in_memory()
    return Phone(name=username, store=store, engine=SyncEngine(store, client), client=client)


def _work(phone: Phone, deadline: float, seed: int) -> None:
    """Save a few records, sync, pause; until the deadline. Any exception is an error."""
    rng = random.Random(seed)
    bakery = None
    while time.monotonic() < deadline:
        try:
            if bakery is None or rng.random() < 0.2:
                bakery = employer(f"Employer {phone.name} {phone.saved}")
                save(phone.store, bakery)
                phone.saved += 1
            for _ in range(rng.randint(1, 4)):
                save(phone.store, visit(bakery.id))
                phone.saved += 1
            phone.engine.sync_once()
        except Exception as exc:  # every failure is reported, none stops the others
            phone.errors.append(f"{phone.name}: {type(exc).__name__}: {exc}")
        time.sleep(rng.uniform(0.05, 0.3))  # a person between saves, compressed


def run_load(*, devices: int = 50, seconds: float = 30.0, team_size: int = 10) -> LoadResult:
    name, url = _scratch_database()
    servers: list[ServerProcess] = []
    phones: list[Phone] = []
    log = RequestLog()
    try:
        database = migrated_database(url)
        servers = [ServerProcess(url), ServerProcess(url)]
        for server in servers:
            server.start()
        teams = [make_team(database) for _ in range((devices + team_size - 1) // team_size)]
        for n in range(devices):
            team = teams[n // team_size]
            team.add(f"p{n}")
            phones.append(_enroll(servers[n % 2], team, f"p{n}", log))
        started = time.monotonic()
        deadline = started + seconds
        threads = [
            threading.Thread(target=_work, args=(phone, deadline, n), name=phone.name)
            for n, phone in enumerate(phones)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 300)
        for phone in phones:  # drain: what was saved in the last moment is sent now
            try:
                phone.engine.sync_once()
            except Exception as exc:
                phone.errors.append(f"{phone.name} (drain): {type(exc).__name__}: {exc}")
        elapsed = time.monotonic() - started
        with database.read() as session:
            on_server = session.query(RecordRow).count()
        database.dispose()
        return LoadResult(
            devices=devices,
            seconds=elapsed,
            requests=sum(len(values) for values in log.latencies.values()),
            records_saved=sum(phone.saved for phone in phones),
            records_on_server=on_server,
            pending_on_phones=sum(phone.store.pending_count() for phone in phones),
            errors=[error for phone in phones for error in phone.errors]
            + [
                f"HTTP {status} x{count}"
                for status, count in log.statuses.items()
                if status is None or status >= 400
            ],
            latencies=log.latencies,
            statuses=dict(log.statuses),
        )
    finally:
        for phone in phones:
            phone.client.close()
        for server in servers:
            server.kill()
        _drop(name)


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(result: LoadResult) -> str:
    lines = [
        f"{result.devices} phones, 2 API processes, one PostgreSQL, {result.seconds:.1f} s",
        f"requests: {result.requests} ({result.requests / result.seconds:.1f}/s)   "
        f"records synced: {result.records_on_server} ({result.records_on_server / result.seconds:.1f}/s)",
        "",
        "| request | count | p50 | p95 | p99 | mean |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    everything = [value for values in result.latencies.values() for value in values]
    for kind, values in [*sorted(result.latencies.items()), ("all", everything)]:
        if values:
            lines.append(
                f"| {kind} | {len(values)} | {_ms(values, 0.5):.0f} ms | {_ms(values, 0.95):.0f} ms | "
                f"{_ms(values, 0.99):.0f} ms | {1000 * statistics.fmean(values):.0f} ms |"
            )
    lines += [
        "",
        f"errors: {len(result.errors)}" + (f"  first: {result.errors[:3]}" if result.errors else ""),
        f"saved on phones: {result.records_saved}   on the server: {result.records_on_server}   "
        f"still pending on phones: {result.pending_on_phones}   "
        + ("NOTHING LOST" if result.ok else "MISMATCH"),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--team-size", type=int, default=10)
    args = parser.parse_args()
    result = run_load(devices=args.devices, seconds=args.seconds, team_size=args.team_size)
    print(report(result))
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
