"""Benchmark of the central API over loopback: push 10k records, pull them back, and the cost of an
empty incremental pull and of pulling the newest 1000 changes as the table grows to 100k and 1M rows.

    python bench/server.py              # SQLite file in a temp folder
    python bench/server.py --postgres   # a scratch database on 127.0.0.1:5432 (dropped afterwards)

A real uvicorn process serves the API; this process is the device (httpx, keep-alive). Bodies are
built before timing, so the push figure is the server's work plus HTTP. The big tables are filled
with one INSERT ... SELECT straight into the database (a device would take hours to push them).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.domain.clock import SystemClock  # noqa: E402
from server.db.database import Database  # noqa: E402
from server.db.migrate import upgrade  # noqa: E402
from server.services import accounts  # noqa: E402
from server.services.accounts import Role  # noqa: E402
from server.services.changes import decode_cursor, encode_cursor  # noqa: E402
from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION  # noqa: E402

RECORDS = 10_000
BATCH = 500
PG_ADMIN = os.environ.get("FIELDWORK_BENCH_PG", "postgresql://127.0.0.1:5432/test")
SECRET = "bench-secret"
FILLER = json.dumps({"name": "filler"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FIELDWORK_SECRET_KEY": SECRET,
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "server.asgi:app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    for _ in range(300):  # bounded wait for the socket, ~15 s
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=0.5)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the server did not start")


def seed(database_url: str) -> tuple[str, list[str]]:
    db = Database(database_url)
    clock = SystemClock()
    with db.write() as session:
        org = accounts.create_organisation(session, name="Bench", clock=clock)
        team = accounts.create_team(session, organisation_id=org, name="Bench team", clock=clock)
        user = accounts.create_user(
            session,
            team_id=team,
            username="bench",
            display_name="Bench",
            role=Role.SPECIALIST,
            password=None,
            clock=clock,
        )
        # Two devices of one specialist: a pull skips the puller's own pushes, so a second device
        # pulls the records back.
        codes = [
            accounts.issue_enrollment_code(
                session, user_id=user, issued_by=None, clock=clock, secret=SECRET, minutes=30
            )[0]
            for _ in range(2)
        ]
    db.dispose()
    return team, codes


def employer_records(count: int) -> list[tuple[str, dict[str, object]]]:
    """`count` new employers as (record id, data): the records every push benchmark sends."""
    return [
        (
            str(uuid.uuid4()),
            {
                "name": f"Employer {n}",
                "sector": "retail",
                "address": f"{n % BATCH} High Street",
                "contacts": ["Jo (manager)"],
                "hiring_needs": "weekend staff",
            },
        )
        for n in range(count)
    ]


def bodies(records: list[tuple[str, dict[str, object]]] | None = None, batch: int = BATCH) -> list[bytes]:
    """Push request bodies of `batch` create operations each, built before any timing."""
    records = employer_records(RECORDS) if records is None else records
    out = []
    for start in range(0, len(records), batch):
        operations = [
            {
                "op_id": str(uuid.uuid4()),
                "kind": "employer",
                "record_id": rid,
                "base_version": 0,
                "data": data,
            }
            for rid, data in records[start : start + batch]
        ]
        out.append(json.dumps({"operations": operations}).encode())
    return out


def fill(database_url: str, *, team_id: str, owner_id: str, upto: int) -> None:
    """Grow the team's records to `upto` rows with one INSERT ... SELECT, all *behind* its changes
    (negative seqs, counter untouched): as if every device had long caught up with them, so the
    newest changes stay the ones the benchmark pushed and no pull has to wade through filler."""
    db = Database(database_url)
    with db.write() as session:
        have, lowest = session.execute(
            text("SELECT count(*), coalesce(min(seq), 0) FROM records WHERE team_id = :t"), {"t": team_id}
        ).one()
        extra = upto - int(have)
        if extra <= 0:
            return
        params = {"t": team_id, "o": owner_id, "below": min(0, int(lowest)), "n": extra}
        if db.is_sqlite:
            series = (
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) SELECT i FROM s"
            )
            rid = "lower(hex(randomblob(16)))"
            now = "CURRENT_TIMESTAMP"
        else:
            series = "SELECT generate_series(1, :n) AS i"
            rid = "md5(random()::text || i::text)"
            now = "now()"
        session.execute(
            text(
                "INSERT INTO records (team_id, record_id, kind, owner_user_id, version, data, deleted,"
                f" flagged, seq, updated_at) SELECT :t, {rid}, 'employer', :o, 1, '{FILLER}', false, false,"
                f" :below - i, {now} FROM ({series}) AS g"
            ),
            params,
        )
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE records"))
    db.dispose()


def empty_pull_ms(http: httpx.Client, headers: dict[str, str], samples: int = 200) -> tuple[float, str]:
    cursor = ""
    for _ in range(100_000):  # catch up first (bounded)
        page = http.get("/api/v1/sync/pull", params={"cursor": cursor, "limit": 1000}, headers=headers).json()
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        response = http.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response.json()["changes"] == []
    return statistics.median(timings), cursor


def owner_of(database_url: str) -> str:
    db = Database(database_url)
    with db.read() as session:
        owner = str(session.execute(text("SELECT id FROM users WHERE username = 'bench'")).scalar_one())
    db.dispose()
    return owner


@dataclass
class Api:
    """A running API with one specialist's two enrolled devices: one pushes, the other pulls."""

    database_url: str
    team_id: str
    http: httpx.Client
    pusher: dict[str, str]
    puller: dict[str, str]
    cursor: str = ""  # where the pulling device is


@contextmanager
def running_api(database_url: str) -> Iterator[Api]:
    upgrade(database_url)
    team_id, codes = seed(database_url)
    port = free_port()
    server = start_server(database_url, port)
    try:
        # Every sync request names its protocol, as the app does (else 426: a protocol-1 app).
        app_headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120, headers=app_headers) as http:
            tokens = [
                http.post("/api/v1/enroll", json={"code": code, "device_name": f"bench {n}"}).json()["token"]
                for n, code in enumerate(codes)
            ]
            yield Api(
                database_url,
                team_id,
                http,
                pusher={"Authorization": f"Bearer {tokens[0]}", "Content-Type": "application/json"},
                puller={"Authorization": f"Bearer {tokens[1]}"},
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


def push(api: Api, payloads: list[bytes]) -> list[float]:
    """Send the bodies in order; seconds per request. Every operation must come back applied."""
    timings = []
    for body in payloads:
        started = time.perf_counter()
        response = api.http.post("/api/v1/sync/push", content=body, headers=api.pusher)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert all(r["status"] == "applied" for r in results), results[:3]
    return timings


@dataclass
class Pulled:
    seconds: float
    records: int
    requests: int


def pull_back(api: Api, *, limit: int = 1000) -> Pulled:
    """The other device pulls everything after its cursor, `limit` changes a request."""
    started = time.perf_counter()
    pulled, requests = 0, 0
    for _ in range(10_000):  # bounded
        page = api.http.get(
            "/api/v1/sync/pull", params={"cursor": api.cursor, "limit": limit}, headers=api.puller
        ).json()
        requests += 1
        pulled += len(page["changes"])
        api.cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    return Pulled(time.perf_counter() - started, pulled, requests)


def page_pull_ms(api: Api, *, limit: int = 1000, samples: int = 20) -> float:
    """Median ms to pull the newest `limit` changes (the puller's cursor moved back by `limit`)."""
    cursor = encode_cursor(decode_cursor(api.cursor) - limit)
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        response = api.http.get(
            "/api/v1/sync/pull", params={"cursor": cursor, "limit": limit}, headers=api.puller
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and len(response.json()["changes"]) == limit
    return statistics.median(timings)


@dataclass
class PullCost:
    empty_ms: float  # nothing new: the device is caught up
    page_ms: float  # the newest 1000 changes


def pull_curve(api: Api, sizes: Sequence[int], samples: int = 200, page: int = 1000) -> dict[int, PullCost]:
    """Pull costs as the team's table grows to each size (the puller must be caught up, and have
    at least `page` changes behind it)."""
    owner = owner_of(api.database_url)
    curve = {}
    for size in sizes:
        fill(api.database_url, team_id=api.team_id, owner_id=owner, upto=size)
        empty, api.cursor = empty_pull_ms(api.http, api.puller, samples)
        curve[size] = PullCost(empty, page_pull_ms(api, limit=page))
    return curve


@contextmanager
def scratch_postgres(prefix: str = "fieldwork_bench") -> Iterator[str]:
    """A new database on the benchmark's PostgreSQL server, dropped afterwards; yields its URL."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlalchemy_url(libpq_url: str) -> str:
    return libpq_url.replace("postgresql://", "postgresql+psycopg://", 1)


def run(database_url: str, label: str, *, curve_sizes: Sequence[int] = (RECORDS, 100_000, 1_000_000)) -> None:
    payloads = bodies()
    with running_api(database_url) as api:
        push_s = sum(push(api, payloads))
        pulled = pull_back(api)
        assert pulled.records == RECORDS, pulled
        curve = pull_curve(api, curve_sizes)
    print(f"\nFieldwork API benchmark — {label}, loopback, batches of {BATCH}")
    print("| measure | value |")
    print("| --- | --- |")
    rate = RECORDS / push_s
    print(f"| push {RECORDS} records | {push_s:.2f} s, {rate:,.0f} records/s, {len(payloads)} requests |")
    pull_rate = f"{pulled.records / pulled.seconds:,.0f} records/s"
    pull_s = f"{pulled.seconds:.2f} s"
    print(f"| pull them back (another device) | {pull_s}, {pull_rate}, {pulled.requests} requests |")
    for size, cost in curve.items():
        print(f"| empty incremental pull at {size:,} rows | {cost.empty_ms:.2f} ms (median of 200) |")
        print(f"| pull the newest 1000 changes at {size:,} rows | {cost.page_ms:.2f} ms (median of 20) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL at 127.0.0.1:5432")
    parser.add_argument(
        "--push-only", action="store_true", help="push and pull back only, without the big tables"
    )
    args = parser.parse_args()
    sizes: Sequence[int] = () if args.push_only else (RECORDS, 100_000, 1_000_000)
    if not args.postgres:
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{folder}/bench.db", "SQLite", curve_sizes=sizes)
        return
    with scratch_postgres() as url:
        run(sqlalchemy_url(url), "PostgreSQL", curve_sizes=sizes)


if __name__ == "__main__":
    main()
