"""`make bench`: every benchmark in bench/, side by side with its peer, into bench/RESULTS.md.

    python bench/suite.py [--out bench] [--no-peers] [--no-postgres]

Order (each step bounded; the whole run takes about 10 minutes on 2 shared cores):
1. the peers' venv (bench/peers.py: Kinto, kinto-http, matplotlib), installed once from PyPI;
2. the machine's floor (bench/floor.py): append + fsync, an empty HTTP round trip on loopback;
3. the local store against TinyDB's JSONStorage at 10k/50k, and the save curve 1k..100k
   (bench/local_store.py);
4. the API against Kinto, same 10k records, Fieldwork on SQLite next to Kinto's memory backend,
   then both on PostgreSQL (bench/server.py, bench/kinto_peer.py); then the empty-pull curve at
   10k/100k/1M rows on both databases;
5. end-to-end sync with and without faults (bench/sync.py) and the supervisor pages at a reduced
   size (bench/review.py, 50k visits; run it alone for the 500k figure): Fieldwork only;
6. RESULTS.md + results.json (bench/results.py) and the charts (bench/charts.py, peers' venv).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import floor, kinto_peer, local_store, peers  # noqa: E402
from bench import server as api_bench  # noqa: E402
from bench.results import Curve, Results, Row, write  # noqa: E402

REVIEW_TIMEOUT_S = 420


@dataclass(frozen=True)
class Plan:
    """Sizes of one run; QUICK is what the smoke test runs."""

    records: int = 10_000  # pushed and pulled back, per round
    rounds: int = 3  # Fieldwork pushes per database (Kinto pushes once: ~2 min on PostgreSQL)
    durable_saves: int = 500
    json_inserts: dict[int, int] = field(default_factory=lambda: {10_000: 30, 50_000: 11})
    save_curve: tuple[int, ...] = (1_000, 10_000, 50_000, 100_000)
    pull_curve: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    floor_samples: int = 1000
    reopens: int = 3
    worst_case: bool = True  # also reopen the store with a journal just under compaction
    sync_records: int = 10_000
    review_visits: int = 50_000
    review_requests: int = 15
    peers: bool = True
    postgres: bool = True


QUICK = Plan(
    records=300,
    rounds=2,
    durable_saves=20,
    json_inserts={200: 5},
    save_curve=(200, 600),
    pull_curve=(300, 1_000),
    floor_samples=50,
    reopens=2,
    worst_case=False,
    sync_records=0,
    review_visits=0,
    peers=False,
    postgres=False,
)


def ms(seconds: float) -> float:
    return seconds * 1000


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def step(name: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {name}", flush=True)


class Run:
    def __init__(self, plan: Plan, workdir: Path) -> None:
        self.plan = plan
        self.workdir = workdir
        self.rows: dict[str, list[Row]] = {}
        self.curves: list[Curve] = []
        self.notes: list[str] = []
        self.floor: dict[str, float] = {}
        self.empty_pull: dict[str, dict[int, float]] = {}
        self.python: Path | None = None

    def section(self, title: str) -> list[Row]:
        return self.rows.setdefault(title, [])

    # -- the machine ---------------------------------------------------------------------------

    def measure_floor(self) -> None:
        step("machine floor")
        n = self.plan.floor_samples
        fsync = floor.fsync_append_latencies(self.workdir, n)
        http = floor.empty_round_trips(max(50, n // 2))
        self.floor = {
            "fsync": ms(statistics.median(fsync)),
            "fsync_p99": ms(p(fsync, 0.99)),
            "rtt": ms(statistics.median(http)),
            "rtt_p99": ms(p(http, 0.99)),
        }
        rows = self.section("The machine's floor")
        rows.append(
            Row(
                f"append 512 bytes + fsync, p50 / p99 ({n} samples)",
                "ms",
                None,
                machine=f"{self.floor['fsync']:.3f} / {self.floor['fsync_p99']:.3f} ms",
            )
        )
        rows.append(
            Row(
                f"empty HTTP GET on loopback, keep-alive, p50 / p99 ({len(http)} samples)",
                "ms",
                None,
                machine=f"{self.floor['rtt']:.3f} / {self.floor['rtt_p99']:.3f} ms",
            )
        )

    # -- the phone's store ---------------------------------------------------------------------

    def local_store(self) -> None:
        plan, rng = self.plan, random.Random(42)
        rows = self.section("Local store (phone): durable store vs TinyDB JSONStorage")
        fsync = f"{self.floor['fsync']:.3f} ms append + fsync"
        save_p50: dict[int, float] = {}
        json_p50: dict[int, float] = {}
        for size, inserts in plan.json_inserts.items():
            step(f"local store at {size:,} records")
            durable = local_store.bench_durable(
                self.workdir, size, rng, saves=plan.durable_saves, worst_case=plan.worst_case
            )
            plain = local_store.bench_json_storage(self.workdir, size, rng, inserts=inserts)
            save_p50[size], json_p50[size] = (
                ms(statistics.median(durable["samples"])),
                ms(statistics.median(plain)),
            )
            rows.append(
                Row(
                    f"save one record into {size:,}, p50",
                    "ms",
                    save_p50[size],
                    json_p50[size],
                    "TinyDB JSONStorage",
                    fsync,
                )
            )
            rows.append(
                Row(
                    f"save one record into {size:,}, p99",
                    "ms",
                    ms(p(durable["samples"], 0.99)),
                    ms(p(plain, 0.99)),
                    "TinyDB JSONStorage",
                    fsync,
                )
            )
            expect = durable["records_worst"]
            json_open = [local_store.reopen_json_storage(self.workdir, size) for _ in range(plan.reopens)]
            worst = [local_store.reopen_durable(self.workdir, size, expect) for _ in range(plan.reopens)]
            compacted = [
                local_store.reopen_durable(self.workdir, size, expect, compact=True)
                for _ in range(plan.reopens)
            ]
            json_s = statistics.median(json_open)
            rows.append(
                Row(
                    f"reopen with {size:,} records and read them all, compacted",
                    "s",
                    statistics.median(compacted),
                    json_s,
                    "TinyDB JSONStorage",
                )
            )
            if plan.worst_case:
                rows.append(
                    Row(
                        f"reopen with {size:,} records, journal just under compaction",
                        "s",
                        statistics.median(worst),
                        json_s,
                        "TinyDB JSONStorage",
                        note="the durable store's worst case",
                    )
                )
        for size in plan.save_curve:
            if size in save_p50:
                continue
            step(f"local save curve at {size:,} records")
            store = local_store.fill_durable(self.workdir / f"curve-{size}", size, rng)
            save_p50[size] = ms(statistics.median(local_store.save_latencies(store, plan.durable_saves, rng)))
            store.close()
        xs = sorted(set(plan.save_curve) | set(save_p50))
        self.curves.append(
            Curve(
                "local-save",
                "Local save latency (p50) as the phone's store grows",
                "records already stored",
                "ms per save",
                xs,
                {
                    "Fieldwork durable store": [save_p50.get(x) for x in xs],
                    "TinyDB JSONStorage": [json_p50.get(x) for x in xs],
                    "machine: append + fsync": [self.floor["fsync"]] * len(xs),
                },
            )
        )
        self.notes.append(
            f"Local store: {plan.durable_saves} durable saves and "
            + ", ".join(f"{n} JSONStorage inserts at {s:,}" for s, n in plan.json_inserts.items())
            + " per size, ~500-byte employer visits; reopen is the median of "
            f"{plan.reopens} opens that read every record (TinyDB parses its whole file on first read)."
        )

    # -- the API and Kinto ---------------------------------------------------------------------

    def api_against_kinto(self, label: str, database_url: str, kinto_url: str | None, peer: str) -> None:
        plan = self.plan
        rows = self.section(f"Sync server on {label}: push {plan.records:,} records, pull them back")
        records = api_bench.employer_records(plan.records)
        push_s: list[float] = []
        per_request: list[float] = []
        pulls: list[api_bench.Pulled] = []
        kinto: dict[str, Any] | None = None
        kinto_empty: float | None = None
        with api_bench.running_api(database_url) as api:
            for round_ in range(plan.rounds):
                step(f"Fieldwork on {label}: push {plan.records:,} records, round {round_ + 1}")
                batch = records if round_ == 0 else api_bench.employer_records(plan.records)
                timings = api_bench.push(api, api_bench.bodies(batch))
                push_s.append(sum(timings))
                per_request += timings
                pulls.append(api_bench.pull_back(api))
                assert pulls[-1].records == plan.records, pulls[-1]
                if round_ == 0:
                    at_size, api.cursor = api_bench.empty_pull_ms(api.http, api.puller)
                    if kinto_url and self.python:
                        step(f"Kinto ({peer}): push the same {plan.records:,} records, pull them back")
                        kinto = kinto_peer.push_pull(
                            self.python, kinto_url, records, "employers", self.workdir
                        )
                        kinto_empty = kinto_peer.empty_pull_ms(kinto_url, "employers", kinto["latest"])
            step(f"Fieldwork on {label}: empty pull at {', '.join(f'{s:,}' for s in plan.pull_curve)} rows")
            curve = api_bench.empty_pull_curve(api, [s for s in plan.pull_curve if s > plan.records])
        self.empty_pull[label] = {plan.records: at_size, **curve}
        batch_size = min(api_bench.BATCH, plan.records)
        rtt = self.floor["rtt"]
        k_rate = k_push = k_pull = None
        if kinto:
            k_per = kinto["push_request_s"]
            k_rate = plan.records / len(k_per) / statistics.median(k_per)
            k_push, k_pull = sum(k_per), kinto["pull_s"]
        fw_rate = batch_size / statistics.median(per_request)
        requests = len(per_request) // plan.rounds
        pulled = statistics.median(x.seconds for x in pulls)
        rows += [
            Row(
                f"push rate, records/s (median request of {batch_size})",
                "records/s",
                fw_rate,
                k_rate,
                peer,
                f"{batch_size / (rtt / 1000):,.0f} records/s if only round trips cost",
                True,
            ),
            Row(
                f"push {plan.records:,} records, total",
                "s",
                statistics.median(push_s),
                k_push,
                peer,
                f"{requests} round trips = {requests * rtt:.1f} ms",
                note=f"Fieldwork median of {plan.rounds}, Kinto one run",
            ),
            Row(
                "push requests",
                "requests",
                requests,
                kinto["push_requests"] if kinto else None,
                peer,
            ),
            Row(
                f"pull {plan.records:,} records back on another device",
                "s",
                pulled,
                k_pull,
                peer,
                note="pages of 1000; Kinto `_since`",
            ),
            Row(
                "pull requests",
                "requests",
                pulls[0].requests,
                kinto["pull_requests"] if kinto else None,
                peer,
            ),
            Row(
                f"empty incremental pull at {plan.records:,} rows, p50 of 200",
                "ms",
                at_size,
                kinto_empty,
                peer,
                f"{rtt:.3f} ms empty round trip",
            ),
        ]
        if kinto:
            rows[0].note = f"Kinto client CPU {kinto['push_client_cpu_s']:.1f} s of the push"

    def sync_server(self) -> None:
        plan = self.plan
        python = self.python
        step("Fieldwork on SQLite next to Kinto's memory backend")
        with tempfile.TemporaryDirectory(dir=self.workdir) as folder:
            if python:
                with kinto_peer.running_kinto(python, self.workdir) as kinto_url:
                    self.api_against_kinto(
                        "SQLite", f"sqlite:///{folder}/bench.db", kinto_url, "Kinto, memory backend"
                    )
            else:
                self.api_against_kinto("SQLite", f"sqlite:///{folder}/bench.db", None, "")
        if plan.postgres:
            step("Fieldwork and Kinto on PostgreSQL (separate scratch databases)")
            with api_bench.scratch_postgres() as fw_url, api_bench.scratch_postgres("kinto_bench") as k_url:
                if python:
                    with kinto_peer.running_kinto(python, self.workdir, k_url) as kinto_url:
                        self.api_against_kinto(
                            "PostgreSQL", api_bench.sqlalchemy_url(fw_url), kinto_url, "Kinto, PostgreSQL"
                        )
                else:
                    self.api_against_kinto("PostgreSQL", api_bench.sqlalchemy_url(fw_url), None, "")
        xs = sorted({x for curve in self.empty_pull.values() for x in curve})
        series: dict[str, list[float | None]] = {
            f"Fieldwork on {label}": [curve.get(x) for x in xs] for label, curve in self.empty_pull.items()
        }
        series["machine: empty HTTP round trip"] = [self.floor["rtt"]] * len(xs)
        self.curves.append(
            Curve(
                "pull",
                "Empty incremental pull (p50) as the server's table grows",
                "rows in the server's records table",
                "ms per pull",
                xs,
                series,
            )
        )
        self.notes += [
            f"Sync server: the same {plan.records:,} employer records (id + 5 fields) go to both servers, "
            f"{api_bench.BATCH} per request: Fieldwork's push endpoint with bodies built before timing "
            "(httpx, keep-alive, one uvicorn worker), Kinto's batch endpoint through kinto-http's "
            f"`client.batch()` with `kinto.batch_max_requests = {kinto_peer.BATCH_MAX_REQUESTS}` "
            "(default 25), basic auth, waitress. Kinto's arrivals are counted (HEAD, Total-Objects) and "
            "every id is checked in the pull before a rate is reported; Fieldwork's push checks every "
            "operation came back `applied` and the pull counts them.",
            f"Push rate is the median over the batch requests ({plan.rounds} rounds of "
            f"{math.ceil(plan.records / api_bench.BATCH)} for Fieldwork, one round for Kinto: a Kinto "
            "round on PostgreSQL takes minutes). Fieldwork keeps pushing fresh records after round 1, "
            "so its later rounds see a larger table.",
            "Kinto's memory backend keeps nothing on disk; Fieldwork's SQLite commits every push to a file. "
            "The PostgreSQL pair runs on the same server (127.0.0.1:5432) in two scratch databases made and "
            "dropped by the run.",
            "Pull curve: rows are added straight into the database (INSERT ... SELECT), then 200 empty "
            "incremental pulls are timed at each size.",
        ]

    # -- Fieldwork only ------------------------------------------------------------------------

    def end_to_end(self) -> None:
        from bench import sync as sync_bench
        from tests.sync.harness import ServerProcess, make_team, migrated_database

        n = self.plan.sync_records
        rows = self.section("Fieldwork only (no Python peer keeps a device store)")
        with tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            database = migrated_database(f"sqlite:///{tmp}/server.db")
            server = ServerProcess(database.url)
            server.start()
            try:
                for rate in (0.0, 0.3):
                    step(f"end-to-end sync of {n:,} records, {rate:.0%} of requests faulted")
                    team = make_team(database)
                    team.add("bench")
                    r = sync_bench.run(server, (team, "bench"), Path(tmp), count=n, fault_rate=rate)
                    assert r["synced"] == n, r
                    rows.append(
                        Row(
                            f"sync {n:,} records device -> API (SQLite) -> device, {rate:.0%} "
                            "requests faulted",
                            "records/s",
                            n / r["seconds"],
                            higher_is_better=True,
                            note=f"{r['requests']} requests, {r['faults']} faults, one run",
                        )
                    )
            finally:
                server.kill()
                database.dispose()

    def review_pages(self) -> None:
        plan = self.plan
        step(f"supervisor pages, {plan.review_visits:,} visits in PostgreSQL")
        done = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "review.py"),
                "--visits",
                str(plan.review_visits),
                "--requests",
                str(plan.review_requests),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=REVIEW_TIMEOUT_S,
        )
        rows = self.section("Fieldwork only (no Python peer keeps a device store)")
        lines = done.stdout.splitlines()
        start = next(n for n, line in enumerate(lines) if line.startswith("page ")) + 1
        for line in lines[start:]:
            name, p50, p95, _kib = line.rsplit(maxsplit=3)
            rows.append(
                Row(
                    f"supervisor page: {name.strip()}, p50",
                    "ms",
                    float(p50),
                    note=f"{plan.review_visits:,} visits, p95 {float(p95):.0f} ms",
                )
            )


def machine_info() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "load average at start": f"{os.getloadavg()[0]:.1f}",
    }


def run(plan: Plan, out: Path) -> Results:
    started_at = time.perf_counter()
    info = machine_info()
    with tempfile.TemporaryDirectory(prefix="fieldwork-bench-") as tmp:
        bench = Run(plan, Path(tmp))
        if plan.peers:
            step("peers' venv")
            bench.python = peers.ensure()
            info["kinto"] = peers.version("kinto")
            info["kinto-http"] = peers.version("kinto-http")
        bench.measure_floor()
        bench.local_store()
        bench.sync_server()
        if plan.sync_records:
            bench.end_to_end()
        if plan.review_visits and plan.postgres:
            bench.review_pages()
    info["load average at end"] = f"{os.getloadavg()[0]:.1f}"
    results = Results(
        started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        seconds=time.perf_counter() - started_at,
        machine=info,
        sections=bench.rows,
        curves=bench.curves,
        notes=bench.notes,
    )
    data = write(results, out)
    if bench.python:
        step("charts")
        subprocess.run(
            [str(bench.python), str(ROOT / "bench" / "charts.py"), str(data)], check=True, timeout=120
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench")
    parser.add_argument("--no-peers", action="store_true", help="skip Kinto and the charts")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (what the smoke test runs)")
    args = parser.parse_args()
    plan = QUICK if args.quick else Plan()
    if args.no_peers or args.no_postgres:
        plan = Plan(
            **{
                **plan.__dict__,
                "peers": plan.peers and not args.no_peers,
                "postgres": plan.postgres and not args.no_postgres,
            }
        )
    results = run(plan, args.out)
    print(f"wrote {args.out / 'RESULTS.md'} in {results.seconds / 60:.1f} minutes")


if __name__ == "__main__":
    main()
