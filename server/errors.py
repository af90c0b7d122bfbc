"""The server's error vocabulary: one enum of stable codes, one exception carrying it.

Every error leaves the API as `sync.protocol.ErrorBody` JSON: {"error": {"code", "message", "details"}}.
Services raise `ApiError` subclasses (or app.domain errors, mapped in server.api.errors); nothing
else decides status codes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID_REQUEST = "invalid_request"
    INVALID_JSON = "invalid_json"
    INVALID_CURSOR = "invalid_cursor"
    UNSUPPORTED_PROTOCOL = "unsupported_protocol_version"
    APP_UPDATE_REQUIRED = "app_update_required"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNSUPPORTED_ENCODING = "unsupported_content_encoding"
    BAD_GZIP = "invalid_gzip"
    BATCH_TOO_LARGE = "batch_too_large"
    BODY_TOO_LARGE = "body_too_large"
    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_TOKEN = "invalid_token"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_ENROLLMENT_CODE = "invalid_enrollment_code"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    VALIDATION_FAILED = "validation_failed"
    INTERNAL = "internal_error"
    # Photo uploads (server.services.attachments)
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    NOT_AN_IMAGE = "not_an_image"
    UPLOAD_OFFSET_MISMATCH = "upload_offset_mismatch"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    RECORD_NOT_SYNCED = "record_not_synced"
    PHOTO_STORAGE_FULL = "photo_storage_full"


class ApiError(Exception):
    """An error with a stable code and an HTTP status."""

    status = 400
    code = ErrorCode.INVALID_REQUEST

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class BadRequest(ApiError):
    """The request is malformed in a way the client can fix."""

    def __init__(self, code: ErrorCode, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details=details)
        self.code = code


class PayloadTooLarge(ApiError):
    """The body or the batch exceeds a stated limit."""

    status = 413

    def __init__(self, code: ErrorCode, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details=details)
        self.code = code


class NotAuthenticated(ApiError):
    """No credentials, or credentials that are unknown, expired or revoked."""

    status = 401

    def __init__(self, message: str, *, code: ErrorCode = ErrorCode.NOT_AUTHENTICATED) -> None:
        super().__init__(message)
        self.code = code


class Forbidden(ApiError):
    """Authenticated, but this role may not do this."""

    status = 403
    code = ErrorCode.FORBIDDEN


class NotFound(ApiError):
    """No such thing visible to the caller (other teams' things are 'not found', never 'forbidden')."""

    status = 404
    code = ErrorCode.NOT_FOUND


class AlreadyExists(ApiError):
    """A name that must be unique is taken."""

    status = 409
    code = ErrorCode.CONFLICT


class UnsupportedMediaType(ApiError):
    """The body is not JSON."""

    status = 415
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class AppUpdateRequired(ApiError):
    """The device speaks an older sync protocol than this server: the app must be updated first.

    426, so the client can tell it apart from every other refusal and never retries the same data.
    """

    status = 426
    code = ErrorCode.APP_UPDATE_REQUIRED

    def __init__(self, received: object, supported: int) -> None:
        super().__init__(
            "This version of the app is too old for the server. Update the app to keep syncing; "
            "your records stay safe on the phone until then.",
            details={"received": received, "supported": [supported]},
        )


class RateLimited(ApiError):
    """Too many attempts from one address or at one account; try again after `retry_after` seconds."""

    status = 429
    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


class Refused(ApiError):
    """A request the caller can tell apart by its code and status (e.g. an upload's 409 or 415)."""

    def __init__(
        self, status: int, code: ErrorCode, message: str, *, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.status = status
        self.code = code
