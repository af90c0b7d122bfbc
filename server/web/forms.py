"""Web forms carrying a NUL character are refused with 400 before any page reads them.

PostgreSQL text cannot hold NUL, so a NUL in a sign-in name or a review comment reached the
database and failed there (500). No keyboard types one. Checking every form body here, in one
place, covers every form (sign-in included) and any form added later. The JSON API refuses NUL in
its own schemas (server.api.schemas) and pushed records in domain validation.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import ErrorCode
from server.middleware import send_error

URLENCODED = b"application/x-www-form-urlencoded"
MULTIPART = b"multipart/form-data"


def _form_type(scope: Scope) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind if kind in (URLENCODED, MULTIPART) else None
    return None


def has_nul(body: bytes, form_type: bytes) -> bool:
    """A NUL in a field name or value: sent raw, or (URL-encoded forms only) as %00. In multipart
    bodies values are not percent-decoded, so "%00" there is three harmless characters."""
    return b"\x00" in body or (form_type == URLENCODED and b"%00" in body)


class FormNulGuard:
    """Sits inside server.middleware.BodyLimitMiddleware, which hands over the whole (inflated,
    size-limited) body in one message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        form_type = _form_type(scope) if scope["type"] == "http" else None
        if form_type is None:
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        more = True
        while more:  # ends: the body under the limit is finite, and a disconnect ends it too
            message = await receive()
            received.append(message)
            more = message["type"] == "http.request" and bool(message.get("more_body", False))
        body = b"".join(m.get("body", b"") for m in received if m["type"] == "http.request")
        if has_nul(body, form_type):
            await send_error(send, 400, ErrorCode.INVALID_REQUEST, "the form contains a NUL character")
            return

        async def replay() -> Message:
            return received.pop(0) if received else await receive()

        await self.app(scope, replay, send)
