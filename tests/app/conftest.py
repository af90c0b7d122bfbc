"""Fixtures for the field app's service and screen-state tests: an in-memory store and a fake clock."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest

from app.domain.clock import FakeClock
from app.domain.enums import Disclosure, SeekerStatus
from app.domain.records import Employer, JobSeeker
from app.records import RecordService
from app.store import LocalStore

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def store() -> Iterator[LocalStore]:
    store = LocalStore.in_memory()
    yield store
    store.close()


@pytest.fixture
def service(store: LocalStore, clock: FakeClock) -> RecordService:
    counter = itertools.count(1)
    return RecordService(store, clock=clock, new_id=lambda: f"id-{next(counter):04d}")


@pytest.fixture
def add_employer(service: RecordService) -> Callable[..., Employer]:
    def add(name: str = "Riverside Café", **fields: object) -> Employer:
        stored = service.save(Employer(name=name, **fields))  # type: ignore[arg-type]
        record = service.load("employer", stored.data["id"])
        assert isinstance(record, Employer)
        return record

    return add


@pytest.fixture
def add_seeker(service: RecordService) -> Callable[..., JobSeeker]:
    def add(
        code: str = "KD-101",
        disclosure: Disclosure = Disclosure.CONSENTED,
        status: SeekerStatus = SeekerStatus.JOB_SEARCHING,
        **fields: object,
    ) -> JobSeeker:
        seeker = JobSeeker(
            code=code,
            referral_date=date(2026, 4, 1),
            disclosure=disclosure,
            status=status,
            **fields,  # type: ignore[arg-type]
        )
        stored = service.save(seeker)
        record = service.load("job_seeker", stored.data["id"])
        assert isinstance(record, JobSeeker)
        return record

    return add
