"""Issue 16, item 5: strangers cannot lock the real user out, each limit is checked and counted in
one atomic step (60 concurrent guesses against a real server), and argon2 runs outside every
transaction, a bounded number at once."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient

from server import security
from server.services import attempts
from tests.server.world import PASSWORD

LOGIN = "/api/v1/auth/login"


@contextmanager
def _from(app, address: str) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1", client=(address, 40000)) as client:
        yield client


def _login(client, username, password="wrong"):
    return client.post(LOGIN, json={"username": username, "password": password}).status_code


def test_strangers_wrong_passwords_do_not_lock_the_real_user_out_of_their_own_address(app, world, settings):
    with _from(app, "203.0.113.9") as stranger, _from(app, "198.51.100.7") as real_user:
        codes = Counter(_login(stranger, "sue") for _ in range(settings.sign_in_attempts * 3))
        assert codes == {401: settings.sign_in_attempts, 429: settings.sign_in_attempts * 2}
        assert _login(stranger, "sue", PASSWORD) == 429  # the stranger's address stays blocked
        assert _login(real_user, "sue", PASSWORD) == 200


def test_one_address_guessing_across_usernames_is_limited(app, world, settings):
    per_address = settings.sign_in_attempts * attempts.ADDRESS_FACTOR
    with _from(app, "203.0.113.9") as stranger, _from(app, "198.51.100.7") as real_user:
        names = [f"user{n}" for n in range(per_address // settings.sign_in_attempts)]
        for name in names:
            assert [_login(stranger, name) for _ in range(settings.sign_in_attempts)] == [401] * 10
        assert _login(stranger, "someone-else") == 429
        assert _login(real_user, "someone-else") == 401  # that address only


def test_a_username_has_a_ceiling_over_every_address(app, world, settings):
    ceiling = settings.sign_in_attempts * attempts.USERNAME_FACTOR
    for n in range(ceiling // settings.sign_in_attempts):
        with _from(app, f"10.0.0.{n}") as stranger:
            assert [_login(stranger, "sue") for _ in range(settings.sign_in_attempts)] == [401] * 10
    with _from(app, "198.51.100.7") as elsewhere:
        assert _login(elsewhere, "sue", PASSWORD) == 429
        assert _login(elsewhere, "ada", PASSWORD) == 200  # other usernames are untouched


def test_a_right_password_gives_its_place_back(client, world, settings):
    for _ in range(settings.sign_in_attempts - 1):
        assert _login(client, "sue") == 401
    assert _login(client, "sue", PASSWORD) == 200  # took the tenth place, and gave it back
    assert _login(client, "sue") == 401
    assert _login(client, "sue") == 429


def _guess_together(url: str, guesses: int) -> Counter[int]:
    """`guesses` wrong passwords sent at once (all threads released by one barrier)."""
    start = threading.Barrier(guesses)
    codes: list[int] = []

    def guess() -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            start.wait(timeout=30)
            codes.append(http.post(LOGIN, json={"username": "sue", "password": "wrong"}).status_code)

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(codes)


def test_sixty_concurrent_guesses_are_checked_against_the_limit_exactly(live_server, world, settings):
    codes = _guess_together(live_server.url, 60)
    assert codes == {401: settings.sign_in_attempts, 429: 60 - settings.sign_in_attempts}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's write lock is what it held
def test_passwords_are_hashed_outside_every_transaction(client, world, settings, monkeypatch):
    path = settings.database_url.removeprefix("sqlite:///")
    real_verify = security.verify_password
    lock_free: list[bool] = []

    def verify_and_try_the_write_lock(password_hash: str | None, password: str) -> bool:
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")  # fails at once if a writer holds the database
            probe.execute("ROLLBACK")
            lock_free.append(True)
        except sqlite3.OperationalError:
            lock_free.append(False)
        finally:
            probe.close()
        return real_verify(password_hash, password)

    monkeypatch.setattr(security, "verify_password", verify_and_try_the_write_lock)
    assert _login(client, "sue") == 401
    assert _login(client, "sue", PASSWORD) == 200
    assert _login(client, "nobody") == 401
    assert lock_free == [True, True, True]


def test_at_most_hashing_slots_hashes_run_at_once(live_server, world, settings, monkeypatch):
    real_verify = security.verify_password
    lock = threading.Lock()
    in_flight, most = [0], [0]
    release, too_many = threading.Event(), threading.Event()
    slots = attempts.hashing_slots()

    def held_verify(password_hash: str | None, password: str) -> bool:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            if in_flight[0] > slots:
                too_many.set()
        release.wait(timeout=30)
        with lock:
            in_flight[0] -= 1
        return real_verify(password_hash, password)

    monkeypatch.setattr(security, "verify_password", held_verify)
    done: list[Counter[int]] = []
    flood = threading.Thread(target=lambda: done.append(_guess_together(live_server.url, 8)))
    flood.start()
    for _ in range(300):  # bounded: until the first hashes hold their slots
        with lock:
            if in_flight[0] >= slots:
                break
        release.wait(timeout=0.01)
    # Hashes held: a limiter that let more in would show them within this bound.
    too_many.wait(timeout=1)
    release.set()
    flood.join(timeout=60)
    assert most[0] == slots and not too_many.is_set()
    assert done == [Counter({401: 8})]
