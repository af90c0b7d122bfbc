"""The floor of this machine: what one durable append, one empty HTTP round trip and a fixed piece of
pure-Python work cost here.

    python bench/floor.py            # prints all three
    python bench/floor.py --serve P  # (internal) the bare HTTP server the round trips go to

No store can save faster than an append + fsync on the same disk, and no sync request can answer
faster than an empty HTTP exchange on loopback; the other benchmarks are read against these. The
Python work (record-like dicts built, JSON-encoded and decoded with the standard library, their
times parsed and written back: what a push and a store do most) involves no Fieldwork code, so it
says how fast this machine's CPU is for this kind of work: runs on different machines are
compared through it.
The bare server is asyncio with one canned response (no framework, no parsing beyond the blank
line that ends a request), in its own process like the real servers, so the client here is the
same httpx keep-alive client the API benchmarks use.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import free_port  # noqa: E402

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
LINE = b"x" * 511 + b"\n"  # about one record's journal line


def fsync_append_latencies(folder: Path, count: int = 1000) -> list[float]:
    """Seconds for each append of one ~512-byte line followed by fsync, on the folder's disk."""
    samples = []
    fd = os.open(folder / "floor.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(count):
            started = time.perf_counter()
            os.write(fd, LINE)
            os.fsync(fd)
            samples.append(time.perf_counter() - started)
    finally:
        os.close(fd)
    return samples


async def _serve(port: int) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):  # GETs only: no body to read
                writer.write(RESPONSE)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def empty_round_trips(count: int = 500) -> list[float]:
    """Seconds for each empty GET on a kept-alive loopback connection to the bare server."""
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            for _ in range(200):  # bounded wait for the socket, ~10 s
                try:
                    http.get("/")
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            samples = []
            for _ in range(count):
                started = time.perf_counter()
                response = http.get("/")
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200
        return samples
    finally:
        process.terminate()
        process.wait(timeout=10)


WORK_RECORDS = 20_000
START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def python_work(records: int = WORK_RECORDS) -> list[dict[str, Any]]:
    """The fixed work: `records` record-like dicts, each through JSON and back, their times parsed
    and written back. The same input every time; returns what came back."""
    built = [
        {
            "id": f"{n:08x}-0000-7000-8000-{n:012x}",
            "occurred_at": (START + timedelta(minutes=n)).isoformat(),
            "outcome": f"Met the manager of shop {n}; interested in a trial shift",
            "version": n % 7,
            "geotag": {"latitude": -36.85 + n / 1e6, "longitude": 174.76, "accuracy_m": 12.0},
            "job_seeker_ids": [f"s{n % 13}", f"s{n % 17}"],
        }
        for n in range(records)
    ]
    decoded = json.loads(json.dumps(built))
    for record in decoded:
        record["occurred_at"] = datetime.fromisoformat(record["occurred_at"]).isoformat()
    return decoded


def python_work_seconds(count: int = 5, records: int = WORK_RECORDS) -> list[float]:
    """Seconds for each of `count` runs of python_work, the collector paused as the API does."""
    samples = []
    for _ in range(count):
        gc.disable()
        try:
            started = time.perf_counter()
            python_work(records)
            samples.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve))
        return
    with tempfile.TemporaryDirectory(prefix="fieldwork-floor-") as folder:
        fsync = fsync_append_latencies(Path(folder))
    http = empty_round_trips()
    print(f"append + fsync, 512 bytes: p50 {statistics.median(fsync) * 1000:.3f} ms ({len(fsync)} samples)")
    http_ms = statistics.median(http) * 1000
    print(f"empty HTTP round trip, loopback: p50 {http_ms:.3f} ms ({len(http)} samples)")
    work = python_work_seconds()
    work_ms = statistics.median(work) * 1000
    print(f"python work, {WORK_RECORDS:,} records: median {work_ms:.1f} ms ({len(work)} runs)")


if __name__ == "__main__":
    main()
