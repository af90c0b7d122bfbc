"""`make bench` at tiny sizes, so the benchmarks and the results writer cannot rot unnoticed.

Runs bench/suite.py's QUICK plan (no peers' venv, no Kinto, no PostgreSQL: a few seconds) into a
temporary folder and reads back what it wrote. No timing is asserted: only that every figure was
measured and lands in the table with its peer and ratio.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from bench import floor, suite
from bench.results import Curve, Results, Row, render_markdown


def test_quick_run_writes_every_table_and_curve(tmp_path: Path) -> None:
    suite.run(suite.QUICK, tmp_path)

    text = (tmp_path / "RESULTS.md").read_text()
    assert text.count("| metric | Fieldwork | peer | ratio | machine |") == 3
    for metric in (
        "append 512 bytes + fsync",
        "empty HTTP GET on loopback",
        "pure-Python work: 2,000 record-like dicts",
        "save one record into 200, p50",
        "reopen with 200 records and read them all, compacted",
        "push requests",
        "pull 300 records back on another client",
        "empty incremental pull at 300 rows",
        "pull the newest 300 changes at 1,000 rows",
    ):
        assert metric in text, metric
    assert "| push requests | 1 requests |" in text  # 300 records fit one push of 500
    assert "ms (TinyDB JSONStorage) |" in text
    assert "![Local save latency" in text and "(chart-local-save.png)" in text

    data = json.loads((tmp_path / "results.json").read_text())
    curves = {curve["slug"]: curve for curve in data["curves"]}
    assert curves["local-save"]["xs"] == [200, 600]
    assert all(v is not None and v > 0 for v in curves["local-save"]["series"]["Fieldwork durable store"])
    assert curves["pull-empty"]["xs"] == curves["pull-page"]["xs"] == [300, 1_000]
    for slug in ("pull-empty", "pull-page"):
        assert all(v is not None and v > 0 for v in curves[slug]["series"]["Fieldwork on SQLite"])


def test_ratio_says_who_is_ahead() -> None:
    faster = Row("push", "records/s", 8_000, 400, "Kinto", higher_is_better=True)
    slower = Row("reopen", "s", 0.5, 0.25, "TinyDB")
    alone = Row("sync", "records/s", 1_500, higher_is_better=True)
    results = Results("today", 60, {"cores": "2"}, {"Side by side": [faster, slower, alone]},
                      [Curve("c", "A curve", "n", "ms", [1, 10], {"Fieldwork": [1.0, None]})])  # fmt: skip

    text = render_markdown(results)

    assert "| push | 8,000 records/s | 400 records/s (Kinto) | 20.0x | — |" in text
    assert "| reopen | 0.500 s | 0.250 s (TinyDB) | 0.50x (peer ahead) | — |" in text
    assert "| sync | 1,500 records/s | — | — | — |" in text
    assert "| 10 | — |" in text


def test_matching_bench_measures_both_rankings_beside_the_naive_baseline() -> None:
    from bench import matching

    figures = matching.measure(size=200, runs=3)
    text = matching.report(figures)

    assert "rank 200 employers:" in text and "rank 200 openings:" in text
    assert "naive, folding every text each call" in text
    for timing in (figures.employers, figures.employers_naive, figures.openings, figures.openings_naive):
        assert timing.cpu_ms >= 0 and timing.wall_ms > 0


def test_end_to_end_sync_runs_in_a_process_of_its_own(tmp_path: Path, monkeypatch) -> None:
    """bench/sync.py runs as a child process (its garbage and the suite's stay apart) and its
    figures come back as rows."""
    started: list[list[str]] = []
    real_run = suite.subprocess.run

    def watched(command: list[str], **kwargs: object) -> object:
        started.append(command)
        return real_run(command, **kwargs)

    monkeypatch.setattr(suite.subprocess, "run", watched)
    plan = dataclasses.replace(suite.QUICK, sync_records=40)
    bench = suite.Run(plan, tmp_path)
    bench.end_to_end()

    assert any(str(command[1]).endswith("bench/sync.py") for command in started)
    rows = {row.metric: row for section in bench.rows.values() for row in section}
    for rate in ("0%", "30%"):
        row = rows[f"sync 40 records device -> API (SQLite) -> device, {rate} requests faulted"]
        assert row.fieldwork is not None and row.fieldwork > 0


def test_the_machines_python_floor_is_the_same_real_work_every_run() -> None:
    first, second = floor.python_work(500), floor.python_work(500)
    assert len(first) == 500 and first == second
    assert first[1]["occurred_at"] == "2026-01-05T09:31:00+00:00"  # parsed and written back
    assert first[499]["geotag"] == {"latitude": -36.85 + 499 / 1e6, "longitude": 174.76, "accuracy_m": 12.0}
    samples = floor.python_work_seconds(3, records=200)
    assert len(samples) == 3 and all(seconds > 0 for seconds in samples)
