"""Sign-in and enrollment attempts: rate-limited, audited, and hashed outside every transaction.

Sign-in limits are keyed so that strangers cannot lock the real user out (as fail2ban and
django-axes key theirs by address, or by username and address together):

- a username from one address: `sign_in_attempts` failures per window (10 in 300 s);
- one address, whatever the usernames: `ADDRESS_FACTOR` times that (guessing across accounts);
- one username, from every address together: `USERNAME_FACTOR` times that, a ceiling against a
  guess spread over many addresses that is far above what one stranger's address can reach.

Ten wrong passwords from a stranger block that stranger (their address, that username), not the
real user signing in from their own address. Each limit is checked and counted in one atomic
statement (server.services.ratelimit), so concurrent guesses cannot slip past a limit.

A sign-in is three steps: a short write transaction reserves the attempt under its limits and
reads the password hash; argon2 then runs outside any transaction (it held SQLite's write lock
for its whole run before), on one of `hashing_slots()` threads of lower CPU priority, so a flood
of wrong passwords queues for those threads instead of taking every core and request thread from
phones that are syncing; a second short transaction records the outcome (a session, or a failure) and
its audit event. A blocked attempt is counted into one audit row per window, never one row each.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from anyio import to_thread
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.clock import Clock, IdMaker
from app.domain.clock import new_id as random_id
from server import security
from server.db.database import Database
from server.db.models import Device, User
from server.errors import ApiError, ErrorCode, NotAuthenticated, RateLimited
from server.services import accounts, audit, ratelimit
from server.services.accounts import Principal, SignInCandidate
from server.services.ratelimit import Key, Limit, Refused
from server.settings import Settings
from sync.protocol import EnrollResponse

ADDRESS_FACTOR = 3
USERNAME_FACTOR = 10
HASH_NICENESS = 19  # the lowest: hashing runs on what phones leave


def hashing_slots() -> int:
    """Password hashes allowed at once: half the cores this process may use, at least one.

    argon2 is CPU-bound (and releases the GIL): a hash per core would leave syncing phones no
    core of their own while a flood of wrong passwords is being checked."""
    return max(1, len(os.sched_getaffinity(0)) // 2)


def _lower_priority() -> None:
    # Hashing threads yield the CPU to request threads (a Linux thread has its own nice value):
    # under a flood, a phone's push waits for a core less. Not allowed or not Linux: no change.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


# Process-wide, like the cores it shares out: every app and event loop in the process queues here.
_hashing = ThreadPoolExecutor(hashing_slots(), thread_name_prefix="argon2", initializer=_lower_priority)


def sign_in_keys(settings: Settings, *, username: str, address: str) -> list[Key]:
    """The narrowest first: a refusal at the pair uses nothing of the address's or the username's."""
    secret = settings.secret_key.get_secret_value()
    attempts, window = settings.sign_in_attempts, settings.sign_in_window_seconds
    pair = Limit("sign_in", attempts, window)
    per_address = Limit("sign_in_address", attempts * ADDRESS_FACTOR, window)
    per_username = Limit("sign_in_username", attempts * USERNAME_FACTOR, window)
    return [
        Key.of(pair, f"{username.strip().lower()}\0{address}", secret=secret),
        Key.of(per_address, address, secret=secret),
        Key.of(per_username, username, secret=secret),
    ]


def enrollment_limit(settings: Settings) -> Limit:
    return Limit("enroll", settings.enrollment_attempts, settings.enrollment_window_seconds)


def _blocked(
    session: Session,
    refused: Refused,
    *,
    clock: Clock,
    action: audit.Action,
    team_id: str | None = None,
    actor_user_id: str | None = None,
    **details: str,
) -> None:
    """Count a blocked attempt into its window's one audit row."""
    audit.record_repeat(
        session,
        clock=clock,
        action=action,
        outcome=audit.BLOCKED,
        window_start=refused.window_start,
        team_id=team_id,
        actor_user_id=actor_user_id,
        limit=refused.key.limit.name,
        **details,
    )


def begin_sign_in(db: Database, *, username: str, keys: list[Key], clock: Clock, via: str) -> SignInCandidate:
    """Reserve the attempt and read the password hash; RateLimited (audited) when over a limit."""
    refusal: RateLimited
    with db.write() as session:
        candidate = accounts.sign_in_candidate(session, username=username)
        refused = ratelimit.reserve(session, keys, clock=clock)
        if refused is None:
            return candidate
        _blocked(
            session,
            refused,
            clock=clock,
            action=audit.Action.SIGN_IN,
            team_id=candidate.team_id,
            actor_user_id=candidate.user_id,
            via=via,
        )
        wait = refused.retry_after
        refusal = RateLimited(f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait)
    raise refusal


def finish_sign_in(
    db: Database,
    *,
    candidate: SignInCandidate,
    password_ok: bool,
    keys: list[Key],
    clock: Clock,
    settings: Settings,
    via: str,
    new_id: IdMaker = random_id,
) -> tuple[str, Principal]:
    """A session for a right password (its reservation given back), else the failure stays counted."""
    who: dict[str, Any] = {"team_id": candidate.team_id, "actor_user_id": candidate.user_id, "via": via}
    refusal: ApiError
    with db.write() as session:
        try:
            if not password_ok or candidate.user_id is None:
                raise NotAuthenticated("wrong username or password", code=ErrorCode.INVALID_CREDENTIALS)
            token, principal = accounts.open_web_session(
                session, user_id=candidate.user_id, clock=clock, hours=settings.session_hours, new_id=new_id
            )
        except NotAuthenticated as exc:
            audit.record(session, clock=clock, action=audit.Action.SIGN_IN, outcome=audit.FAILURE, **who)
            refusal = exc
        else:
            ratelimit.release(session, keys, clock=clock)
            audit.record(session, clock=clock, action=audit.Action.SIGN_IN, **who)
            return token, principal
    raise refusal


async def sign_in(
    db: Database,
    *,
    username: str,
    password: str,
    address: str,
    clock: Clock,
    settings: Settings,
    via: str,
    new_id: IdMaker = random_id,
) -> tuple[str, Principal]:
    """A web session for a right password; NotAuthenticated, or RateLimited after too many failures.

    Async so that attempts waiting for a hashing slot hold no request thread."""
    keys = sign_in_keys(settings, username=username, address=address)
    candidate = await to_thread.run_sync(
        partial(begin_sign_in, db, username=username, keys=keys, clock=clock, via=via)
    )
    verify = partial(security.verify_password, candidate.password_hash, password)
    password_ok = await asyncio.get_running_loop().run_in_executor(_hashing, verify)
    return await to_thread.run_sync(
        partial(
            finish_sign_in,
            db,
            candidate=candidate,
            password_ok=password_ok,
            keys=keys,
            clock=clock,
            settings=settings,
            via=via,
            new_id=new_id,
        )
    )


def enroll(
    db: Database,
    *,
    code: str,
    device_name: str,
    address: str,
    clock: Clock,
    settings: Settings,
    new_id: IdMaker = random_id,
) -> EnrollResponse:
    """A device token for a valid code; NotAuthenticated, or RateLimited after too many failures."""
    secret = settings.secret_key.get_secret_value()
    keys = [Key.of(enrollment_limit(settings), f"address:{address}", secret=secret)]
    refusal: ApiError
    with db.write() as session:
        refused = ratelimit.reserve(session, keys, clock=clock)
        if refused is not None:
            _blocked(session, refused, clock=clock, action=audit.Action.ENROLLMENT)
            wait = refused.retry_after
            refusal = RateLimited(
                f"too many wrong enrollment codes; try again in {wait} seconds", retry_after=wait
            )
        else:
            try:
                enrolled = accounts.enroll_device(
                    session, code=code, device_name=device_name, clock=clock, secret=secret, new_id=new_id
                )
            except NotAuthenticated as exc:
                audit.record(session, clock=clock, action=audit.Action.ENROLLMENT, outcome=audit.FAILURE)
                refusal = exc
            else:
                ratelimit.release(session, keys, clock=clock)
                owner = session.execute(
                    select(User.id, User.team_id)
                    .join(Device, Device.user_id == User.id)
                    .where(Device.id == enrolled.device_id)
                ).one()
                audit.record(
                    session,
                    clock=clock,
                    action=audit.Action.ENROLLMENT,
                    team_id=owner.team_id,
                    actor_user_id=owner.id,
                    device_id=enrolled.device_id,
                )
                return enrolled
    raise refusal
