"""What must hold after a chaos run, read from the acknowledged-save logs, the phones' stores and
the API's database. Each finding is one sentence naming the record, field, value and phones."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.store import LocalStore
from server.db.models import AppliedOperation, RecordRow, RecordVersion
from sync.client import SyncClient
from sync.engine import SyncEngine, SyncReport
from tests.chaos.backend import TeamSetup
from tests.chaos.workload import TRACKED

FRESH_PAGE = 7  # small pages, so the fresh phone's pull crosses many page boundaries
Ack = dict[str, Any]
Key = tuple[str, str, Any]  # record id, field, value


@dataclass
class Findings:
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    applied_twice: list[str] = field(default_factory=list)
    false_conflicts: list[str] = field(default_factory=list)
    not_converged: list[str] = field(default_factory=list)
    fresh_pull: list[str] = field(default_factory=list)
    unclean_reopens: list[str] = field(default_factory=list)
    conflicts: int = 0  # conflicts the server recorded, false or not

    def problems(self) -> dict[str, list[str]]:
        names = ("lost", "duplicated", "applied_twice", "false_conflicts", "not_converged", "fresh_pull",
                 "unclean_reopens")  # fmt: skip
        return {name: getattr(self, name) for name in names if getattr(self, name)}


@dataclass
class Truth:
    """The team's records and history as the API's database holds them."""

    records: dict[str, dict[str, Any]]  # record id -> kind, owner, version, data, deleted, flagged
    versions: list[dict[str, Any]]  # record id, version, op_id, conflicts
    applied: list[tuple[str, str]]  # (user id, op id)

    @classmethod
    def read(cls, team: TeamSetup) -> Truth:
        with team.database.read() as session:
            rows = session.execute(select(RecordRow).where(RecordRow.team_id == team.team_id)).scalars()
            records = {
                row.record_id: {"pk": row.pk, "kind": row.kind, "owner": row.owner_user_id,
                                "version": row.version, "data": row.data, "deleted": row.deleted,
                                "flagged": row.flagged}
                for row in rows
            }  # fmt: skip
            by_pk = {record["pk"]: record_id for record_id, record in records.items()}
            history = session.execute(
                select(RecordVersion.record_pk, RecordVersion.version, RecordVersion.op_id,
                       RecordVersion.conflicts).where(RecordVersion.record_pk.in_(by_pk))
            ).all()  # fmt: skip
            applied = session.execute(select(AppliedOperation.user_id, AppliedOperation.op_id)).all()
        versions = [
            {"record": by_pk[pk], "version": version, "op_id": op_id, "conflicts": conflicts or []}
            for pk, version, op_id, conflicts in history
        ]
        return cls(records=records, versions=versions, applied=[(user, op) for user, op in applied])

    def visible_to(self, user_id: str) -> dict[str, dict[str, Any]]:
        return {
            record_id: record
            for record_id, record in self.records.items()
            if not record["deleted"] and (record["kind"] == "employer" or record["owner"] == user_id)
        }


def check_run(
    team: TeamSetup,
    *,
    saves: list[Ack],
    dumps: dict[str, dict[str, Any]],
    user_of: dict[str, str],
    fresh: dict[str, dict[str, Any]],
    reopens: list[tuple[str, dict[str, Any]]],
) -> Findings:
    truth = Truth.read(team)
    found = Findings()
    found.lost = lost_saves(saves, truth)
    found.duplicated = duplicates(truth)
    found.applied_twice = applied_twice(truth)
    found.false_conflicts, found.conflicts = false_conflicts(saves, truth)
    for phone, dump in sorted(dumps.items()):
        visible = truth.visible_to(team.users[user_of[phone]])
        found.not_converged += differences(phone, dump, visible)
    for user, dump in sorted(fresh.items()):
        found.fresh_pull += differences(f"fresh phone of {user}", dump, truth.visible_to(team.users[user]))
    found.unclean_reopens = [
        f"{who}: {ready}" for who, ready in reopens if ready.get("notes") or ready.get("lost")
    ]
    return found


def lost_saves(saves: list[Ack], truth: Truth) -> list[str]:
    """Every acknowledged record exists; every acknowledged value is the server's, or surfaced in a
    conflict, or was replaced by a save whose phone had seen it (acknowledged or not: a save that
    was under way when its phone was killed may have been stored, and may have reached the API)."""
    lost = []
    surfaced = {
        (version["record"], conflict.get("field"), json.dumps(conflict.get(side), sort_keys=True))
        for version in truth.versions
        for conflict in version["conflicts"]
        for side in ("other", "kept")
    }
    seen = {(save["record"], name, value) for save in saves for name, value in save["seen"].items()}
    writer = writers(saves)
    for ack in (save for save in saves if save["acked"]):
        record = truth.records.get(ack["record"])
        if record is None or record["deleted"] or record["data"] is None:
            if ack["create"]:
                lost.append(f"{ack['kind']} {ack['record']} created by {ack['phone']} is not on the server")
            continue
        for name, value in ack["values"].items():
            final = record["data"].get(name)
            if final == value or (ack["record"], name, json.dumps(value)) in surfaced:
                continue
            if (ack["record"], name, value) in seen:
                continue
            over = writer.get((ack["record"], name, final))
            by = describe(over)
            lost.append(
                f"{ack['kind']} {ack['record']} {name}={value!r} saved by {ack['phone']} (base "
                f"v{ack['base_version']}, {ack['base_state'] or 'new'}): the server holds {final!r} from "
                f"{by}, which had not seen it, and records no conflict"
            )
    return lost


def describe(save: Ack | None) -> str:
    if save is None:
        return "an unknown save"
    acked = "" if save["acked"] else "unacknowledged "
    return f"{save['phone']}'s {acked}save on base v{save['base_version']}"


def writers(saves: list[Ack]) -> dict[Key, Ack]:
    return {(save["record"], name, value): save for save in saves for name, value in save["values"].items()}


def duplicates(truth: Truth) -> list[str]:
    """Two records with the same content, or one unique value held by two records."""
    found = []
    by_content: dict[str, list[str]] = defaultdict(list)
    by_value: dict[tuple[str, Any], set[str]] = defaultdict(set)
    for record_id, record in truth.records.items():
        data = record["data"] or {}
        content = {k: v for k, v in data.items() if k not in ("id", "created_at", "updated_at", "version")}
        by_content[json.dumps([record["kind"], content], sort_keys=True)].append(record_id)
        for name in TRACKED[record["kind"]]:
            by_value[(name, data.get(name))].add(record_id)
    found += [f"records {sorted(ids)} have the same content" for ids in by_content.values() if len(ids) > 1]
    found += [
        f"{name}={value!r} is held by records {sorted(ids)}"
        for (name, value), ids in by_value.items()
        if len(ids) > 1 and value  # every tracked value a save sets is unique in the run
    ]
    return found


def applied_twice(truth: Truth) -> list[str]:
    found = []
    ops = Counter(version["op_id"] for version in truth.versions if version["op_id"])
    found += [f"op {op} made {count} versions" for op, count in ops.items() if count > 1]
    results = Counter(truth.applied)
    found += [f"op {op} of user {user} has {n} results" for (user, op), n in results.items() if n > 1]
    counts = Counter(version["record"] for version in truth.versions)
    found += [
        f"record {record_id} is at v{record['version']} with {counts[record_id]} versions stored"
        for record_id, record in truth.records.items()
        if counts[record_id] != record["version"]
    ]
    return found


def false_conflicts(saves: list[Ack], truth: Truth) -> tuple[list[str], int]:
    """Conflicts between values where one side had seen the other: the edits were not concurrent.
    (A value the losing device merely carried along, unchanged since it was replaced, is one.)"""
    writer = writers(saves)
    found, total = [], 0
    for version in truth.versions:
        for conflict in version["conflicts"]:
            total += 1
            record_id, name = version["record"], conflict.get("field")
            kept, other = conflict.get("kept"), conflict.get("other")
            loser = writer.get((record_id, name, _hashable(other)))
            winner = writer.get((record_id, name, _hashable(kept)))
            why = None
            if kept == other:
                why = "both sides hold the same value"
            elif loser is not None and loser["seen"].get(name) == kept:
                why = f"{loser['phone']} had seen {kept!r} when it saved {other!r}"
            elif winner is not None and winner["seen"].get(name) == other:
                why = f"{other!r} had already been replaced by {winner['phone']}, who had seen it"
            if why:
                found.append(f"v{version['version']} of {record_id}: conflict on {name} ({why})")
    return found, total


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def differences(who: str, dump: dict[str, Any], visible: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    if dump["pending"]:
        found.append(f"{who} still has {dump['pending']} changes queued")
    held = dump["records"]
    for record_id, record in visible.items():
        local = held.get(record_id)
        if local is None:
            found.append(f"{who} lacks {record['kind']} {record_id}")
        elif local["data"] != {"id": record_id, **record["data"]}:
            fields = sorted(
                name for name in set(local["data"]) | set(record["data"])
                if local["data"].get(name) != record["data"].get(name)
            )  # fmt: skip
            found.append(f"{who} holds {record['kind']} {record_id} with other {', '.join(fields)}")
        elif local["server_version"] != record["version"]:
            found.append(
                f"{who} holds {record_id} at v{local['server_version']}, the server v{record['version']}"
            )
    found += [f"{who} holds {record_id}, which it may not see" for record_id in set(held) - set(visible)]
    return found


def fresh_phone_dump(team: TeamSetup, api_url: str, proxy_url: str, user: str) -> dict[str, Any]:
    """A newly enrolled phone of `user` pulls everything in small pages through the healed proxy."""
    token = team.enroll(api_url, user, f"fresh phone of {user}")
    store = LocalStore.in_memory()
    client = SyncClient(proxy_url, token)
    try:
        SyncEngine(store, client, pull_limit=FRESH_PAGE).pull_changes(SyncReport())
        records = {
            record.data["id"]: {
                "kind": kind,
                "data": record.data,
                "server_version": record.sync.server_version,
            }
            for kind in TRACKED
            for record in store.all(kind)
        }
        return {"records": records, "pending": store.pending_count()}
    finally:
        client.close()
        store.close()
