"""Supervisor review over JSON: list the team's records, read one with its history, review,
comment, clear a conflict flag. The HTML review pages call the same services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from server.api.deps import ClockDep, CurrentSupervisor, DbDep, NewIdDep
from server.api.openapi import errors
from server.api.schemas import (
    CommentBody,
    CommentOut,
    RecordDetailOut,
    RecordSummaryOut,
    ReviewBody,
    VersionOut,
)
from server.services import history, reviews
from sync.protocol import RecordKind

router = APIRouter(prefix="/records", tags=["review"])


@router.get("", response_model=list[RecordSummaryOut], responses=errors(401, 403))
def list_records(
    db: DbDep,
    supervisor: CurrentSupervisor,
    kind: RecordKind | None = None,
    owner: Annotated[str | None, Query(max_length=36, description="owner user id")] = None,
    flagged: bool | None = None,
    review_state: reviews.ShownReviewState | None = None,
    reply_waiting: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[RecordSummaryOut]:
    with db.read() as session:
        rows = reviews.list_records(
            session,
            principal=supervisor,
            kind=kind,
            owner_user_id=owner,
            flagged=flagged,
            review_state=review_state,
            reply_waiting=reply_waiting,
            limit=limit,
            offset=offset,
        )
    return [RecordSummaryOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/{record_id}", response_model=RecordDetailOut, responses=errors(401, 403, 404))
def get_record(
    record_id: str,
    db: DbDep,
    supervisor: CurrentSupervisor,
    before_version: Annotated[
        int | None, Query(ge=1, le=2_000_000_000, description="page versions older than this one")
    ] = None,
    history_limit: Annotated[int, Query(ge=1, le=history.MAX_PAGE)] = history.PAGE,
) -> RecordDetailOut:
    """The record with one page of its history: the newest versions, or those older than
    `before_version` (follow `older_before` to reach the oldest)."""
    with db.read() as session:
        row, page = reviews.record_history(
            session,
            principal=supervisor,
            record_id=record_id,
            before_version=before_version,
            limit=history_limit,
        )
        return RecordDetailOut(
            record_id=row.record_id,
            kind=row.kind,
            version=row.version,
            data=row.data,
            deleted=row.deleted,
            flagged=row.flagged,
            # oldest first within the page, as the whole history used to be
            history=[VersionOut.model_validate(e, from_attributes=True) for e in reversed(page.entries)],
            older_before=page.older_before,
        )


@router.put(
    "/{record_id}/review", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404, 422)
)
def set_review(
    record_id: str, body: ReviewBody, db: DbDep, clock: ClockDep, supervisor: CurrentSupervisor
) -> None:
    with db.write() as session:
        reviews.set_review(session, principal=supervisor, record_id=record_id, state=body.state, clock=clock)


@router.post(
    "/{record_id}/comments",
    response_model=CommentOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 404, 422),
)
def add_comment(
    record_id: str,
    body: CommentBody,
    db: DbDep,
    clock: ClockDep,
    new_id: NewIdDep,
    supervisor: CurrentSupervisor,
) -> CommentOut:
    with db.write() as session:
        comment_id = reviews.add_comment(
            session, principal=supervisor, record_id=record_id, body=body.body, clock=clock, new_id=new_id
        )
    return CommentOut(comment_id=comment_id)


@router.post("/{record_id}/resolve", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404))
def resolve_conflict(record_id: str, db: DbDep, clock: ClockDep, supervisor: CurrentSupervisor) -> None:
    """Clear the conflict flag once someone has looked; the values not kept stay in the history."""
    with db.write() as session:
        reviews.clear_flag(session, principal=supervisor, record_id=record_id, clock=clock)
