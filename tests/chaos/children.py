"""Child processes of a chaos run (the API, the phones): started, killed with SIGKILL, restarted.

Each child prints lines on stdout; a reader thread forwards them, tagged with the child's name and
life (how many times it was started), to the controller's queue, and notices the `ready` line the
child prints once it can work, so the controller waits on that line and never on a timer.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60.0  # generous: a phone replaying its journal on a loaded 2-core machine


@dataclass(frozen=True)
class Line:
    source: str
    life: int
    text: str


class ChildFailed(RuntimeError):
    """A child exited before it was ready."""


class Child:
    def __init__(self, name: str, argv: list[str], events: queue.Queue[Line], *, log: Path) -> None:
        self.name = name
        self._argv = argv
        self._events = events
        self._log = log
        self.life = 0
        self._ready: dict[int, str] = {}  # life -> what its ready line said
        self._process: subprocess.Popen[str] | None = None
        self._settled = threading.Event()
        self._trigger: tuple[int, str] | None = None  # (life, line) on which to SIGKILL the child

    def start(self, *extra: str) -> None:
        self.life += 1
        self._settled = threading.Event()
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        with self._log.open("a") as errors:
            self._process = subprocess.Popen(
                [sys.executable, "-m", *self._argv, *extra],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                bufsize=1,
            )
        threading.Thread(
            target=self._read, args=(self._process, self.life, self._settled), daemon=True
        ).start()

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> str:
        """The text after `ready` on the child's ready line; raises if it exits first."""
        if not self._settled.wait(timeout):
            raise ChildFailed(f"{self.name} printed no ready line in {timeout:.0f} s")
        if self.life not in self._ready:
            raise ChildFailed(f"{self.name} exited before it was ready; see {self._log}")
        return self._ready[self.life]

    def send(self, command: str) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()

    def kill_on(self, text: str | None) -> None:
        """SIGKILL the child the moment it prints `text` (None: not any more). The reader thread
        kills, not the controller's loop, so the kill lands right after the line, wherever the
        controller is; the controller hears `killed`."""
        self._trigger = None if text is None else (self.life, text)

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def kill(self) -> None:
        """SIGKILL, and wait until the process is gone (its store lock is released with it)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        self.wait_exit()

    def wait_exit(self, timeout: float = 30.0) -> int | None:
        if self._process is None:
            return None
        code = self._process.wait(timeout=timeout)
        if self._process.stdin is not None:
            self._process.stdin.close()
        return code

    def _read(self, process: subprocess.Popen[str], life: int, settled: threading.Event) -> None:
        assert process.stdout is not None
        for raw in process.stdout:  # ends at EOF, when the child exits
            text = raw.rstrip("\n")
            if text.startswith("ready") and not settled.is_set():
                self._ready[life] = text[len("ready") :].strip()
                settled.set()
            self._events.put(Line(self.name, life, text))
            if self._trigger == (life, text):
                self._trigger = None
                process.kill()
                self._events.put(Line(self.name, life, "killed"))
        settled.set()
        self._events.put(Line(self.name, life, "exited"))
