"""The HTTP client of the central API: the only module that imports httpx.

Errors (sync.errors), translated here from httpx and HTTP statuses so the engine never sees a
transport detail:

    SyncError            anything that stopped a sync call
    ├── Offline          no answer worth trusting: connect/read failure, timeout, 408/429/5xx,
    │                    an answer that does not inflate or parse.
    │                    Normal in the field; the engine retries later with backoff.
    ├── Unauthorized     401: the device token is unknown or revoked. Stop syncing.
    ├── UpdateRequired   426: this app's protocol is older than the server's. Ask for an update.
    └── ProtocolFault    any other 4xx, or an answer that is not the protocol: a bug or an
        │                incompatible server. Retrying the same request will not help.
        └── PayloadTooLarge  413: the body (or the number of operations) is over the server's
                             limit. A smaller request may pass: the engine halves the batch.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from sync.attachments import UploadProgress, decode_progress
from sync.errors import Offline, PayloadTooLarge, ProtocolFault, SyncError, Unauthorized, UpdateRequired
from sync.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    EnrollRequest,
    EnrollResponse,
    Operation,
    PullResponse,
    PushRequest,
    PushResponse,
    Reply,
)
from sync.wire import (
    WireError,
    decode_enroll_response,
    decode_pull_response,
    decode_push_response,
    encode,
    push_body,
    push_request_body,
)

__all__ = [
    "Offline",
    "PayloadTooLarge",
    "ProtocolFault",
    "SyncClient",
    "SyncError",
    "Unauthorized",
    "UpdateRequired",
]

T = TypeVar("T")
API = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
# Below this size gzip costs more CPU than it saves air time.
GZIP_MIN_BYTES = 1024
# What the phone tells its team page at each sync (server.services.devices reads them).
PENDING_HEADER = "Fieldwork-Pending"
APP_VERSION_HEADER = "Fieldwork-App-Version"
# The API's 413 message names its body limit ("... larger than 8388608 bytes"); a proxy's does not.
BODY_LIMIT_IN_MESSAGE = re.compile(r"larger than (\d+) bytes")


class SyncClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        protocol_version: int = PROTOCOL_VERSION,  # tests play an older app with this
        app_version: str | None = None,
        pending: Callable[[], int] | None = None,
    ) -> None:
        headers = {
            "Accept": "application/json",
            "User-Agent": "fieldwork-app/1",
            PROTOCOL_HEADER: str(protocol_version),
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if app_version:
            headers[APP_VERSION_HEADER] = app_version
        self._protocol_version = protocol_version
        # Read at each pull (after the pass's pushes): the team page shows what still waits here.
        self._pending = pending
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )
        # Bodies encoded ahead by prepare_push, by the id of their operations list.
        self._prepared: dict[int, tuple[list[Operation], bytes, dict[str, str]]] = {}
        self._prepared_lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def health(self) -> bool:
        """A cheap reachability check: True when the API answers at all."""
        try:
            self._send("GET", f"{API}/health")
        except SyncError:
            return False
        return True

    def prepare_push(self, operations: list[Operation]) -> None:
        """Encode and compress a push body ahead of time: the engine prepares the next batch while
        the current one is in flight, so `push` of that same list only has to send it."""
        body = push_request_body(PushRequest(operations=operations, protocol_version=self._protocol_version))
        self._keep_prepared(operations, body)

    def prepare_encoded_push(self, operations: list[Operation], encoded: list[bytes]) -> None:
        """prepare_push for operations the caller has encoded already (sync.wire.operation_json,
        one each, in order): the body is joined from those bytes, not encoded again."""
        self._keep_prepared(operations, push_body(encoded, self._protocol_version))

    def _keep_prepared(self, operations: list[Operation], body: bytes) -> None:
        content, headers = _body(body)
        with self._prepared_lock:
            self._prepared[id(operations)] = (operations, content, headers)
            while len(self._prepared) > 2:  # one prepared, never sent: its pass was cut off
                del self._prepared[next(iter(self._prepared))]

    def push(self, operations: list[Operation]) -> PushResponse:
        return self.push_noting_sent(operations, None)

    def push_noting_sent(self, operations: list[Operation], sent: threading.Event | None) -> PushResponse:
        """`push`, setting `sent` once the whole request has been handed to the network."""
        with self._prepared_lock:
            prepared = self._prepared.pop(id(operations), None)
        if prepared is not None and prepared[0] is operations:
            content, headers = prepared[1], prepared[2]
        else:
            request = PushRequest(operations=operations, protocol_version=self._protocol_version)
            content, headers = _body(push_request_body(request))
        body: bytes | _NotingSent = content
        if sent is not None:
            body = _NotingSent(content, sent)
            headers = {**headers, "Content-Length": str(len(content))}  # sent whole, not chunked
        return _decoded(decode_push_response, self._request("POST", f"{API}/sync/push", body, headers))

    def pull(self, cursor: str | None, *, limit: int = 500) -> PullResponse:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        headers = {PENDING_HEADER: str(self._pending())} if self._pending is not None else {}
        answer = self._request("GET", f"{API}/sync/pull", None, headers, params=params)
        return _decoded(decode_pull_response, answer)

    def send_reply(self, record_id: str, reply: Reply) -> bool:
        """Send one reply to a record's thread; True when stored now, False when it was already
        (the same id sent before, whose answer was lost). A refusal raises ProtocolFault (4xx)."""
        path = f"{API}/records/{quote(record_id, safe='')}/replies"
        answer = self._send("POST", path, body=encode(reply))
        if not isinstance(answer, dict) or not isinstance(answer.get("stored"), bool):
            raise ProtocolFault("reply answer: expected an object with 'stored'")
        return bool(answer["stored"])

    def enroll(self, code: str, *, device_name: str) -> EnrollResponse:
        body = encode(EnrollRequest(code=code, device_name=device_name))
        return _decoded(decode_enroll_response, self._send("POST", f"{API}/enroll", body=body))

    # -- photo uploads (sync.attachments) ------------------------------------------------------

    def declare_attachment(
        self,
        attachment_id: str,
        *,
        record_kind: str,
        record_id: str,
        size: int,
        sha256: str,
        content_type: str,
    ) -> UploadProgress:
        body = json.dumps(
            {
                "record_kind": record_kind,
                "record_id": record_id,
                "size": size,
                "sha256": sha256,
                "content_type": content_type,
            }
        ).encode()
        answer = self._send("PUT", f"{API}/attachments/{attachment_id}", body=body)
        return _decoded(decode_progress, answer)

    def attachment_status(self, attachment_id: str) -> UploadProgress:
        return _decoded(decode_progress, self._send("GET", f"{API}/attachments/{attachment_id}"))

    def put_attachment_chunk(
        self, attachment_id: str, chunk: bytes, *, start: int, total: int
    ) -> UploadProgress:
        headers = {
            "Content-Type": "application/octet-stream",  # a JPEG: gzip would only cost time
            "Content-Range": f"bytes {start}-{start + len(chunk) - 1}/{total}",
        }
        answer = self._request("PUT", f"{API}/attachments/{attachment_id}/content", chunk, headers)
        return _decoded(decode_progress, answer)

    def _send(
        self, method: str, path: str, *, body: bytes | None = None, params: dict[str, Any] | None = None
    ) -> Any:
        content, headers = _body(body) if body is not None else (None, {})
        return self._request(method, path, content, headers, params=params)

    def _request(
        self,
        method: str,
        path: str,
        content: bytes | Iterable[bytes] | None,
        headers: dict[str, str],
        *,
        params: dict[str, Any] | None = None,
    ) -> Any:
        try:
            response = self._http.request(method, path, content=content, params=params, headers=headers)
        except httpx.TransportError as exc:  # connect, read, write, timeouts, protocol errors
            raise Offline(f"{type(exc).__name__}: {exc}") from exc
        except httpx.DecodingError as exc:  # a gzipped answer damaged on the way: as unreadable JSON
            raise Offline(f"unreadable answer: {exc}") from exc
        return _answer(response)


class _NotingSent:
    """A request body that sets `sent` when the transport asks for more after the last byte, that
    is, once all of it has been written to the connection. It can be sent again (a retry)."""

    def __init__(self, content: bytes, sent: threading.Event) -> None:
        self._content = content
        self._sent = sent

    def __iter__(self) -> Iterator[bytes]:
        yield self._content
        self._sent.set()


def _body(body: bytes) -> tuple[bytes, dict[str, str]]:
    """A JSON body as sent: gzip-compressed unless it is small."""
    if len(body) < GZIP_MIN_BYTES:
        return body, {"Content-Type": "application/json"}
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    # Level 5: nearly the smallest body gzip makes of a batch (keys and texts repeat from record to
    # record) for well under half of level 9's time. A phone's uplink is often its slowest link,
    # and the engine compresses each batch while the one before is on the air.
    return gzip.compress(body, compresslevel=5), headers


def _answer(response: httpx.Response) -> Any:
    status = response.status_code
    if status == 401:
        raise Unauthorized(_error_message(response))
    if status == 426:
        raise UpdateRequired(_error_message(response))
    if status == 413:
        raise _too_large(response)
    if status in (408, 429) or status >= 500:
        raise Offline(f"server answered {status}")
    if status >= 400:
        raise ProtocolFault(_error_message(response), status=status, code=_error_code(response))
    try:
        return response.json()
    except ValueError as exc:
        raise Offline(f"unreadable answer ({status}): {exc}") from exc


def _too_large(response: httpx.Response) -> PayloadTooLarge:
    message = _error_message(response)
    details = _error_body(response).get("details")
    given = details.get("limit_bytes") if isinstance(details, dict) else None
    stated = BODY_LIMIT_IN_MESSAGE.search(message)  # servers before the limit was in details
    if isinstance(given, int) and not isinstance(given, bool) and given > 0:
        limit: int | None = given
    else:
        limit = int(stated.group(1)) if stated else None
    return PayloadTooLarge(message, code=_error_code(response), limit_bytes=limit)


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _error_message(response: httpx.Response) -> str:
    return str(_error_body(response).get("message") or f"HTTP {response.status_code}")


def _error_code(response: httpx.Response) -> str | None:
    code = _error_body(response).get("code")
    return str(code) if code is not None else None


def _decoded(decoder: Callable[[Any], T], raw: Any) -> T:
    try:
        return decoder(raw)
    except WireError as exc:
        raise ProtocolFault(str(exc)) from exc
