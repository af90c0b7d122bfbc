"""Saving domain records on a test device the way the field app does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.clock import new_id
from app.domain.codec import to_dict
from app.domain.enums import Disclosure
from app.domain.records import Employer, EmployerVisit, JobSeeker, Record, kind_of
from app.store import LocalStore, StoredRecord


def save(store: LocalStore, record: Record) -> StoredRecord:
    now = datetime.now(UTC).isoformat()
    return store.save(kind_of(record), to_dict(record), op_id=new_id(), queued_at=now)


def employer(name: str = "Harbour Bakery", **changes: object) -> Employer:
    return Employer(id=new_id(), name=name, sector="food", version=1, **changes)  # type: ignore[arg-type]


def visit(employer_id: str, **changes: object) -> EmployerVisit:
    when = datetime.now(UTC) - timedelta(hours=1)
    return EmployerVisit(id=new_id(), employer_id=employer_id, occurred_at=when, version=1, **changes)  # type: ignore[arg-type]


def job_seeker(code: str = "KT-07", disclosure: Disclosure = Disclosure.CONSENTED) -> JobSeeker:
    referred = (datetime.now(UTC) - timedelta(days=10)).date()
    return JobSeeker(id=new_id(), code=code, referral_date=referred, disclosure=disclosure, version=1)
