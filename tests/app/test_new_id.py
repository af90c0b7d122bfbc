"""Record and operation ids are UUIDv7: canonical, unique, and in the order they were made, so the
server's indexes keyed by them take new records at their ends (app/domain/clock.py)."""

from __future__ import annotations

import time
import uuid

from app.domain.clock import new_id
from server.services.operations import _is_canonical_uuid


def test_ids_are_canonical_version_7_uuids() -> None:
    made = new_id()
    parsed = uuid.UUID(made)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert str(parsed) == made
    assert _is_canonical_uuid(made)  # what the server's push accepts as a record id


def test_ids_made_one_after_another_sort_in_that_order_and_never_repeat() -> None:
    made = [new_id() for _ in range(2_000)]  # many in the same millisecond
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_an_id_carries_the_time_it_was_made() -> None:
    before_ms = time.time_ns() // 1_000_000
    made = [new_id() for _ in range(100)]
    after_ms = time.time_ns() // 1_000_000
    stamps = [uuid.UUID(value).int >> 80 for value in made]
    # Never behind the clock. Ids made within one millisecond take the next ones (uuid6's way to
    # keep them in order), so a burst (as the test above) runs ahead by one millisecond per id.
    assert all(stamp >= before_ms for stamp in stamps)
    assert all(stamp <= after_ms + 60_000 for stamp in stamps)
