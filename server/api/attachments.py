"""Photo uploads from phones: declare, ask how far it got, send chunks (server.services.attachments).

    PUT /attachments/{id}           {record_id, record_kind, size, sha256, content_type}
                                    201 declared, 200 declared before with the same details
    GET /attachments/{id}           how many bytes the server has (resume from there)
    PUT /attachments/{id}/content   one chunk, raw bytes, `Content-Range: bytes START-END/TOTAL`

Each answers ``{id, size, received_bytes, complete}``. The device's own records only. A 404 from
the last two: the declaration is gone (abandoned, or its bytes refused): declare it again.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from server.api.deps import ClockDep, CurrentDevice, DbDep, SettingsDep
from server.api.openapi import errors
from server.errors import BadRequest, ErrorCode
from server.services import attachments
from server.services.attachments import UploadState

router = APIRouter(prefix="/attachments", tags=["sync"])
AttachmentId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")]
CONTENT_RANGE = re.compile(r"^bytes (\d{1,10})-(\d{1,10})/(\d{1,10})$")
CHUNK_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        "description": "the photo's bytes START to END (`Content-Range: bytes START-END/TOTAL`)",
    },
    "parameters": [
        {
            "name": "Content-Range",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "pattern": r"^bytes \d+-\d+/\d+$"},
        }
    ],
}


class AttachmentDeclaration(BaseModel):
    record_id: str = Field(min_length=1, max_length=64)
    record_kind: str = Field(min_length=1, max_length=32)
    size: int = Field(ge=0, le=2_000_000_000)
    sha256: str = Field(min_length=64, max_length=64)
    content_type: str = Field(min_length=1, max_length=40)


class UploadOut(BaseModel):
    id: str
    size: int
    received_bytes: int
    complete: bool


def _out(state: UploadState) -> UploadOut:
    return UploadOut(id=state.id, size=state.size, received_bytes=state.received, complete=state.complete)


@router.put(
    "/{attachment_id}",
    response_model=UploadOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": UploadOut, "description": "declared before"},
        **errors(400, 401, 403, 409, 413, 415),
    },
    summary="Declare a photo for one of the device user's records; declaring it again changes nothing",
)
def declare(
    attachment_id: AttachmentId,
    body: AttachmentDeclaration,
    response: Response,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    device: CurrentDevice,
) -> UploadOut:
    for attempt in (1, 2):
        try:
            with db.write() as session:
                state, created = attachments.declare(
                    session,
                    principal=device,
                    attachment_id=attachment_id,
                    record_id=body.record_id,
                    kind=body.record_kind,
                    size=body.size,
                    sha256=body.sha256,
                    content_type=body.content_type,
                    clock=clock,
                    team_cap_bytes=settings.photo_storage_per_team_bytes,
                    abandoned_after=timedelta(days=settings.photo_upload_abandoned_days),
                )
            break
        except IntegrityError:
            # The same declaration twice at once (a proxy's retry): the second finds the first's
            # row when asked again and answers as for any repeat.
            if attempt == 2:
                raise
    if not created:
        response.status_code = status.HTTP_200_OK
    return _out(state)


@router.get(
    "/{attachment_id}",
    response_model=UploadOut,
    responses=errors(400, 401, 404),
    summary="How many bytes of this upload the server has",
)
def upload_status(attachment_id: AttachmentId, db: DbDep, device: CurrentDevice) -> UploadOut:
    with db.read() as session:
        return _out(attachments.status(session, principal=device, attachment_id=attachment_id))


@router.put(
    "/{attachment_id}/content",
    response_model=UploadOut,
    openapi_extra=CHUNK_BODY,
    responses=errors(400, 401, 404, 409, 413, 415, 422),
    summary="Append one chunk at the offset the server has; the last one is checked (sha256, image)",
)
async def upload_chunk(
    request: Request, attachment_id: AttachmentId, db: DbDep, clock: ClockDep, device: CurrentDevice
) -> UploadOut:
    start, end, total = _content_range(request.headers.get("content-range", ""))
    chunk = await request.body()
    if len(chunk) != end - start + 1:
        raise BadRequest(ErrorCode.INVALID_REQUEST, "the body's length does not match its Content-Range")

    def work() -> UploadOut:
        with db.write() as session:
            state, problem = attachments.append(
                session,
                principal=device,
                attachment_id=attachment_id,
                start=start,
                total=total,
                chunk=chunk,
                clock=clock,
            )
        if problem is not None:
            raise problem  # after the commit: the dropped bytes are written down
        return _out(state)

    return await run_in_threadpool(work)


def _content_range(header: str) -> tuple[int, int, int]:
    found = CONTENT_RANGE.match(header.strip())
    if found is None:
        raise BadRequest(ErrorCode.INVALID_REQUEST, "send 'Content-Range: bytes START-END/TOTAL'")
    start, end, total = (int(part) for part in found.groups())
    if end < start or end >= total:
        raise BadRequest(ErrorCode.INVALID_REQUEST, "Content-Range: START <= END < TOTAL")
    return start, end, total
