"""The sync error vocabulary (see sync.client for what each means on the wire).

SyncError
├── Offline
├── Unauthorized
├── UpdateRequired
└── ProtocolFault
    └── PayloadTooLarge
"""

from __future__ import annotations


class SyncError(Exception):
    """A sync call did not complete."""


class Offline(SyncError):
    """The server could not be reached, or answered with a transient failure."""


class Unauthorized(SyncError):
    """The server does not accept this device's token (revoked or unknown)."""


class ProtocolFault(SyncError):
    """The server refused the request as malformed, or answered outside the protocol."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class PayloadTooLarge(ProtocolFault):
    """The server refused a request as too large (413): the same request will never pass, a
    smaller one may. `limit_bytes` is the server's body limit when it said so, else None."""

    def __init__(self, message: str, *, code: str | None = None, limit_bytes: int | None = None) -> None:
        super().__init__(message, status=413, code=code)
        self.limit_bytes = limit_bytes


class UpdateRequired(SyncError):
    """The server no longer speaks this app's protocol (426): the app must be updated to sync.

    Nothing was applied on either side; the outbox keeps every record until the updated app sends it.
    """
