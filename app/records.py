"""Saving and reading field records on the device: the one path every screen goes through.

`RecordService.save` stamps a record, validates it, applies the disclosure guard against the job
seekers on the device, and writes it with its outbox entry in one store write. The sync engine
talks to the store directly; screens talk to this service.
"""

from __future__ import annotations

import bisect
import heapq
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from app.domain.clock import Clock, IdMaker
from app.domain.code_format import CODE_FORMAT_META, CodeFormat
from app.domain.codec import from_dict, to_dict
from app.domain.enums import SeekerStatus
from app.domain.errors import DisclosureRefused, ValidationError
from app.domain.identity import CODE_TAKEN, code_key, employer_name_key
from app.domain.jobs import seeker_after_jobs_change
from app.domain.labels import label
from app.domain.records import (
    RECORD_KINDS,
    Employer,
    EmployerDisclosure,
    EmployerVisit,
    Job,
    JobOpening,
    JobSeeker,
    Record,
    SupportCheckIn,
    kind_of,
    stamp,
)
from app.domain.rules import DisclosureBook, check_disclosure, next_step_open, next_support_due
from app.domain.search import fold
from app.domain.validation import ensure_valid, validate
from app.record_cache import CachedRecord, Matching, RecordCache, Sorted, SortedGroups, Table, Timeline
from app.store import LocalStore, StoredRecord, StoreError
from app.store.layout import row_key
from app.store.records import ATTENTION_STATES

R = TypeVar("R", bound=Record)

ACTIVITY_KINDS = ("employer_visit", "job_opening", "support_check_in")
# What says an employer or a job seeker was "used" lately (recent first in the pickers).
USE_KINDS = ("employer_visit", "job_opening", "support_check_in")
# What a specialist may archive from the phone: their own records (employers are the team's).
ARCHIVABLE_KINDS = ("employer_visit", "job_opening", "support_check_in", "job_seeker", "job")


@dataclass(frozen=True)
class DueItem:
    """Something the specialist should do by `due_on`: a next step, a check-in, in-work support."""

    kind: str  # "next_step" | "check_in" | "support"
    title: str
    detail: str
    due_on: date
    overdue: bool
    record_kind: str
    record_id: str


@dataclass(frozen=True)
class Problems:
    """Why a record cannot be saved: field errors, and the disclosure guard's refusal."""

    errors: dict[str, str]
    disclosure: DisclosureRefused | None = None


@dataclass(frozen=True)
class Activity:
    """One line of recent work, newest first."""

    record_kind: str
    record_id: str
    title: str
    detail: str
    at: datetime | None
    sync_state: str


class RecordService:
    def __init__(
        self,
        store: LocalStore,
        *,
        clock: Clock,
        new_id: IdMaker,
        on_saved: Callable[[], None] | None = None,
    ) -> None:
        self._cache = RecordCache(store)
        self.clock = clock
        self.new_id = new_id
        self.on_saved = on_saved  # e.g. the sync runner's debounced after_save
        # Due rows of next steps made for one day, by visit id, with the visit and employers they
        # were made from (both replaced, never mutated, on a change): reused while both hold.
        self._step_items: dict[str, tuple[EmployerVisit, dict[str, Employer], DueItem]] = {}
        self._step_items_day: date | None = None
        # The last due next steps per horizon (made for a day from the index as it stood, and the
        # employers), and the last due list merged from them: reused while what they read holds,
        # so a save that moves no next step (most visits have none) does not go through them all.
        self._due_steps_made: dict[
            int, tuple[tuple[date, int], Sorted, dict[str, Employer], list[DueItem]]
        ] = {}
        self._due_merged: tuple[list[DueItem], list[DueItem], list[DueItem]] | None = None

    @property
    def store(self) -> LocalStore:
        return self._cache.store

    @store.setter
    def store(self, store: LocalStore) -> None:
        """A new store (after a sign-out erased the old one): a new cache over it."""
        self._cache.close()
        self._cache = RecordCache(store)

    # -- writing -------------------------------------------------------------------------------

    def save(self, record: Record) -> StoredRecord:
        """Validate and save; raises ValidationError or DisclosureRefused and then writes nothing."""
        now = self.clock.now()
        stamped = stamp(record, clock=self.clock, new_id=self.new_id)
        ensure_valid(stamped, now=now, code_format=self.code_format())
        taken = self.code_taken(stamped)
        if taken:
            raise ValidationError(taken)
        check_disclosure(stamped, self.job_seekers_by_id(), self.disclosures())
        stored = self.store.save(
            kind_of(stamped), to_dict(stamped), op_id=self.new_id(), queued_at=now.isoformat()
        )
        if self.on_saved is not None:
            self.on_saved()  # only after the save is durable
        return stored

    def problems(self, record: Record) -> Problems:
        """Everything `save` would refuse `record` for, without saving: every field error at once."""
        stamped = stamp(record, clock=self.clock, new_id=self.new_id)
        refused: DisclosureRefused | None = None
        try:
            check_disclosure(stamped, self.job_seekers_by_id(), self.disclosures())
        except DisclosureRefused as exc:
            refused = exc
        errors = validate(stamped, now=self.clock.now(), code_format=self.code_format())
        errors = {**self.code_taken(stamped), **errors}  # a malformed code's own error wins
        return Problems(errors=errors, disclosure=refused)

    def code_taken(self, record: Record) -> dict[str, str]:
        """{"code": ...} when another job seeker on this phone has the same code, ignoring case and
        spaces (app.domain.identity); the server checks the whole team on push. A job seeker whose
        code is unchanged keeps it, even if an older duplicate exists (the rule is checked on change)."""
        if not isinstance(record, JobSeeker):
            return {}
        key = code_key(record.code)
        before = self.job_seekers_by_id().get(record.id)
        if not key or (before is not None and code_key(before.code) == key):
            return {}
        holder = self._memo("code_keys", self._code_keys, "job_seeker").get(key)
        return {"code": CODE_TAKEN} if holder is not None and holder != record.id else {}

    def _code_keys(self) -> dict[str, str]:
        return {code_key(seeker.code): seeker.id for seeker in self.job_seekers()}

    def code_format(self) -> CodeFormat:
        """The team's job-seeker code format, as the last pull told it (the default before)."""
        return CodeFormat.from_setting(self.store.get_meta(CODE_FORMAT_META))

    # -- reading -------------------------------------------------------------------------------

    def load(self, kind: str, record_id: str) -> Record | None:
        stored = self.store.get(kind, record_id)
        return from_dict(kind, stored.data) if stored is not None else None

    def stored(self, kind: str, record_id: str) -> StoredRecord | None:
        return self.store.get(kind, record_id)

    def all(self, kind: str, cls: type[R]) -> list[R]:
        """Every readable record of `kind` not deleted on this phone, from memory (RecordCache)."""
        with self._cache.lock:
            return [
                entry.record for entry in self._cache.table(kind).values() if isinstance(entry.record, cls)
            ]

    def data_version(self) -> int:
        """A number that changes whenever a record on this phone changes (saved, pulled, pushed,
        deleted) or the store is replaced: a screen built at the same version is still current."""
        return self._cache.version()

    def _memo(self, key: Hashable, compute: Callable[[], Any], *kinds: str) -> Any:
        """`compute()`, kept until a record of `kinds` changes (of any kind when none are named)."""
        return self._cache.memo(key, compute, kinds or None)

    def employers(self) -> list[Employer]:
        return list(
            self._memo(
                "employers",
                lambda: sorted(self.all("employer", Employer), key=lambda e: e.name.casefold()),
                "employer",
            )
        )

    def job_seekers(self) -> list[JobSeeker]:
        return list(
            self._memo(
                "job_seekers",
                lambda: sorted(self.all("job_seeker", JobSeeker), key=lambda s: s.code.casefold()),
                "job_seeker",
            )
        )

    def visits(self) -> list[EmployerVisit]:
        return self.all("employer_visit", EmployerVisit)

    def openings(self) -> list[JobOpening]:
        return self.all("job_opening", JobOpening)

    def check_ins(self) -> list[SupportCheckIn]:
        return self.all("support_check_in", SupportCheckIn)

    def employers_by_name_key(self) -> dict[str, list[Employer]]:
        """employer_name_key(name) -> the employers with that key, by name (app.domain.identity);
        kept until a record changes, so typing a name folds the directory once."""

        def compute() -> dict[str, list[Employer]]:
            keys: dict[str, list[Employer]] = {}
            for employer in self.employers():
                keys.setdefault(employer_name_key(employer.name), []).append(employer)
            keys.pop("", None)
            return keys

        return dict(self._memo("employer_name_keys", compute, "employer"))

    def employer_search_keys(self) -> dict[str, tuple[str, str]]:
        """Employer id -> its name and address folded for search (app.domain.search), kept until an
        employer changes: a keystroke in a search compares, it folds nothing."""
        employers: dict[str, tuple[str, str]] = self._memo(
            "employer_search_keys",
            lambda: {e.id: (fold(e.name), fold(e.address)) for e in self.all("employer", Employer)},
            "employer",
        )
        return employers

    def job_seekers_by_id(self) -> dict[str, JobSeeker]:
        return dict(
            self._memo(
                "seekers_by_id", lambda: {s.id: s for s in self.all("job_seeker", JobSeeker)}, "job_seeker"
            )
        )

    def disclosures(self) -> DisclosureBook:
        """The job seekers' per-employer disclosure decisions on this phone, for the guard."""
        book: DisclosureBook = self._memo(
            "disclosures",
            lambda: DisclosureBook.of(self.all("employer_disclosure", EmployerDisclosure)),
            "employer_disclosure",
        )
        return book

    def employers_by_id(self) -> dict[str, Employer]:
        return dict(self._employers_by_id())

    def _employers_by_id(self) -> dict[str, Employer]:
        """Not a copy: for reads inside this service."""
        by_id: dict[str, Employer] = self._memo(
            "employers_by_id", lambda: {e.id: e for e in self.all("employer", Employer)}, "employer"
        )
        return by_id

    def attention_records(self) -> list[StoredRecord]:
        """Records the server refused or that ended in a conflict, not deleted here (as
        `LocalStore.needs_attention` orders them), read from memory but the few rows themselves."""
        return list(
            self._memo(
                "attention",
                lambda: self._stored_where("attention", lambda e: e.sync_state in ATTENTION_STATES),
                *RECORD_KINDS,
            )
        )

    def attention_count(self) -> int:
        """How many records the server refused or that ended in a conflict, deleted here or not
        (as many as `LocalStore.needs_attention` lists), counted from memory."""

        def attention(_kind: str, entry: CachedRecord) -> bool:
            return entry.sync_state in ATTENTION_STATES

        with self._cache.lock:
            return len(
                self._cache.index("attention_all", lambda: Matching(tuple(RECORD_KINDS), attention)).found
            )

    def reviewed_records(self) -> list[StoredRecord]:
        """Records a supervisor asked to change or commented on, not deleted here."""
        return list(
            self._memo(
                "reviewed", lambda: self._stored_where("reviewed", lambda e: e.reviewed), *RECORD_KINDS
            )
        )

    def _stored_where(self, name: str, wanted: Callable[[CachedRecord], bool]) -> list[StoredRecord]:
        """The stored rows of the entries `wanted` picks (an index kept record by record, so only
        the few rows themselves are read), in the store's order."""

        def pick(_kind: str, entry: CachedRecord) -> bool:
            return not entry.deleted and wanted(entry)

        with self._cache.lock:
            index = self._cache.index(("where", name), lambda: Matching(tuple(RECORD_KINDS), pick))
            keys = list(index.found)
            found = [
                self.store.get(kind, record_id) for kind, record_id in sorted(keys, key=lambda k: row_key(*k))
            ]
        return [stored for stored in found if stored is not None and not stored.deleted]

    def employer_visit_stats(self) -> dict[str, tuple[int, datetime | None]]:
        """Per employer id: how many visits, and when the latest happened."""

        def compute() -> dict[str, tuple[int, datetime | None]]:
            with self._cache.lock:
                groups = self._visits_by_employer().groups
                return {employer_id: self._visit_stat(keys) for employer_id, keys in groups.items()}

        return dict(self._memo("visit_stats", compute, "employer_visit"))

    def visit_count(self, employer_id: str) -> int:
        """How many visits this employer has had, without reading the others'."""
        with self._cache.lock:
            return len(self._visits_by_employer().groups.get(employer_id, ()))

    def _visit_stat(self, keys: list[tuple[Any, ...]]) -> tuple[int, datetime | None]:
        latest = None
        if keys and keys[-1][0] != float("-inf"):
            visit = self._cache.table("employer_visit")[keys[-1][1]].record
            latest = visit.occurred_at if isinstance(visit, EmployerVisit) else None
        return len(keys), latest

    def _visits_by_employer(self) -> SortedGroups:
        """Per employer id, (when, id) of its visits, oldest first (the caller holds the lock)."""

        def keys(_kind: str, visit: Any) -> Iterable[tuple[str, tuple[Any, ...]]]:
            return [(visit.employer_id, (_sort_time(visit.occurred_at), visit.id))]

        return self._cache.index("visits_by_employer", lambda: SortedGroups(("employer_visit",), keys))

    def pending_count(self) -> int:
        return int(self.store.pending_count())

    # -- quick entry ---------------------------------------------------------------------------

    def recent_employers(self, limit: int | None = None) -> list[Employer]:
        """All employers, the most recently visited or used first, then by name."""
        ordered: list[Employer] = self._memo(
            "recent_employers",
            lambda: self._by_last_use("employer_use", self.employers()),
            "employer",
            *USE_KINDS,
        )
        return list(ordered if limit is None else ordered[:limit])

    def recent_job_seekers(self, limit: int | None = None) -> list[JobSeeker]:
        """All job seekers, the most recently discussed or supported first, then by code."""
        ordered: list[JobSeeker] = self._memo(
            "recent_job_seekers",
            lambda: self._by_last_use("seeker_use", self.job_seekers()),
            "job_seeker",
            *USE_KINDS,
        )
        return list(ordered if limit is None else ordered[:limit])

    def prepare_pickers(self, *, then: Callable[[], None] | None = None) -> threading.Thread:
        """On a thread: build the forms' recent-first employer and job-seeker lists now (kept until
        a record they read changes), e.g. after the first Today, so the first form open finds them
        built; then call `then`. They are built under the cache's lock, so a tap that reads them
        meanwhile waits for them rather than building them twice."""

        def run() -> None:
            self.recent_employers(0)
            self.recent_job_seekers(0)
            if then is not None:
                then()

        thread = threading.Thread(target=run, name="prepare-pickers", daemon=True)
        thread.start()
        return thread

    def _by_last_use(self, name: str, records: list[R]) -> list[R]:
        """`records` (in their order), the most recently used first: the last use of each is kept
        record by record (an index), so a save does not go through every visit again."""
        with self._cache.lock:
            groups = self._cache.index(name, lambda: SortedGroups(USE_KINDS, _USES[name])).groups
            last_used = {record_id: keys[-1][0] for record_id, keys in groups.items()}
        used = sorted((r for r in records if r.id in last_used), key=lambda r: last_used[r.id], reverse=True)
        return used + [r for r in records if r.id not in last_used]

    def visits_to(self, employer_id: str) -> list[EmployerVisit]:
        """This employer's visits, the latest first."""
        with self._cache.lock:
            keys = list(self._visits_by_employer().groups.get(employer_id, ()))
            table = self._cache.table("employer_visit")
            found = [table[record_id].record for _at, record_id in reversed(keys)]
        return [visit for visit in found if isinstance(visit, EmployerVisit)]

    # -- what is due ---------------------------------------------------------------------------

    def due_items(self, today: date, *, horizon_days: int = 0) -> list[DueItem]:
        """Next steps and check-ins due by `today` (+ horizon), overdue first, then by date."""
        return list(
            self._memo(
                ("due", today, horizon_days),
                lambda: self._due_items(today, horizon_days),
                "employer_visit",
                "support_check_in",
                "job_seeker",
                "employer",
            )
        )

    def _due_items(self, today: date, horizon_days: int) -> list[DueItem]:
        """The next steps' part comes from an index kept record by record (a save moves only its
        own visit), the check-ins' part is kept until a check-in or job seeker changes; the two
        sorted parts are merged, next steps first among equals."""
        steps = self._due_steps(today, horizon_days)
        check_ins: list[DueItem] = self._memo(
            ("due_check_ins", today, horizon_days),
            lambda: self._due_check_ins(today, horizon_days),
            "support_check_in",
            "job_seeker",
        )
        if not check_ins:
            return steps
        last = self._due_merged
        if last is not None and last[0] is steps and last[1] is check_ins:
            return last[2]
        merged = list(heapq.merge(steps, check_ins, key=_due_order))
        self._due_merged = (steps, check_ins, merged)
        return merged

    def _due_steps(self, today: date, horizon_days: int) -> list[DueItem]:
        """Open next steps due by the horizon, in `_due_order` (ties: the latest visit first, then by id)."""
        last_day = date.fromordinal(today.toordinal() + horizon_days)
        with self._cache.lock:
            employers = self._employers_by_id()
            index = self._cache.index(
                "due_steps",
                lambda: Sorted(("employer_visit",), _due_step_key, reads=("employer",), stale=_renamed),
            )
            stamp = (today, index.changes)
            last = self._due_steps_made.get(horizon_days)
            if last is not None and last[0] == stamp and last[1] is index and last[2] is employers:
                return last[3]
            end = bisect.bisect_right(index.keys, last_day, key=lambda key: key[0][0])
            table = self._cache.table("employer_visit")
            made = self._step_items if self._step_items_day == today else {}
            items: list[DueItem] = []
            for _key, _kind, record_id in index.keys[:end]:
                visit = table[record_id].record
                assert isinstance(visit, EmployerVisit)
                held = made.get(record_id)
                if held is None or held[0] is not visit or held[1] is not employers:
                    held = (visit, employers, _next_step_item(visit, employers, today))
                    made[record_id] = held
                items.append(held[2])
            self._step_items, self._step_items_day = made, today
            self._due_steps_made[horizon_days] = (stamp, index, employers, items)
        return items

    def _due_check_ins(self, today: date, horizon_days: int) -> list[DueItem]:
        last_day = date.fromordinal(today.toordinal() + horizon_days)
        items: list[DueItem] = []
        latest_check_in: dict[str, SupportCheckIn] = {}
        for check_in in self.check_ins():
            current_check_in = latest_check_in.get(check_in.job_seeker_id)
            if current_check_in is None or _sort_time(check_in.occurred_at) > _sort_time(
                current_check_in.occurred_at
            ):
                latest_check_in[check_in.job_seeker_id] = check_in
        for seeker in self.job_seekers():
            due = self._check_in_due(seeker, latest_check_in.get(seeker.id), today)
            if due is None or due[0] > last_day:
                continue
            due_on, why = due
            items.append(
                DueItem(
                    kind="check_in" if why == "planned" else "support",
                    title=seeker.code,
                    detail="Planned check-in" if why == "planned" else "In-work support due",
                    due_on=due_on,
                    overdue=due_on < today,
                    record_kind="job_seeker",
                    record_id=seeker.id,
                )
            )
        return sorted(items, key=_due_order)

    def open_next_steps(self, employer_id: str | None = None) -> list[EmployerVisit]:
        """Every open next step (of one employer, if given), soonest first; undated ones last.
        Every visit counts, not only the latest: a later visit without a next step closes nothing."""

        def compute() -> list[EmployerVisit]:
            with self._cache.lock:
                index = self._cache.index(
                    "open_next_steps", lambda: Sorted(("employer_visit",), _open_step_key)
                )
                table = self._cache.table("employer_visit")
                visits = [table[record_id].record for _key, _kind, record_id in index.keys]
            return [visit for visit in visits if isinstance(visit, EmployerVisit)]

        every: list[EmployerVisit] = self._memo("open_next_steps", compute, "employer_visit")
        return [visit for visit in every if employer_id is None or visit.employer_id == employer_id]

    def close_next_step(self, visit_id: str, *, done: bool) -> StoredRecord:
        """Mark a visit's next step done (today) or dismissed: an edit of that visit, so it syncs."""
        visit = self.load("employer_visit", visit_id)
        if not isinstance(visit, EmployerVisit):
            raise ValidationError({"id": "this visit is no longer on the phone"})
        if done:
            return self.save(replace(visit, next_step_done_on=self.clock.now().date()))
        return self.save(replace(visit, next_step_dismissed=True))

    # -- archive and undo ------------------------------------------------------------------------

    def archive_refusal(self, kind: str, record_id: str) -> str | None:
        """Why this record cannot be archived from the phone, or None when it can. Only the
        specialist's own records: a phone holds no one else's visits, openings, check-ins or job
        seekers (the pull sends none), but employers are the team's shared directory."""
        if kind not in ARCHIVABLE_KINDS:
            return "Employers are shared by the team, so they are not archived from a phone."
        stored = self.store.get(kind, record_id)
        if stored is None or stored.deleted:
            return "This record is not on this phone."
        if kind == "job_seeker" and self._named_anywhere(record_id):
            return (
                "Jobs, visits, openings or check-ins name this job seeker: set their status to Ended"
                " instead, or archive a job entered by mistake first."
            )
        return None

    def archive(self, kind: str, record_id: str) -> StoredRecord:
        """Archive a record (a delete that syncs as a tombstone); returns it as it was, for `restore`.
        Raises ValidationError with the reason when `archive_refusal` has one."""
        refusal = self.archive_refusal(kind, record_id)
        if refusal is not None:
            raise ValidationError({"record": refusal})
        archived = self.store.get(kind, record_id)
        assert archived is not None
        self.store.delete(kind, record_id, op_id=self.new_id(), queued_at=self.clock.now().isoformat())
        if kind == "job":
            self.seeker_in_step_with_jobs(str(archived.data.get("job_seeker_id", "")))
        if self.on_saved is not None:
            self.on_saved()
        return archived

    def restore(self, archived: StoredRecord) -> StoredRecord:
        """Undo `archive`, whether its delete is still queued, on the air or applied by the server."""
        restored = self.store.restore(archived, op_id=self.new_id(), queued_at=self.clock.now().isoformat())
        if archived.kind == "job":
            self.seeker_in_step_with_jobs(str(archived.data.get("job_seeker_id", "")))
        if self.on_saved is not None:
            self.on_saved()
        return restored

    def seeker_in_step_with_jobs(self, seeker_id: str) -> JobSeeker | None:
        """After one of their jobs is saved, archived or restored, the job seeker's status as their
        live jobs now say (app.domain.jobs.seeker_after_jobs_change): archiving the only current
        job, entered by mistake, must not leave them "Working" for no job. Returns the job seeker
        when their record is refused for a reason of its own (a code in a format the team has since
        changed): it stays as it was, and the job's change stands either way."""
        seeker = self.job_seekers_by_id().get(seeker_id)
        if seeker is None:
            return None
        updated = seeker_after_jobs_change(seeker, self.all("job", Job))
        if updated == seeker:
            return None
        try:
            self.save(updated)
        except (ValidationError, DisclosureRefused, StoreError):
            return seeker
        return None

    def _named_anywhere(self, seeker_id: str) -> bool:
        return (
            any(seeker_id in visit.job_seeker_ids for visit in self.visits())
            or any(seeker_id in opening.job_seeker_ids for opening in self.openings())
            or any(check_in.job_seeker_id == seeker_id for check_in in self.check_ins())
            # An archived seeker's jobs would stay live, counted as work for no one on the caseload.
            or any(job.job_seeker_id == seeker_id for job in self.all("job", Job))
        )

    @staticmethod
    def _check_in_due(seeker: JobSeeker, last: SupportCheckIn | None, today: date) -> tuple[date, str] | None:
        """The earliest of the planned next check-in and the IPS support schedule, for a worker."""
        candidates: list[tuple[date, str]] = []
        if last is not None and last.next_check_in_on is not None:
            candidates.append((last.next_check_in_on, "planned"))
        if seeker.status is SeekerStatus.WORKING and seeker.job_started_on is not None:
            last_on = last.occurred_at.date() if last is not None and last.occurred_at else None
            due = next_support_due(job_started_on=seeker.job_started_on, last_contact_on=last_on)
            candidates.append((due, "support"))
        if seeker.status is SeekerStatus.ENDED or not candidates:
            return None
        return min(candidates)

    # -- recent activity -----------------------------------------------------------------------

    def recent_activity(self, limit: int = 10) -> list[Activity]:
        return list(
            self._memo(
                ("recent", limit),
                lambda: self._recent_activity(limit),
                "employer",
                "job_seeker",
                *ACTIVITY_KINDS,
            )
        )

    def _recent_activity(self, limit: int) -> list[Activity]:
        employers = self._employers_by_id()
        seekers = self.job_seekers_by_id()
        with self._cache.lock:
            # Newest first, kept in order record by record: only the rows shown are read.
            timeline = self._cache.index(
                "activity",
                lambda: Timeline(ACTIVITY_KINDS, lambda record: _sort_time(_activity_time(record))),
            )
            entries = [
                (kind, self._cache.table(kind)[record_id]) for kind, record_id in timeline.newest(limit)
            ]
        rows: list[Activity] = []
        for kind, entry in entries:
            assert entry.record is not None
            title, detail, at = describe_record(entry.record, employers=employers, seekers=seekers)
            rows.append(Activity(kind, entry.record.id, title, detail, at, entry.sync_state))
        return rows


def _due_order(item: DueItem) -> tuple[date, str]:
    return item.due_on, item.title.casefold()


def _employer_name(employer_id: str, tables: dict[str, Table]) -> str:
    entry = tables["employer"].get(employer_id)
    return (
        entry.record.name if entry is not None and isinstance(entry.record, Employer) else "Unknown employer"
    )


def _due_step_key(_kind: str, visit: Any, tables: dict[str, Table]) -> tuple[Any, ...] | None:
    """A dated open next step's place among the due rows (`_due_order`, then as open_next_steps)."""
    if not (isinstance(visit, EmployerVisit) and visit.next_step_on is not None and next_step_open(visit)):
        return None
    title = _employer_name(visit.employer_id, tables)
    return visit.next_step_on, title.casefold(), -_sort_time(visit.occurred_at)


def _open_step_key(_kind: str, visit: Any, _tables: dict[str, Table]) -> tuple[Any, ...] | None:
    if not (isinstance(visit, EmployerVisit) and next_step_open(visit)):
        return None
    return visit.next_step_on or date.max, -_sort_time(visit.occurred_at)


def _renamed(_kind: str, old: CachedRecord | None, new: CachedRecord | None) -> bool:
    """An employer change that changes a due row's title (and so its place)."""

    def name(entry: CachedRecord | None) -> str | None:
        return entry.record.name if entry is not None and isinstance(entry.record, Employer) else None

    return name(old) != name(new)


def _next_step_item(visit: EmployerVisit, employers: dict[str, Employer], today: date) -> DueItem:
    assert visit.next_step_on is not None
    employer = employers.get(visit.employer_id)
    return DueItem(
        kind="next_step",
        title=employer.name if employer else "Unknown employer",
        detail=visit.next_step or "Next step",
        due_on=visit.next_step_on,
        overdue=visit.next_step_on < today,
        record_kind="employer_visit",
        record_id=visit.id,
    )


def describe_record(
    record: Record, *, employers: dict[str, Employer], seekers: dict[str, JobSeeker]
) -> tuple[str, str, datetime | None]:
    """(title, detail, when) of a record, for lists."""

    def employer_name(employer_id: str | None) -> str:
        employer = employers.get(employer_id or "")
        return employer.name if employer else "Unknown employer"

    def seeker_codes(ids: Iterable[str]) -> str:
        return ", ".join(seekers[i].code for i in ids if i in seekers)

    if isinstance(record, EmployerVisit):
        mode = "Visit" if record.contact_mode.value == "face_to_face" else label(record.contact_mode)
        who = seeker_codes(record.job_seeker_ids)
        behalf = seeker_codes(record.undisclosed_job_seeker_ids)  # the specialist's own list only
        detail = f"{mode} · {label(record.purpose)}" + (f" · {who}" if who else "")
        detail += f" · on behalf, not disclosed: {behalf}" if behalf else ""
        return employer_name(record.employer_id), detail, record.occurred_at or record.updated_at
    if isinstance(record, JobOpening):
        return (
            record.title or "Job opening",
            f"Opening at {employer_name(record.employer_id)} · {label(record.status)}",
            record.updated_at,
        )
    if isinstance(record, SupportCheckIn):
        seeker = seekers.get(record.job_seeker_id)
        return (
            seeker.code if seeker else "Unknown worker",
            f"Check-in with {label(record.with_whom).lower()}",
            record.occurred_at or record.updated_at,
        )
    if isinstance(record, Employer):
        return record.name, f"Employer · {record.sector or 'no sector'}", record.updated_at
    if isinstance(record, JobSeeker):
        return record.code, f"Job seeker · {label(record.status)}", record.updated_at
    if isinstance(record, Job):
        seeker = seekers.get(record.job_seeker_id)
        ended = f" · ended {record.ended_on:%-d %b %Y}" if record.ended_on else ""
        return (
            record.title or "Job",
            f"{seeker.code if seeker else 'Unknown worker'} at {employer_name(record.employer_id)}{ended}",
            record.updated_at,
        )
    return kind_of(record), "", record.updated_at


def _activity_time(record: Record | None) -> datetime | None:
    """The time `describe_record` gives an activity row."""
    if isinstance(record, EmployerVisit | SupportCheckIn):
        return record.occurred_at or record.updated_at
    return record.updated_at if record is not None else None


def _sort_time(value: datetime | None) -> float:
    return value.timestamp() if value is not None else float("-inf")


def _used_at(record: Any) -> datetime | None:
    """When a visit, opening or check-in used its employer and job seekers."""
    if isinstance(record, EmployerVisit | SupportCheckIn):
        return record.occurred_at or record.updated_at
    return record.updated_at if isinstance(record, JobOpening) else None


def _employer_uses(_kind: str, record: Any) -> list[tuple[str, tuple[Any, ...]]]:
    at = _used_at(record)
    employer_id = getattr(record, "employer_id", None)
    return [(employer_id, (at.timestamp(), record.id))] if employer_id and at is not None else []


def _seeker_uses(_kind: str, record: Any) -> list[tuple[str, tuple[Any, ...]]]:
    at = _used_at(record)
    if at is None:
        return []
    if isinstance(record, SupportCheckIn):
        ids: Iterable[str] = [record.job_seeker_id] if record.job_seeker_id else []
    else:
        ids = dict.fromkeys(getattr(record, "job_seeker_ids", ()))
    return [(seeker_id, (at.timestamp(), record.id)) for seeker_id in ids if seeker_id]


_USES = {"employer_use": _employer_uses, "seeker_use": _seeker_uses}
