"""The chaos controller: phones and the API under a faulty proxy, killed and restarted on a seeded
schedule; then everything healed and synced to quiescence, and the result handed to the checks.

Kills are tied to what the children say, never to timers: a phone is killed (SIGKILL) on its
`saving` or `sync-start` line once the run has acknowledged enough saves, the API right after the
proxy handed it a push. Each restart waits for the child's `ready` line.
"""

from __future__ import annotations

import json
import math
import queue
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.db.database import Database
from tests.chaos.backend import ApiProcess, TeamSetup, fresh_database
from tests.chaos.checks import Findings, check_run, fresh_phone_dump
from tests.chaos.children import Child, Line
from tests.chaos.phone import read_saves
from tests.chaos.proxy import ChaosProxy, FaultPlan

RUN_DEADLINE_S = 420.0  # a run that has not finished by then is reported as stuck
REPLY_TIMEOUT_S = 120.0


class RunStuck(RuntimeError):
    """The run did not reach its end before its deadline."""


@dataclass(frozen=True)
class RunConfig:
    backend: str  # "sqlite" or "postgresql"
    seed: int
    saves: int  # acknowledged saves to reach, over all phones
    phone_kills: int
    server_kills: int
    users: int = 2
    phones_per_user: int = 2
    fault_rate: float = 0.25
    blackhole_s: float = 1.5


@dataclass
class RunResult:
    config: RunConfig
    acked: int = 0
    phone_kills: int = 0
    server_kills: int = 0
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    sync_errors: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)  # sync-crash lines and unexpected exits
    reopens: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)
    seconds: float = 0.0


@dataclass
class KillPlan:
    """At which acknowledged-save counts to kill, and how (phones: on `saving` or `sync-start`)."""

    phone: list[tuple[int, str]]
    server: list[int]

    @classmethod
    def draw(cls, config: RunConfig, rng: random.Random) -> KillPlan:
        # Early enough that every kill happens while the phones are still saving.
        def at(low: float, high: float) -> int:
            return int(config.saves * rng.uniform(low, high))

        phone = sorted(
            (at(0.05, 0.8), rng.choice(("saving", "sync-start"))) for _ in range(config.phone_kills)
        )
        return cls(phone=phone, server=sorted(at(0.1, 0.6) for _ in range(config.server_kills)))


class Controller:
    def __init__(self, config: RunConfig, folder: Path, database_url: str) -> None:
        self.config = config
        self.folder = folder
        self.rng = random.Random(config.seed)
        self.events: queue.Queue[Line] = queue.Queue()
        self.result = RunResult(config)
        self.database = Database(database_url)
        usernames = [f"spec{n}" for n in range(config.users)]
        self.team = TeamSetup.create(self.database, usernames)
        self.api = ApiProcess(database_url, self.events, log=folder / "api.log")
        self.api.start()
        plan = FaultPlan(seed=config.seed, rate=config.fault_rate, blackhole_s=config.blackhole_s)
        self.proxy = ChaosProxy(self.api.port, plan)
        self.phones: dict[str, Child] = {}
        self.user_of: dict[str, str] = {}
        self.done: set[str] = set()
        self.kills = KillPlan.draw(config, self.rng)
        self.victim: str | None = None  # the phone to kill on its next `victim_trigger` line
        self.victim_trigger = ""
        self.server_kill_armed = False

    # -- the chaos phase -----------------------------------------------------------------

    def start_phones(self) -> None:
        per_phone = math.ceil(self.config.saves / (self.config.users * self.config.phones_per_user))
        for user in self.team.users:
            for n in range(self.config.phones_per_user):
                name = f"{user}-{'ab'[n]}"
                folder = self.folder / name
                folder.mkdir()
                (folder / "token").write_text(self.team.enroll(self.api.url, user, name))
                argv = ["tests.chaos.phone", str(folder), self.proxy.url, user, str(per_phone)]
                self.phones[name] = Child(name, argv, self.events, log=self.folder / f"{name}.log")
                self.user_of[name] = user
        for phone in self.phones.values():
            self._start(phone)
        for phone in self.phones.values():  # all started first: their saves overlap in time
            phone.wait_ready()

    def _start(self, phone: Child) -> None:
        """Start a phone's next life; its `ready` line is handled when it comes, in `_handle`."""
        phone.start(str(self.config.seed * 1000 + hash_name(phone.name) * 10 + phone.life))

    def run_chaos(self, deadline: float) -> None:
        for _ in range(10_000_000):  # bounded by the deadline below
            if len(self.done) == len(self.phones):
                return
            if time.monotonic() > deadline:
                raise RunStuck(f"seed {self.config.seed}: phones not done: {set(self.phones) - self.done}")
            try:
                line = self.events.get(timeout=1.0)
            except queue.Empty:
                continue
            self._handle(line)

    def _handle(self, line: Line) -> None:
        if line.source == "controller" and line.text == "api-killed":
            self.api.child.start()  # its ready line comes while the phones carry on offline
            self.result.server_kills += 1
            self.server_kill_armed = False
            return
        phone = self.phones.get(line.source)
        if phone is None:
            return  # the API's own lines
        text = line.text
        if text == "acked":  # any life's: the save was acknowledged before the line was printed
            self.result.acked += 1
            self._arm_kills()
        if line.life != phone.life:
            return  # a killed life's last words
        if text.startswith("ready"):
            self.result.reopens.append((f"{phone.name} life {phone.life}", json.loads(text[5:])))
        elif text == "done":
            self.done.add(phone.name)
            if self.victim == phone.name:  # it finished first: the kill goes to another phone
                phone.kill_on(None)
                self.victim = None
                self.kills.phone.insert(0, (self.result.acked, self.victim_trigger))
                self._arm_kills()
        elif text.startswith("sync-error"):
            self.result.sync_errors[text.split(" ", 1)[1]] += 1
        elif text.startswith("sync-crash"):
            self.result.crashes.append(f"{phone.name}: {text}")
        elif text == "killed":
            phone.wait_exit()
            self.result.phone_kills += 1
            self.victim = None
            self._start(phone)
            self._arm_kills()
        elif text == "exited":
            self.result.crashes.append(f"{phone.name} life {phone.life} exited on its own; see its log")
            self._start(phone)

    def _arm_kills(self) -> None:
        acked = self.result.acked
        if self.kills.server and acked >= self.kills.server[0] and not self.server_kill_armed:
            self.kills.server.pop(0)
            self.server_kill_armed = True
            self.proxy.on_next_push(self._kill_api)
        busy = [name for name in sorted(self.phones) if name not in self.done]
        if self.kills.phone and acked >= self.kills.phone[0][0] and self.victim is None and busy:
            _, self.victim_trigger = self.kills.phone.pop(0)
            self.victim = self.rng.choice(busy)
            self.phones[self.victim].kill_on(self.victim_trigger)

    def _kill_api(self, request: bytes) -> None:
        """Runs on the proxy's thread, right after a push reached the API: SIGKILL it mid-push."""
        del request
        self.api.kill()
        self.events.put(Line("controller", 0, "api-killed"))

    # -- healing and quiescence ----------------------------------------------------------

    def settle(self) -> dict[str, dict[str, Any]]:
        """Heal, sync every phone to quiescence (twice round, so each pulls the others' last
        pushes), and return each phone's store as it dumped it."""
        self.proxy.heal()
        self._drain()
        if not self.api.child.alive:
            self.api.child.start()
        self.api.child.wait_ready()
        for _ in range(2):
            for name, phone in self.phones.items():
                phone.send("sync")
                self._await_reply(name, "synced")
        dumps = {}
        for name, phone in self.phones.items():
            path = self.folder / name / "dump.json"
            phone.send(f"dump {path}")
            self._await_reply(name, "dumped")
            dumps[name] = json.loads(path.read_text())
            phone.send("quit")
            phone.wait_exit()
        return dumps

    def _drain(self) -> None:
        for _ in range(100_000):
            try:
                line = self.events.get_nowait()
            except queue.Empty:
                return
            if line.source == "controller":
                self._handle(line)

    def _await_reply(self, name: str, prefix: str) -> str:
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        for _ in range(1_000_000):  # bounded by the deadline
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                line = self.events.get(timeout=left)
            except queue.Empty:
                break
            if line.source == name and line.text.startswith(prefix):
                return line.text
            if line.source == name and line.text == "exited":
                raise RunStuck(f"seed {self.config.seed}: {name} exited while settling")
        raise RunStuck(f"seed {self.config.seed}: {name} did not answer {prefix!r}")

    def close(self) -> None:
        for phone in self.phones.values():
            phone.kill()
        self.proxy.close()
        self.api.kill()
        self.database.dispose()


def hash_name(name: str) -> int:
    """A stable small number for a name (Python's hash() of a str changes per process)."""
    return sum(name.encode()) % 97


def run(config: RunConfig, folder: Path) -> RunResult:
    started = time.monotonic()
    with fresh_database(config.backend, folder) as url:
        controller = Controller(config, folder, url)
        try:
            controller.start_phones()
            controller.run_chaos(started + RUN_DEADLINE_S)
            dumps = controller.settle()
            result = controller.result
            result.requests = controller.proxy.requests
            result.faults = Counter(controller.proxy.faults)
            saves = [save for name in controller.phones for save in read_saves(folder / name / "saves.jsonl")]
            result.acked = sum(1 for save in saves if save["acked"])
            fresh = {
                user: fresh_phone_dump(controller.team, controller.api.url, controller.proxy.url, user)
                for user in controller.team.users
            }
            result.findings = check_run(
                controller.team, saves=saves, dumps=dumps, user_of=controller.user_of, fresh=fresh,
                reopens=result.reopens,
            )  # fmt: skip
        finally:
            controller.close()
    result.seconds = time.monotonic() - started
    return result
