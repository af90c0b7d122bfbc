"""The disclosure guard, whatever the order records arrive in (issue 16, item 8).

A pushed visit, opening or check-in is checked against the job seekers the server knows when it
arrives (server.services.apply). One that names a job seeker the server does not know yet passes
that check, and the job seeker may arrive later, in the same push or another one from any phone,
as not consenting; or a known job seeker may stop consenting after the record was stored. The
record is the specialist's and is never refused after the fact: instead, at the end of the push
that brings such a job seeker, every live employer-facing record of the team that names them
without a disclosure reason gets a new version, the same data, flagged for the supervisor, with a
history entry saying why (no code, name or text in it). The supervisor sees the flag on the
activity list and the record page, and clears it with "Mark conflict as looked at".

A job seeker counts as *withheld* by a push when it ends the push not consenting and, at some
point before in that push (or before it), it was unknown to the server or consenting.

Per-employer decisions (issue 15, app.domain.rules.DisclosureBook) are swept the same way: a push
that creates, changes, revokes or deletes a job seeker's decision for an employer re-checks the
team's live records that name that job seeker for that employer, against every decision as the push
leaves them, and flags those the guard now refuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import Any

import pydantic_core
from sqlalchemy import Table, Text, cast, false, or_, select
from sqlalchemy.orm import Session

from app.domain.codec import record_from_dict
from app.domain.enums import Disclosure
from app.domain.errors import DisclosureRefused, ValidationError
from app.domain.records import RECORD_KINDS, EmployerDisclosure, JobSeeker
from app.domain.rules import check_disclosure, employer_facing_seeker_ids, record_employer_id
from server.db.models import RecordRow
from server.services.apply import Batch, RecordState

RECORDS: Table = RecordRow.__table__  # type: ignore[assignment]
EMPLOYER_FACING_KINDS = ("employer_visit", "job_opening", "support_check_in")
PATTERNS_PER_QUERY = 20
UNDISCLOSED_NOTE = (
    "names a job seeker who has not agreed to disclosure to employers, and gives no reason: the"
    " server learned of that choice only after this record. Check the link with the specialist."
)
UNDISCLOSED_CONFLICT: dict[str, Any] = {
    "field": "disclosure_reason",
    "kept": "",
    "other": None,
    "note": UNDISCLOSED_NOTE,
}

Consent = bool | None  # None: unknown to the server (or deleted); True: consenting
Pair = tuple[str, str]  # (job seeker id, employer id) of a per-employer decision


def consent_before(batch: Batch) -> dict[str, Consent]:
    """Each job seeker the push touches, as the server held it before the push (call before apply)."""
    return {
        record_id: _consents(state.data)
        for record_id, state in batch.records.items()
        if state.kind == "job_seeker"
    }


def withheld_seekers(batch: Batch, before: dict[str, Consent]) -> set[str]:
    """Job seekers this push brought in, or turned, not consenting (see the module's docstring)."""
    seen: dict[str, bool] = {}  # record id -> it was unknown or consenting at some point so far
    final: dict[str, Consent] = {}
    for record_id, version in batch.versions:
        if batch.records[record_id].kind != "job_seeker":
            continue
        if record_id not in seen:
            seen[record_id] = before.get(record_id) is not False
        consent = _consents(version["data"])
        final[record_id] = consent
        if consent is not False:
            seen[record_id] = True
    return {record_id for record_id, consent in final.items() if consent is False and seen[record_id]}


def load_naming(
    session: Session, *, team_id: str, seeker_ids: set[str], skip: Iterable[str]
) -> list[RecordState]:
    """Live employer-facing records of the team whose stored data holds one of these ids as a JSON
    string (a superset: `flag_undisclosed` checks each one exactly), except those in `skip`
    (the push's own copies are newer). Record data is stored as pydantic_core writes it
    (server.db.database), so an id appears in its text as pydantic_core.to_json spells it."""
    skipped = set(skip)
    found: dict[str, RecordState] = {}
    for state in _live_containing(session, team_id=team_id, kinds=EMPLOYER_FACING_KINDS, ids=seeker_ids):
        if state.record_id not in skipped:
            found.setdefault(state.record_id, state)
    return list(found.values())


def load_decisions(session: Session, *, team_id: str, seeker_ids: set[str]) -> dict[str, EmployerDisclosure]:
    """The team's live per-employer decisions of these job seekers, by record id."""
    found: dict[str, EmployerDisclosure] = {}
    for state in _live_containing(session, team_id=team_id, kinds=("employer_disclosure",), ids=seeker_ids):
        if state.data is not None and state.data.get("job_seeker_id") in seeker_ids:
            # Stored data is canonical (written by the codec), so reading it back cannot fail.
            found[state.record_id] = record_from_dict(EmployerDisclosure, state.data)
    return found


def decisions_before(batch: Batch) -> dict[str, Pair]:
    """(job seeker, employer) of each decision the push touches, as the server held it before."""
    return {
        record_id: _pair(state.data)
        for record_id, state in batch.records.items()
        if state.kind == "employer_disclosure" and state.data is not None
    }


def decided_pairs(batch: Batch, before: dict[str, Pair]) -> set[Pair]:
    """(job seeker, employer) of every decision this push created, changed or deleted."""
    pairs: set[Pair] = set()
    for record_id, version in batch.versions:
        if batch.records[record_id].kind != "employer_disclosure":
            continue
        if record_id in before:
            pairs.add(before[record_id])
        if version["data"] is not None:
            pairs.add(_pair(version["data"]))
    return {pair for pair in pairs if all(pair)}


def _live_containing(
    session: Session, *, team_id: str, kinds: tuple[str, ...], ids: set[str]
) -> list[RecordState]:
    """Live records of these kinds whose stored data holds one of `ids` as a JSON string (a superset)."""
    found: list[RecordState] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), PATTERNS_PER_QUERY):
        patterns = [_contains(item) for item in ordered[start : start + PATTERNS_PER_QUERY]]
        rows = session.execute(
            select(*(RECORDS.c[name] for name in RecordState.COLUMNS)).where(
                RECORDS.c.team_id == team_id,
                RECORDS.c.kind.in_(kinds),
                RECORDS.c.deleted.is_(false()),
                or_(*(cast(RECORDS.c.data, Text).like(pattern, escape="\\") for pattern in patterns)),
            )
        ).all()
        found += [RecordState.from_row(row) for row in rows]
    return found


def flag_undisclosed(
    batch: Batch, *, withheld: set[str], stored: list[RecordState], decided: AbstractSet[Pair] = frozenset()
) -> list[str]:
    """Flag every live employer-facing record, stored or in this push, that names a withheld job
    seeker, or names a job seeker to an employer they decided for in this push (`decided`), and
    that the guard now refuses; returns their record ids."""
    seekers: dict[str, JobSeeker] = {
        seeker_id: seeker
        for seeker_id in withheld
        if (seeker := batch.job_seekers.get(seeker_id)) is not None
        and seeker.disclosure is not Disclosure.CONSENTED
    }
    for_employer: dict[str, set[str]] = {}
    for seeker_id, employer_id in decided:
        if seeker_id in batch.job_seekers:
            for_employer.setdefault(employer_id, set()).add(seeker_id)
    if not seekers and not for_employer:
        return []
    book = batch.disclosure_book()
    candidates = [state for state in batch.records.values() if state.kind in EMPLOYER_FACING_KINDS]
    candidates += [state for state in stored if state.record_id not in batch.records]
    flagged = []
    for state in candidates:
        if state.deleted or state.data is None:
            continue
        try:
            record = record_from_dict(RECORD_KINDS[state.kind], state.data)
        except ValidationError:  # stored before today's rules: shown as stored, not checked here
            continue
        named = set(employer_facing_seeker_ids(record))
        wanted = (named & seekers.keys()) | (named & for_employer.get(record_employer_id(record), set()))
        if not wanted:
            continue
        try:
            check_disclosure(record, {seeker_id: batch.job_seekers[seeker_id] for seeker_id in wanted}, book)
        except DisclosureRefused:
            batch.records.setdefault(state.record_id, state)
            batch.flag(state, conflicts=[dict(UNDISCLOSED_CONFLICT)])
            flagged.append(state.record_id)
    return flagged


def _consents(data: dict[str, Any] | None) -> Consent:
    if data is None:
        return None
    return data.get("disclosure") == Disclosure.CONSENTED.value


def _pair(data: dict[str, Any]) -> Pair:
    return str(data.get("job_seeker_id") or ""), str(data.get("employer_id") or "")


def _contains(seeker_id: str) -> str:
    quoted = pydantic_core.to_json(seeker_id).decode()
    escaped = quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
