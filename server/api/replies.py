"""The phone's replies to its supervisor: POST /records/{record_id}/replies, for the record's owner.

Idempotent by the reply's id (a retry after a lost answer stores it once: 200 with stored false
instead of 201); another user's record, or none, is 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from server.api.deps import ClockDep, CurrentDevice, DbDep
from server.api.openapi import errors
from server.api.schemas import ReplyBody, ReplyOut
from server.services import replies

router = APIRouter(prefix="/records", tags=["sync"])


@router.post(
    "/{record_id}/replies",
    response_model=ReplyOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ReplyOut, "description": "stored before"}, **errors(401, 404, 409, 413, 422)},
    summary="Add the device user's reply to their record's comment thread; sending it again stores it once",
)
def add_reply(
    record_id: Annotated[str, Path(min_length=1, max_length=64)],
    body: ReplyBody,
    response: Response,
    db: DbDep,
    clock: ClockDep,
    device: CurrentDevice,
) -> ReplyOut:
    with db.write() as session:
        stored = replies.add_reply(
            session, principal=device, record_id=record_id, reply_id=body.id, body=body.body, clock=clock
        )
    if not stored:
        response.status_code = status.HTTP_200_OK
    return ReplyOut(id=body.id, stored=stored)
