"""Kinto on loopback, the peer of Fieldwork's API: its config, its process, and one push/pull run.

Kinto runs from the peers' venv (bench/peers.py) as `kinto start` (waitress), with either the
memory backend or PostgreSQL (a scratch database on the benchmark's server, made and dropped
here). The config is what Kinto documents, with three changes that matter for a benchmark:
`kinto.batch_max_requests` raised from its default 25 to BATCH_MAX_REQUESTS (500, Fieldwork's
push size, so both send 20 requests for 10k records), basic auth (`multiauth.policies =
basicauth`) so no account has to be created, and logging at WARNING (like the Fieldwork server,
which runs with `--no-access-log`).
"""

from __future__ import annotations

import json
import os
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import free_port  # noqa: E402

BATCH_MAX_REQUESTS = 500
DRIVER = Path(__file__).with_name("kinto_driver.py")
AUTH = ("bench", "bench-password")
BUCKET = "bench"
STEP_TIMEOUT_S = 180  # one step: a 500-record batch on PostgreSQL takes ~10 s on a busy machine

INI = """\
[server:main]
use = egg:waitress#main
host = 127.0.0.1
port = %(http_port)s

[app:main]
use = egg:kinto
kinto.storage_backend = kinto.core.storage.{backend}
kinto.storage_url = {url}
kinto.cache_backend = kinto.core.cache.{backend}
kinto.cache_url = {url}
kinto.permission_backend = kinto.core.permission.{backend}
kinto.permission_url = {url}
kinto.userid_hmac_secret = fieldwork-bench-secret
multiauth.policies = basicauth
kinto.bucket_create_principals = system.Authenticated
kinto.batch_max_requests = {batch_max_requests}

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = plain

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = plain

[formatter_plain]
format = %(levelname)s %(name)s %(message)s
"""


def kinto_ini(postgres_url: str | None, batch_max_requests: int = BATCH_MAX_REQUESTS) -> str:
    """kinto.ini for the memory backend, or PostgreSQL (storage, cache, permissions) at the URL."""
    backend = "postgresql" if postgres_url else "memory"
    return INI.format(backend=backend, url=postgres_url or "", batch_max_requests=batch_max_requests)


@contextmanager
def running_kinto(python: Path, folder: Path, postgres_url: str | None = None) -> Iterator[str]:
    """Kinto serving on a free loopback port until the block ends; yields its base URL."""
    ini = folder / ("kinto-postgresql.ini" if postgres_url else "kinto-memory.ini")
    ini.write_text(kinto_ini(postgres_url))
    kinto = str(python.parent / "kinto")
    env = os.environ | {"KINTO_INI": str(ini)}  # Kinto reads it again for its root endpoint
    if postgres_url:
        subprocess.run([kinto, "migrate", "--ini", str(ini)], check=True, env=env, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    port = free_port()
    log = (folder / f"{ini.stem}.log").open("wb")
    process = subprocess.Popen([kinto, "start", "--ini", str(ini), "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):  # bounded wait for the socket, ~20 s
            if process.poll() is not None:
                raise RuntimeError(f"kinto exited: {(folder / f'{ini.stem}.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/v1/__heartbeat__", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise RuntimeError("kinto did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


class KintoPush:
    """One push/pull run of the driver (bench/kinto_driver.py in the peers' venv), stepped from
    here one batch request at a time so the caller can interleave them with Fieldwork's."""

    def __init__(
        self, python: Path, url: str, records: list[tuple[str, dict[str, Any]]], collection: str, folder: Path
    ) -> None:
        self.records = len(records)
        source = folder / f"{collection}.json"
        source.write_text(json.dumps(records))
        command = [str(python), str(DRIVER), url, str(source), collection, "--batch", str(BATCH_MAX_REQUESTS)]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = self._answer()
        assert ready["batch_max_requests"] == BATCH_MAX_REQUESTS, ready
        self.batches: int = ready["batches"]

    def __enter__(self) -> KintoPush:
        return self

    def __exit__(self, *_: object) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait(timeout=10)

    def push_next(self) -> tuple[float, int]:
        """Push the next batch: (seconds, requests sent)."""
        answer = self._say("push")
        return answer["seconds"], answer["requests"]

    def finish(self) -> dict[str, Any]:
        """Count what arrived and pull it back with _since; fails unless every record is there."""
        result = self._say("finish")
        self._process.wait(timeout=STEP_TIMEOUT_S)
        assert result["counted"] == self.records, (result["counted"], self.records)
        assert result["pulled"] == self.records and result["pulled_match"], result
        return result

    def _say(self, line: str) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()
        return self._answer()

    def _answer(self) -> dict[str, Any]:
        out = self._process.stdout
        assert out is not None
        readable, _, _ = select.select([out], [], [], STEP_TIMEOUT_S)  # one step is bounded
        line = out.readline() if readable else ""
        if not line:
            self._process.kill()
            raise RuntimeError(f"the Kinto driver gave no answer (exit {self._process.poll()})")
        answer: dict[str, Any] = json.loads(line)
        return answer


def empty_pull_ms(url: str, collection: str, since: int, samples: int = 200) -> float:
    """Median ms of an incremental pull with nothing new (`_since` the latest record), over the
    same httpx keep-alive client the Fieldwork figure uses."""
    return _pull_ms(url, collection, {"_since": since}, 0, samples)


def page_pull_ms(url: str, collection: str, since: int, limit: int = 1000, samples: int = 20) -> float:
    """Median ms to pull the newest `limit` records (`_since` the one before them)."""
    return _pull_ms(url, collection, {"_since": since, "_limit": limit}, limit, samples)


def _pull_ms(url: str, collection: str, params: dict[str, int], expect: int, samples: int) -> float:
    path = f"/v1/buckets/{BUCKET}/collections/{collection}/records"
    timings = []
    with httpx.Client(base_url=url, auth=AUTH, timeout=30) as http:
        for _ in range(samples):
            started = time.perf_counter()
            response = http.get(path, params=params)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and len(response.json()["data"]) == expect, response.text[:200]
    return statistics.median(timings)


def fill(postgres_url: str, collection: str, upto: int) -> None:
    """Grow Kinto's collection to `upto` records with one INSERT ... SELECT into its objects table,
    timestamps older than everything pushed (so an incremental pull still finds nothing new)."""
    parent = f"/buckets/{BUCKET}/collections/{collection}"
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("SET statement_timeout = '300s'")  # bounded, whatever happens
        # Kinto's trigger looks up the collection's newest timestamp for every row inserted: with
        # statistics from before the push the planner scans the table for it (quadratic).
        db.execute("ANALYZE objects")
        have = db.execute(
            "SELECT count(*) FROM objects WHERE parent_id = %s AND resource_name = 'record'", (parent,)
        ).fetchone()
        extra = upto - (have[0] if have else 0)
        if extra <= 0:
            return
        offset = db.execute("SELECT count(*) FROM objects").fetchone()
        db.execute(
            "INSERT INTO objects (id, parent_id, resource_name, last_modified, data, deleted)"
            " SELECT md5(random()::text || i::text), %s, 'record',"
            " TIMESTAMP '2020-01-01' + (%s + i) * INTERVAL '1 millisecond', '{\"name\": \"filler\"}', false"
            " FROM generate_series(1, %s) AS i",
            (parent, offset[0] if offset else 0, extra),
        )
        db.execute("ANALYZE objects")
