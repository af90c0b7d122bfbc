"""Every error leaves as `sync.protocol.ErrorBody` JSON with a stable code (server.errors.ErrorCode)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import DisclosureRefused, DomainError, ValidationError
from server.errors import ApiError, ErrorCode, RateLimited

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


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, ErrorCode.INTERNAL, "something went wrong on the server")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(Exception, _unexpected)
