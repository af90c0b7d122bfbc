"""Device credentials: a 0600 file replaced atomically, and enrollment errors a specialist can act on."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sync.credentials import (
    BAD_ADDRESS,
    BAD_CODE,
    NO_CODE,
    UNREACHABLE,
    Credentials,
    EnrollmentFailed,
    FileCredentialStore,
    MemoryCredentialStore,
    enroll,
)
from sync.errors import Offline, ProtocolFault, Unauthorized
from sync.protocol import EnrollResponse

CREDS = Credentials(
    server_url="https://api.example.org",
    token="s3cret-token",
    device_id="d1",
    user_name="Ana",
    team_name="IPS",
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_saved_credentials_are_readable_by_their_owner_only(tmp_path: Path):
    store = FileCredentialStore(tmp_path / "credentials.json")
    store.save(CREDS)
    assert mode_of(store.path) == 0o600
    assert store.load() == CREDS


def test_a_save_replaces_the_file_whole_and_leaves_no_temp_file(tmp_path: Path):
    store = FileCredentialStore(tmp_path / "credentials.json")
    store.save(CREDS)
    newer = Credentials("https://other.example.org", "t2", "d2", "Ana", "IPS")
    store.save(newer)
    assert store.load() == newer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials.json"]


def test_a_leftover_temp_file_with_loose_permissions_is_never_reused(tmp_path: Path):
    path = tmp_path / "credentials.json"
    leftover = tmp_path / ".credentials.json.tmp"
    leftover.write_text("junk")
    os.chmod(leftover, 0o644)
    FileCredentialStore(path).save(CREDS)
    assert mode_of(path) == 0o600 and not leftover.exists()


def test_loosened_permissions_are_closed_again_on_load(tmp_path: Path):
    store = FileCredentialStore(tmp_path / "credentials.json")
    store.save(CREDS)
    os.chmod(store.path, 0o644)
    assert store.load() == CREDS
    assert mode_of(store.path) == 0o600


def test_clear_forgets_the_token_and_a_missing_file_means_not_enrolled(tmp_path: Path):
    store = FileCredentialStore(tmp_path / "credentials.json")
    assert store.load() is None
    store.save(CREDS)
    store.clear()
    store.clear()  # idempotent
    assert store.load() is None and not store.path.exists()


def test_damaged_credentials_count_as_not_enrolled(tmp_path: Path):
    path = tmp_path / "credentials.json"
    path.write_text("{not json")
    os.chmod(path, 0o600)
    assert FileCredentialStore(path).load() is None


def test_the_token_never_appears_in_a_repr():
    assert "s3cret-token" not in repr(CREDS)


class FakeEnrollClient:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple[str, str]] = []
        self.closed = False

    def enroll(self, code: str, *, device_name: str) -> EnrollResponse:
        self.calls.append((code, device_name))
        if self.error is not None:
            raise self.error
        return EnrollResponse(device_id="dev-1", token="tok-1", user_name="Ana", team_name="IPS North")

    def close(self) -> None:
        self.closed = True


def test_enroll_saves_what_the_server_issued():
    client, store = FakeEnrollClient(), MemoryCredentialStore()
    urls: list[str] = []

    def make(url: str) -> FakeEnrollClient:
        urls.append(url)
        return client

    creds = enroll(" api.example.org/ ", " AB12CD ", device_name="Ana's phone", store=store, make_client=make)
    assert urls == ["https://api.example.org"]
    assert client.calls == [("AB12CD", "Ana's phone")] and client.closed
    assert creds == Credentials("https://api.example.org", "tok-1", "dev-1", "Ana", "IPS North")
    assert store.load() == creds


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (Unauthorized("invalid code"), BAD_CODE),
        (ProtocolFault("bad body", status=422), BAD_CODE),
        (Offline("ConnectError"), UNREACHABLE),
        (ProtocolFault("teapot", status=418), UNREACHABLE),
        (ValueError("Invalid URL"), BAD_ADDRESS),
    ],
)
def test_enrollment_failures_become_sentences_a_specialist_can_act_on(error: Exception, message: str):
    store = MemoryCredentialStore()
    with pytest.raises(EnrollmentFailed) as failed:
        enroll(
            "http://127.0.0.1:9",
            "CODE",
            device_name="x",
            store=store,
            make_client=lambda _u: FakeEnrollClient(error),
        )
    assert failed.value.message == message
    assert store.load() is None


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [("", "CODE", BAD_ADDRESS), ("ftp://x", "CODE", BAD_ADDRESS), ("x.org", "  ", NO_CODE)],
)
def test_an_empty_code_or_bad_address_never_reaches_the_network(url: str, code: str, message: str):
    client = FakeEnrollClient()
    with pytest.raises(EnrollmentFailed) as failed:
        enroll(url, code, device_name="x", store=MemoryCredentialStore(), make_client=lambda _u: client)
    assert failed.value.message == message and client.calls == []
