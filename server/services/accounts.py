"""Organisations, teams, users, devices, enrollment codes and web sessions.

Every function takes the session it works in; the caller owns the transaction. Authentication
reads the database on every request (no cache), so a revoked token or session fails at once on
every server instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.domain.clock import Clock, IdMaker
from app.domain.clock import new_id as random_id
from server import security
from server.db.models import (
    Device,
    EnrollmentCode,
    Organisation,
    Team,
    TeamChangeCounter,
    User,
    WebSession,
)
from server.errors import AlreadyExists, ErrorCode, NotAuthenticated, NotFound
from server.services import audit
from server.timeutil import as_utc
from sync.protocol import EnrollResponse


class Role(StrEnum):
    SPECIALIST = "specialist"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


REVIEWER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    """Who is calling: plain values, safe to keep after the session closes."""

    user_id: str
    team_id: str
    role: Role
    display_name: str
    username: str
    device_id: str | None = None

    @property
    def sees_whole_team(self) -> bool:
        return self.role in REVIEWER_ROLES


def create_organisation(session: Session, *, name: str, clock: Clock, new_id: IdMaker = random_id) -> str:
    if session.scalar(select(Organisation.id).where(Organisation.name == name)):
        raise AlreadyExists(f"an organisation called {name!r} exists")
    org = Organisation(id=new_id(), name=name, created_at=clock.now())
    session.add(org)
    session.flush()
    return org.id


def create_team(
    session: Session, *, organisation_id: str, name: str, clock: Clock, new_id: IdMaker = random_id
) -> str:
    if session.get(Organisation, organisation_id) is None:
        raise NotFound("no such organisation")
    taken = select(Team.id).where(Team.organisation_id == organisation_id, Team.name == name)
    if session.scalar(taken):
        raise AlreadyExists(f"a team called {name!r} exists in this organisation")
    team = Team(id=new_id(), organisation_id=organisation_id, name=name, created_at=clock.now())
    session.add(team)
    session.flush()
    # The counter row exists from the start: push transactions lock it and never need to insert it.
    session.add(TeamChangeCounter(team_id=team.id, last_seq=0))
    session.flush()
    return team.id


def create_user(
    session: Session,
    *,
    team_id: str,
    username: str,
    display_name: str,
    role: Role,
    password: str | None,
    clock: Clock,
    actor_user_id: str | None = None,
    new_id: IdMaker = random_id,
) -> str:
    """A new user, audited (`actor_user_id`: the admin who added them; None for the operator)."""
    if session.get(Team, team_id) is None:
        raise NotFound("no such team")
    if session.scalar(select(User.id).where(User.username == username)):
        # Usernames are unique across organisations (sign-in takes no organisation): say no more
        # than "choose another", so an admin cannot learn which names other organisations use.
        raise AlreadyExists("this username cannot be used; choose another")
    user = User(
        id=new_id(),
        team_id=team_id,
        username=username,
        display_name=display_name,
        role=role.value,
        password_hash=security.hash_password(password) if password else None,
        active=True,
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        clock=clock,
        action=audit.Action.USER_CREATED,
        team_id=team_id,
        actor_user_id=actor_user_id,
        target=user.id,
        role=role.value,
    )
    return user.id


def set_password(session: Session, *, user_id: str, password: str) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    user.password_hash = security.hash_password(password)


def issue_enrollment_code(
    session: Session,
    *,
    user_id: str,
    issued_by: str | None,
    clock: Clock,
    secret: str,
    minutes: int,
    new_id: IdMaker = random_id,
) -> tuple[str, datetime]:
    """A one-time code the user types into the field app; returned once, stored only as an HMAC."""
    if session.get(User, user_id) is None:
        raise NotFound("no such user")
    now = clock.now()
    code = security.new_enrollment_code()
    expires_at = now + timedelta(minutes=minutes)
    session.add(
        EnrollmentCode(
            id=new_id(),
            code_hash=security.code_hash(code, secret=secret),
            user_id=user_id,
            issued_by=issued_by,
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    return code, expires_at


def enroll_device(
    session: Session, *, code: str, device_name: str, clock: Clock, secret: str, new_id: IdMaker = random_id
) -> EnrollResponse:
    """Exchange a valid, unused, unexpired code for a new device token (shown only here)."""
    now = clock.now()
    found = session.scalar(
        select(EnrollmentCode)
        .where(EnrollmentCode.code_hash == security.code_hash(code, secret=secret))
        .with_for_update()
    )
    invalid = NotAuthenticated(
        "this enrollment code is unknown, used or expired; ask your supervisor for a new one",
        code=ErrorCode.INVALID_ENROLLMENT_CODE,
    )
    if found is None or found.used_at is not None or as_utc(found.expires_at) <= now:
        raise invalid
    user = session.get(User, found.user_id)
    if user is None or not user.active:
        raise invalid
    team = session.get(Team, user.team_id)
    assert team is not None  # foreign key
    token = security.new_token()
    device = Device(
        id=new_id(),
        user_id=user.id,
        name=device_name[:200],
        token_hash=security.token_hash(token),
        created_at=now,
    )
    session.add(device)
    session.flush()
    found.used_at = now
    found.device_id = device.id
    return EnrollResponse(device_id=device.id, token=token, user_name=user.display_name, team_name=team.name)


def _principal(user: User, device_id: str | None = None) -> Principal:
    return Principal(
        user_id=user.id,
        team_id=user.team_id,
        role=Role(user.role),
        display_name=user.display_name,
        username=user.username,
        device_id=device_id,
    )


def device_lookup(token: str) -> Select[*tuple[Any, ...]]:
    """The columns that say who holds a device token. Plain columns, not ORM objects: this runs on
    every sync request. A caller may join more onto it (a pull adds its team's high-water mark)."""
    return (
        select(
            Device.id.label("device_id"),
            Device.revoked_at,
            User.id.label("user_id"),
            User.team_id,
            User.role,
            User.display_name,
            User.username,
            User.active,
            # What the device last reported (server.services.devices): a pull compares it with
            # what it is told now, without a second statement.
            Device.last_sync_at,
            Device.reported_pending,
            Device.app_version,
        )
        .join(User, User.id == Device.user_id)
        .where(Device.token_hash == security.token_hash(token))
    )


class DeviceHolder(Protocol):
    """What `device_principal` reads of a `device_lookup` row."""

    @property
    def device_id(self) -> str: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def user_id(self) -> str: ...
    @property
    def team_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def active(self) -> bool: ...


def device_principal(row: DeviceHolder | None) -> Principal:
    """The caller behind a `device_lookup` row; 401 for an unknown, revoked or disabled one."""
    if row is None:
        raise NotAuthenticated("unknown device token", code=ErrorCode.INVALID_TOKEN)
    if row.revoked_at is not None or not row.active:
        raise NotAuthenticated("this device has been revoked; enroll it again", code=ErrorCode.INVALID_TOKEN)
    return Principal(
        user_id=row.user_id,
        team_id=row.team_id,
        role=Role(row.role),
        display_name=row.display_name,
        username=row.username,
        device_id=row.device_id,
    )


def authenticate_device(session: Session, *, token: str) -> Principal:
    return device_principal(session.execute(device_lookup(token)).first())


def revoke_device(
    session: Session,
    *,
    device_id: str,
    clock: Clock,
    team_id: str | None = None,
    actor_user_id: str | None = None,
) -> None:
    """Revoke a device; with `team_id`, only a device of that team (others are 'not found')."""
    device = session.get(Device, device_id)
    owner = session.get(User, device.user_id) if device else None
    if device is None or owner is None or (team_id is not None and owner.team_id != team_id):
        raise NotFound("no such device")
    if device.revoked_at is None:
        device.revoked_at = clock.now()
        audit.record(
            session,
            clock=clock,
            action=audit.Action.REVOCATION,
            team_id=owner.team_id,
            actor_user_id=actor_user_id,
            device_id=device.id,
            target=owner.id,
        )


def disable_user(session: Session, *, user_id: str, clock: Clock, actor_user_id: str | None = None) -> None:
    """The user can no longer sign in, and their devices and sessions are refused from the next
    request on (authentication reads `active` every time); their records stay with the team."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    if user.active:
        user.active = False
        audit.record(
            session,
            clock=clock,
            action=audit.Action.USER_DISABLED,
            team_id=user.team_id,
            actor_user_id=actor_user_id,
            target=user.id,
        )


def list_devices(session: Session, *, team_id: str) -> list[tuple[Device, User]]:
    rows = session.execute(
        select(Device, User)
        .join(User, User.id == Device.user_id)
        .where(User.team_id == team_id)
        .order_by(Device.created_at)
    ).all()
    return [(device, user) for device, user in rows]


@dataclass(frozen=True)
class SignInCandidate:
    """What a sign-in needs to know of a username before the password is checked (plain values:
    the password is hashed after the transaction that read them has ended)."""

    user_id: str | None
    team_id: str | None
    password_hash: str | None


def sign_in_candidate(session: Session, *, username: str) -> SignInCandidate:
    row = session.execute(
        select(User.id, User.team_id, User.password_hash, User.active).where(User.username == username)
    ).first()
    if row is None:
        return SignInCandidate(user_id=None, team_id=None, password_hash=None)
    # A disabled user's password is still checked (same work), and then refused.
    return SignInCandidate(
        user_id=row.id, team_id=row.team_id, password_hash=row.password_hash if row.active else None
    )


def open_web_session(
    session: Session, *, user_id: str, clock: Clock, hours: int, new_id: IdMaker = random_id
) -> tuple[str, Principal]:
    """A web session for a user whose password was right; refused if they were disabled meanwhile.
    The token goes in a cookie, its hash in the table."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotAuthenticated("wrong username or password", code=ErrorCode.INVALID_CREDENTIALS)
    now = clock.now()
    token = security.new_token()
    session.add(
        WebSession(
            id=new_id(),
            token_hash=security.token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token, _principal(user)


def login(
    session: Session, *, username: str, password: str, clock: Clock, hours: int, new_id: IdMaker = random_id
) -> tuple[str, Principal]:
    """Check a password and open a web session in one go (scripts and tests; the sign-in routes go
    through server.services.attempts, which hashes outside any transaction)."""
    candidate = sign_in_candidate(session, username=username)
    if not security.verify_password(candidate.password_hash, password) or candidate.user_id is None:
        raise NotAuthenticated("wrong username or password", code=ErrorCode.INVALID_CREDENTIALS)
    return open_web_session(session, user_id=candidate.user_id, clock=clock, hours=hours, new_id=new_id)


def authenticate_session(session: Session, *, token: str, clock: Clock) -> Principal:
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == security.token_hash(token))
    ).first()
    if row is None:
        raise NotAuthenticated("please log in")
    web_session, user = row
    if web_session.revoked_at is not None or as_utc(web_session.expires_at) <= clock.now() or not user.active:
        raise NotAuthenticated("your session has ended; please log in again")
    return _principal(user)


def logout(session: Session, *, token: str, clock: Clock) -> None:
    web_session = session.scalar(
        select(WebSession).where(WebSession.token_hash == security.token_hash(token))
    )
    if web_session is not None and web_session.revoked_at is None:
        web_session.revoked_at = clock.now()


def end_web_sessions(session: Session, *, user_id: str, clock: Clock) -> int:
    """End every open web session of a user (after a password reset); returns how many."""
    now = clock.now()
    open_sessions = session.scalars(
        select(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    ).all()
    for web_session in open_sessions:
        web_session.revoked_at = now
    return len(open_sessions)


def find_team(session: Session, *, name: str, organisation: str | None = None) -> Team:
    query = select(Team).where(Team.name == name)
    if organisation is not None:
        query = query.join(Organisation, Organisation.id == Team.organisation_id).where(
            Organisation.name == organisation
        )
    teams = session.scalars(query).all()
    if len(teams) != 1:
        raise NotFound(f"no single team called {name!r}")
    return teams[0]


def find_user(session: Session, *, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def find_team_member(session: Session, *, team_id: str, username: str) -> User:
    """A user of this team; users of other teams are 'not found'."""
    user = session.scalar(select(User).where(User.username == username, User.team_id == team_id))
    if user is None:
        raise NotFound("no such user in your team")
    return user


def find_organisation(session: Session, *, name: str) -> str:
    org_id = session.scalar(select(Organisation.id).where(Organisation.name == name))
    if org_id is None:
        raise NotFound(f"no organisation {name!r}")
    return org_id
