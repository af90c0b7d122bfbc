"""The sync model's memory: every value a specialist saved, where, and what that phone showed then.

Each saved value is unique ("notes-17"), so wherever it turns up it names the save it came from.
`seen` is what the field held on that phone when the new value was typed over it: the new value
replaces `seen` knowingly. Lineage (a value, the one it replaced, the one that replaced, ...)
decides both checks:

- Nothing lost: every saved value ends as the server's value, as the losing side of a conflict
  (the server's record_versions or a phone's conflict note), or replaced by a later save on a
  phone that showed it. Between steps it may also still be on its way: a phone holds it in a record
  it has queued for push.
- No false conflict: a conflict only sets two values against each other when neither replaced the
  other, directly or through later saves: both sides changed the field since their common base.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.sync.model_rig import ServerConflict

Place = tuple[str, str, Any]  # (record id, field, value)


@dataclass(frozen=True)
class Saved:
    value: str
    record_id: str
    field: str
    phone: str
    seen: str | None  # the field's value on that phone when this one was typed (None: a new record)


class Ledger:
    def __init__(self) -> None:
        self.saved: dict[str, Saved] = {}
        self.replaced: set[str] = set()  # values a later save typed over, having shown them
        self._numbers = itertools.count(1)

    def fresh(self, field: str) -> str:
        return f"{field}-{next(self._numbers)}"

    def record(self, saved: Saved) -> None:
        """Called only once the store's save returned: the value is acknowledged."""
        self.saved[saved.value] = saved
        if saved.seen is not None:
            self.replaced.add(saved.seen)

    def descends(self, newer: Any, older: Any) -> bool:
        """Whether `newer` was typed, directly or through later saves, over `older`."""
        current = self.saved.get(newer) if isinstance(newer, str) else None
        for _ in range(len(self.saved) + 1):  # bounded: a lineage never repeats a value
            if current is None or current.seen is None:
                return False
            if current.seen == older:
                return True
            current = self.saved.get(current.seen)
        return False

    def _is_saved(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.saved

    def lost(
        self,
        *,
        server: Mapping[str, Mapping[str, Any]],
        surfaced: set[Place],
        on_the_way: set[Place],
    ) -> list[str]:
        problems = []
        for value, saved in self.saved.items():
            place = (saved.record_id, saved.field, value)
            held = server.get(saved.record_id, {}).get(saved.field)
            if held == value or value in self.replaced or place in surfaced or place in on_the_way:
                continue
            problems.append(
                f"LOST {value}: {saved.field} of {_short(saved.record_id)} saved on {saved.phone}"
                f" over {saved.seen}; the server holds {held!r}, no conflict kept it and nobody who"
                " saw it replaced it"
            )
        return problems

    def false_conflicts(self, conflicts: list[ServerConflict]) -> list[str]:
        problems = []
        for conflict in conflicts:
            where = f"{conflict.field} of {_short(conflict.record_id)} v{conflict.version}"
            if not (self._is_saved(conflict.kept) and self._is_saved(conflict.other)):
                problems.append(
                    f"FALSE CONFLICT on {where}: nobody saved {conflict.kept!r} / {conflict.other!r}"
                )
            elif self.descends(conflict.kept, conflict.other) or self.descends(conflict.other, conflict.kept):
                problems.append(
                    f"FALSE CONFLICT on {where}: kept {conflict.kept}, other {conflict.other}, but one"
                    " was typed over the other (only one side changed it since their common base)"
                )
        return problems


def _short(record_id: str) -> str:
    return record_id[-8:]  # the random end: UUIDv7 ids begin with the time
