"""The device sync API: push a batch of operations, pull changes after a cursor."""

from __future__ import annotations

import time
from typing import Annotated, Any

import pydantic_core
from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from server.api.deps import (
    BearerDep,
    ClockDep,
    DbDep,
    authenticate_device,
    get_db,
    get_settings,
)
from server.api.openapi import PUSH_BODY, errors, sync_extra
from server.api.protocol_gate import check_version
from server.errors import BadRequest, ErrorCode, NotAuthenticated, PayloadTooLarge, UnsupportedMediaType
from server.services import devices
from server.services.changes import decode_cursor
from server.services.gc_pause import PUSH_PAUSE
from server.services.operations import parse_operation
from server.services.pull import pull_for_device
from server.services.push import push_operations
from sync.protocol import MAX_BATCH_OPERATIONS, PROTOCOL_VERSION, PullResponse, PushResponse

router = APIRouter(prefix="/sync", tags=["sync"])

# The standard Server-Timing header on push and pull answers: the handler's own time in ms (parse,
# database work, encoding), so a client can tell the server's part of a sync from the network's
# and its own. One clock read at each end; it says nothing a stopwatch on the client could not.
SERVER_TIMING = "Server-Timing"


def _timed(content: bytes, started: float) -> Response:
    """A JSON answer carrying its handler time since `started` (a perf_counter reading)."""
    elapsed_ms = (time.perf_counter() - started) * 1000
    return Response(
        content, media_type="application/json", headers={SERVER_TIMING: f"app;dur={elapsed_ms:.1f}"}
    )


def push_answer(response: PushResponse) -> bytes:
    """A push answer without the fields a result leaves at their defaults (no data, no errors, no
    conflicts, no message): most results are a plain "applied", and 500 of them were ~110 KiB
    with those spelled out. The phone reads a missing field as its default (sync.wire builds an
    OperationResult from the keys it gets), so apps before this read both shapes alike."""
    results = []
    for result in response.results:
        item: dict[str, Any] = {
            "op_id": result.op_id,
            "kind": result.kind,
            "record_id": result.record_id,
            "status": result.status,
            "version": result.version,
        }
        if result.data is not None:
            item["data"] = result.data
        if result.errors:
            item["errors"] = result.errors
        if result.conflicts:
            item["conflicts"] = result.conflicts
        if result.message is not None:
            item["message"] = result.message
        results.append(item)
    return pydantic_core.to_json({"results": results, "protocol_version": response.protocol_version})


def _read_batch(body: bytes, content_type: str) -> list[Any]:
    if content_type and not content_type.split(";")[0].strip().lower().endswith("json"):
        raise UnsupportedMediaType("send the batch as application/json")
    try:
        payload = pydantic_core.from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        raise BadRequest(ErrorCode.INVALID_JSON, f"the body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("operations"), list):
        raise BadRequest(ErrorCode.INVALID_REQUEST, "expected an object with a list of 'operations'")
    version = payload.get("protocol_version", PROTOCOL_VERSION)
    check_version(version)  # an older app: 426, "update the app"
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        raise BadRequest(
            ErrorCode.UNSUPPORTED_PROTOCOL,
            f"this server speaks protocol version {PROTOCOL_VERSION}",
            details={"supported": [PROTOCOL_VERSION]},
        )
    operations: list[Any] = payload["operations"]
    if len(operations) > MAX_BATCH_OPERATIONS:
        raise PayloadTooLarge(
            ErrorCode.BATCH_TOO_LARGE,
            f"send at most {MAX_BATCH_OPERATIONS} operations per batch",
            details={"limit": MAX_BATCH_OPERATIONS, "received": len(operations)},
        )
    return operations


@router.post(
    "/push",
    response_model=PushResponse,
    openapi_extra=sync_extra(**PUSH_BODY),
    responses=errors(400, 401, 413, 415, 426),
    summary="Apply a batch of operations; one result per operation, replays change nothing",
)
async def push(request: Request, db: DbDep, clock: ClockDep, credentials: BearerDep) -> Response:
    started = time.perf_counter()
    body = await request.body()
    content_type = request.headers.get("content-type", "")

    def work() -> PushResponse:
        # One worker-thread hop for the whole push: the caller is authenticated here, in its own
        # read transaction as CurrentDevice does it, before the body is decoded or the write lock
        # is asked for; decoding a batch here also keeps it off the event loop.
        with db.read() as session:
            device = authenticate_device(session, credentials)
        raw_operations = _read_batch(body, content_type)
        parsed = [parse_operation(raw) for raw in raw_operations]
        with db.write() as session:
            results = push_operations(session, principal=device, operations=parsed, clock=clock)
        return PushResponse(results=results)

    # server.services.gc_pause: no collector runs from decoding the batch to encoding its answer,
    # each of which makes as many short-lived objects as applying it.
    with PUSH_PAUSE.held():
        # Results may echo an unknown `kind` a device sent, so they are serialised without re-validation.
        answer = push_answer(await run_in_threadpool(work))
    return _timed(answer, started)


@router.get(
    "/pull",
    response_model=PullResponse,
    openapi_extra=sync_extra(),
    responses=errors(400, 401, 426),
    summary="Changes visible to this device after the cursor, in commit order, tombstones included",
)
async def pull(
    request: Request,
    credentials: BearerDep,
    cursor: Annotated[
        str, Query(max_length=200, description="next_cursor of the previous pull; empty at first")
    ] = "",
    limit: Annotated[int | None, Query(ge=1, le=1000, description="page size")] = None,
) -> Response:
    started = time.perf_counter()
    # Most pulls are empty: app.state is read here rather than through sync dependencies, each of
    # which would cost a threadpool hop; the database work is the one hop.
    db, settings = get_db(request), get_settings(request)
    after = decode_cursor(cursor)
    page = min(limit or settings.pull_page_default, settings.pull_page_max)

    if credentials is None:
        raise NotAuthenticated("send the device token as 'Authorization: Bearer <token>'")
    token = credentials.credentials

    report = devices.parse_report(
        request.headers.get(devices.PENDING_HEADER), request.headers.get(devices.APP_VERSION_HEADER)
    )
    clock = request.app.state.clock

    def work() -> bytes:
        # Authenticate in the pull's own read transaction: an empty pull is one short transaction.
        now = clock.now()
        stale: list[bool] = []

        def seen(row: devices.LastReport) -> None:
            stale.append(devices.needs_note(row, report=report, now=now))

        with db.read() as session:
            pulled = pull_for_device(session, token=token, after_seq=after, limit=page, seen=seen)
        # The team page's "last sync" (server.services.devices): written only when it changes.
        if any(stale):
            with db.write() as session:
                devices.note_sync(session, token=token, report=report, now=now)
        return pulled.to_json()  # records' data as stored, not parsed and serialised again

    return _timed(await run_in_threadpool(work), started)
