"""Refuses a URL with a NUL character in its path or query string, before any route runs.

PostgreSQL text cannot hold NUL, so a NUL in an id or a filter used to reach the database and fail
there (500). Nothing legitimate puts one in a URL: 400 with the error shape, on pages and API alike.
Bodies are checked by their own schemas.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import ErrorCode
from server.middleware import send_error


class NulGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").lower()
            if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
                await send_error(send, 400, ErrorCode.INVALID_REQUEST, "the URL contains a NUL character")
                return
        await self.app(scope, receive, send)
