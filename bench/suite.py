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
5. end-to-end sync with and without faults (bench/sync.py), a phone's sync under a sign-in flood
   (bench/abuse.py, SQLite), 50 phones at once (bench/load.py)
   and the supervisor pages at a reduced size (bench/review.py, 50k visits; run it alone for the
   500k figure): Fieldwork only; then the field app in Chromium at phone size with the demo store,
   5,000 records and 2,000 employers (bench/ui.py);
6. RESULTS.md + results.json (bench/results.py) and the charts (bench/charts.py, peers' venv).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
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
UI_TIMEOUT_S = 1200
SYNC_TIMEOUT_S = 900  # bench/sync.py: 10 syncs of 10k, ~1 minute
UI_FLOOR = "floor: tap the selected Today tab (event round trip)"


@dataclass(frozen=True)
class Plan:
    """Sizes of one run; QUICK is what the smoke test runs."""

    records: int = 10_000  # pushed to each server and pulled back
    durable_saves: int = 500
    json_inserts: dict[int, int] = field(default_factory=lambda: {10_000: 30, 50_000: 11})
    save_curve: tuple[int, ...] = (1_000, 10_000, 50_000, 100_000)
    pull_curve: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    floor_samples: int = 1000
    work_records: int = 20_000  # the machine's pure-Python floor (bench/floor.py python_work)
    reopens: int = 3
    worst_case: bool = True  # also reopen the store with a journal just under compaction
    sync_records: int = 10_000
    review_visits: int = 50_000
    load_seconds: float = 20.0  # bench/load.py: 50 phones against two API processes on PostgreSQL
    review_requests: int = 15
    abuse: bool = True  # bench/abuse.py: a phone's sync under a sign-in flood, SQLite
    peers: bool = True
    postgres: bool = True
    # bench/ui.py: the field app in Chromium at phone size, per store; medians of ui_samples taps
    ui_sizes: tuple[str, ...] = ("demo", "5k", "2k-employers", "50k")
    ui_samples: int = 10
    ui_starts: int = 3  # a process start is ~10 s of the 15 minutes; `python bench/ui.py` alone takes 10


QUICK = Plan(
    records=300,
    durable_saves=20,
    json_inserts={200: 5},
    save_curve=(200, 600),
    pull_curve=(300, 1_000),
    floor_samples=50,
    work_records=2_000,
    reopens=2,
    worst_case=False,
    sync_records=0,
    review_visits=0,
    load_seconds=0,
    abuse=False,
    peers=False,
    postgres=False,
    ui_sizes=(),
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
        self.pull_costs: dict[str, dict[int, api_bench.PullCost]] = {}
        self.python: Path | None = None

    def section(self, title: str) -> list[Row]:
        return self.rows.setdefault(title, [])

    # -- the machine ---------------------------------------------------------------------------

    def measure_floor(self) -> None:
        step("machine floor")
        n = self.plan.floor_samples
        fsync = floor.fsync_append_latencies(self.workdir, n)
        http = floor.empty_round_trips(max(50, n // 2))
        work = floor.python_work_seconds(5, records=self.plan.work_records)
        self.floor = {
            "fsync": ms(statistics.median(fsync)),
            "fsync_p99": ms(p(fsync, 0.99)),
            "rtt": ms(statistics.median(http)),
            "rtt_p99": ms(p(http, 0.99)),
            "work": ms(statistics.median(work)),
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
        rows.append(
            Row(
                f"pure-Python work: {self.plan.work_records:,} record-like dicts built, through JSON and"
                f" back, their times parsed and written (bench/floor.py; median of {len(work)}; no"
                " Fieldwork code: compare machines by it)",
                "ms",
                None,
                machine=f"{self.floor['work']:.1f} ms",
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
            local_store.write_json_storage(self.workdir, size, expect, rng)
            cases = [("journal just under compaction", False)] if plan.worst_case else []
            for case, compact in [*cases, ("compacted", True)]:
                if compact:
                    local_store.compact_durable(self.workdir, size)
                samples = local_store.reopen_side_by_side(
                    self.workdir, size, expect=expect, probe=durable["probe"], runs=plan.reopens
                )
                wall = {key: statistics.median(run[0] for run in runs) for key, runs in samples.items()}
                worst = "" if compact else ", the durable store's worst case"
                note = f"both hold {expect:,} records{worst}"
                for read, what in (("one", "read one record"), ("all", "read them all")):
                    rows.append(
                        Row(
                            f"reopen with {size:,} records and {what}, {case}",
                            "s",
                            wall[("durable", read)],
                            wall[("json", read)],
                            "TinyDB JSONStorage",
                            note=note,
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
            + " per size, ~500-byte employer visits. Reopen: the median of "
            f"{plan.reopens} opens of each store, interleaved, then one read: one record (the durable "
            "store's get; TinyDB's get by id, which parses its whole file as any first read does) or "
            "them all (LocalStore.all copies every record with its sync state; TinyDB's all())."
        )

    # -- the API and Kinto ---------------------------------------------------------------------

    def api_against_kinto(
        self, label: str, database_url: str, kinto_url: str | None, peer: str, kinto_db: str | None = None
    ) -> None:
        """The same records through both servers, one batch request each in turn, so both see the
        same moment of this shared machine; then each pulls them back on another client."""
        plan = self.plan
        rows = self.section(f"Sync server on {label}: push {plan.records:,} records, pull them back")
        # The pushes and the pull back are timed in this process: garbage left by earlier steps
        # is collected and the survivors frozen first, or a full collection of it (0.7-1.0 s
        # once) lands inside one of them at random.
        gc.collect()
        gc.freeze()
        records = api_bench.employer_records(plan.records)
        fw_s: list[float] = []
        k_s: list[float] = []
        k_requests = 0
        kinto: dict[str, Any] | None = None
        with api_bench.running_api(database_url) as api, self.kinto_run(kinto_url, records) as other:
            step(
                f"push {plan.records:,} records: Fieldwork on {label}"
                + (f" and {peer}, in turn" if other else "")
            )
            for body in api_bench.bodies(records):
                fw_s += api_bench.push(api, [body])
                if other:
                    seconds, sent = other.push_next()
                    k_s.append(seconds)
                    k_requests += sent
            fw_pull = api_bench.pull_back(api)
            assert fw_pull.records == plan.records, fw_pull
            if other and kinto_url:
                kinto = other.finish()
            # Pull costs at the pushed size, then with the table grown behind the pushed records
            # (both servers alike), each size measured on Fieldwork then on Kinto.
            page = min(1000, plan.records)
            fw_curve: dict[int, api_bench.PullCost] = {}
            k_curve: dict[int, api_bench.PullCost] = {}
            sizes = [plan.records] + [size for size in plan.pull_curve if size > plan.records]
            step(
                f"pull cost at {', '.join(f'{n:,}' for n in sizes)} rows: Fieldwork on {label}"
                + (f" and {peer}" if kinto else "")
            )
            for size in sizes:
                fw_curve |= api_bench.pull_curve(api, [size], page=page)
                if kinto_url and kinto and (size == plan.records or kinto_db):
                    if kinto_db:
                        kinto_peer.fill(kinto_db, "employers", size)
                    k_curve[size] = api_bench.PullCost(
                        kinto_peer.empty_pull_ms(kinto_url, "employers", kinto["latest"]),
                        kinto_peer.page_pull_ms(kinto_url, "employers", kinto["page_since"], page),
                    )
        self.pull_costs[f"Fieldwork on {label}"] = fw_curve
        if k_curve:
            self.pull_costs[peer] = k_curve
        per_request = min(api_bench.BATCH, plan.records)
        rtt = self.floor["rtt"]
        rows += [
            Row(
                f"push rate, median of {len(fw_s)} requests of {per_request}",
                "records/s",
                per_request / statistics.median(fw_s),
                per_request / statistics.median(k_s) if k_s else None,
                peer,
                f"{per_request / (rtt / 1000):,.0f} records/s if only round trips cost",
                True,
                note=f"Kinto client CPU {kinto['push_client_cpu_s']:.1f} s in all" if kinto else "",
            ),
            Row(
                f"push {plan.records:,} records, total",
                "s",
                sum(fw_s),
                sum(k_s) if k_s else None,
                peer,
                f"{len(fw_s)} round trips = {len(fw_s) * rtt:.1f} ms",
            ),
            Row("push requests", "requests", len(fw_s), k_requests if k_s else None, peer),
            Row(
                f"pull {plan.records:,} records back on another client",
                "s",
                fw_pull.seconds,
                kinto["pull_s"] if kinto else None,
                peer,
                note="pages of 1000; Kinto `_since`",
            ),
            Row(
                "pull requests", "requests", fw_pull.requests, kinto["pull_requests"] if kinto else None, peer
            ),
        ]
        biggest = max(fw_curve)
        for size in sorted({plan.records, biggest}):
            k_cost = k_curve.get(size)
            rows += [
                Row(
                    f"empty incremental pull at {size:,} rows, p50 of 200",
                    "ms",
                    fw_curve[size].empty_ms,
                    k_cost.empty_ms if k_cost else None,
                    peer,
                    f"{rtt:.3f} ms empty round trip",
                ),
                Row(
                    f"pull the newest {page:,} changes at {size:,} rows, p50 of 20",
                    "ms",
                    fw_curve[size].page_ms,
                    k_cost.page_ms if k_cost else None,
                    peer,
                ),
            ]

    def kinto_run(
        self, url: str | None, records: list[tuple[str, dict[str, Any]]]
    ) -> AbstractContextManager[kinto_peer.KintoPush | None]:
        if url is None or self.python is None:
            return nullcontext()
        return kinto_peer.KintoPush(self.python, url, records, "employers", self.workdir)

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
                            "PostgreSQL",
                            api_bench.sqlalchemy_url(fw_url),
                            kinto_url,
                            "Kinto, PostgreSQL",
                            k_url,
                        )
                else:
                    self.api_against_kinto("PostgreSQL", api_bench.sqlalchemy_url(fw_url), None, "")
        xs = sorted({x for curve in self.pull_costs.values() for x in curve})
        floor_rtt = {"machine: empty HTTP round trip": [self.floor["rtt"]] * len(xs)}

        def series(cost: Callable[[api_bench.PullCost], float]) -> dict[str, list[float | None]]:
            return {
                label: [cost(c[x]) if x in c else None for x in xs] for label, c in self.pull_costs.items()
            }

        self.curves += [
            Curve(
                "pull-empty",
                "Empty incremental pull (p50) as the server's table grows",
                "rows in the server's records table",
                "ms per pull",
                xs,
                series(lambda c: c.empty_ms) | floor_rtt,
            ),
            Curve(
                "pull-page",
                f"Pulling the newest {min(1000, plan.records):,} changes (p50) as the table grows",
                "rows in the server's records table",
                "ms per pull",
                xs,
                series(lambda c: c.page_ms) | floor_rtt,
            ),
        ]
        self.notes += [
            f"Sync server: the same {plan.records:,} employer records (id + 5 fields) go to both servers, "
            f"{api_bench.BATCH} per request: Fieldwork's push endpoint with bodies built before timing "
            "(httpx, keep-alive, one uvicorn worker), Kinto's batch endpoint through kinto-http's "
            f"`client.batch()` with `kinto.batch_max_requests = {kinto_peer.BATCH_MAX_REQUESTS}` "
            "(default 25), basic auth, waitress. Kinto's arrivals are counted (HEAD, Total-Objects) and "
            "every id is checked in the pull before a rate is reported; Fieldwork's push checks every "
            "operation came back `applied` and the pull counts them.",
            f"The {math.ceil(plan.records / api_bench.BATCH)} batch requests alternate between the two "
            "servers (Fieldwork's first, then Kinto's first, ...), so a burst of load from other work on "
            "this machine hits both; the push rate is the median request, the total is the sum. The pulls "
            "and the 200 empty pulls run one after the other, once each. Waitress serves Kinto with its "
            "default 4 threads; one client sends one request at a time to either server.",
            "Kinto's memory backend keeps nothing on disk; Fieldwork's SQLite commits every push to a file. "
            "The PostgreSQL pair runs on the same server (127.0.0.1:5432) in two scratch databases made and "
            "dropped by the run.",
            "Pull curves: rows are added straight into each database (INSERT ... SELECT), behind the pushed "
            "records (Fieldwork: negative change numbers; Kinto: rows in its `objects` table, through its "
            "timestamp trigger, with older timestamps), as if every client had long caught up with them. At "
            "each size: 200 empty incremental pulls (the client is caught up) and 20 pulls of the newest "
            "1,000 changes (Fieldwork: a cursor 1,000 changes back; Kinto: `_since` the 1,001st newest, "
            "`_limit=1000`). Kinto's memory backend cannot be filled from outside: it has only the first "
            "point.",
        ]

    # -- Fieldwork only ------------------------------------------------------------------------

    def end_to_end(self) -> None:
        from bench import sync as sync_bench

        n = self.plan.sync_records
        runs = 5
        rows = self.section("Fieldwork only (no peer measured)")
        self.notes.append(
            "End-to-end sync has no peer here: no Python peer keeps a durable device store and an outbox "
            f"(Kinto's offline client is kinto.js). Each is the median of {runs} runs, each on a fresh "
            "server database and device store; faults are drawn from bench/sync.py's injector, retries "
            "back to back."
        )
        step(f"end-to-end sync of {n:,} records, {runs} runs each with 0% and 30% of requests faulted")
        # In a process of its own, as when run alone: the device's side of each sync runs in that
        # process, and this one's garbage from earlier steps must not be collected inside its
        # timing; nor the garbage its 10 syncs leave inside the timed pulls that come next.
        out = self.workdir / "sync.json"
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "sync.py"),
                "--records",
                str(n),
                "--runs",
                str(runs),
                "--fault-rate",
                "0.3",
                "--json",
                str(out),
                "--workdir",
                str(self.workdir),
            ],
            check=True,
            timeout=SYNC_TIMEOUT_S,
        )
        measured: dict[float, list[dict[str, Any]]] = {
            float(rate): results for rate, results in json.loads(out.read_text()).items()
        }

        for rate, results in measured.items():
            assert all(r["synced"] == n for r in results), results
            seconds = sync_bench.median_of(results, "seconds")
            rows.append(
                Row(
                    f"sync {n:,} records device -> API (SQLite) -> device, {rate:.0%} requests faulted",
                    "records/s",
                    n / seconds,
                    higher_is_better=True,
                    note=f"median of {runs} runs ({min(r['seconds'] for r in results):.2f}-"
                    f"{max(r['seconds'] for r in results):.2f} s), "
                    f"{sync_bench.median_of(results, 'requests'):.0f} requests, "
                    f"{sync_bench.median_of(results, 'faults'):.0f} faults; "
                    f"server's own time {sync_bench.median_of(results, 'server'):.2f} s",
                )
            )

    def load(self) -> None:
        from bench.load import run_load

        seconds = self.plan.load_seconds
        step(f"load: 50 phones for {seconds:.0f} s against two API processes on PostgreSQL")
        result = run_load(devices=50, seconds=seconds)
        assert result.ok, result.errors[:3]
        rows = self.section("Fieldwork only (no peer measured)")
        rows.append(
            Row(
                f"load: 50 phones syncing at once for {seconds:.0f} s, two API processes",
                "records/s",
                result.records_on_server / result.seconds,
                higher_is_better=True,
                note=f"{result.requests / result.seconds:.0f} requests/s, {len(result.errors)} errors, "
                f"{result.records_saved - result.records_on_server} of {result.records_saved} lost",
            )
        )
        for kind, values in sorted(result.latencies.items()):
            if values:
                rows.append(
                    Row(
                        f"load: {kind} request, p50",
                        "ms",
                        ms(statistics.median(values)),
                        note=f"p95 {ms(p(values, 0.95)):.0f} ms, {len(values)} requests",
                    )
                )

    def abuse(self) -> None:
        from bench import abuse

        step(f"sign-in flood: a phone's sync alone and under {abuse.STRANGERS} wrong sign-ins at once")
        with tempfile.TemporaryDirectory() as folder:
            alone, flooded = abuse.run(f"sqlite:///{folder}/abuse.db", "SQLite")
        rows = self.section("Fieldwork only (no peer measured)")
        for name, by_itself, under_flood in (
            ("push", alone.push_p95_ms, flooded.push_p95_ms),
            ("pull", alone.pull_p95_ms, flooded.pull_p95_ms),
        ):
            rows.append(
                Row(
                    f"one-op {name} p95 under {abuse.STRANGERS} concurrent wrong sign-ins (SQLite)",
                    "ms",
                    under_flood,
                    note=f"alone {by_itself:.0f} ms: {under_flood / by_itself:.2f}x (target 2x)",
                )
            )

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
        rows = self.section("Fieldwork only (no peer measured)")
        self.notes.append(
            f"Supervisor pages: bench/review.py at {plan.review_visits:,} visits ({plan.review_requests} "
            "requests a page) to keep `make bench` short; `python bench/review.py` alone seeds 500k."
        )
        lines = done.stdout.splitlines()
        start = next(n for n, line in enumerate(lines) if line.startswith("page ")) + 1
        # One row per page: a 40-character name, then p50, p95 and KiB; anything else (such as the
        # load average review.py prints after the table) is not a page.
        for line in lines[start:]:
            name, p50, p95, _kib = (
                (line[:40], *line[40:].split()) if len(line[40:].split()) == 3 else ("",) * 4
            )
            if not name.strip() or ":" in name:
                continue
            rows.append(
                Row(
                    f"supervisor page: {name.strip()}, p50",
                    "ms",
                    float(p50),
                    note=f"{plan.review_visits:,} visits, p95 {float(p95):.0f} ms",
                )
            )

    def field_app_ui(self) -> None:
        plan = self.plan
        step(f"the field app in Chromium at phone size: {', '.join(plan.ui_sizes)}")
        out = self.workdir / "ui.json"
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "ui.py"),
                "--sizes",
                ",".join(plan.ui_sizes),
                "--samples",
                str(plan.ui_samples),
                "--starts",
                str(plan.ui_starts),
                "--json",
                str(out),
            ],
            check=True,
            timeout=UI_TIMEOUT_S,
        )
        rows = self.section("The field app in Chromium at phone size (bench/ui.py), Fieldwork only")
        found = json.loads(out.read_text())
        for size in plan.ui_sizes:
            measured = found[size]["this"]
            floor_ms = measured["rows"][UI_FLOOR]["median_ms"]
            for name, row in measured["rows"].items():
                app = (
                    f"; app {row['app_ms']:.0f} ms, of it Flet {row['patch_ms']:.0f} ms"
                    if "app_ms" in row
                    else ""
                )
                rows.append(
                    Row(
                        f"{size} ({measured['records']:,} records): {name}",
                        "ms",
                        row["median_ms"],
                        machine=f"{floor_ms:.0f} ms event round trip",
                        note=f"n={row['samples']}, load {row['load']:.1f}{app}",
                    )
                )
        self.notes.append(
            "Field app: bench/ui.py drives `python -m app.main --web` in Debian's Chromium (headless, "
            "software rendering) at 390x844; each figure is the median of its samples from the action "
            "until the result shows; 'app' is the app's own part (event received to last UI message sent, "
            "from the app's FIELDWORK_UI_TIMING hook) and 'Flet' its diff, serialisation and send; the "
            "floor is a tap on the already selected Today tab."
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
        if plan.sync_records:
            # Before any PostgreSQL step: PostgreSQL's checkpoint after a big load would otherwise
            # share the machine with this SQLite-only row and make it unsteady.
            bench.end_to_end()
        bench.sync_server()
        if plan.abuse:
            bench.abuse()
        if plan.load_seconds and plan.postgres:
            bench.load()
        if plan.review_visits and plan.postgres:
            bench.review_pages()
        if plan.ui_sizes:
            bench.field_app_ui()
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
