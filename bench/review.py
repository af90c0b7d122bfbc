"""Benchmark of the supervisor pages on a realistic organisation in PostgreSQL.

    python bench/review.py [--visits 500000] [--requests 40] [--keep NAME] [--gc-freeze]

With `--keep NAME` the seeded database is named NAME and kept, and a later run with the same
`--keep NAME` measures it again without seeding (for profiling); drop it with `dropdb NAME`.
`--gc-freeze` calls gc.freeze() once the app is built, as a server could at startup: the app's
~135k objects then leave the collector's full passes (otherwise one every few heavy requests).

Creates a throwaway database from `test` at 127.0.0.1:5432 (dropped afterwards), migrates it, and
bulk-loads (COPY) an organisation of 20 teams x 10 specialists: 500k employer visits over five
years (~10 a specialist a week), plus employers, job seekers, openings, check-ins and reviews,
with the derived columns filled as a push would fill them, then VACUUM ANALYZE and CHECKPOINT
(a database in service has been autovacuumed and is not flushing a bulk load). The pages are
then fetched over real HTTP (loopback, keep-alive) from uvicorn serving create_app in this
process, signed in as one team's supervisor; each page is timed end to end (server work plus
HTTP) and p50/p95 printed, with the machine's load average before and after (the figures move
with it on a shared machine).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import secrets
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.domain.clock import SystemClock  # noqa: E402
from server.db.database import Database  # noqa: E402
from server.db.migrate import upgrade  # noqa: E402
from server.main import create_app  # noqa: E402
from server.services import accounts  # noqa: E402
from server.services.accounts import Role  # noqa: E402
from server.services.derived import (  # noqa: E402
    location_columns,
    map_columns,
    metric_columns,
    review_columns,
)
from server.settings import Settings  # noqa: E402

ADMIN = os.environ.get("FIELDWORK_TEST_PG", "postgresql://127.0.0.1:5432/test")
TEAMS, SPECIALISTS, EMPLOYERS, SEEKERS, OPENINGS, CHECK_INS = 20, 10, 400, 150, 1000, 3000
YEARS = 5
PURPOSES = ("introduce_ips", "learn_business", "for_job_seeker", "follow_up", "in_work_support")
STATUSES = ("identified", "interested", "applied", "interview", "hired", "closed")
COLUMNS = ("team_id", "record_id", "kind", "owner_user_id", "version", "data", "deleted", "flagged", "seq",
           "updated_at", "occurred_at", "subject_id", "face_to_face", "seeker_ids", "latitude",
           "longitude", "geotag_accuracy_m", "geotag_source", "purpose")  # fmt: skip


def build_org(db: Database) -> tuple[list[tuple[str, list[str]]], str]:
    """Teams with their specialists; returns them and the measured supervisor's username."""
    clock = SystemClock()
    teams: list[tuple[str, list[str]]] = []
    with db.write() as session:
        org = accounts.create_organisation(session, name="Bench Trust", clock=clock)
        for t in range(TEAMS):
            team = accounts.create_team(session, organisation_id=org, name=f"IPS {t}", clock=clock)
            people = [
                accounts.create_user(session, team_id=team, username=f"s{t}-{i}",
                                     display_name=f"Specialist {t}.{i}", role=Role.SPECIALIST,
                                     password=None, clock=clock)
                for i in range(SPECIALISTS)
            ]  # fmt: skip
            password = "bench pass" if t == 0 else None
            accounts.create_user(session, team_id=team, username=f"lead{t}", display_name=f"Lead {t}",
                                 role=Role.SUPERVISOR, password=password, clock=clock)  # fmt: skip
            teams.append((team, people))
    return teams, "lead0"


def rows_for_team(
    team: str, people: list[str], visits: int, now: datetime, rng: random.Random
) -> list[tuple[Any, ...]]:
    start = now - timedelta(days=365 * YEARS)
    span = (now - start).total_seconds()
    out: list[tuple[Any, ...]] = []

    def add(kind: str, owner: str, data: dict[str, Any]) -> None:
        rid = str(uuid.uuid4())
        data["id"] = rid
        derived = (
            review_columns(kind, data)
            | metric_columns(kind, data)
            | location_columns(kind, data)
            | map_columns(kind, data)
        )
        out.append((team, rid, kind, owner, 1, json.dumps(data), False, False, len(out) + 1, now,
                    *(derived[name] for name in COLUMNS[10:])))  # fmt: skip

    def when() -> datetime:
        return start + timedelta(seconds=rng.random() * span)

    employers = []
    for e in range(EMPLOYERS):
        lat, lon = 51.3 + rng.random() * 0.4, -0.5 + rng.random() * 0.7
        created = when().isoformat()
        add("employer", rng.choice(people), {"name": f"Employer {e}", "sector": "retail", "latitude": lat,
                                             "longitude": lon, "created_at": created})  # fmt: skip
        employers.append((out[-1][1], lat, lon))
    seekers = []
    for s in range(SEEKERS):
        referred = (now - timedelta(days=rng.randint(1, 700))).date()
        status = rng.choice(("engaged", "job_searching", "working", "working", "ended"))
        started = (
            (referred + timedelta(days=rng.randint(20, 120))).isoformat() if status == "working" else None
        )
        add("job_seeker", rng.choice(people), {"code": f"JS-{s}", "referral_date": referred.isoformat(),
                                               "status": status, "job_started_on": started,
                                               "disclosure": "consented"})  # fmt: skip
        seekers.append(out[-1][1])
    for _ in range(visits):
        employer, lat, lon = rng.choice(employers)
        at = when()
        add("employer_visit", rng.choice(people), {
            "employer_id": employer, "occurred_at": at.isoformat(), "purpose": rng.choice(PURPOSES),
            "contact_mode": "face_to_face" if rng.random() < 0.8 else "phone",
            "job_seeker_ids": [rng.choice(seekers)] if rng.random() < 0.3 else [],
            "outcome": "Talked about hiring needs", "met_hiring_manager": rng.random() < 0.5,
            "geotag": {"latitude": lat + rng.gauss(0, 0.0003), "longitude": lon + rng.gauss(0, 0.0003),
                       "accuracy_m": rng.choice((5.0, 12.0, 30.0)), "fixed_at": at.isoformat(),
                       "source": "gps"},
        })  # fmt: skip
    for _ in range(OPENINGS):
        add("job_opening", rng.choice(people), {
            "employer_id": rng.choice(employers)[0], "title": "Assistant",
            "wage": rng.choice((11.0, 12.5, 14.0)),
            "wage_unit": "hour", "market": "open_market", "status": rng.choice(STATUSES),
            "noted_on": when().date().isoformat(),
        })  # fmt: skip
    for _ in range(CHECK_INS):
        add("support_check_in", rng.choice(people), {"job_seeker_id": rng.choice(seekers),
                                                     "occurred_at": when().isoformat(), "with_whom": "worker",
                                                     "mode": "face_to_face"})  # fmt: skip
    return out


def seed(url: str, db: Database, visits: int) -> str:
    teams, lead = build_org(db)
    now = datetime.now(UTC)
    rng = random.Random(6)
    started = time.perf_counter()
    with psycopg.connect(url.replace("+psycopg", "")) as conn, conn.cursor() as cur:
        total = 0
        for team, people in teams:
            rows = rows_for_team(team, people, visits // TEAMS, now, rng)
            with cur.copy(f"COPY records ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute("UPDATE team_change_counters SET last_seq = %s WHERE team_id = %s", (len(rows), team))
            total += len(rows)
        # Reviews on 3% of visits (a third needing changes), as supervisors leave them.
        cur.execute(
            "INSERT INTO reviews (record_pk, state, reviewed_at) SELECT pk, CASE WHEN pk % 3 = 0 "
            "THEN 'needs_changes' ELSE 'approved' END, now() FROM records "
            "WHERE kind = 'employer_visit' AND pk % 33 = 0"
        )
        conn.commit()
    # A live database is autovacuumed; after a bulk load, do it now so the visibility map lets
    # PostgreSQL answer from covering indexes without visiting the table (as it would in service),
    # and write the load's dirty pages out before measuring, not during.
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")
    print(f"seeded {total:,} records ({visits:,} visits) in {time.perf_counter() - started:.1f} s")
    return lead


def measure(base: str, lead: str, requests: int) -> None:
    with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as client:
        login = client.get("/login")
        token = login.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = client.post("/login", data={"username": lead, "password": "bench pass", "csrf_token": token})
        assert signed.status_code == 200 and "Team activity" in signed.text, signed.status_code
        owner = signed.text.split('<option value="', 2)[2].split('"', 1)[0]  # the first specialist
        pages = {
            "activity, page 1": "/review",
            "activity, page 20": "/review?page=20",
            "activity, 1 specialist's visits": f"/review?owner={owner}&kind=employer_visit",
            "activity, needs changes": "/review?state=needs_changes",
            "activity, one month": "/review?since=2025-01-01&until=2025-01-31",
            "fidelity, 12 weeks": "/review/fidelity",
            "fidelity, 52 weeks": "/review/fidelity?weeks=52",
            "map, last 90 days": "/review/map",
        }
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        print(f"{'page (real HTTP, in-process uvicorn)':40} {'p50 ms':>8} {'p95 ms':>8} {'KiB':>7}")
        for name, path in pages.items():
            for _ in range(3):
                client.get(path)
            times = []
            size = 0
            for _ in range(requests):
                began = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (path, response.status_code)
                size = len(response.content)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
            print(f"{name:40} {statistics.median(times):8.1f} {p95:8.1f} {size / 1024:7.0f}")
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visits", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--keep", metavar="NAME", help="seed into NAME and keep it; reuse it if seeded")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() once the app is built")
    args = parser.parse_args()
    name = args.keep or f"fieldwork_bench_review_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    db = Database(url)
    try:
        upgrade(url)
        lead = "lead0" if exists else seed(url, db, args.visits)
        # cookie_secure=False: the benchmark signs in over plain http, where a Secure cookie is not sent back
        settings = Settings(database_url=url, secret_key="bench-secret", cookie_secure=False)
        app = create_app(settings, database=db)
        if args.gc_freeze:
            gc.collect()
            gc.freeze()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(500):  # bounded: ~5 s to start
            if server.started:
                break
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        measure(f"http://127.0.0.1:{port}", lead, args.requests)
    finally:
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=10)
        db.dispose()
        if not args.keep:
            with psycopg.connect(ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
