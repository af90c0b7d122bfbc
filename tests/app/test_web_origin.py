"""Web mode has no sign-in, so its websocket must answer only the page the app served: a web page
of another origin open in the same browser (another site, or a DNS-rebound name for 127.0.0.1)
must not be able to open ws://127.0.0.1:PORT/ws and drive the app (app.web_origin)."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from pathlib import Path
from typing import Any

from app.web_origin import SameOriginSockets, own_origins
from tests.e2e.field_app import running_field_app


def handshake_status(url: str, origin: str | None) -> str:
    """The status line the app answers a real websocket handshake on /ws with."""
    host_port = url.removeprefix("http://").rstrip("/")
    host, port = host_port.split(":")
    lines = [
        "GET /ws HTTP/1.1",
        f"Host: {host_port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def test_the_running_app_refuses_a_websocket_from_another_origin(tmp_path: Path) -> None:
    args = ["--demo", "--store", str(tmp_path / "device"), "--no-gps"]
    with running_field_app(args, log_path=tmp_path / "app.log") as url:
        port = url.rstrip("/").rsplit(":", 1)[1]
        for foreign in ("http://evil.example", f"http://evil.example:{port}", "null", "https://127.0.0.1"):
            assert " 403 " in handshake_status(url, foreign) + " ", foreign
        for own in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
            assert " 101 " in handshake_status(url, own), own


class Inner:
    """An ASGI app that records being reached."""

    def __init__(self) -> None:
        self.reached: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.reached.append(scope["type"])


def call(app: SameOriginSockets, scope: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    asyncio.run(app(scope, receive, send))
    return sent


def test_a_foreign_handshake_is_closed_before_the_app_sees_it() -> None:
    inner = Inner()
    guard = SameOriginSockets(inner, allowed=own_origins("127.0.0.1", 8550))
    sent = call(guard, {"type": "websocket", "headers": [(b"origin", b"http://evil.example")]})
    assert sent == [{"type": "websocket.close", "code": 1008}]
    assert inner.reached == []


def test_own_origin_no_origin_and_plain_requests_pass_through() -> None:
    inner = Inner()
    guard = SameOriginSockets(inner, allowed=own_origins("127.0.0.1", 8550))
    assert call(guard, {"type": "websocket", "headers": [(b"origin", b"http://127.0.0.1:8550")]}) == []
    assert call(guard, {"type": "websocket", "headers": [(b"origin", b"HTTP://LOCALHOST:8550/")]}) == []
    assert call(guard, {"type": "websocket", "headers": []}) == []  # a program on this computer, not a page
    assert call(guard, {"type": "http", "headers": [(b"origin", b"http://evil.example")]}) == []
    assert inner.reached == ["websocket", "websocket", "websocket", "http"]


def test_another_port_on_127_0_0_1_is_another_origin() -> None:
    guard = SameOriginSockets(Inner(), allowed=own_origins("127.0.0.1", 8550))
    assert not guard.allows("http://127.0.0.1:8551")
    assert not guard.allows("http://127.0.0.1")
