"""A phone's sync under a sign-in flood: push and pull p95, alone and while 40 strangers keep
sending wrong passwords at once (issue 16, item 5; target: under the flood, no worse than 2x).

    python bench/abuse.py              # SQLite file in a temp folder
    python bench/abuse.py --postgres   # a scratch database on 127.0.0.1:5432 (dropped afterwards)

A real uvicorn process serves the API on loopback with production argon2; this process is the
phone (one-op pushes and pulls, keep-alive) and the strangers (40 threads, each its own
connection). The server's sign-in limits are raised so that every guess is hashed: the worst case,
a flood spread over more addresses and usernames than any limit holds back. Every loop is bounded
by a count; the flood threads stop when the phone's samples are taken.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import Api, running_api, scratch_postgres, sqlalchemy_url

STRANGERS = 40
SAMPLES = 60  # pushes and pulls each, per phase and round
ROUNDS = 3
MAX_GUESSES = 100_000  # per stranger: a bound, never reached in practice


@dataclass(frozen=True)
class Phase:
    push_p95_ms: float
    pull_p95_ms: float
    guesses: int = 0
    answers: str = ""


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] * 1000


def _one_op(api: Api) -> bytes:
    record = str(uuid.uuid4())
    operation = {
        "op_id": str(uuid.uuid4()),
        "kind": "employer",
        "record_id": record,
        "base_version": 0,
        "data": {"id": record, "name": f"Bakery {record[:8]}", "sector": "hospitality"},
        "delete": False,
    }
    return json.dumps({"operations": [operation]}).encode()


def phone(api: Api) -> tuple[list[float], list[float]]:
    """SAMPLES one-op pushes and as many pulls by the other device, alternating."""
    pushes, pulls = [], []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        pushed = api.http.post("/api/v1/sync/push", content=_one_op(api), headers=api.pusher)
        pushes.append(time.perf_counter() - started)
        assert pushed.status_code == 200 and pushed.json()["results"][0]["status"] == "applied", pushed.text
        started = time.perf_counter()
        pulled = api.http.get("/api/v1/sync/pull", params={"cursor": api.cursor}, headers=api.puller)
        pulls.append(time.perf_counter() - started)
        assert pulled.status_code == 200, pulled.text
        api.cursor = pulled.json()["next_cursor"]
    return pushes, pulls


def flood(base_url: str, stop: threading.Event, answers: Counter[int], started: threading.Barrier) -> None:
    with httpx.Client(base_url=base_url, timeout=300) as http:
        started.wait(timeout=60)
        for n in range(MAX_GUESSES):
            if stop.is_set():
                return
            body = {"username": f"stranger{n % 7}", "password": f"guess {n}"}
            answers[http.post("/api/v1/auth/login", json=body).status_code] += 1


def flooded(api: Api) -> Phase:
    """The phone's p95 while STRANGERS threads send wrong passwords as fast as they are answered."""
    stop, answers = threading.Event(), Counter[int]()
    started = threading.Barrier(STRANGERS + 1)
    base_url = str(api.http.base_url)
    strangers = [
        threading.Thread(target=flood, args=(base_url, stop, answers, started)) for _ in range(STRANGERS)
    ]
    for thread in strangers:
        thread.start()
    started.wait(timeout=60)
    for _ in range(600):  # bounded: until the server is answering the flood (hashes under way)
        if sum(answers.values()) >= STRANGERS // 4:
            break
        stop.wait(timeout=0.05)
    pushes, pulls = phone(api)
    stop.set()
    for thread in strangers:
        thread.join(timeout=300)
    shown = ", ".join(f"{code}: {count}" for code, count in sorted(answers.items()))
    return Phase(p95(pushes), p95(pulls), guesses=sum(answers.values()), answers=shown)


def measure(api: Api) -> tuple[Phase, Phase]:
    """Alone and flooded in alternating rounds, medians of the rounds' p95s: other load on the
    machine then weighs on both alike."""
    phone(api)  # warm-up: connections, caches, first pages
    alone_runs: list[Phase] = []
    flooded_runs: list[Phase] = []
    for _ in range(ROUNDS):
        pushes, pulls = phone(api)
        alone_runs.append(Phase(p95(pushes), p95(pulls)))
        flooded_runs.append(flooded(api))

    def median(runs: list[Phase], pick: Callable[[Phase], float]) -> float:
        return statistics.median(pick(run) for run in runs)

    alone = Phase(median(alone_runs, lambda r: r.push_p95_ms), median(alone_runs, lambda r: r.pull_p95_ms))
    flood_phase = Phase(
        median(flooded_runs, lambda r: r.push_p95_ms),
        median(flooded_runs, lambda r: r.pull_p95_ms),
        guesses=sum(r.guesses for r in flooded_runs),
        answers="; ".join(r.answers for r in flooded_runs),
    )
    return alone, flood_phase


def report(label: str, alone: Phase, flooded: Phase) -> None:
    print(f"\n{label}: a phone's sync, alone and under {STRANGERS} concurrent wrong sign-ins")
    print(f"(median of {ROUNDS} alternating rounds' p95, {SAMPLES} one-op pushes and pulls each)")
    print(f"{'':>10} {'alone p95':>10} {'flooded p95':>12} {'ratio':>6}")
    for name, a, f in (
        ("push", alone.push_p95_ms, flooded.push_p95_ms),
        ("pull", alone.pull_p95_ms, flooded.pull_p95_ms),
    ):
        print(f"{name:>10} {a:>8.1f}ms {f:>10.1f}ms {f / a:>5.2f}x")
    print(f"wrong sign-ins answered during the flood: {flooded.guesses} ({flooded.answers})")


def run(database_url: str, label: str) -> tuple[Phase, Phase]:
    before = os.environ.get("FIELDWORK_SIGN_IN_ATTEMPTS")
    os.environ["FIELDWORK_SIGN_IN_ATTEMPTS"] = "1000000"  # every guess hashed (see the module doc)
    try:
        with running_api(database_url) as api:
            alone, flooded = measure(api)
    finally:  # the suite starts other servers from this environment afterwards
        if before is None:
            del os.environ["FIELDWORK_SIGN_IN_ATTEMPTS"]
        else:
            os.environ["FIELDWORK_SIGN_IN_ATTEMPTS"] = before
    report(label, alone, flooded)
    return alone, flooded


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    if args.postgres:
        with scratch_postgres("fieldwork_abuse") as url:
            run(sqlalchemy_url(url), "PostgreSQL")
    else:
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{folder}/abuse.db", "SQLite")


if __name__ == "__main__":
    main()
