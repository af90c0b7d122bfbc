"""The real API in a subprocess on loopback, a team to enroll devices into, and a fault injector.

The fault injector is an httpx transport between the real client and the real server. Each fault
is decided per request by a plan, so tests can script exact schedules or draw them at random.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import httpx

from app.domain.clock import SystemClock
from app.store import LocalStore
from server.db.database import Database
from server.db.migrate import upgrade
from server.services import accounts
from server.services.accounts import Role
from sync.client import SyncClient
from sync.engine import SyncEngine

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sync-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """uvicorn running create_app on a SQLite file; can be killed and started again."""

    def __init__(self, database_url: str, *, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self._env = env or {}  # server settings, e.g. FIELDWORK_MAX_BODY_BYTES
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = os.environ | self._env | {"PYTHONPATH": str(ROOT)}
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("_serve.py")), self.database_url, str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(300):  # bounded: up to ~15 s to open the port
            if self._process.poll() is not None:
                raise RuntimeError(f"server exited: {self._process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=0.5).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)

    def restart(self) -> None:
        self.kill()
        self.start()


@dataclass
class Team:
    database: Database
    team_id: str
    users: dict[str, str] = field(default_factory=dict)  # username -> user id

    def add(self, username: str, role: Role = Role.SPECIALIST) -> str:
        # Usernames are unique server-wide; teams share one server per test module.
        with self.database.write() as session:
            user_id = accounts.create_user(
                session,
                team_id=self.team_id,
                username=f"{username}-{self.team_id[-8:]}",
                display_name=username.title(),
                role=role,
                password=None,
                clock=SystemClock(),
            )
        self.users[username] = user_id
        return user_id

    def enrollment_code(self, username: str) -> str:
        with self.database.write() as session:
            code, _ = accounts.issue_enrollment_code(
                session,
                user_id=self.users[username],
                issued_by=None,
                clock=SystemClock(),
                secret=SECRET,
                minutes=15,
            )
        return code


def make_team(database: Database) -> Team:
    clock = SystemClock()
    suffix = uuid.uuid4().hex[:8]
    with database.write() as session:
        org = accounts.create_organisation(session, name=f"Test Trust {suffix}", clock=clock)
        team_id = accounts.create_team(session, organisation_id=org, name="IPS Test", clock=clock)
    return Team(database=database, team_id=team_id)


def migrated_database(database_url: str) -> Database:
    upgrade(database_url)
    return Database(database_url)


class Fault(Enum):
    DROP_REQUEST = "drop request"  # never reaches the server
    DROP_RESPONSE = "drop response"  # server commits; the answer is lost
    TIMEOUT = "timeout"  # server commits; the answer is held back past the client's read timeout
    HTTP_500 = "500"  # the server fails without doing anything
    HTTP_502 = "502"  # the gateway loses the server's answer after it committed
    HTTP_503 = "503"  # the gateway refuses before forwarding
    DUPLICATE = "duplicate"  # the request is delivered twice
    RESTART = "restart"  # the server is killed and restarted while the request is in flight


Plan = Callable[[httpx.Request], Fault | None]
# Faults that cost real time: TIMEOUT waits out the client's read timeout, RESTART a server start.
SLOW_FAULTS = frozenset({Fault.TIMEOUT, Fault.RESTART})


class DelayingProxy:
    """A TCP proxy on loopback that passes requests straight to the server and holds every answer
    back for `delay` seconds, so the server commits long before the client sees a byte."""

    def __init__(self, upstream_port: int, delay: float) -> None:
        self._upstream_port = upstream_port
        self._delay = delay
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

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
        with client, socket.create_connection(("127.0.0.1", self._upstream_port), timeout=30) as upstream:
            client.settimeout(30)
            threading.Thread(target=_pump, args=(client, upstream, 0.0), daemon=True).start()
            _pump(upstream, client, self._delay)

    def close(self) -> None:
        self._closed.set()
        self._listener.close()


def _pump(source: socket.socket, target: socket.socket, delay: float) -> None:
    """Copy bytes until either side closes; the first chunk waits `delay` seconds."""
    for _ in range(100_000):  # bounded: far more chunks than any test request needs
        try:
            chunk = source.recv(65536)
            if delay:
                time.sleep(delay)
                delay = 0.0
            if not chunk:
                break
            target.sendall(chunk)
        except OSError:
            break
    for sock in (source, target):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class FaultyTransport(httpx.BaseTransport):
    def __init__(self, plan: Plan, *, server: ServerProcess | None = None) -> None:
        self._inner = httpx.HTTPTransport()
        self._plan = plan
        self._server = server
        self.faults: list[Fault] = []
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        fault = self._plan(request)
        if fault is None:
            return self._forward(request)
        self.faults.append(fault)
        if fault is Fault.DROP_REQUEST:
            raise httpx.ConnectError("injected: request dropped", request=request)
        if fault is Fault.HTTP_500:
            return httpx.Response(500, json={"error": {"code": "internal", "message": "injected"}})
        if fault is Fault.HTTP_503:
            return httpx.Response(503, text="injected: service unavailable")
        if fault is Fault.DUPLICATE:
            self._forward(request)
            return self._forward(request)
        if fault is Fault.RESTART:
            return self._restart_during(request)
        if fault is Fault.TIMEOUT:
            return self._late_answer(request)
        self._forward(request)  # the server does the work...
        if fault is Fault.HTTP_502:
            return httpx.Response(502, text="injected: bad gateway")
        raise httpx.ReadError("injected: response dropped", request=request)  # DROP_RESPONSE

    def _late_answer(self, request: httpx.Request) -> httpx.Response:
        """Send the request through a proxy that answers after the client's own read timeout: the
        client's real timeout fires (httpx.ReadTimeout) while the server has done the work."""
        read_timeout = (request.extensions.get("timeout") or {}).get("read") or 5.0
        proxy = DelayingProxy(request.url.port or 80, delay=read_timeout + 0.5)
        try:
            late = httpx.Request(
                request.method,
                request.url.copy_with(port=proxy.port),
                headers=request.headers,
                content=request.read(),  # a streamed body is read here first
                extensions=request.extensions,
            )
            with httpx.HTTPTransport() as direct:
                response = direct.handle_request(late)
                response.read()
                return response
        finally:
            proxy.close()

    def _forward(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        response.read()
        return response

    def _restart_during(self, request: httpx.Request) -> httpx.Response:
        assert self._server is not None, "a restart fault needs the server process"
        outcome: list[httpx.Response | Exception] = []

        def send() -> None:
            try:
                outcome.append(self._forward(request))
            except httpx.TransportError as exc:
                outcome.append(exc)

        sender = threading.Thread(target=send)
        sender.start()
        self._server.restart()
        sender.join(timeout=30)
        result = outcome[0] if outcome else httpx.ConnectError("no answer", request=request)
        if isinstance(result, Exception):
            raise httpx.ReadError(f"injected: server restarted ({result})", request=request)
        return result

    def close(self) -> None:
        self._inner.close()


@dataclass
class Device:
    name: str
    store: LocalStore
    client: SyncClient
    engine: SyncEngine
    transport: FaultyTransport


def enroll_device(
    server: ServerProcess,
    team: Team,
    username: str,
    *,
    plan: Plan = lambda request: None,
    batch_size: int = 500,
    timeout: float = 10.0,
) -> Device:
    code = team.enrollment_code(username)
    enrolled = SyncClient(server.url).enroll(code, device_name=f"{username}'s phone")
    transport = FaultyTransport(plan, server=server)
    client = SyncClient(server.url, enrolled.token, transport=transport, timeout=httpx.Timeout(timeout))
    store = LocalStore.in_memory()
    engine = SyncEngine(store, client, batch_size=batch_size)
    return Device(name=username, store=store, client=client, engine=engine, transport=transport)
