"""Every error leaves as `sync.protocol.ErrorBody` JSON with a stable code (server.errors.ErrorCode).

An exception no handler takes is caught by `ContainUnexpected` (the outermost layer but one: its
500 passes through server.browser_policy.SecurityHeaders like every answer): a 500 for the
client, and for the log its type and where it was raised, never its text. A database error's
text quotes what it could not store (PostgreSQL's CONTEXT line holds the record: personal data),
and an exception let out of the app would be logged a second time, text and all, by the ASGI
server.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.errors import DisclosureRefused, DomainError, ValidationError
from server.errors import ApiError, ErrorCode, RateLimited
from server.middleware import send_error

log = logging.getLogger("server")

_STATUS_CODES = {
    400: ErrorCode.INVALID_REQUEST,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.BODY_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.INVALID_REQUEST,
}


def error_response(
    status: int,
    code: ErrorCode | str,
    message: str,
    details: dict[str, Any] | None = None,
    *,
    retry_after: int | None = None,
) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    content = {"error": {"code": str(code), "message": message, "details": details or {}}}
    return JSONResponse(content, status_code=status, headers=headers or None)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
    return error_response(exc.status, exc.code, exc.message, exc.details, retry_after=retry_after)


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ValidationError):
        return error_response(422, ErrorCode.VALIDATION_FAILED, str(exc), {"fields": exc.errors})
    if isinstance(exc, DisclosureRefused):
        return error_response(
            422, ErrorCode.VALIDATION_FAILED, str(exc), {"job_seekers": exc.job_seeker_codes}
        )
    return error_response(422, ErrorCode.VALIDATION_FAILED, str(exc))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
    return error_response(exc.status_code, code, str(exc.detail))


async def _request_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = {
        ".".join(str(part) for part in err.get("loc", ())): str(err.get("msg", "")) for err in exc.errors()
    }
    return error_response(
        422, ErrorCode.INVALID_REQUEST, "the request does not match the API", {"fields": fields}
    )


def describe_unexpected(exc: BaseException) -> str:
    """What the log may say of an exception: the types in its chain and the stack of each (code
    locations and source lines, which hold no data), never a message."""
    parts: list[str] = []
    current: BaseException | None = exc
    for _ in range(10):  # a chain of causes is short; a cycle must not loop
        if current is None:
            break
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__} (message withheld)\n{frames}")
        current = current.__cause__ or current.__context__
    return "caused by ".join(parts)


class ContainUnexpected:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:  # the last line: nothing escapes to be logged raw
            where = f"{scope.get('method')} {scope.get('path')}"
            log.error("unexpected error on %s: %s", where, describe_unexpected(exc))
            if not started:  # once an answer has started, the connection just ends
                await send_error(send, 500, ErrorCode.INTERNAL, "something went wrong on the server")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    # No handler for Exception: Starlette re-raises after calling it, and the server then logs the
    # exception's text. ContainUnexpected (server.main) takes them instead.
