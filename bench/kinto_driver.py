"""Kinto's side of the push/pull benchmark, run with the peers' Python (it needs kinto-http).

    bench/.peers-venv/bin/python bench/kinto_driver.py URL RECORDS.json COLLECTION [--batch 500]

Pushes the records (a JSON list of [id, data]) with kinto-http's batch API, `--batch` records per
`client.batch()` block (kinto-http splits a block into requests of the server's
`batch_max_requests`, so each block is one POST /v1/batch when the two agree), counts what
arrived with a HEAD (Total-Objects), pulls them back with `_since` (the collection's timestamp
before the push), pages of `--limit`, and prints one JSON object of timings and counts.
Only the standard library and kinto-http: this file runs outside the project's venv.
"""

from __future__ import annotations

import argparse
import json
import logging
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

    requests = 0
    send = client.session.request

    def counted(*a: Any, **k: Any) -> Any:
        nonlocal requests
        requests += 1
        return send(*a, **k)

    client.session.request = counted  # type: ignore[method-assign]

    push_s: list[float] = []
    cpu = time.process_time()
    for start in range(0, len(records), args.batch):
        began = time.perf_counter()
        with client.batch() as batch:
            for rid, data in records[start : start + args.batch]:
                batch.create_record(id=rid, data=data)
        push_s.append(time.perf_counter() - began)
    push_cpu = time.process_time() - cpu
    push_requests, requests = requests, 0

    _, headers = client.session.request("head", f"/buckets/{BUCKET}/collections/{args.collection}/records")
    counted_total = int(headers["Total-Objects"])

    requests = 0
    began = time.perf_counter()
    pulled = client.get_records(_since=since, _limit=args.limit, pages=float("inf"))
    pull_s = time.perf_counter() - began
    pushed_ids = {rid for rid, _ in records}
    print(
        json.dumps(
            {
                "batch_max_requests": settings["batch_max_requests"],
                "push_request_s": push_s,
                "push_requests": push_requests,
                "push_client_cpu_s": push_cpu,
                "counted": counted_total,
                "pull_s": pull_s,
                "pull_requests": requests,
                "pulled": len(pulled),
                "pulled_match": {r["id"] for r in pulled} == pushed_ids,
                "latest": max((r["last_modified"] for r in pulled), default=0),
            }
        )
    )


if __name__ == "__main__":
    main()
