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
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import free_port  # noqa: E402

BATCH_MAX_REQUESTS = 500
DRIVER = Path(__file__).with_name("kinto_driver.py")
AUTH = ("bench", "bench-password")
BUCKET = "bench"
RUN_TIMEOUT_S = 420  # one 10k push on PostgreSQL takes ~2 minutes on a busy 2-core machine

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


def push_pull(
    python: Path, url: str, records: list[tuple[str, dict[str, Any]]], collection: str, folder: Path
) -> dict[str, Any]:
    """Push the records through kinto-http's batch API and pull them back with _since (the driver),
    after checking that every record arrived."""
    source = folder / f"{collection}.json"
    source.write_text(json.dumps(records))
    done = subprocess.run(
        [str(python), str(DRIVER), url, str(source), collection, "--batch", str(BATCH_MAX_REQUESTS)],
        check=True,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["batch_max_requests"] == BATCH_MAX_REQUESTS, result
    assert result["counted"] == len(records), (result["counted"], len(records))
    assert result["pulled"] == len(records) and result["pulled_match"], result
    return result


def empty_pull_ms(url: str, collection: str, since: int, samples: int = 200) -> float:
    """Median ms of an incremental pull with nothing new (`_since` the latest record), over the
    same httpx keep-alive client the Fieldwork figure uses."""
    path = f"/v1/buckets/{BUCKET}/collections/{collection}/records"
    timings = []
    with httpx.Client(base_url=url, auth=AUTH, timeout=30) as http:
        for _ in range(samples):
            started = time.perf_counter()
            response = http.get(path, params={"_since": since})
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and response.json()["data"] == [], response.text[:200]
    return statistics.median(timings)
