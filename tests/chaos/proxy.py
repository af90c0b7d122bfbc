"""A loopback TCP proxy between the phones and the API that breaks requests by a seeded plan.

Each client connection carries one HTTP request: the proxy reads it whole, rewrites it to
`Connection: close` (so the server's answer ends at EOF and the client opens a new connection for
the next request), asks the plan what to do with it, and then:

    pass        forwards it and relays the answer
    drop        never forwards it; the client's connection is reset
    reset       forwards it (the server does the work), then resets the client instead of answering
    cut         forwards it, relays the first half of the answer, then closes
    delay       forwards it and holds the answer past the client's read timeout
    duplicate   sends the same request bytes to the server twice, at once, and relays one answer
    blackhole   from now on, for a few seconds, every connection is accepted and nothing passes

Every fault is bounded in time. Pure stdlib, threads: one per connection.
"""

from __future__ import annotations

import contextlib
import random
import select
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

IO_TIMEOUT = 30.0  # no single socket operation of a test waits longer
MAX_HEADER = 64 * 1024
MAX_ANSWER = 64 * 1024 * 1024


class Fault(Enum):
    DROP = "drop"
    RESET = "reset"
    CUT = "cut"
    DELAY = "delay"
    DUPLICATE = "duplicate"
    BLACKHOLE = "blackhole"


@dataclass
class FaultPlan:
    """Which fault, if any, each request meets: seeded, so a run can be told again by its seed."""

    seed: int
    rate: float = 0.25  # share of requests faulted
    blackhole_s: float = 1.5
    hold_s: float = 3.0  # how long `delay` holds an answer: past the phones' read timeout
    weights: tuple[tuple[Fault, int], ...] = (
        (Fault.DROP, 3),
        (Fault.RESET, 3),
        (Fault.CUT, 3),
        (Fault.DELAY, 1),
        (Fault.DUPLICATE, 3),
        (Fault.BLACKHOLE, 1),
    )

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> Fault | None:
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            faults = [fault for fault, _ in self.weights]
            weights = [weight for _, weight in self.weights]
            chosen: Fault = self._random.choices(faults, weights=weights)[0]
            return chosen


# Called with the request bytes right after they were sent to the server.
ForwardHook = Callable[[bytes], None]


class ChaosProxy:
    def __init__(self, upstream_port: int, plan: FaultPlan) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._plan = plan
        self._healed = threading.Event()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._blackhole_until = 0.0
        self._push_hook: ForwardHook | None = None
        self.faults: Counter[str] = Counter()
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, daemon=True, name="chaos-proxy")
        self._thread.start()

    def heal(self) -> None:
        """From now on every request passes, and a blackhole in progress ends."""
        self._healed.set()
        with self._lock:
            self._blackhole_until = 0.0
            self._push_hook = None

    def on_next_push(self, hook: ForwardHook) -> None:
        """Call `hook` once, right after the next push request's bytes reach the server."""
        with self._lock:
            self._push_hook = hook

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        self._thread.join(timeout=5)

    # -- connections ---------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            client.settimeout(IO_TIMEOUT)
            if self._in_blackhole():
                self._swallow(client)
                return
            request = _read_request(client)
            if request is None:
                return
            fault = self._decide()
            if fault is Fault.BLACKHOLE:
                self._swallow(client)
            elif fault is Fault.DROP:
                _reset(client)
            elif fault is Fault.DUPLICATE:
                self._relay(client, self._duplicate(request))
            else:
                answer = self._exchange(request)
                if answer is None or fault is Fault.RESET:
                    _reset(client)
                elif fault is Fault.CUT:
                    with contextlib.suppress(OSError):
                        client.sendall(answer[: len(answer) // 2])
                elif fault is Fault.DELAY:
                    _wait_for_close(client, self._plan.hold_s)
                    self._relay(client, answer)
                else:
                    self._relay(client, answer)

    def _decide(self) -> Fault | None:
        with self._lock:
            self.requests += 1
        if self._healed.is_set():
            return None
        fault = self._plan.draw()
        if fault is not None:
            with self._lock:
                self.faults[fault.value] += 1
                if fault is Fault.BLACKHOLE:
                    self._blackhole_until = time.monotonic() + self._plan.blackhole_s
        return fault

    def _in_blackhole(self) -> bool:
        with self._lock:
            return time.monotonic() < self._blackhole_until

    def _swallow(self, client: socket.socket) -> None:
        """Accept and say nothing until the blackhole ends (bounded by its length), then reset."""
        with self._lock:
            left = self._blackhole_until - time.monotonic()
        _wait_for_close(client, max(0.0, min(left, self._plan.blackhole_s)))
        _reset(client)

    def _relay(self, client: socket.socket, answer: bytes | None) -> None:
        if answer is None:
            _reset(client)
            return
        with contextlib.suppress(OSError):
            client.sendall(answer)

    def _duplicate(self, request: bytes) -> bytes | None:
        answers: list[bytes | None] = [None, None]

        def send(index: int) -> None:
            answers[index] = self._exchange(request)

        threads = [threading.Thread(target=send, args=(index,)) for index in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=IO_TIMEOUT + 5)
        return answers[1] if answers[1] is not None else answers[0]

    def _exchange(self, request: bytes) -> bytes | None:
        """The server's whole answer to `request`, or None when the server was not there for it."""
        try:
            with socket.create_connection(self._upstream, timeout=IO_TIMEOUT) as upstream:
                upstream.sendall(request)
                self._after_forward(request)
                return _read_to_eof(upstream)
        except OSError:
            return None

    def _after_forward(self, request: bytes) -> None:
        if not request.startswith(b"POST /api/v1/sync/push"):
            return
        with self._lock:
            hook, self._push_hook = self._push_hook, None
        if hook is not None:
            hook(request)


def _read_request(client: socket.socket) -> bytes | None:
    """One whole request from the client, rewritten to close the connection after its answer."""
    data = b""
    try:
        for _ in range(MAX_HEADER):  # bounded: each round reads at least one byte or returns
            end = data.find(b"\r\n\r\n")
            if end != -1:
                break
            chunk = client.recv(65536)
            if not chunk or len(data) > MAX_HEADER:
                return None
            data += chunk
        head, body = data[:end], data[end + 4 :]
        lines = head.split(b"\r\n")
        length = 0
        kept = [lines[0]]
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
            if name.strip().lower() != b"connection":
                kept.append(line)
        kept.append(b"Connection: close")
        for _ in range(MAX_ANSWER):  # bounded like the header loop
            if len(body) >= length:
                break
            chunk = client.recv(65536)
            if not chunk:
                return None
            body += chunk
    except (OSError, ValueError):
        return None
    return b"\r\n".join(kept) + b"\r\n\r\n" + body


def _read_to_eof(sock: socket.socket) -> bytes | None:
    parts: list[bytes] = []
    size = 0
    for _ in range(MAX_ANSWER):  # bounded: each round reads at least one byte or ends
        chunk = sock.recv(65536)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
        if size > MAX_ANSWER:
            return None
    answer = b"".join(parts)
    # A server killed mid-answer closes without a word: that is no answer at all.
    return answer if answer.startswith(b"HTTP/") else None


def _wait_for_close(client: socket.socket, seconds: float) -> None:
    """Wait until the client gives up (closes its end) or `seconds` pass, whichever is first."""
    deadline = time.monotonic() + seconds
    for _ in range(1000):  # bounded: each round waits or returns
        left = deadline - time.monotonic()
        if left <= 0:
            return
        readable, _, _ = select.select([client], [], [], left)
        if readable:
            try:
                if not client.recv(65536):
                    return  # the client closed: its timeout fired
            except OSError:
                return


def _reset(client: socket.socket) -> None:
    """Close with a TCP reset instead of a clean FIN."""
    with contextlib.suppress(OSError):
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        client.close()
