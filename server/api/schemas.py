"""Request and response bodies of the account, device and review APIs (the sync bodies are the
wire dataclasses in sync.protocol)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrollBody(Strict):
    code: Annotated[Text, Field(min_length=1, max_length=64)]
    device_name: Annotated[Text, Field(min_length=1, max_length=200)]


class LoginBody(Strict):
    username: Annotated[Text, Field(min_length=1, max_length=100)]
    password: Annotated[Text, Field(min_length=1, max_length=1000)]


class Me(BaseModel):
    user_id: str
    username: str
    display_name: str
    role: str
    team_id: str


class EnrollmentCodeBody(Strict):
    username: Annotated[Text, Field(min_length=1, max_length=100)]


class EnrollmentCodeOut(BaseModel):
    code: str
    username: str
    expires_at: datetime


class DeviceOut(BaseModel):
    device_id: str
    name: str
    username: str
    created_at: datetime
    revoked: bool


class NewUserBody(Strict):
    username: Annotated[Text, Field(min_length=1, max_length=100)]
    display_name: Annotated[Text, Field(min_length=1, max_length=200)]
    role: Literal["specialist", "supervisor", "admin"]
    password: Annotated[Text, Field(min_length=8, max_length=1000)] | None = None


class NewUserOut(BaseModel):
    user_id: str


class ReviewBody(Strict):
    state: Literal["unreviewed", "approved", "needs_changes"]


class CommentBody(Strict):
    body: Annotated[Text, Field(min_length=1, max_length=4000)]


class CommentOut(BaseModel):
    comment_id: str


class RecordSummaryOut(BaseModel):
    record_id: str
    kind: str
    owner: str
    version: int
    deleted: bool
    flagged: bool
    updated_at: datetime
    review_state: str
    reply_waiting: bool = Field(False, description="the specialist replied; no supervisor has answered since")


class VersionOut(BaseModel):
    version: int
    data: dict[str, Any] | None
    author: str | None
    op_id: str | None
    conflicts: list[dict[str, Any]]
    created_at: datetime


class RecordDetailOut(BaseModel):
    record_id: str
    kind: str
    version: int
    data: dict[str, Any] | None
    deleted: bool
    flagged: bool
    history: list[VersionOut] = Field(description="one page of versions, oldest first; the newest by default")
    older_before: int | None = Field(
        None, description="before_version for the next older page; null at the oldest"
    )


class ReplyBody(Strict):
    """A specialist's reply, sent by the phone (sync.protocol.Reply)."""

    id: Annotated[str, Field(min_length=36, max_length=36, description="a UUID the phone made")]
    body: Annotated[Text, Field(min_length=1, max_length=4000)]


class ReplyOut(BaseModel):
    id: str
    stored: bool = Field(description="true when stored now; false when this id was stored before")
