"""Field-by-field merge of an edit made on an older version (pure functions, no database).

The rule, stated once:
- A field changed only by the device (since the version it edited) takes the device's value.
- A field changed only by someone else since then keeps the server's value.
- A field both sides changed, to different values, keeps the server's value (it reached the server
  first); the device's value is returned as a `FieldConflict`, stored in the record's history, and
  the record is flagged. Nothing is silently lost.
"Someone else" means another device: a device's own earlier pushes are part of its own linear
history, so an outbox of several edits made offline on the same base never conflicts with itself.
"Changed by the device" is read against what that device sent last when a version after its base
came from it (its answer was lost, or its op was replaced while in flight; see
`apply.Batch._stale_base`), so its stale copies of others' values are never taken for changes.
Ids and timestamps are not user fields; the server sets them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sync.protocol import FieldConflict

NON_USER_FIELDS = frozenset({"id", "version", "created_at", "updated_at"})

Data = Mapping[str, Any]


@dataclass(frozen=True)
class Merged:
    data: dict[str, Any]
    conflicts: list[FieldConflict] = field(default_factory=list)
    took_device_value: bool = False  # at least one field now holds the device's value

    @property
    def has_conflicts(self) -> bool:
        return bool(self.conflicts)


def user_fields(*records: Data) -> list[str]:
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(key for key in record if key not in NON_USER_FIELDS))
    return list(names)


def fields_changed_by_others(
    versions: Iterable[tuple[Data | None, str | None]], *, base: Data | None, device_id: str | None
) -> set[str]:
    """The user fields other authors changed in the versions after the base, oldest first.

    `versions` yields (data, author device id); a version with no data (a tombstone) counts as a
    change to every field, because the record stopped existing in between.
    """
    changed: set[str] = set()
    previous: Data = base or {}
    for data, author in versions:
        current: Data = data or {}
        if author != device_id:
            if data is None:
                changed.update(user_fields(previous))
            else:
                changed.update(
                    name for name in user_fields(previous, current) if previous.get(name) != current.get(name)
                )
        previous = current
    return changed


def merge_fields(*, base: Data, current: Data, device: Data, changed_by_others: set[str]) -> Merged:
    """Three-way merge of user fields; `base` is what the device's edit was made on."""
    merged = dict(current)
    conflicts: list[FieldConflict] = []
    took_device_value = False
    for name in user_fields(current, device):
        ours, theirs = current.get(name), device.get(name)
        if ours == theirs:
            continue
        if name not in changed_by_others:
            merged[name] = theirs
            took_device_value = True
        elif theirs != base.get(name):
            conflicts.append(FieldConflict(field=name, kept=ours, other=theirs))
    return Merged(data=merged, conflicts=conflicts, took_device_value=took_device_value)
