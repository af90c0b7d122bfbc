"""Request bodies: gzip decoding and size limits, before any route reads them.

A pure ASGI middleware so that the limit applies to what is decompressed, not just to what was sent:
a small gzip body that inflates past `max_body_bytes` (a zip bomb) is refused with 413 while
inflating, without ever holding the whole inflated body.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import ErrorCode

CHUNK = 64 * 1024


async def send_error(
    send: Send, status: int, code: ErrorCode, message: str, details: dict[str, Any] | None = None
) -> None:
    body = json.dumps({"error": {"code": code.value, "message": message, "details": details or {}}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _Refused(Exception):
    def __init__(
        self, status: int, code: ErrorCode, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.lower(): value for key, value in scope.get("headers", [])}
        encoding = headers.get(b"content-encoding", b"identity").decode("latin-1").strip().lower()
        if encoding not in ("identity", "gzip", ""):
            await send_error(send, 415, ErrorCode.UNSUPPORTED_ENCODING, "send the body as identity or gzip")
            return
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_error(send, 413, ErrorCode.BODY_TOO_LARGE, self._too_large(), self._limit())
            return
        try:
            body = await self._read(receive, gzipped=encoding == "gzip")
        except _Refused as refused:
            await send_error(send, refused.status, refused.code, refused.message, refused.details)
            return
        if body is None:  # the client went away
            return
        scope = dict(scope)
        scope["headers"] = [
            (key, value)
            for key, value in scope.get("headers", [])
            if key.lower() not in (b"content-encoding", b"content-length")
        ] + [(b"content-length", str(len(body)).encode())]
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body_bytes} bytes"

    def _limit(self) -> dict[str, Any]:
        return {"limit_bytes": self.max_body_bytes}  # the phone halves its batches below this

    async def _read(self, receive: Receive, *, gzipped: bool) -> bytes | None:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
        parts: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            pieces = self._inflate(inflater, chunk, size) if inflater is not None else [chunk]
            for piece in pieces:
                size += len(piece)
                if size > self.max_body_bytes:
                    raise _Refused(413, ErrorCode.BODY_TOO_LARGE, self._too_large(), self._limit())
                parts.append(piece)
        if inflater is not None:
            if not inflater.eof and size:
                raise _Refused(400, ErrorCode.BAD_GZIP, "the gzip body is truncated")
            tail = inflater.flush()
            if size + len(tail) > self.max_body_bytes:
                raise _Refused(413, ErrorCode.BODY_TOO_LARGE, self._too_large(), self._limit())
            parts.append(tail)
        return b"".join(parts)

    def _inflate(self, inflater: zlib._Decompress, chunk: bytes, size: int) -> list[bytes]:
        """Inflate in bounded steps so a bomb is stopped after at most limit + CHUNK bytes."""
        pieces: list[bytes] = []
        data = chunk
        budget = self.max_body_bytes - size + 1
        while data or inflater.unconsumed_tail:
            try:
                piece = inflater.decompress(data or inflater.unconsumed_tail, CHUNK)
            except zlib.error:
                raise _Refused(400, ErrorCode.BAD_GZIP, "the body is not valid gzip") from None
            data = b""
            pieces.append(piece)
            budget -= len(piece)
            if budget <= 0 or (not piece and not inflater.unconsumed_tail):
                break
        return pieces
