"""A phone's first sync fits in the WAL with room to spare, so no request's commit checkpoints.

SQLite checkpoints inside the committing connection once the WAL passes its autocheckpoint bound
(server.db.database.WAL_AUTOCHECKPOINT_PAGES), copying the whole WAL back on that push's time. A
batch of 500 new records dirties most leaf pages of every index keyed by a random id, so 10,000
of them write far more WAL than their own size; the Database's checkpoint thread copies the WAL
back once the burst is over, and the bound must hold the burst until then."""

from __future__ import annotations

import struct
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.domain.clock import SystemClock, new_id
from app.domain.codec import to_dict
from app.domain.enums import GeotagSource
from app.domain.records import Employer, EmployerVisit, Geotag, stamp
from server.db.database import WAL_AUTOCHECKPOINT_PAGES, Database
from server.db.migrate import upgrade
from server.services import accounts
from server.services.accounts import Principal, Role
from server.services.operations import parse_operation
from server.services.push import push_operations
from sync.protocol import Operation

RECORDS = 10_000
BATCH = 500


def _first_sync(count: int) -> list[dict[str, object]]:
    """Records as bench/sync.py's phone saves them: one employer for every 20, then visits."""
    clock, now = SystemClock(), datetime.now(UTC)
    employers = [
        stamp(
            Employer(name=f"Employer {n}", sector="retail", address=f"{n} Main St"),
            clock=clock,
            new_id=new_id,
        )
        for n in range(count // 20)
    ]
    saved: list[tuple[str, dict[str, object]]] = [("employer", to_dict(record)) for record in employers]
    for n in range(count - len(employers)):
        tag = Geotag(
            latitude=-36.85, longitude=174.76, accuracy_m=12.0, fixed_at=now, source=GeotagSource.GPS
        )
        visit = EmployerVisit(
            employer_id=employers[n % len(employers)].id,
            occurred_at=now - timedelta(minutes=n),
            outcome="Met the manager",
            next_step="Bring CV",
            geotag=tag,
        )
        saved.append(("employer_visit", to_dict(stamp(visit, clock=clock, new_id=new_id))))
    return [
        {"op_id": str(uuid.uuid4()), "kind": kind, "record_id": data["id"], "base_version": 0, "data": data}
        for kind, data in saved
    ]


def _wal_frames(shm: Path) -> int:
    """mxFrame of the WAL index header: frames in the WAL since it was last restarted."""
    return int(struct.unpack_from("=I", shm.read_bytes(), 16)[0])


def test_a_first_sync_of_ten_thousand_records_never_checkpoints_in_a_request(tmp_path: Path, monkeypatch):
    path = tmp_path / "fieldwork.db"
    upgrade(f"sqlite:///{path}")
    database = Database(f"sqlite:///{path}")
    assert database.checkpointer is not None
    monkeypatch.setattr(database.checkpointer, "nudge", lambda: None)  # as if the burst never paused
    clock = SystemClock()
    with database.write() as session:
        org = accounts.create_organisation(session, name="Trust", clock=clock)
        team = accounts.create_team(session, organisation_id=org, name="IPS", clock=clock)
        user = accounts.create_user(session, team_id=team, username="sam", display_name="Sam",
                                    role=Role.SPECIALIST, password=None, clock=clock)  # fmt: skip
    phone = Principal(user_id=user, team_id=team, role=Role.SPECIALIST, display_name="Sam", username="sam",
                      device_id=new_id())  # fmt: skip
    operations = _first_sync(RECORDS)
    frames: list[int] = []
    try:
        for start in range(0, RECORDS, BATCH):
            parsed = [parse_operation(raw) for raw in operations[start : start + BATCH]]
            assert all(isinstance(op, Operation) for op in parsed)
            with database.write() as session:
                results = push_operations(session, principal=phone, operations=parsed, clock=clock)
            assert {result.status for result in results} == {"applied"}
            frames.append(_wal_frames(path.with_name(path.name + "-shm")))
    finally:
        database.dispose()
    assert frames == sorted(frames), frames  # the WAL was never restarted: no checkpoint ran
    assert frames[-1] * 2 < WAL_AUTOCHECKPOINT_PAGES, frames  # and a second such phone fits too
