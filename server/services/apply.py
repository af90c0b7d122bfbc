"""Deciding each pushed operation against the batch's working set, in memory.

`Batch.apply` returns the operation's result and records what must be written: new or changed
records (`changed_in_order`), history rows (`versions`) and results to keep (`applied`). It runs
inside the push transaction after the team lock is taken, so what it reads is current.
Ownership is the server's: a new record belongs to the pushing device's user; employers are shared
by the team, every other record may only be changed by the specialist who owns it.
"""

from __future__ import annotations

import functools
import math
import typing
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from app.domain.code_format import CodeFormat
from app.domain.codec import from_dict, record_from_dict
from app.domain.errors import DisclosureRefused, ValidationError
from app.domain.identity import CODE_TAKEN, code_key
from app.domain.records import EmployerDisclosure, Geotag, JobSeeker, Record, SupportCheckIn
from app.domain.rules import DisclosureBook, check_disclosure
from app.domain.validation import CODE_FORMAT, NOT_THIS_WORKERS_JOB, validate
from server.services.accounts import Principal
from server.services.canonical import decode_as_sent, encode
from server.services.derived import location_columns, map_columns, metric_columns, review_columns
from server.services.merge import fields_changed_by_others, merge_fields, user_fields
from server.services.operations import as_replay, rejected
from sync.protocol import FieldConflict, Operation, OperationResult

SHARED_KINDS = frozenset({"employer"})
# The `conflicts` of a version without any: one object, so a write serialises it once
# (server.services.bulk.JsonTexts); stored as [] like any empty list.
NO_CONFLICTS: tuple[dict[str, Any], ...] = ()
NOT_ON_CASELOAD = "names a job seeker who is not on your caseload"


class Version(NamedTuple):
    """One stored version of a record, as a stale edit's merge needs it."""

    data: dict[str, Any] | None
    device_id: str | None  # the device that made it (None: a person on the web, an import)
    device_data: dict[str, Any] | None = None  # what that device sent, where `data` differs (a merge)

    @property
    def sent(self) -> dict[str, Any] | None:
        return self.data if self.device_data is None else self.device_data


History = dict[int, Version]


class StoredRecord(Protocol):
    """A `records` row as RecordState.from_row reads it: a row of RecordState.COLUMNS, or a RecordRow."""

    @property
    def record_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def owner_user_id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def data(self) -> dict[str, Any] | None: ...
    @property
    def deleted(self) -> bool: ...
    @property
    def flagged(self) -> bool: ...
    @property
    def pk(self) -> int | None: ...
    @property
    def seq(self) -> int: ...
    @property
    def updated_at(self) -> datetime | None: ...
    @property
    def changed_by_device_id(self) -> str | None: ...


@dataclass(eq=False)
class RecordState:
    record_id: str
    kind: str
    owner_user_id: str
    version: int
    data: dict[str, Any] | None
    deleted: bool = False
    flagged: bool = False
    pk: int | None = None
    seq: int = 0
    updated_at: datetime | None = None
    changed_by_device_id: str | None = None

    # What a push reads of each `records` row it touches (plain columns, not ORM objects).
    COLUMNS = (
        "record_id",
        "kind",
        "owner_user_id",
        "version",
        "data",
        "deleted",
        "flagged",
        "pk",
        "seq",
        "updated_at",
        "changed_by_device_id",
    )

    @classmethod
    def from_row(cls, row: StoredRecord) -> RecordState:
        return cls(
            record_id=row.record_id,
            kind=row.kind,
            owner_user_id=row.owner_user_id,
            version=row.version,
            data=row.data,
            deleted=row.deleted,
            flagged=row.flagged,
            pk=row.pk,
            seq=row.seq,
            updated_at=row.updated_at,
            changed_by_device_id=row.changed_by_device_id,
        )

    def row_values(self, *, team_id: str) -> dict[str, Any]:
        return {
            "team_id": team_id,
            "record_id": self.record_id,
            "kind": self.kind,
            "owner_user_id": self.owner_user_id,
            "version": self.version,
            "data": self.data,
            "deleted": self.deleted,
            "flagged": self.flagged,
            "seq": self.seq,
            "updated_at": self.updated_at,
            "changed_by_device_id": self.changed_by_device_id,
            **review_columns(self.kind, self.data),
            **metric_columns(self.kind, self.data),
            **location_columns(self.kind, self.data),
            **map_columns(self.kind, self.data),
        }


@dataclass(eq=False)
class Batch:
    principal: Principal
    now: datetime
    replays: dict[str, OperationResult] = field(default_factory=dict)
    records: dict[str, RecordState] = field(default_factory=dict)
    history: dict[str, History] = field(default_factory=dict)
    job_seekers: dict[str, JobSeeker] = field(default_factory=dict)
    # Per-employer disclosure decisions of those job seekers (and of decisions in the push), by
    # record id, kept current as the batch applies decisions; `disclosure_book()` reads them.
    decisions: dict[str, EmployerDisclosure] = field(default_factory=dict)
    code_format: CodeFormat = CODE_FORMAT  # the team's job-seeker code format (server.services.code_formats)
    # code_key(code) -> a live job seeker of the team with it (server.services.seeker_codes), kept
    # current as the batch creates, recodes and archives job seekers.
    code_keys: dict[str, str] = field(default_factory=dict)
    # Named job seekers on another specialist's caseload: a specialist may not name them, and is
    # told nothing about them (neither their code nor their disclosure choice).
    others_seekers: set[str] = field(default_factory=set)
    # job id -> its job seeker, for the team's live jobs the batch's check-ins name
    # (server.services.checkin_jobs), kept current as the batch creates, changes and deletes jobs.
    jobs: dict[str, str] = field(default_factory=dict)
    versions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    applied: list[OperationResult] = field(default_factory=list)
    _changed: dict[str, RecordState] = field(default_factory=dict)
    _decided: dict[str, OperationResult] = field(default_factory=dict)
    _book: DisclosureBook | None = None

    def apply(self, op: Operation) -> OperationResult:
        earlier = self.replays.get(op.op_id)
        if earlier is not None:
            return earlier
        decided = self._decided.get(op.op_id)
        if decided is not None:  # the same op twice in one batch: rare, so converted only then
            return as_replay(decided)
        result = self._decide(op)
        self.applied.append(result)
        self._decided[op.op_id] = result
        return result

    def disclosure_book(self) -> DisclosureBook:
        """The decisions as they stand at this point of the batch."""
        if self._book is None:
            self._book = DisclosureBook.of(self.decisions.values())
        return self._book

    def last_live(self, record_id: str) -> dict[str, Any] | None:
        """The record's data, or for an archived one the last version that had data (what restoring
        it brings back; server.services.checkin_jobs loads it for archived check-ins)."""
        state = self.records.get(record_id)
        if state is None or not state.deleted:
            return state.data if state is not None else None
        history = self.history.get(record_id, {})
        live = [v for v, version in history.items() if v < state.version and version.data is not None]
        return history[max(live)].data if live else None

    def changed_in_order(self) -> list[RecordState]:
        """Changed records in the order of their last change (so seqs follow the batch order)."""
        return list(self._changed.values())

    def flag(self, state: RecordState, *, conflicts: list[dict[str, Any]]) -> None:
        """A version the server makes itself, with no operation: the same data, flagged for the
        supervisor, `conflicts` saying why (server.services.disclosure_sweep). Its change reaches
        every device, the owner's too."""
        assert state.data is not None
        state.version += 1
        state.data = {**state.data, "version": state.version}
        state.flagged = True
        state.updated_at = self.now
        state.changed_by_device_id = None
        self._changed.pop(state.record_id, None)
        self._changed[state.record_id] = state
        self.history.setdefault(state.record_id, {})[state.version] = Version(state.data, None)
        self.versions.append(
            (
                state.record_id,
                {
                    "version": state.version,
                    "data": state.data,
                    "deleted": False,
                    "op_id": None,
                    "author_user_id": self.principal.user_id,
                    "author_device_id": None,
                    "conflicts": conflicts,
                    "device_data": None,
                    "created_at": self.now,
                },
            )
        )

    def _decide(self, op: Operation) -> OperationResult:
        state = self.records.get(op.record_id)
        if state is not None and state.kind != op.kind:
            return rejected(op, {"kind": f"this record id is already used by a {state.kind}"})
        if (
            state is not None
            and state.kind not in SHARED_KINDS
            and state.owner_user_id != self.principal.user_id
        ):
            return rejected(op, {"record_id": "this record belongs to another specialist"})
        known = state.version if state is not None else 0
        if op.base_version > known:
            return rejected(
                op, {"base_version": f"the server has no version {op.base_version} of this record"}
            )
        if op.delete:
            return self._delete(op, state)
        read = self._read_record(op, known=state.data if state is not None else None)
        if isinstance(read, OperationResult):
            return read
        canonical, as_sent = read
        if state is None:
            return self._create(op, canonical, as_sent=as_sent)
        if state.deleted and op.base_version < state.version:
            archived = self._archived_by_this_device(op, state)
            if archived is None:
                return self._edit_after_delete(op, state, canonical)
            return self._edit(op, state, canonical, live=archived)  # its undo: restored
        return self._edit(op, state, canonical)

    def _read_record(
        self, op: Operation, *, known: dict[str, Any] | None
    ) -> tuple[dict[str, Any], bool] | OperationResult:
        """(the record's canonical data, whether it is exactly the operation's data), or the
        operation's rejection."""
        data = op.data or {}
        if known and not known.keys() <= data.keys():
            # A field the edit does not carry is one its app does not know (an older version):
            # it keeps the server's value instead of being read as cleared.
            data = {**known, **data}
        if data.get("id") not in (None, "", op.record_id):
            return rejected(op, {"id": "does not match the operation's record_id"})
        try:
            record, encoded = decode_as_sent(op.kind, data)  # from_dict, by the record's declared types
        except ValidationError as exc:
            return rejected(op, exc.errors)
        except ArithmeticError:  # float(10**400)
            return rejected(op, {"data": "a number is out of range"})
        errors = validate(record, now=self.now, code_format=self.code_format) | _non_finite(record)
        if errors:
            return rejected(op, errors)
        taken = self._code_taken(op, record, known)
        if taken:
            return rejected(op, taken)
        foreign = self._others_seekers_named(record)
        if foreign:
            return rejected(op, foreign)
        wrong_job = self._wrong_job(record, known if known is not None else self.last_live(op.record_id))
        if wrong_job:
            return rejected(op, wrong_job)
        try:
            check_disclosure(record, self.job_seekers, self.disclosure_book())
        except DisclosureRefused as exc:
            return rejected(op, {"disclosure_reason": str(exc)})
        # to_dict(record), encoded by the record's declared types; or the data itself when that
        # is what encoding it gives (server.services.canonical.decode_as_sent)
        canonical = dict(data) if encoded else encode(record)
        as_sent = encoded and data is op.data and data["id"] == op.record_id
        canonical["id"] = op.record_id  # what to_dict(replace(record, id=...)) gives, without a copy
        if canonical.get("created_at") is None:
            canonical["created_at"] = self.now.isoformat()
            as_sent = False
        return canonical, as_sent

    def _code_taken(self, op: Operation, record: Record, known: dict[str, Any] | None) -> dict[str, str]:
        """A job seeker's new or changed code that another live job seeker of the team has, ignoring
        case and spaces: refused naming no one (server.services.seeker_codes)."""
        if not isinstance(record, JobSeeker):
            return {}
        key = code_key(record.code)
        if not key or (known is not None and code_key(str(known.get("code", ""))) == key):
            return {}
        holder = self.code_keys.get(key)
        return {"code": CODE_TAKEN} if holder is not None and holder != op.record_id else {}

    def _others_seekers_named(self, record: Record) -> dict[str, str]:
        """Field errors for job seekers of another specialist's caseload (supervisors see the whole
        team, so they may name anyone): the same words whatever that seeker's code or consent."""
        if self.principal.sees_whole_team or not self.others_seekers:
            return {}
        named = {
            "job_seeker_ids": set(getattr(record, "job_seeker_ids", ())),
            "undisclosed_job_seeker_ids": set(getattr(record, "undisclosed_job_seeker_ids", ())),
            "job_seeker_id": {getattr(record, "job_seeker_id", "")},
        }
        return {name: NOT_ON_CASELOAD for name, ids in named.items() if ids & self.others_seekers}

    def _wrong_job(self, record: Record, known: dict[str, Any] | None) -> dict[str, str]:
        """A check-in's job must be a live job of the team held by the check-in's worker: the same
        words whether it is another seeker's, another team's or no job at all. Checked only when the
        job or the worker changes, so an old check-in whose job was deleted since can still be edited."""
        if not isinstance(record, SupportCheckIn) or not record.job_id:
            return {}
        if (
            known is not None
            and known.get("job_id") == record.job_id
            and known.get("job_seeker_id") == record.job_seeker_id
        ):
            return {}
        if self.jobs.get(record.job_id) == record.job_seeker_id:
            return {}
        return {"job_id": NOT_THIS_WORKERS_JOB}

    def _create(self, op: Operation, canonical: dict[str, Any], *, as_sent: bool) -> OperationResult:
        """`as_sent`: `canonical` is the operation's data, key for key and type for type."""
        state = RecordState(
            record_id=op.record_id,
            kind=op.kind,
            owner_user_id=self.principal.user_id,
            version=0,
            data=None,
        )
        self.records[op.record_id] = state
        version = canonical.get("version")
        # Stored as sent (a phone stamps a new record version 1): nothing to send back.
        echo = not (as_sent and type(version) is int and version == 1)
        return self._new_version(op, state, {**canonical, "version": 1}, echo=echo)

    def _delete(self, op: Operation, state: RecordState | None) -> OperationResult:
        if state is None:  # never reached the server: nothing to tell anyone
            return OperationResult(op_id=op.op_id, kind=op.kind, record_id=op.record_id, status="applied")
        if state.deleted:
            return self._result(op, state, "applied")
        return self._new_version(op, state, None)

    def _archived_by_this_device(
        self, op: Operation, state: RecordState
    ) -> tuple[int, dict[str, Any]] | None:
        """(version, data) the record had before its tombstone, when that tombstone is a delete this
        device pushed (the specialist's Archive): an edit from the same device on an older base is
        its undo (sent before or after the delete's answer arrived), so it restores the record."""
        history = self.history.get(op.record_id, {})
        tombstone, before = history.get(state.version), history.get(state.version - 1)
        if tombstone is None or before is None or before.data is None:
            return None
        if tombstone.device_id != self.principal.device_id or tombstone.device_data is not None:
            return None  # someone else's delete, or an edit that already lost to one
        return state.version - 1, before.data

    def _edit_after_delete(
        self, op: Operation, state: RecordState, canonical: dict[str, Any]
    ) -> OperationResult:
        """An edit made before the device learned of a delete (another device's archive): the
        delete stands, the edit is kept in the history; the device's next save, on the tombstone's
        version, restores the record."""
        conflict = FieldConflict(field="record", kept=None, other=canonical)
        message = (
            "the record was archived on another phone; your copy is kept in its history."
            " Save it again to bring the record back"
        )
        return self._new_version(
            op, state, None, conflicts=[conflict], message=message, device_data=canonical
        )

    def _edit(
        self,
        op: Operation,
        state: RecordState,
        canonical: dict[str, Any],
        *,
        live: tuple[int, dict[str, Any]] | None = None,
    ) -> OperationResult:
        """`live`: the version and data before a tombstone this edit undoes (merged against them)."""
        top, current = live if live is not None else (state.version, state.data or {})
        if op.base_version == top:
            base: dict[str, Any] = current
            changed_by_others: set[str] = set()
        else:
            base, changed_by_others = self._stale_base(op, canonical, top=top, current=current)
        merged = merge_fields(
            base=base, current=current, device=canonical, changed_by_others=changed_by_others
        )
        if not merged.took_device_value and not merged.has_conflicts and not state.deleted:
            return self._result(op, state, "applied")
        if changed_by_others and merged.took_device_value:
            # Each side was valid on its own; their combination may not be (a job seeker named on
            # one side, the disclosure reason cleared on the other).
            problem = self._combination_problem(op.kind, merged.data, current=current)
            if problem is not None:
                return self._keep_server_copy(op, state, base, canonical, problem, current=current)
        data = dict(merged.data)
        data["id"] = op.record_id
        data["created_at"] = current.get("created_at", canonical.get("created_at"))
        data["updated_at"] = (
            canonical.get("updated_at") if merged.took_device_value else current.get("updated_at")
        )
        data["version"] = state.version + 1
        message = (
            "the same field was changed on the server; its value was kept" if merged.has_conflicts else None
        )
        return self._new_version(
            op, state, data, conflicts=merged.conflicts, message=message, device_data=canonical
        )

    def _stale_base(
        self, op: Operation, canonical: dict[str, Any], *, top: int, current: dict[str, Any]
    ) -> tuple[dict[str, Any], set[str]]:
        """(what this device's edit is compared with, the fields others changed since its base).

        Others' changes count from `base_version`, the last version the device saw. The device's own
        change is read against what it sent last: if a version after the base came from this device,
        its answer never reached the device (lost, or the op was replaced by a newer save while in
        flight), and the edit was made on top of what the device sent then, not on the base. Reading
        it against the base instead would take the device's stale copies of others' values as its own
        changes: a lost update, or, from an empty base (base_version 0), false conflicts.
        `top` is the version the edit lands on: the current one, or for the undo of an archive the
        one before the tombstone (whose data is `current`).
        """
        history = self.history.get(op.record_id, {})
        later = [history[v] for v in range(op.base_version + 1, top + 1) if v in history]
        known_base = op.base_version == 0 or op.base_version in history
        base = (history[op.base_version].data or {}) if op.base_version in history else {}
        if len(later) != top - op.base_version or not known_base:
            # History incomplete: assume the worst, so nothing is overwritten unseen.
            return base, set(user_fields(current, canonical))
        changed_by_others = fields_changed_by_others(
            [(version.data, version.device_id) for version in later],
            base=base,
            device_id=self.principal.device_id,
        )
        own = [v.sent for v in later if v.device_id == self.principal.device_id and v.sent is not None]
        return (own[-1] if own else base), changed_by_others

    def _combination_problem(self, kind: str, data: dict[str, Any], *, current: dict[str, Any]) -> str | None:
        record = from_dict(kind, data)  # both sides were canonical, so this cannot fail
        errors = validate(record, now=self.now, code_format=self.code_format) | self._wrong_job(
            record, current
        )
        if errors:
            return "; ".join(f"{name}: {text}" for name, text in errors.items())
        try:
            check_disclosure(record, self.job_seekers, self.disclosure_book())
        except DisclosureRefused as exc:
            return f"disclosure_reason: {exc}"
        return None

    def _keep_server_copy(
        self,
        op: Operation,
        state: RecordState,
        base: dict[str, Any],
        canonical: dict[str, Any],
        problem: str,
        *,
        current: dict[str, Any],
    ) -> OperationResult:
        """The server's copy (`current`) stands whole; each field the device changed is kept as a
        conflict."""
        conflicts = [
            FieldConflict(field=name, kept=current.get(name), other=canonical.get(name))
            for name in user_fields(current, canonical)
            if canonical.get(name) != base.get(name) and canonical.get(name) != current.get(name)
        ]
        message = (
            f"your changes could not be combined with the server's copy ({problem}); the server's copy"
            " was kept and yours is in the record's history"
        )
        return self._new_version(
            op,
            state,
            {**current, "version": state.version + 1},
            conflicts=conflicts,
            message=message,
            device_data=canonical,
        )

    def _new_version(
        self,
        op: Operation,
        state: RecordState,
        data: dict[str, Any] | None,
        *,
        conflicts: list[FieldConflict] | None = None,
        message: str | None = None,
        device_data: dict[str, Any] | None = None,
        echo: bool = True,
    ) -> OperationResult:
        """`echo=False`: `data` is known to be what the device sent, so the result carries none."""
        conflicts = conflicts or []
        if device_data is not None and data is not None and not _differs(data, device_data):
            device_data = None  # stored as sent: the version's data says it
        state.version += 1
        state.data = data
        state.deleted = data is None
        state.flagged = state.flagged or bool(conflicts)
        state.updated_at = self.now
        # The push result tells this device the new state, so its pulls may skip the change; a
        # conflict (or an edit that lost to a delete) is also sent by pull, as before.
        state.changed_by_device_id = None if conflicts else self.principal.device_id
        self._changed.pop(state.record_id, None)
        self._changed[state.record_id] = state
        self.history.setdefault(state.record_id, {})[state.version] = Version(
            data, self.principal.device_id, device_data
        )
        if state.kind == "job_seeker":
            self.code_keys = {key: rid for key, rid in self.code_keys.items() if rid != state.record_id}
            if data is None:
                self.job_seekers.pop(state.record_id, None)
            else:
                self.job_seekers[state.record_id] = record_from_dict(JobSeeker, data)
                self.code_keys.setdefault(code_key(str(data.get("code", ""))), state.record_id)
        elif state.kind == "job":
            if data is None:
                self.jobs.pop(state.record_id, None)
            else:
                self.jobs[state.record_id] = str(data.get("job_seeker_id", ""))
        elif state.kind == "employer_disclosure":
            self._book = None
            if data is None:
                self.decisions.pop(state.record_id, None)
            else:
                self.decisions[state.record_id] = record_from_dict(EmployerDisclosure, data)
        self.versions.append(
            (
                state.record_id,
                {
                    "version": state.version,
                    "data": data,
                    "deleted": data is None,
                    "op_id": op.op_id,
                    "author_user_id": self.principal.user_id,
                    "author_device_id": self.principal.device_id,
                    "conflicts": [asdict(conflict) for conflict in conflicts] if conflicts else NO_CONFLICTS,
                    "device_data": device_data,
                    "created_at": self.now,
                },
            )
        )
        return self._result(
            op, state, "conflict" if conflicts else "applied", conflicts=conflicts, message=message, echo=echo
        )

    def _result(
        self,
        op: Operation,
        state: RecordState,
        status: str,
        *,
        conflicts: list[FieldConflict] | None = None,
        message: str | None = None,
        echo: bool = True,
    ) -> OperationResult:
        data = state.data if echo else None
        if status != "conflict" and data is not None and op.data is not None and same_json(data, op.data):
            data = None  # the server kept exactly what the device sent: the device keeps its copy
        return OperationResult(
            op_id=op.op_id,
            kind=op.kind,
            record_id=op.record_id,
            status="conflict" if status == "conflict" else "applied",
            version=state.version,
            data=data,
            conflicts=conflicts or [],
            message=message,
        )


def _differs(data: dict[str, Any], sent: dict[str, Any]) -> bool:
    return any(data.get(name) != sent.get(name) for name in user_fields(data, sent))


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON: unlike ==, 1 is not 1.0 or True (the device would keep the wrong spelling)."""
    if a != b:
        return False
    return _same_types(a, b)


def _same_types(a: Any, b: Any) -> bool:
    """Whether `a` and `b`, already equal, have the same JSON types throughout. A record is mostly
    plain values: each is compared in the loop (twice written out, as a call per value would cost
    more than the comparison), only a nested object or list costs a call."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        for key, value in a.items():
            other = b[key]
            kind = type(value)
            if kind is not type(other):
                return False
            if (kind is dict or kind is list) and not _same_types(value, other):
                return False
    elif type(a) is list:
        for value, other in zip(a, b, strict=True):  # equal lists: the same length
            kind = type(value)
            if kind is not type(other):
                return False
            if (kind is dict or kind is list) and not _same_types(value, other):
                return False
    return True


def _non_finite(record: Record) -> dict[str, str]:
    """Infinity is valid Python but not JSON; the codec accepts 1e400, so refuse it here."""
    errors: dict[str, str] = {}
    cls: type = type(record)  # plain `type`: what the functools cache takes
    floats, geotags = _float_fields(cls)
    for name in floats:
        value = getattr(record, name)
        if type(value) is float and not math.isfinite(value):
            errors[name] = "must be a finite number"
    for name in geotags:
        geotag = getattr(record, name)
        if isinstance(geotag, Geotag):
            for inner in _float_fields(Geotag)[0]:
                item = getattr(geotag, inner)
                if type(item) is float and not math.isfinite(item):
                    errors[f"{name}.{inner}"] = "must be a finite number"
    return errors


@functools.cache  # per record class
def _float_fields(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(fields declared float, fields declared Geotag) of a record class: the only fields the codec
    fills with a float (it decodes every field by its declared type and refuses a float for a
    whole number), so the only ones a non-finite number can reach."""
    hints = typing.get_type_hints(cls)
    floats = tuple(name for name, hint in hints.items() if float in (typing.get_args(hint) or (hint,)))
    geotags = tuple(name for name, hint in hints.items() if Geotag in (typing.get_args(hint) or (hint,)))
    return floats, geotags
