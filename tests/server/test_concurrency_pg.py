"""No pull ever skips a change, with several writers and pullers racing on PostgreSQL.

Writers create records (each a change that is never superseded) in small batches and hold their
transaction open a little after writing, which is exactly when a "numbered earlier, committed later"
cursor loses data. Pullers advance only by the cursor the server gives them and never re-read.
When the writers are done, each puller drains to quiescence; it must have seen every committed
record, and nothing twice.
"""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest

from server.db.database import Database
from server.services import accounts
from server.services.accounts import Principal, Role
from server.services.changes import decode_cursor
from server.services.operations import parse_operation
from server.services.pull import pull_changes
from server.services.push import push_operations
from tests.server.conftest import _truncate
from tests.server.world import sample

WRITERS = 4
PULLERS = 3
BATCHES_PER_WRITER = 30


@pytest.fixture
def pg_database(pg_url):
    _truncate(pg_url)
    db = Database(pg_url, pool_size=WRITERS + PULLERS + 2)
    yield db
    db.dispose()


def _principals(db: Database, clock) -> tuple[list[Principal], Principal]:
    writers: list[Principal] = []
    with db.write() as session:
        org = accounts.create_organisation(session, name="Race Org", clock=clock)
        team = accounts.create_team(session, organisation_id=org, name="Race Team", clock=clock)
        for index in range(WRITERS):
            user_id = accounts.create_user(
                session,
                team_id=team,
                username=f"writer{index}",
                display_name=f"W{index}",
                role=Role.SPECIALIST,
                password=None,
                clock=clock,
            )
            code, _ = accounts.issue_enrollment_code(
                session, user_id=user_id, issued_by=None, clock=clock, secret="s", minutes=5
            )
            enrolled = accounts.enroll_device(
                session, code=code, device_name="phone", clock=clock, secret="s"
            )
            writers.append(accounts.authenticate_device(session, token=enrolled.token))
        sup = accounts.create_user(
            session,
            team_id=team,
            username="sup",
            display_name="S",
            role=Role.SUPERVISOR,
            password=None,
            clock=clock,
        )
    reader = Principal(user_id=sup, team_id=team, role=Role.SUPERVISOR, display_name="S", username="sup")
    return writers, reader


def _create(record_id: str):
    raw = {
        "op_id": str(uuid.uuid4()),
        "kind": "employer",
        "record_id": record_id,
        "base_version": 0,
        "data": sample("employer"),
    }
    return parse_operation(raw)


@pytest.mark.postgres
def test_concurrent_writers_and_pullers_never_skip_a_change(pg_database, clock):
    db = pg_database
    writers, reader = _principals(db, clock)
    committed: set[str] = set()
    committed_lock = threading.Lock()
    writers_done = threading.Event()
    errors: list[BaseException] = []

    def write(principal: Principal, seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(BATCHES_PER_WRITER):
                ids = [str(uuid.uuid4()) for _ in range(rng.randint(1, 5))]
                with db.write() as session:
                    results = push_operations(
                        session, principal=principal, operations=[_create(i) for i in ids], clock=clock
                    )
                    assert all(result.status == "applied" for result in results)
                    time.sleep(rng.random() * 0.004)  # commit late: widens the race a cursor must survive
                with committed_lock:
                    committed.update(ids)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def pull(seen: list[str]) -> None:
        cursor = 0
        try:
            for _ in range(100_000):  # bounded; ends by draining after the writers finish
                finished = writers_done.is_set()
                with db.read() as session:
                    page = pull_changes(session, principal=reader, after_seq=cursor, limit=7)
                seen.extend(change.record_id for change in page.changes)
                cursor = decode_cursor(page.next_cursor)
                if finished and not page.has_more and not page.changes:
                    return
            raise AssertionError("puller did not reach quiescence")
        except BaseException as exc:
            errors.append(exc)

    seen_by: list[list[str]] = [[] for _ in range(PULLERS)]
    threads = [threading.Thread(target=write, args=(writer, index)) for index, writer in enumerate(writers)]
    pullers = [threading.Thread(target=pull, args=(seen,)) for seen in seen_by]
    for thread in pullers + threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    writers_done.set()
    for thread in pullers:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(committed) >= WRITERS * BATCHES_PER_WRITER
    for seen in seen_by:
        assert len(seen) == len(set(seen)), "a change was delivered twice"
        assert set(seen) == committed, f"skipped {len(committed - set(seen))} committed changes"
