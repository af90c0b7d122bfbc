"""Kinto's side of the push/pull benchmark, run with the peers' Python (it needs kinto-http).

    bench/.peers-venv/bin/python bench/kinto_driver.py URL RECORDS.json COLLECTION [--batch 500]

Driven one step at a time over stdin/stdout (one JSON line answers each line read), so the
caller can interleave Kinto's requests with Fieldwork's and both see the same machine:
- on start: the bucket and collection are created; answers {"ready": ..., "batches": n};
- `push`: sends the next `--batch` records with kinto-http's batch API (one `client.batch()`
  block; kinto-http splits a block into requests of the server's `batch_max_requests`, so it is
  one POST /v1/batch when the two agree); answers {"seconds": ..., "requests": ...};
- `finish`: counts what arrived with a HEAD (Total-Objects), pulls it back with `_since` (the
  collection's timestamp before the first push) in pages of `--limit`, answers the totals, exits.
Only the standard library and kinto-http: this file runs outside the project's venv.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Any

import kinto_http

BUCKET = "bench"
AUTH = ("bench", "bench-password")  # basic auth: Kinto derives the user id from these


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("records")
    parser.add_argument("collection")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()
    # kinto-http logs every sub-response of a batch at WARNING; printing 10k lines is not the
    # cost being measured.
    logging.getLogger("kinto_http").setLevel(logging.ERROR)
    with open(args.records) as file:
        records: list[tuple[str, dict[str, Any]]] = json.load(file)

    client = kinto_http.Client(
        server_url=f"{args.url}/v1", auth=AUTH, bucket=BUCKET, collection=args.collection, timeout=600
    )
    client.create_bucket(id=BUCKET, if_not_exists=True)
    client.create_collection(id=args.collection, if_not_exists=True)
    settings = client.server_info()["settings"]
    since = client.get_records_timestamp()
    with client.batch():  # an empty batch sends nothing; kinto-http reads the server's settings
        pass  # once, on its first batch: done here so every timed block is only its push

    calls = [0]  # requests sent, all kinds
    send = client.session.request

    def counted(*a: Any, **k: Any) -> Any:
        calls[0] += 1
        return send(*a, **k)

    client.session.request = counted  # type: ignore[method-assign]

    def answer(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    batches = [records[n : n + args.batch] for n in range(0, len(records), args.batch)]
    answer({"ready": True, "batches": len(batches), "batch_max_requests": settings["batch_max_requests"]})
    cpu, pushed = 0.0, 0
    # One "push" line from the caller per batch, then "finish" (or end of input).
    while pushed < len(batches) and sys.stdin.readline().strip() == "push":
        before, started, started_cpu = calls[0], time.perf_counter(), time.process_time()
        with client.batch() as batch:
            for rid, data in batches[pushed]:
                batch.create_record(id=rid, data=data)
        seconds = time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        pushed += 1
        answer({"seconds": seconds, "requests": calls[0] - before})
    if pushed == len(batches):
        sys.stdin.readline()  # the caller's "finish"

    _, headers = client.session.request("head", f"/buckets/{BUCKET}/collections/{args.collection}/records")
    before, began = calls[0], time.perf_counter()
    pulled = client.get_records(_since=since, _limit=args.limit, pages=float("inf"))
    pull_s = time.perf_counter() - began
    answer(
        {
            "counted": int(headers["Total-Objects"]),
            "push_client_cpu_s": cpu,
            "pull_s": pull_s,
            "pull_requests": calls[0] - before,
            "pulled": len(pulled),
            "pulled_match": {r["id"] for r in pulled} == {rid for rid, _ in records},
            "latest": max((r["last_modified"] for r in pulled), default=0),
            # `_since` this returns the newest 1000 records (for the page-pull figure)
            "page_since": sorted(r["last_modified"] for r in pulled)[-1001] if len(pulled) > 1000 else since,
        }
    )


if __name__ == "__main__":
    main()
