"""JSON encoding of the protocol dataclasses, with no third-party code (it ships to phones)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sync.protocol import (
    Change,
    Comment,
    EnrollResponse,
    FieldConflict,
    Operation,
    OperationResult,
    PullResponse,
    PushRequest,
    PushResponse,
    Review,
)


class WireError(ValueError):
    """The server's answer does not have the shape of the protocol."""


def encode(value: Any) -> bytes:
    return json.dumps(dataclasses.asdict(value), separators=(",", ":")).encode()


# One encoder for every operation: json.dumps with options builds a new one per call.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def operation_json(op: Operation) -> bytes:
    """One operation exactly as it appears in a push body: the engine encodes each operation once,
    to count a batch's bytes, and joins the same bytes into the body (push_body)."""
    return _COMPACT.encode(
        {
            "op_id": op.op_id,
            "kind": op.kind,
            "record_id": op.record_id,
            "base_version": op.base_version,
            "data": op.data,
            "delete": op.delete,
        }
    ).encode()


def push_body(encoded_operations: Sequence[bytes], protocol_version: int) -> bytes:
    """A push body from operations encoded by operation_json: the same bytes push_request_body
    gives for those operations."""
    version = _COMPACT.encode(protocol_version).encode()
    return b'{"operations":[' + b",".join(encoded_operations) + b'],"protocol_version":' + version + b"}"


def push_request_body(request: PushRequest) -> bytes:
    """A push body, built by hand: dataclasses.asdict deep-copies every record (seconds at 10k)."""
    return push_body([operation_json(op) for op in request.operations], request.protocol_version)


def _obj(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise WireError(f"{what}: expected an object")
    return value


def _review(raw: Any) -> Review | None:
    if raw is None:
        return None
    data = _obj(raw, "review")
    comments = [_comment(_obj(c, "comment")) for c in data.get("comments", [])]
    replies = data.get("reply_ids")
    return Review(
        state=data.get("state", "unreviewed"),
        comments=comments,
        reviewed_by=data.get("reviewed_by"),
        reviewed_at=data.get("reviewed_at"),
        reviewed_version=_version_or_none(data.get("reviewed_version")),
        reply_ids=[str(i) for i in replies if isinstance(i, str)] if isinstance(replies, list) else [],
    )


def _comment(data: Mapping[str, Any]) -> Comment:
    """A comment's fields by name, so a server that adds one does not break this app's pull."""
    return Comment(id=data["id"], author=data["author"], body=data["body"], created_at=data["created_at"])


def _version_or_none(value: Any) -> int | None:
    """A review's version, or None when missing or not a number (the review still counts)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# The keys of a result the server applied as sent (server.api.sync.push_answer leaves the rest
# out): nearly every result of a push, up to 1,000 in a full batch, decoded while the next batch waits.
_PLAIN_RESULT = frozenset(("op_id", "kind", "record_id", "status", "version"))


def decode_push_response(raw: Any) -> PushResponse:
    try:
        data = _obj(raw, "push response")
        results = [_plain_result(item) or _result(item) for item in data["results"]]
        return PushResponse(results=results, protocol_version=data.get("protocol_version", 1))
    except (KeyError, TypeError) as exc:
        raise WireError(f"push response: {exc}") from exc


def _result(item: Any) -> OperationResult:
    result = dict(_obj(item, "result"))
    result["conflicts"] = [FieldConflict(**_obj(c, "conflict")) for c in result.get("conflicts", [])]
    return OperationResult(**result)


def _plain_result(item: Any) -> OperationResult | None:
    """The OperationResult `_result` builds from a plain result, built at a third of the cost (a
    frozen dataclass's __init__ sets each field through object.__setattr__); None for others."""
    if type(item) is not dict or item.keys() != _PLAIN_RESULT:
        return None
    result: OperationResult = object.__new__(OperationResult)
    result.__dict__.update(item, data=None, errors={}, conflicts=[], message=None)
    return result


def decode_pull_response(raw: Any) -> PullResponse:
    try:
        data = _obj(raw, "pull response")
        changes = []
        for item in data["changes"]:
            change = dict(_obj(item, "change"))
            change["review"] = _review(change.get("review"))
            changes.append(Change(**change))
        return PullResponse(
            changes=changes,
            next_cursor=data["next_cursor"],
            has_more=bool(data["has_more"]),
            protocol_version=data.get("protocol_version", 1),
            code_format=code_format if isinstance(code_format := data.get("code_format"), str) else None,
        )
    except (KeyError, TypeError) as exc:
        raise WireError(f"pull response: {exc}") from exc


def decode_enroll_response(raw: Any) -> EnrollResponse:
    try:
        return EnrollResponse(**_obj(raw, "enroll response"))
    except TypeError as exc:
        raise WireError(f"enroll response: {exc}") from exc
