"""A replayed operation returns its stored result: deciding it reads nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from server.db.database import Database
from tests.server.world import new_id, op, push, sample


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(database.write_engine, "before_cursor_execute", note)
    yield seen
    event.remove(database.write_engine, "before_cursor_execute", note)


def test_a_replayed_batch_of_stale_edits_reads_no_history_and_no_job_seekers(client, world, statements):
    alice = world["alice"]
    employer, seeker, visit = new_id(), new_id(), new_id()
    push(client, alice, op("employer", employer), op("job_seeker", seeker))
    visit_data = {**sample("employer_visit"), "employer_id": employer, "job_seeker_ids": [seeker]}
    visit_data["disclosure_reason"] = "discussed with the job seeker"
    edit = op("employer", employer, base=1, data={**sample("employer"), "notes": "second"})
    batch = [edit, op("employer_visit", visit, data=visit_data)]
    first = push(client, alice, *batch)
    assert [result["status"] for result in first] == ["applied", "applied"]
    push(client, alice, op("employer", employer, base=2, data={**sample("employer"), "notes": "third"}))

    statements.clear()
    again = push(client, alice, *batch)  # the answer was lost: the phone sends the batch again
    assert [result["status"] for result in again] == ["already_applied", "already_applied"]
    assert [result["version"] for result in again] == [result["version"] for result in first]
    reads = [text for text in statements if text.lstrip().upper().startswith("SELECT")]
    # History (server.services.version_rows) reads who made each version; the replay's own read of
    # its stored data does not.
    assert not [text for text in reads if "record_versions.author_device_id" in text], reads
    assert not [text for text in reads if "job_seeker" in text or "records.kind" in text], reads
