"""Encryption at rest: job seekers' data never reaches the store's files in the clear."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.demo import load_demo
from app.domain.clock import FakeClock
from app.domain.enums import Disclosure
from app.domain.records import EmployerVisit, JobSeeker, SupportCheckIn
from app.records import RecordService
from app.store import LocalStore, StoreKeyError
from app.store.sealing import SEALED_LINE, SEALED_SNAPSHOT_MAGIC, Sealer, new_key, unescape_line

from .conftest import SEALED_KEY

# First names are allowed as codes; free text may name people too. None may reach the disk.
SEEDED = ("Aisling", "Tomasz", "KD-777", "CMHT Riverside", "panic attacks at interviews")


def service_on(store: LocalStore) -> RecordService:
    counter = itertools.count(1)
    clock = FakeClock(datetime(2026, 5, 4, 9, 30, tzinfo=UTC))
    return RecordService(store, clock=clock, new_id=lambda: f"00000000-0000-4000-8000-{next(counter):012d}")


def seed(store: LocalStore) -> None:
    service = service_on(store)
    load_demo(service)
    aisling = service.save(
        JobSeeker(code="Aisling", referral_date=date(2026, 4, 1), clinical_team="CMHT Riverside")
    )
    service.save(JobSeeker(code="Tomasz", referral_date=date(2026, 4, 2), disclosure=Disclosure.CONSENTED))
    service.save(
        JobSeeker(code="KD-777", referral_date=date(2026, 4, 3), avoid="panic attacks at interviews")
    )
    employer_id = store.all("employer")[0].data["id"]
    service.save(
        EmployerVisit(
            employer_id=employer_id,
            occurred_at=datetime(2026, 5, 4, 9, 0, tzinfo=UTC),
            outcome="Talked about Aisling's trial shift",
        )
    )
    service.save(
        SupportCheckIn(
            job_seeker_id=aisling.data["id"],
            occurred_at=datetime(2026, 5, 3, 12, 0, tzinfo=UTC),
            concerns="Tomasz mentioned panic attacks at interviews",
        )
    )


def raw_files(path: Path) -> bytes:
    return b"".join(file.read_bytes() for file in sorted(path.iterdir()) if file.is_file())


def names_on_disk(path: Path) -> list[str]:
    raw = raw_files(path)
    # Records are JSON with ASCII escapes in the snapshot and UTF-8 in the journal: check both.
    return [name for name in SEEDED if name.encode() in raw or name.encode("unicode_escape") in raw]


def demo_names() -> list[str]:
    store = LocalStore.in_memory()
    load_demo(service_on(store))
    return [record.data["code"] for record in store.all("job_seeker")]


def test_seeded_names_never_appear_in_the_raw_files(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with LocalStore.open(path, key=SEALED_KEY) as store:
        seed(store)
        assert names_on_disk(path) == []  # in the journal
        store._storage.compact()  # type: ignore[attr-defined]
        assert names_on_disk(path) == []  # in the snapshot and its backup
        # Two-letter codes ("Mo") turn up in any ciphertext by chance; longer ones must not.
        seed_codes = [code for code in demo_names() if len(code) >= 5]
        assert seed_codes and not any(code.encode() in raw_files(path) for code in seed_codes)
    with LocalStore.open(path, key=SEALED_KEY) as reopened:
        codes = {record.data["code"] for record in reopened.all("job_seeker")}
        assert {"Aisling", "Tomasz", "KD-777"} <= codes


def test_without_a_key_the_same_names_are_readable_on_disk(tmp_path: Path) -> None:
    """The check above can fail: a plaintext store does show the names."""
    path = tmp_path / "plain"
    with LocalStore.open(path) as store:
        seed(store)
    assert names_on_disk(path) == list(SEEDED)


def test_an_unencrypted_store_is_migrated_when_opened_with_a_key(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with LocalStore.open(path) as old:
        seed(old)
        before = {kind: old.all(kind) for kind in ("job_seeker", "employer_visit", "support_check_in")}
        outbox = old.outbox()
    with LocalStore.open(path, key=SEALED_KEY) as migrated:
        assert {kind: migrated.all(kind) for kind in before} == before
        assert migrated.outbox() == outbox
        assert migrated.recovery_notes == []  # a migration is not damage
    assert names_on_disk(path) == []
    assert (path / "snapshot.json").read_bytes().startswith(SEALED_SNAPSHOT_MAGIC)
    with LocalStore.open(path, key=SEALED_KEY) as reopened:
        assert {kind: reopened.all(kind) for kind in before} == before


def test_the_wrong_key_is_refused_and_nothing_is_touched(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with LocalStore.open(path, key=SEALED_KEY) as store:
        seed(store)
    files_before = {file.name: file.read_bytes() for file in path.iterdir()}
    with pytest.raises(StoreKeyError):
        LocalStore.open(path, key=new_key())
    with pytest.raises(StoreKeyError):
        LocalStore.open(path)  # no key at all
    assert {file.name: file.read_bytes() for file in path.iterdir()} == files_before
    with LocalStore.open(path, key=SEALED_KEY) as store:
        assert len(store.all("job_seeker")) >= 3


def test_a_journal_without_its_snapshot_still_refuses_a_wrong_key(tmp_path: Path) -> None:
    """With no snapshot to name the key, lines that do not decrypt are a wrong key, not damage."""
    path = tmp_path / "store"
    with LocalStore.open(path, key=SEALED_KEY) as store:
        seed(store)
    for name in ("snapshot.json", "snapshot.bak"):
        (path / name).unlink()
    journal = (path / "journal.log").read_bytes()
    with pytest.raises(StoreKeyError):
        LocalStore.open(path, key=new_key())
    assert (path / "journal.log").read_bytes() == journal
    assert not list(path.glob("*.corrupt-*"))


def test_a_key_must_be_32_bytes(tmp_path: Path) -> None:
    with pytest.raises(StoreKeyError):
        LocalStore.open(tmp_path / "store", key=b"short")


def _unescape_by_replacing(sealed: bytes) -> bytes:
    """How a sealed line was unescaped before unescape_line: one replace per pair kind."""
    return sealed[1:].replace(b"\x1b\x01", b"\n").replace(b"\x1b\x02", b"\x1b")


def test_a_sealed_line_opens_to_what_was_sealed_whatever_bytes_it_holds() -> None:
    sealer = Sealer(SEALED_KEY)
    rng = random.Random(7)
    payloads = [b"", b"\n", b"\x1b", b"\x1b\x01\x1b\x02\n\n\x1b\x1b", bytes(range(256)) * 3]
    payloads += [
        bytes(rng.choice(b"\n\x1b\x01\x02ab") for _ in range(rng.randrange(200))) for _ in range(200)
    ]
    for payload in payloads:
        sealed = sealer.seal_line(payload)
        assert b"\n" not in sealed and sealed[:1] == SEALED_LINE
        assert sealer.open_line(sealed) == payload


def test_unescaping_a_line_gives_what_replacing_each_pair_gave_even_for_damaged_lines() -> None:
    """Damaged lines (an ESC not starting a pair this code writes) do not authenticate anyway,
    but come out exactly as before."""
    rng = random.Random(11)
    lines = [b"~", b"~\x1b", b"~a\x1b", b"~\x1b\x1b\x01", b"~\x1b\x02\x01", b"~\x1bx\x1b\x01"]
    lines += [
        b"~" + bytes(rng.choice(b"\x1b\x01\x02\nz") for _ in range(rng.randrange(40))) for _ in range(2000)
    ]
    for line in lines:
        assert unescape_line(line) == _unescape_by_replacing(line), line
