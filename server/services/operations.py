"""Reading pushed operations one at a time, so one malformed operation never fails the batch.

The batch envelope is checked by the API layer; each element of `operations` is validated here with
pydantic's TypeAdapter over the wire dataclass `sync.protocol.Operation`. An element that does not
fit becomes a `rejected` result carrying pydantic's field errors.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, replace
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from sync.protocol import RECORD_KINDS, FieldConflict, Operation, OperationResult

_OPERATION = TypeAdapter(Operation)
MAX_ID_LENGTH = 64


def _loc(error_loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in error_loc) or "operation"


def _echo(raw: Any, key: str) -> Any:
    value = raw.get(key) if isinstance(raw, dict) else None
    return value[:MAX_ID_LENGTH] if isinstance(value, str) else ""


def rejected(raw_or_op: Any, errors: dict[str, str], message: str | None = None) -> OperationResult:
    """A rejected result; for a malformed element the ids it did carry are echoed back."""
    if isinstance(raw_or_op, Operation):
        op_id, kind, record_id = raw_or_op.op_id, raw_or_op.kind, raw_or_op.record_id
    else:
        op_id, kind, record_id = (
            _echo(raw_or_op, "op_id"),
            _echo(raw_or_op, "kind"),
            _echo(raw_or_op, "record_id"),
        )
    return OperationResult(
        op_id=op_id,
        kind=kind,
        record_id=record_id,
        status="rejected",
        errors=errors,
        message=message or "; ".join(f"{name}: {text}" for name, text in errors.items()),
    )


# Exactly the strings for which str(uuid.UUID(value)) == value, without building a UUID.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _is_canonical_uuid(value: str) -> bool:
    return _CANONICAL_UUID.fullmatch(value) is not None


_FIELDS = frozenset({"op_id", "kind", "record_id", "base_version", "data", "delete"})


def _well_typed(raw: Any) -> bool:
    """The common case, checked cheaply: exactly what strict validation would accept unchanged."""
    return (
        type(raw) is dict
        and raw.keys() <= _FIELDS
        and type(raw.get("op_id")) is str
        and raw.get("kind") in RECORD_KINDS
        and type(raw.get("record_id")) is str
        and type(raw.get("base_version")) is int
        and (raw.get("data") is None or type(raw["data"]) is dict)
        and type(raw.get("delete", False)) is bool
    )


def parse_operation(raw: Any) -> Operation | OperationResult:
    """An Operation, or the rejected result explaining why this element is not one.

    Well-typed elements are built directly; anything else goes through pydantic's strict validation
    of the wire dataclass, whose error locations become the rejected result's field errors.
    """
    if _well_typed(raw):
        return _checked(Operation(**raw))
    if isinstance(raw, dict) and raw.get("kind") not in RECORD_KINDS and isinstance(raw.get("kind"), str):
        return rejected(raw, {"kind": f"unknown record type; expected one of: {', '.join(RECORD_KINDS)}"})
    try:
        # JSON mode: strict about types (no "3" for 3) yet accepting an object for the dataclass.
        op = _OPERATION.validate_json(json.dumps(raw), strict=True)
    except PydanticValidationError as exc:
        return rejected(raw, {_loc(err["loc"]): err["msg"] for err in exc.errors(include_url=False)})
    except RecursionError:
        return rejected(raw, {"operation": "nested too deeply"})
    return _checked(op)


def _checked(op: Operation) -> Operation | OperationResult:
    errors: dict[str, str] = {}
    if not _is_canonical_uuid(op.op_id):
        errors["op_id"] = "must be a lower-case UUID"
    if not _is_canonical_uuid(op.record_id):
        errors["record_id"] = "must be a lower-case UUID"
    if op.base_version < 0:
        errors["base_version"] = "cannot be negative"
    if not op.delete and op.data is None:
        errors["data"] = "the record's fields are required unless the operation is a delete"
    if errors:
        return rejected(op, errors)
    return op


def result_to_stored(result: OperationResult) -> dict[str, Any]:
    """What `applied_operations.result` keeps: everything but `data` (history holds that)."""
    # Built by hand: dataclasses.asdict would deep-copy `data` only to throw it away.
    return {
        "op_id": result.op_id,
        "kind": result.kind,
        "record_id": result.record_id,
        "status": result.status,
        "version": result.version,
        "errors": dict(result.errors),
        "conflicts": [asdict(conflict) for conflict in result.conflicts],
        "message": result.message,
        "has_data": result.data is not None,
    }


def result_from_stored(stored: dict[str, Any], data: dict[str, Any] | None) -> OperationResult:
    """The stored result as a replay returns it: identical, but `already_applied` unless rejected."""
    fields = {key: value for key, value in stored.items() if key not in ("has_data", "conflicts")}
    result = OperationResult(
        **fields,
        conflicts=[FieldConflict(**conflict) for conflict in stored.get("conflicts", [])],
        data=data if stored.get("has_data") else None,
    )
    return as_replay(result)


def as_replay(result: OperationResult) -> OperationResult:
    return result if result.status == "rejected" else replace(result, status="already_applied")
