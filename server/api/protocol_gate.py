"""Refuses sync requests from an app on an older protocol version, before any route runs.

The device names its protocol in the `Fieldwork-Protocol` header of every sync request (push also
carries it in the body). An older version gets 426 "app_update_required": the app tells its user to
update, keeps everything in its outbox, and never applies an answer it could misread.

A sync request *without* the header is a protocol-1 app, and gets the same 426 (`received` null).
The app has sent the header on every request since protocol 1 (sync.client), before protocol 2
existed, so only an app older than that, which speaks protocol 1, leaves it out. Serving it pulls
filtered to protocol 1's kinds was the other choice, and it loses records: its cursor would move
past the `job` and `employer_disclosure` changes, so once updated the phone would never pull them.
The 426 loses nothing: no cursor moves, nothing is applied, the outbox waits for the update. Its
push was already refused by the version in its body; now it is refused before the body is read.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import AppUpdateRequired, ErrorCode
from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

HEADER = PROTOCOL_HEADER.lower().encode()


def check_version(version: object) -> None:
    """Raise AppUpdateRequired for an older protocol; newer or garbled ones are the caller's 400."""
    if isinstance(version, int) and not isinstance(version, bool) and version < PROTOCOL_VERSION:
        raise AppUpdateRequired(version, PROTOCOL_VERSION)


class ProtocolGate:
    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            sent = dict(scope.get("headers", [])).get(HEADER)
            refusal = _missing() if sent is None else _refusal(sent.decode("latin-1").strip())
            if refusal is not None:
                await _send(send, *refusal)
                return
        await self.app(scope, receive, send)


def _missing() -> tuple[int, dict[str, object]]:
    """A protocol-1 app (see above): told to update, as if it had sent version 1."""
    exc = AppUpdateRequired(None, PROTOCOL_VERSION)
    return exc.status, _body(exc.code, exc.message, exc.details)


def _refusal(value: str) -> tuple[int, dict[str, object]] | None:
    try:
        version = int(value)
    except ValueError:
        return 400, _body(ErrorCode.UNSUPPORTED_PROTOCOL, f"{PROTOCOL_HEADER} must be a whole number", {})
    try:
        check_version(version)
    except AppUpdateRequired as exc:
        return exc.status, _body(exc.code, exc.message, exc.details)
    if version != PROTOCOL_VERSION:
        message = f"this server speaks protocol version {PROTOCOL_VERSION}"
        return 400, _body(ErrorCode.UNSUPPORTED_PROTOCOL, message, {"supported": [PROTOCOL_VERSION]})
    return None


def _body(code: ErrorCode, message: str, details: dict[str, object]) -> dict[str, object]:
    return {"error": {"code": code.value, "message": message, "details": details}}


async def _send(send: Send, status: int, content: dict[str, object]) -> None:
    body = json.dumps(content).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
