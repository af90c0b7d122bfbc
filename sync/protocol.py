"""The wire types shared by the field app and the central API (version 1).

Plain stdlib dataclasses so the phone build needs nothing compiled; the server validates them with
pydantic's TypeAdapter. JSON field names are the dataclass field names.

Push: the device sends a batch of `Operation`s; each names its own `op_id` (a UUID the device makes
once per change), so replaying a batch changes nothing and returns the same results. `base_version`
is the server version the edit was made on (0 for a record the server has never seen). `data` is
the full record as the device holds it (see app.domain.codec); the server merges it field by field.

Pull: the server returns the changes visible to the caller after an opaque `cursor`, in commit order,
tombstones (`data is None`) included, with the next cursor. A device stores the cursor only in the
same durable write as the changes it applied.

Conflict rule: when the same field changed on both sides, the value that reached the server first
is kept; the other value is kept in the record's history, returned in `conflicts`, and the record
is flagged for the specialist and the supervisor. Review fields belong to supervisors; record
fields to the specialist's device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# 2 (issue 15): the kinds "job" and "employer_disclosure". An app on version 1 does not know them,
# so the server answers it 426 "app_update_required" instead of sending it records it cannot read.
PROTOCOL_VERSION = 2
# Sent by the device on every sync request, so the server can answer an outdated app with
# 426 "app_update_required" before reading (or writing) anything.
PROTOCOL_HEADER = "Fieldwork-Protocol"
# Operations in one push. Each push is one transaction and one durable commit (an fsync) on the
# server, and one round trip, so fewer, larger pushes sync a big queue sooner; the 4 MiB byte
# bound (sync.engine) still caps a body.
MAX_BATCH_OPERATIONS = 1000

RECORD_KINDS = (
    "employer", "job_seeker", "employer_visit", "job_opening", "support_check_in",
    "job", "employer_disclosure",
)  # fmt: skip
RecordKind = Literal[
    "employer", "job_seeker", "employer_visit", "job_opening", "support_check_in",
    "job", "employer_disclosure",
]  # fmt: skip
OpStatus = Literal["applied", "already_applied", "conflict", "rejected"]
ReviewState = Literal["unreviewed", "approved", "needs_changes"]


@dataclass(frozen=True)
class Operation:
    op_id: str
    kind: RecordKind
    record_id: str
    base_version: int
    data: dict[str, Any] | None = None  # the full record; None only for a delete
    delete: bool = False


@dataclass(frozen=True)
class PushRequest:
    operations: list[Operation]
    protocol_version: int = PROTOCOL_VERSION


@dataclass(frozen=True)
class FieldConflict:
    field: str
    kept: Any  # the value the server keeps (it arrived first)
    other: Any  # the value not kept; also stored in the record's history


@dataclass(frozen=True)
class OperationResult:
    op_id: str
    kind: RecordKind
    record_id: str
    status: OpStatus
    version: int = 0  # the server version after this operation (current version on conflict)
    # The server copy after merging, or on conflict; None when applied and the server kept exactly
    # what the device sent (the device keeps its copy), and for a delete.
    data: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)  # field -> message, when rejected
    conflicts: list[FieldConflict] = field(default_factory=list)
    message: str | None = None


@dataclass(frozen=True)
class PushResponse:
    results: list[OperationResult]
    protocol_version: int = PROTOCOL_VERSION


@dataclass(frozen=True)
class Comment:
    id: str
    author: str  # the display name of whoever wrote it: a supervisor, or the specialist's reply
    body: str
    created_at: str  # ISO 8601 with time zone, on the server's clock (the thread's order)


@dataclass(frozen=True)
class Reply:
    """The specialist's answer in a record's comment thread, sent by the phone with an id it made
    (POST /api/v1/records/{record_id}/replies): sending it again stores it once."""

    id: str  # a UUID the phone made when the reply was written
    body: str


@dataclass(frozen=True)
class Review:
    state: ReviewState = "unreviewed"
    comments: list[Comment] = field(default_factory=list)
    reviewed_by: str | None = None
    reviewed_at: str | None = None
    # The record version the decision was made on (None from servers before it was sent; older
    # apps ignore it: sync.wire reads a review's fields by name).
    reviewed_version: int | None = None
    # Ids of the comments the record's owner wrote (replies from the phone); the others are the
    # supervisors'. On the review, not on each Comment: apps before replies build a Comment from
    # every key it has, so a new key there would break their pull; a review's keys are read by name.
    reply_ids: list[str] = field(default_factory=list)


def changed_since_review(state: str, *, reviewed_version: int | None, version: int) -> bool:
    """The one rule of "changed since review": a decision (approved or needs changes) was made on
    an older version than `version`. Reviews and comments never give a record a new version, so
    only an edit can; reviewing again moves `reviewed_version` up and clears it. The server's SQL
    form is server.services.reviews.changed_since_review_clause (a test holds them together)."""
    decided = state in ("approved", "needs_changes")
    return decided and reviewed_version is not None and version > reviewed_version


@dataclass(frozen=True)
class Change:
    kind: RecordKind
    record_id: str
    version: int
    data: dict[str, Any] | None  # None: the record was deleted (tombstone)
    review: Review | None = None
    flagged: bool = False  # a same-field conflict is waiting for a person to look at it


@dataclass(frozen=True)
class PullResponse:
    changes: list[Change]
    next_cursor: str
    has_more: bool
    protocol_version: int = PROTOCOL_VERSION
    # The team's job-seeker code format (app.domain.code_format): a preset's name or "mask:...".
    # None from a server before per-team formats; an app before them ignores the key.
    code_format: str | None = None


@dataclass(frozen=True)
class ErrorDetail:
    code: str  # stable, machine-readable, e.g. "batch_too_large", "invalid_token"
    message: str  # for people
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ErrorBody:
    error: ErrorDetail


@dataclass(frozen=True)
class EnrollRequest:
    code: str
    device_name: str


@dataclass(frozen=True)
class EnrollResponse:
    device_id: str
    token: str  # shown once; the server keeps only its hash
    user_name: str
    team_name: str
