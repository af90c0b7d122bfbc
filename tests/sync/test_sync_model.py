"""A model-based test of sync integrity (issue 13): saves, pushes held on the air, lost answers.

Three phones of one team: alice's phone and tablet, bob's phone. Employers are shared by the team;
visits are alice's, so only her two devices edit them. Every phone is a real store and the real
sync engine; the server is the real API on a migrated SQLite file, in process. Hypothesis picks
the steps: save (a new record, or new unique values in some fields of a record the phone holds),
sync (a pass whose first push is answered, loses its answer after the server applied it, reaches
the server twice, or stays on the air until that phone's next sync answers it; saves on the phone
meanwhile race the answer), and pull.

After every step (model_ledger): no saved value is lost and no conflict is false. At the end every
phone syncs until nothing is queued, and the same checks run without the "still on its way" excuse.
Few rules on purpose: hypothesis switches rules off at random per example (swarm testing), and the
interleavings that matter need saves and syncs on two phones at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pydantic import SecretStr

from app.domain.clock import new_id
from app.domain.codec import to_dict
from app.domain.records import Employer, EmployerVisit, Record, kind_of
from server.db.database import Database
from server.main import create_app
from server.settings import Settings
from tests.sync.harness import SECRET, migrated_database
from tests.sync.model_ledger import Ledger, Place, Saved
from tests.sync.model_rig import BASE_URL, Fault, enroll_team, phones_conflicts, server_truth

OWNER = {"alice_phone": "alice", "alice_tablet": "alice", "bob_phone": "bob"}
PHONES = st.sampled_from(tuple(OWNER))
NETWORK = st.sampled_from(tuple(Fault))
FIELDS = st.sets(st.integers(0, 2), min_size=1)  # which of the record kind's TRACED fields to change
TRACED = {
    "employer": ("name", "notes", "next_step"),
    "employer_visit": ("outcome", "met_person", "next_step"),
}
# Few records, so phones often edit the same one: the interleavings that matter are on one record.
MAX_RECORDS = 4
QUIESCE_ROUNDS = 6  # every phone pushes and pulls each round; two rounds settle any schedule
MODEL_SETTINGS = settings(
    max_examples=80,
    stateful_step_count=50,
    deadline=None,
    derandomize=True,  # the same examples on every run and in CI
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RUN = Counter[str]()  # examples and steps, reported by the test


@dataclass
class Rig:
    database: Database
    client: TestClient


class SyncModel(RuleBasedStateMachine):
    rig: ClassVar[Rig]  # set by the test before the run

    def __init__(self) -> None:
        super().__init__()
        self.team_id, phones = enroll_team(self.rig.database, self.rig.client, OWNER)
        self.phones = {phone.name: phone for phone in phones}
        self.created: list[tuple[str, str]] = []  # (kind, record id) in order of creation
        self.ledger = Ledger()
        self.visited_employer = new_id()
        self.in_step = False
        self.broken = False
        RUN["examples"] += 1

    @initialize(fault=st.sampled_from((Fault.DELIVER, Fault.DROP, Fault.DUPLICATE)))
    def seed(self, fault: Fault) -> None:
        """The team already shares an employer, and alice's devices a visit, before the steps
        (the answer to alice's phone's push of them may have been lost)."""
        self.create_employer("alice_phone")
        self.create_visit("alice_phone")
        self.phones["alice_phone"].sync_now(fault)
        for phone in self.phones.values():
            phone.pull()

    # -- saves -----------------------------------------------------------------------------

    @precondition(lambda self: len(self.created) < MAX_RECORDS)
    @rule(phone=PHONES, visit=st.booleans())
    def create(self, phone: str, visit: bool) -> None:
        """A new employer, or a new visit (alice's: on bob's phone it is an employer too)."""
        with self._step():
            if visit and OWNER[phone] == "alice":
                self.create_visit(phone)
            else:
                self.create_employer(phone)

    def create_employer(self, phone: str) -> None:
        fresh = self.ledger.fresh
        record = Employer(
            id=new_id(),
            sector="food",
            name=fresh("name"),
            notes=fresh("notes"),
            next_step=fresh("next_step"),
            **self._stamps(),
        )
        self._save_new(phone, record)

    def create_visit(self, phone: str) -> None:
        fresh = self.ledger.fresh
        record = EmployerVisit(
            id=new_id(),
            employer_id=self.visited_employer,
            occurred_at=datetime.now(UTC) - timedelta(hours=1),
            outcome=fresh("outcome"),
            met_person=fresh("met_person"),
            next_step=fresh("next_step"),
            **self._stamps(),
        )
        self._save_new(phone, record)

    @rule(phone=PHONES, which=st.integers(0, MAX_RECORDS - 1), fields=FIELDS)
    def edit(self, phone: str, which: int, fields: set[int]) -> None:
        """New values in some fields of the which-th record the phone holds (wrapping around);
        while the phone has a push on the air, that push's records come first."""
        with self._step():
            device = self.phones[phone]
            on_air = [(op.kind, op.record_id) for op in device.api.on_air] if device.in_flight else []
            held = on_air + [made for made in self.created if made not in on_air and self._held(phone, *made)]
            if held:
                kind, record = held[which % len(held)]
                self._edit(phone, kind, record, fields)

    def _edit(self, phone: str, kind: str, record: str, fields: set[int]) -> None:
        store = self.phones[phone].store
        stored = store.get(kind, record)
        assert stored is not None and not stored.deleted
        data = dict(stored.data)
        typed = []
        for name in (TRACED[kind][index] for index in sorted(fields)):
            typed.append(Saved(self.ledger.fresh(name), record, name, phone, seen=data.get(name)))
            data[name] = typed[-1].value
        data["version"] = int(data.get("version") or 0) + 1
        data["updated_at"] = datetime.now(UTC).isoformat()
        store.save(kind, data, op_id=new_id(), queued_at=data["updated_at"])
        for saved in typed:  # acknowledged only now that the save returned
            self.ledger.record(saved)

    # -- sync ------------------------------------------------------------------------------

    @rule(phone=PHONES, how=NETWORK)
    def sync(self, phone: str, how: Fault) -> None:
        """A sync pass (push, then pull). Its first push is answered, loses its answer after the
        server applied it (the pass ends there, as in the app), reaches the server twice, or is
        HELD on the air: the next sync of that phone answers it, and the pass goes on."""
        with self._step():
            device = self.phones[phone]
            if device.in_flight:
                if how is not Fault.HOLD:
                    device.finish_pass(how)
            elif how is Fault.HOLD and device.store.queued():
                device.start_pass()
            else:
                device.sync_now(Fault.DELIVER if how is Fault.HOLD else how)

    @rule(phone=PHONES)
    def pull(self, phone: str) -> None:
        with self._step():
            if not self.phones[phone].in_flight:  # a phone's pass pulls only after it pushed
                self.phones[phone].pull()

    # -- checks ----------------------------------------------------------------------------

    @invariant()
    def nothing_lost_and_no_false_conflict(self) -> None:
        self._check(strict=False)

    def teardown(self) -> None:
        failed = self.broken or self.in_step
        for phone in self.phones.values():
            if phone.in_flight:
                try:
                    phone.finish_pass(Fault.DELIVER)
                except Exception:
                    if not failed:
                        raise
        if failed:
            return  # the step's own failure is the one to report
        self._quiesce()
        self._check(strict=True)

    def _quiesce(self) -> None:
        for _ in range(QUIESCE_ROUNDS):
            for phone in self.phones.values():
                phone.sync_now(Fault.DELIVER)
            if not any(phone.store.queued() for phone in self.phones.values()):
                break
        queued = {name: len(phone.store.queued()) for name, phone in self.phones.items()}
        assert not any(queued.values()), f"phones still have queued records after syncing: {queued}"
        for phone in self.phones.values():
            phone.pull()

    def _check(self, *, strict: bool) -> None:
        truth = server_truth(self.rig.database, self.team_id)
        phones = list(self.phones.values())
        surfaced = {(c.record_id, c.field, c.other) for c in truth.conflicts} | phones_conflicts(phones)
        problems = self.ledger.lost(
            server=truth.records, surfaced=surfaced, on_the_way=set() if strict else self._on_the_way()
        )
        problems += self.ledger.false_conflicts(truth.conflicts)
        problems += [
            f"REJECTED on {phone.name}: {record.data['id'][:8]} {record.sync.reason}"
            for phone in phones
            for record in phone.store.needs_attention()
            if record.sync.state == "rejected"
        ]
        if problems:
            self.broken = True
            when = "after syncing to quiescence" if strict else "after a step"
            raise AssertionError(f"sync integrity broken {when}:\n" + "\n".join(problems))

    def _on_the_way(self) -> set[Place]:
        """Values a phone holds in records it has queued: the push will still carry them."""
        found: set[Place] = set()
        for phone in self.phones.values():
            for entry in phone.store.queued():
                stored = phone.store.get(entry.kind, entry.record_id)
                if stored is not None and not entry.deleted:
                    found.update(
                        (entry.record_id, name, stored.data.get(name)) for name in TRACED[entry.kind]
                    )
        return found

    # -- helpers ---------------------------------------------------------------------------

    def _step(self) -> _Step:
        RUN["steps"] += 1
        return _Step(self)

    def _save_new(self, phone: str, record: Record) -> None:
        kind, data = kind_of(record), to_dict(record)
        now = datetime.now(UTC).isoformat()
        self.phones[phone].store.save(kind, data, op_id=new_id(), queued_at=now)
        self.created.append((kind, record.id))
        for name in TRACED[kind]:
            self.ledger.record(Saved(data[name], record.id, name, phone, seen=None))

    def _held(self, phone: str, kind: str, record: str) -> bool:
        stored = self.phones[phone].store.get(kind, record)
        return stored is not None and not stored.deleted

    @staticmethod
    def _stamps() -> dict[str, Any]:
        now = datetime.now(UTC)
        return {"created_at": now, "updated_at": now, "version": 1}


class _Step:
    """Marks a step as running, so teardown knows a step failed midway and reports that instead."""

    def __init__(self, model: SyncModel) -> None:
        self._model = model

    def __enter__(self) -> None:
        self._model.in_step = True

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self._model.in_step = False


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    path: Path = tmp_path_factory.mktemp("model") / "server.db"
    database = migrated_database(f"sqlite:///{path}")
    app = create_app(Settings(database_url=database.url, secret_key=SecretStr(SECRET)), database=database)
    with TestClient(app, base_url=BASE_URL) as client:
        yield Rig(database=database, client=client)
    database.dispose()


def test_saved_values_survive_every_sync_schedule(rig: Rig) -> None:
    """Nothing a specialist saved is lost silently, and no conflict is raised on a field only one
    side changed, whatever the order of saves, pushes, lost answers, duplicate requests and pulls."""
    SyncModel.rig = rig
    RUN.clear()
    try:
        run_state_machine_as_test(SyncModel, settings=MODEL_SETTINGS)
    finally:
        print(f"\nsync model: {RUN['examples']} examples, {RUN['steps']} steps")
