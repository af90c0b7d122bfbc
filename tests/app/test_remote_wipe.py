"""A remote wipe that wipes, on the real store files: a phone whose team revokes it deletes its whole
store (job seekers, employers, visits, check-ins, supervisors' comments, the outbox) and its key,
forgets its token, and says so in plain words; none of the seeded text is left in any file."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.credentials import CheckedFileCredentialStore, InThread, credentials_file
from app.device_data import DeviceData, erased_folder, set_aside
from app.device_sync import DeviceSync
from app.domain.clock import FakeClock
from app.domain.enums import Disclosure
from app.domain.records import Employer, EmployerVisit, JobSeeker, SupportCheckIn
from app.records import RecordService
from app.state.connect import ConnectState
from app.state.sync_status import SIGNED_OUT
from app.store import LocalStore, RemoteChange, StoreKeyError
from app.store.journal import JournalStorage
from app.store_key import FileKeysInThread, FileKeyStore, key_file
from sync.credentials import Credentials
from sync.errors import Unauthorized
from tests.app.conftest import NOW

pytestmark = pytest.mark.anyio
SEEDED = {
    "job seeker": "Marguerite-7",  # the code format: at most 12 characters
    "employer": "Wipe-Employer Ironmongery",
    "employer notes": "wipe-note: owner knows Marguerite's brother",
    "visit outcome": "wipe-outcome: offered Marguerite a trial shift",
    "check-in concerns": "wipe-concern: Marguerite struggles with early starts",
    "comment": "wipe-comment from the supervisor about Marguerite",
    "token": "wipe-device-token-0123456789",
}
KINDS = ("job_seeker", "employer", "employer_visit", "support_check_in")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class RevokedClient:
    """The server's answer to a revoked phone: 401 on every sync call."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.token = token

    def push(self, operations: Any) -> Any:
        raise Unauthorized("revoked")

    def pull(self, cursor: str | None, *, limit: int = 500) -> Any:
        raise Unauthorized("revoked")

    def health(self) -> bool:
        return True

    def close(self) -> None:
        pass


def seed(store: LocalStore, clock: FakeClock) -> None:
    counter = iter(range(1, 1000))
    service = RecordService(store, clock=clock, new_id=lambda: f"wipe-{next(counter):03d}")
    seeker = service.save(
        JobSeeker(code=SEEDED["job seeker"], referral_date=date(2026, 4, 1), disclosure=Disclosure.CONSENTED)
    ).data["id"]
    employer = service.save(Employer(name=SEEDED["employer"], notes=SEEDED["employer notes"])).data["id"]
    outcome = SEEDED["visit outcome"]
    visit = service.save(
        EmployerVisit(employer_id=employer, occurred_at=NOW, job_seeker_ids=[seeker], outcome=outcome)
    )
    service.save(SupportCheckIn(job_seeker_id=seeker, occurred_at=NOW, concerns=SEEDED["check-in concerns"]))
    comment = {"id": "c1", "author": "Sam", "body": SEEDED["comment"], "created_at": NOW.isoformat()}
    review = {"state": "needs_changes", "comments": [comment], "reviewed_by": "Sam", "reviewed_version": 1}
    store.apply_remote(
        [RemoteChange("employer_visit", visit.data["id"], 1, visit.data, review=review)], cursor="c1"
    )


def seeded_store(folder: Path, key: bytes, clock: FakeClock) -> None:
    """Records in a compacted snapshot (and its backup) and in the journal after it, as on a phone."""
    with LocalStore.open(folder, key=key) as store:
        seed(store, clock)
    with LocalStore(JournalStorage(folder, key=key, compact_min_bytes=1)) as store:  # compacts on open
        store.set_meta("after-compaction", SEEDED["comment"])


def every_file(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def forms_of(text: str) -> list[bytes]:
    return [text.encode(), json.dumps(text).encode()[1:-1], text.encode("utf-16-le")]


def revoked_event(link: DeviceSync) -> asyncio.Event:
    revoked = asyncio.Event()
    link.subscribe(lambda event: revoked.set() if event == "revoked" else None)
    return revoked


async def test_a_revoked_phone_deletes_its_store_and_key_and_says_so(tmp_path: Path):
    clock = FakeClock(NOW)
    folder = tmp_path / "var" / "device"
    keys = FileKeyStore(key_file(folder))
    old_key = keys.load_or_create()
    seeded_store(folder, old_key, clock)
    creds = CheckedFileCredentialStore(credentials_file(folder))
    creds.save(Credentials("http://team.example", SEEDED["token"], "d1", "Ana", "IPS North"))
    creds.corrupt.write_text(f'{{"token": "{SEEDED["token"]}"')  # one damaged earlier, set aside
    assert {"snapshot.json", "snapshot.bak", "journal.log"} <= {p.name for p in folder.iterdir()}
    before = every_file(tmp_path)
    assert any(SEEDED["comment"].encode() in b for b in before.values()) is False  # encrypted at rest

    data = DeviceData(folder, FileKeysInThread(keys))
    store = await data.open()
    assert store.all("employer_visit")[0].review is not None  # the seeded comment is really there
    link = DeviceSync(
        store, clock=clock, make_client=RevokedClient, device_name="phone", device_data=data,
        runner_options={"debounce_s": 0.001, "period_s": 1000.0},
    )  # fmt: skip
    revoked = revoked_event(link)
    await link.start(InThread(creds))  # its first pass meets the 401
    await asyncio.wait_for(revoked.wait(), timeout=30)
    await link.wait_stopped()

    after = every_file(tmp_path)
    secrets = [form for text in SEEDED.values() for form in forms_of(text)]
    secrets += [old_key, base64.b64encode(old_key)]
    for name, content in after.items():
        for secret in secrets:
            assert secret not in content, f"{name} still holds {secret!r}"
    assert not erased_folder(folder).exists() and creds.load() is None
    assert not credentials_file(folder).exists()
    assert keys.load_or_create() != old_key  # the old key is gone; a new one opens the new store
    assert all(link.store.all(kind) == [] for kind in KINDS) and link.store.pending_count() == 0

    assert link.summary().label.startswith(SIGNED_OUT) and link.summary().action == "connect"
    assert "deleted everything it kept" in SIGNED_OUT
    assert ConnectState(link).intro == f"{SIGNED_OUT} Ask your supervisor for a new code to connect again."
    link.store.close()
    with pytest.raises(StoreKeyError):  # what is left was not written with the old key
        LocalStore.open(folder, key=old_key).close()

    # Opened again later (the app restarted): still empty, and still says why.
    again = DeviceSync(await data.open(), clock=clock, make_client=RevokedClient, device_name="phone")
    await again.start(InThread(creds))
    assert again.notice == SIGNED_OUT and all(again.store.all(kind) == [] for kind in KINDS)
    again.store.close()


async def test_an_erase_cut_short_after_setting_the_store_aside_finishes_at_the_next_start(tmp_path: Path):
    clock = FakeClock(NOW)
    folder = tmp_path / "device"
    keys = FileKeyStore(key_file(folder))
    old_key = keys.load_or_create()
    seeded_store(folder, old_key, clock)
    set_aside(folder)  # step 1 of the erase, then the phone died: key and old files still there
    assert erased_folder(folder).exists() and key_file(folder).exists()

    store = await DeviceData(folder, FileKeysInThread(keys)).open()
    assert all(store.all(kind) == [] for kind in KINDS)
    store.close()
    assert not erased_folder(folder).exists()
    for name, content in every_file(tmp_path).items():
        assert base64.b64encode(old_key) not in content, name
        assert not any(form in content for text in SEEDED.values() for form in forms_of(text)), name
