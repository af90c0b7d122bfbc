"""Web mode's websocket answers only the page the app itself served.

The app in web mode has no sign-in: whoever holds its websocket drives it and reads the caseload.
Flet's web server lets every origin in (CORS `*`), and a websocket has no same-origin rule, so
without this any web page open in the same browser could open ws://127.0.0.1:PORT/ws. Browsers
always send `Origin` on a websocket handshake, so a handshake from another origin (another site,
or a DNS-rebound name for 127.0.0.1) is refused before it reaches Flet. A handshake with no
`Origin` comes from a program on this computer, not from a web page, and goes through: such a
program can read the store's folder anyway.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# RFC 6455: the close code for a message that violates the endpoint's policy.
POLICY_VIOLATION = 1008


def own_origins(host: str, port: int) -> frozenset[str]:
    """The origins of pages this app serves: its own address, by number and by name."""
    names = {host, "localhost"} if host == "127.0.0.1" else {host}
    return frozenset(f"http://{name}:{port}" for name in names)


class SameOriginSockets:
    """ASGI middleware: a websocket handshake whose Origin is not one of `allowed` is refused (the
    server answers 403); every other request passes through untouched."""

    def __init__(self, app: ASGIApp, *, allowed: frozenset[str]) -> None:
        self._app = app
        self._allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not self.allows(_origin(scope)):
            await receive()  # websocket.connect: the handshake, answered below with a refusal
            await send({"type": "websocket.close", "code": POLICY_VIOLATION})
            return
        await self._app(scope, receive, send)

    def allows(self, origin: str | None) -> bool:
        return origin is None or origin.lower().rstrip("/") in self._allowed


def _origin(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"origin":
            return str(value.decode("latin-1"))
    return None
