"""`make chaos`: long chaos runs on SQLite and PostgreSQL, one table row each.

    python -m tests.chaos.run [--backend sqlite|postgresql|both] [--seed N] [--saves N]
                              [--phone-kills N] [--server-kills N] [--keep DIR]

Exit status 1 when any run lost, duplicated or double-applied something, flagged a false conflict,
or left a phone unconverged; every finding is printed under the table with the run's seed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.chaos.controller import RunConfig, RunResult, run

FAULT_KINDS = ("drop", "reset", "cut", "delay", "duplicate", "blackhole")
HEADER = (
    "backend", "seed", "acked saves", "phone kills", "server kills", "requests",
    *FAULT_KINDS, "lost", "duplicated", "applied twice", "false conflicts", "conflicts",
    "converged", "clean reopens", "time",
)  # fmt: skip


def row(result: RunResult) -> list[str]:
    found = result.findings
    return [
        result.config.backend,
        str(result.config.seed),
        str(result.acked),
        str(result.phone_kills),
        str(result.server_kills),
        str(result.requests),
        *(str(result.faults.get(kind, 0)) for kind in FAULT_KINDS),
        str(len(found.lost)),
        str(len(found.duplicated)),
        str(len(found.applied_twice)),
        str(len(found.false_conflicts)),
        str(found.conflicts),
        "yes" if not (found.not_converged or found.fresh_pull) else "NO",
        "yes" if not found.unclean_reopens else "NO",
        f"{result.seconds:.0f} s",
    ]


def table(results: list[RunResult]) -> str:
    rows = [list(HEADER), *(row(result) for result in results)]
    lines = ["| " + " | ".join(cells) + " |" for cells in rows]
    lines.insert(1, "|" + "|".join(" --- " for _ in HEADER) + "|")
    return "\n".join(lines)


def report(result: RunResult, *, limit: int = 8) -> str:
    """Every kind of finding of a run, a few examples each, with the seed that replays it."""
    lines = []
    for name, items in result.findings.problems().items():
        lines.append(f"{result.config.backend} seed {result.config.seed}: {len(items)} {name}")
        lines += [f"    {item}" for item in items[:limit]]
    lines += [
        f"{result.config.backend} seed {result.config.seed}: {crash}" for crash in result.crashes[:limit]
    ]
    if result.sync_errors:
        errors = ", ".join(f"{name} {count}" for name, count in result.sync_errors.most_common())
        lines.append(
            f"{result.config.backend} seed {result.config.seed}: sync errors seen by phones: {errors}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tests.chaos.run", description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--saves", type=int, default=600)
    parser.add_argument("--phone-kills", type=int, default=12)
    parser.add_argument("--server-kills", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="keep the run's folders (stores, logs) here")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        config = RunConfig(backend, args.seed, args.saves, args.phone_kills, args.server_kills)
        print(f"chaos: {backend}, seed {args.seed}, {args.saves} saves ...", flush=True)
        if args.keep:
            folder = args.keep / f"{backend}-{args.seed}"
            folder.mkdir(parents=True)
            results.append(run(config, folder))
        else:
            with tempfile.TemporaryDirectory(prefix="fieldwork-chaos-") as temp:
                results.append(run(config, Path(temp)))
    print(table(results))
    details = "\n".join(filter(None, (report(result) for result in results)))
    if details:
        print(details)
    return 1 if any(result.findings.problems() for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
