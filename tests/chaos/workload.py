"""What a chaos phone saves: new records of every kind and edits, each carrying unique values.

Every value a save sets in a tracked field is unique in the whole run (`Tokens`), so the checks can
tell which save a value on the server came from, and whether it was lost, duplicated or replaced.
Employers are shared by the team, so any phone edits any of them; every other kind belongs to its
specialist, so a phone edits the records of its user, made on either of the user's phones.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.clock import new_id
from app.domain.codec import from_dict
from app.domain.enums import Disclosure, SeekerStatus
from app.domain.records import Employer, EmployerVisit, JobOpening, JobSeeker, Record, SupportCheckIn
from app.store import LocalStore

# The string fields whose values are tracked, per kind (all free text, so any unique value is valid).
TRACKED: dict[str, tuple[str, ...]] = {
    "employer": ("name", "notes", "hiring_needs", "next_step"),
    "job_seeker": ("code", "preferred_hours", "avoid", "clinical_team"),
    "employer_visit": ("outcome", "next_step", "met_person"),
    "job_opening": ("title",),
    "support_check_in": ("concerns", "disclosure_reason"),
}
OWN_KINDS = ("job_seeker", "employer_visit", "job_opening", "support_check_in")


@dataclass
class Tokens:
    """Unique values: the phone's name and a random suffix; job seeker codes (the code format:
    at most 12 letters, digits and hyphens) get the suffix alone."""

    phone: str
    rng: random.Random

    def __call__(self) -> str:
        return f"{self.phone}-{uuid.UUID(int=self.rng.getrandbits(128)).hex[:12]}"

    def for_field(self, name: str) -> str:
        if name != "code":
            return self()
        # Phones share their rng seeds: a short digest of the phone's name keeps codes apart.
        phone = hashlib.sha1(self.phone.encode()).hexdigest()[:4]
        return f"{phone}-{uuid.UUID(int=self.rng.getrandbits(128)).hex[:7]}"


@dataclass(frozen=True)
class Intent:
    """One save a phone is about to make, and what it had seen of the record before."""

    kind: str
    record: Record
    values: dict[str, str]  # tracked field -> the unique value this save sets
    create: bool
    base_version: int = 0
    base_state: str = ""
    seen: dict[str, Any] = field(default_factory=dict)  # tracked field -> value before this save


HOT = 4  # edits pick among the most recently changed records, so phones collide on them


def next_intent(store: LocalStore, rng: random.Random, tokens: Tokens, *, last: Intent | None) -> Intent:
    """Create or edit. A fifth of the time the phone edits what it saved last again (a typo fixed
    right after saving), which lands while that record's push is often still in flight."""
    roll = rng.random()
    found = None
    if roll < 0.2 and last is not None:
        found = _edit(store, last.kind, rng, tokens, record_id=last.record.id)
    elif roll < 0.45:
        found = _edit(store, "employer", rng, tokens)
    elif roll < 0.7:
        found = _edit(store, rng.choice(OWN_KINDS), rng, tokens)
    return found or _create(store, rng, tokens)


def _edit(
    store: LocalStore, kind: str, rng: random.Random, tokens: Tokens, *, record_id: str | None = None
) -> Intent | None:
    if record_id is not None:
        target = store.get(kind, record_id)
        if target is None or target.deleted:
            return None
    else:
        known = sorted(
            store.all(kind), key=lambda record: (str(record.data.get("updated_at")), record.data["id"])
        )
        if not known:
            return None
        target = rng.choice(known[-HOT:])
    names = rng.sample(TRACKED[kind], k=min(len(TRACKED[kind]), rng.choice((1, 1, 2))))
    values = {name: tokens.for_field(name) for name in names}
    record = replace(from_dict(kind, target.data), **values)  # type: ignore[arg-type]
    return Intent(
        kind=kind,
        record=record,
        values=values,
        create=False,
        base_version=target.sync.server_version,
        base_state=target.sync.state,
        seen={name: target.data.get(name) for name in names},
    )


def _create(store: LocalStore, rng: random.Random, tokens: Tokens) -> Intent:
    employers = sorted(record.data["id"] for record in store.all("employer"))
    seekers = sorted(record.data["id"] for record in store.all("job_seeker"))
    kinds = ["employer", "job_seeker"]
    if employers:
        kinds += ["employer_visit", "job_opening"]
    if seekers:
        kinds.append("support_check_in")
    kind = rng.choice(kinds)
    values = {name: tokens.for_field(name) for name in TRACKED[kind]}
    # The id is given here, not by RecordService's stamp, so the log names the record before the save.
    record = replace(_new_record(kind, values, rng, employers=employers, seekers=seekers), id=new_id())
    return Intent(kind=kind, record=record, values=values, create=True)


def _new_record(
    kind: str, values: dict[str, Any], rng: random.Random, *, employers: list[str], seekers: list[str]
) -> Record:
    now = datetime.now(UTC)
    if kind == "employer":
        return Employer(sector="Retail", address="1 Market Place, Kendal", **values)
    if kind == "job_seeker":
        return JobSeeker(
            referral_date=(now - timedelta(days=rng.randint(1, 60))).date(),
            disclosure=Disclosure.CONSENTED,  # links never need a reason, so nothing is refused
            status=SeekerStatus.JOB_SEARCHING,
            **values,
        )
    if kind == "employer_visit":
        linked = [rng.choice(seekers)] if seekers and rng.random() < 0.5 else []
        return EmployerVisit(
            employer_id=rng.choice(employers),
            occurred_at=now - timedelta(hours=rng.randint(1, 48)),
            job_seeker_ids=linked,
            **values,
        )
    if kind == "job_opening":
        return JobOpening(employer_id=rng.choice(employers), wage=12.5, hours_per_week=16.0, **values)
    return SupportCheckIn(
        job_seeker_id=rng.choice(seekers),
        occurred_at=now - timedelta(hours=rng.randint(1, 48)),
        **values,
    )
