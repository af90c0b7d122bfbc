"""Matching on the phone (app.domain.matching): ranking 5,000 employers, and 5,000 openings, for one
job seeker, against the 50 ms target (issue 15), beside a naive baseline in the same run.

    python bench/matching.py [--size 5000] [--runs 25] [--seed 15]

The index run keeps each record's folded words (MatchIndex, keyed by id, version and last save),
as the phone's screens do; its first call folds everything once and is printed as "cold". The
naive baseline folds every text again on every call. Each figure is the median of `--runs`
calls, with distances from a point in the middle of the generated employers: the process's CPU
time per call (what the work costs), and beside it the wall time, which on a loaded machine also
holds the time spent waiting for a core (the load average is printed with it).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.domain.enums import OpeningStatus, WageUnit  # noqa: E402
from app.domain.matching import MatchIndex, rank_employers, rank_openings  # noqa: E402
from app.domain.records import Employer, JobOpening, JobSeeker  # noqa: E402

TARGET_MS = 50.0
CENTRE = (53.800, -1.549)  # Leeds
SECTORS = ["Retail", "Hospitality", "Café", "Warehouse", "Care", "Cleaning", "Garden centre",
           "Office", "Logistics", "Bakery", "Hotel", "Supermarket", "Library", "Leisure centre"]  # fmt: skip
NEEDS = ["tills and stock", "kitchen porter", "night shifts", "drivers", "barista", "forklift",
         "customer service", "cleaners", "care assistants", "admin", "shelf stacking"]  # fmt: skip
PLACES = ["Headingley", "Chapeltown", "Armley", "Beeston", "Kirkstall", "Roundhay", "Holbeck"]
TITLES = ["Retail assistant", "Kitchen porter", "Barista", "Warehouse operative", "Cleaner",
          "Care assistant", "Office junior", "Night porter", "Delivery driver", "Baker"]  # fmt: skip


@dataclass(frozen=True)
class Timing:
    cpu_ms: float  # median CPU time of the process per call
    wall_ms: float  # median wall time per call


@dataclass(frozen=True)
class Figures:
    size: int
    runs: int
    employers: Timing
    employers_naive: Timing
    employers_cold_ms: float
    openings: Timing
    openings_naive: Timing
    openings_cold_ms: float


def job_seeker() -> JobSeeker:
    return JobSeeker(
        id="seeker",
        version=1,
        code="AB-1",
        preferred_job_types=["retail", "café work", "barista"],
        preferred_places="Headingley, Kirkstall",
        avoid="night shifts; drivers",
        skills=["tills", "customer service", "food hygiene"],
        experience="Two years in a bakery and a supermarket",
        min_hours_per_week=16,
        max_hours_per_week=24,
        min_pay_per_hour=12.21,
        max_travel_km=6,
    )


def employers(size: int, rng: random.Random) -> list[Employer]:
    made = []
    for number in range(size):
        sector = rng.choice(SECTORS)
        placed = rng.random() < 0.9  # some have no map location yet
        made.append(
            Employer(
                id=f"e{number:05d}",
                version=1,
                name=f"{rng.choice(PLACES)} {sector} {number}",
                sector=sector,
                hiring_needs=", ".join(rng.sample(NEEDS, 2)),
                address=f"{number} High Street, {rng.choice(PLACES)}, Leeds",
                latitude=CENTRE[0] + rng.uniform(-0.15, 0.15) if placed else None,
                longitude=CENTRE[1] + rng.uniform(-0.25, 0.25) if placed else None,
            )
        )
    return made


def openings(size: int, employers: list[Employer], rng: random.Random) -> list[JobOpening]:
    return [
        JobOpening(
            id=f"o{number:05d}",
            version=1,
            employer_id=rng.choice(employers).id,
            title=rng.choice(TITLES),
            wage=round(rng.uniform(10.5, 15.0), 2),
            wage_unit=WageUnit.HOUR,
            hours_per_week=float(rng.choice([8, 16, 20, 24, 30, 37.5])),
            status=rng.choice([OpeningStatus.IDENTIFIED, OpeningStatus.INTERESTED, OpeningStatus.CLOSED]),
        )
        for number in range(size)
    ]


def median_ms(call: Callable[[], object], runs: int) -> Timing:
    cpu, wall = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return Timing(statistics.median(cpu) * 1000, statistics.median(wall) * 1000)


def once_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(size: int = 5_000, runs: int = 25, seed: int = 15) -> Figures:
    rng = random.Random(seed)
    seeker = job_seeker()
    listed = employers(size, rng)
    by_id = {e.id: e for e in listed}
    jobs = openings(size, listed, rng)
    index = MatchIndex()

    def employers_ranked(cache: MatchIndex | None) -> Callable[[], object]:
        return lambda: rank_employers(seeker, listed, near=CENTRE, index=cache)

    def openings_ranked(cache: MatchIndex | None) -> Callable[[], object]:
        return lambda: rank_openings(seeker, jobs, by_id, near=CENTRE, index=cache)

    employers_cold = once_ms(employers_ranked(index))
    openings_cold = once_ms(openings_ranked(index))
    return Figures(
        size=size,
        runs=runs,
        employers=median_ms(employers_ranked(index), runs),
        employers_naive=median_ms(employers_ranked(None), runs),
        employers_cold_ms=employers_cold,
        openings=median_ms(openings_ranked(index), runs),
        openings_naive=median_ms(openings_ranked(None), runs),
        openings_cold_ms=openings_cold,
    )


def report(figures: Figures) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        f"matching one job seeker, medians of {figures.runs} runs, CPU time (wall time at load "
        f"{load:.1f} on {os.cpu_count()} cores); target {TARGET_MS:g} ms:"
    ]
    for what, cached, naive, cold in (
        ("employers", figures.employers, figures.employers_naive, figures.employers_cold_ms),
        ("openings", figures.openings, figures.openings_naive, figures.openings_cold_ms),
    ):
        lines.append(
            f"  rank {figures.size:,} {what}: {cached.cpu_ms:.1f} ms ({cached.wall_ms:.1f} wall), "
            f"{cached.cpu_ms / TARGET_MS:.2f} of the target; naive, folding every text each call: "
            f"{naive.cpu_ms:.1f} ms ({naive.wall_ms:.1f} wall), {naive.cpu_ms / cached.cpu_ms:.1f}x; "
            f"first call, folding into the index: {cold:.1f} ms wall"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    print(report(measure(args.size, args.runs, args.seed)))


if __name__ == "__main__":
    main()
