"""Team administration from the browser: who is on the team, their phones, and what a supervisor
or admin may do about them. The rules live here so the team page and the JSON API share them.

- Anyone reviewing (supervisor, admin) sees their own team only; another team's users and phones
  are "not found", never "forbidden", so nothing tells them apart from ids that do not exist.
- A supervisor issues enrollment codes for the team's specialists and for their own phone, never
  for an admin or another supervisor (a code is a login to that person's records). An admin issues
  them for anyone active on the team.
- Supervisors and admins revoke the team's phones. Only admins add people, disable them or reset a
  password, and never their own account (an admin cannot lock themselves out by a click).

Every action is audited in the same transaction (server.services.audit), with ids only. Account
mechanics (hashing, codes, revocation) stay in server.services.accounts; this module decides who.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.clock import Clock, IdMaker
from app.domain.clock import new_id as random_id
from server.db.models import Device, User
from server.errors import ApiError, ErrorCode, Forbidden, NotFound
from server.services import accounts, audit
from server.services.accounts import Principal, Role

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,99}")
NEW_MEMBER_ROLES = (Role.SPECIALIST, Role.SUPERVISOR)  # admins are made by the operator (CLI)


class InvalidMember(ApiError):
    """A new member's username, name or role cannot be used; the message says how to fix it."""

    status = 422
    code = ErrorCode.VALIDATION_FAILED


@dataclass(frozen=True)
class PhoneView:
    device_id: str
    name: str
    enrolled_at: datetime
    last_sync_at: datetime | None
    pending: int | None
    app_version: str | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class MemberView:
    user_id: str
    username: str
    display_name: str
    role: Role
    active: bool
    phones: list[PhoneView]


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime
    user_id: str
    display_name: str


def roster(session: Session, *, team_id: str) -> list[MemberView]:
    """The team's people (specialists first, then by name) and every phone they enrolled."""
    users = session.scalars(select(User).where(User.team_id == team_id)).all()
    phones: dict[str, list[PhoneView]] = {user.id: [] for user in users}
    devices = session.scalars(
        select(Device).join(User, User.id == Device.user_id).where(User.team_id == team_id)
        .order_by(Device.created_at)
    ).all()  # fmt: skip
    for device in devices:
        phones[device.user_id].append(
            PhoneView(
                device_id=device.id,
                name=device.name,
                enrolled_at=device.created_at,
                last_sync_at=device.last_sync_at,
                pending=device.reported_pending,
                app_version=device.app_version,
                revoked_at=device.revoked_at,
            )
        )
    order = {Role.SPECIALIST: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}
    members = [
        MemberView(user.id, user.username, user.display_name, Role(user.role), user.active, phones[user.id])
        for user in users
    ]
    return sorted(members, key=lambda m: (not m.active, order[m.role], m.display_name.lower()))


def team_member(session: Session, *, team_id: str, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None or user.team_id != team_id:
        raise NotFound("no such user in your team")
    return user


def may_issue_code(actor: Principal, target: User) -> bool:
    if target.team_id != actor.team_id or not target.active:
        return False
    if actor.role is Role.ADMIN:
        return True
    return actor.role is Role.SUPERVISOR and (target.role == Role.SPECIALIST or target.id == actor.user_id)


def issue_code(
    session: Session,
    *,
    actor: Principal,
    target: User,
    clock: Clock,
    secret: str,
    minutes: int,
    new_id: IdMaker = random_id,
) -> IssuedCode:
    """A one-time enrollment code for `target`'s phone (see the module's rules)."""
    if target.team_id != actor.team_id:
        raise NotFound("no such user in your team")
    if not may_issue_code(actor, target):
        raise Forbidden("supervisors issue codes for their team's active specialists only")
    code, expires_at = accounts.issue_enrollment_code(
        session,
        user_id=target.id,
        issued_by=actor.user_id,
        clock=clock,
        secret=secret,
        minutes=minutes,
        new_id=new_id,
    )
    audit.record(
        session,
        clock=clock,
        action=audit.Action.ENROLLMENT_CODE,
        team_id=actor.team_id,
        actor_user_id=actor.user_id,
        target=target.id,
    )
    return IssuedCode(code=code, expires_at=expires_at, user_id=target.id, display_name=target.display_name)


def revoke_phone(session: Session, *, actor: Principal, device_id: str, clock: Clock) -> None:
    """Supervisors and admins: the phone's token is refused from its next request (audited by
    accounts.revoke_device)."""
    _require_reviewer(actor)
    accounts.revoke_device(
        session, device_id=device_id, clock=clock, team_id=actor.team_id, actor_user_id=actor.user_id
    )


def create_member(
    session: Session,
    *,
    actor: Principal,
    username: str,
    display_name: str,
    role: str,
    clock: Clock,
    new_id: IdMaker = random_id,
) -> tuple[str, str | None]:
    """Admins add a specialist (no password: phones enroll with codes) or a supervisor (a new
    password, returned once). Returns (user id, password or None)."""
    _require_admin(actor)
    username, display_name = username.strip().lower(), " ".join(display_name.split())
    if not USERNAME.fullmatch(username):
        raise InvalidMember("a username is 2-100 letters, digits, dots, dashes or underscores")
    if not display_name or len(display_name) > 200 or not display_name.isprintable():
        raise InvalidMember("give the person's name as the team knows them (up to 200 characters)")
    chosen = next((r for r in NEW_MEMBER_ROLES if r.value == role), None)
    if chosen is None:
        raise InvalidMember("add specialists or supervisors here; admins are made by the operator")
    password = new_password() if chosen is Role.SUPERVISOR else None
    user_id = accounts.create_user(
        session,
        team_id=actor.team_id,
        username=username,
        display_name=display_name,
        role=chosen,
        password=password,
        clock=clock,
        actor_user_id=actor.user_id,  # accounts.create_user audits it
        new_id=new_id,
    )
    return user_id, password


def disable_member(session: Session, *, actor: Principal, user_id: str, clock: Clock) -> None:
    """Admins: the user's sign-ins, sessions and phones are refused (audited by accounts)."""
    _require_admin(actor)
    user = _other_member(session, actor=actor, user_id=user_id)
    accounts.disable_user(session, user_id=user.id, clock=clock, actor_user_id=actor.user_id)


def reset_password(session: Session, *, actor: Principal, user_id: str, clock: Clock) -> str:
    """Admins: a new password, returned once; the user's open web sessions end with the old one."""
    _require_admin(actor)
    user = _other_member(session, actor=actor, user_id=user_id)
    password = new_password()
    accounts.set_password(session, user_id=user.id, password=password)
    ended = accounts.end_web_sessions(session, user_id=user.id, clock=clock)
    audit.record(
        session,
        clock=clock,
        action=audit.Action.PASSWORD_RESET,
        team_id=actor.team_id,
        actor_user_id=actor.user_id,
        target=user.id,
        sessions_ended=ended,
    )
    return password


def new_password() -> str:
    """Four groups of four from an unambiguous alphabet: about 80 bits, easy to read out."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def _other_member(session: Session, *, actor: Principal, user_id: str) -> User:
    user = team_member(session, team_id=actor.team_id, user_id=user_id)
    if user.id == actor.user_id:
        raise Forbidden("you cannot do this to your own account; ask another admin")
    return user


def _require_reviewer(actor: Principal) -> None:
    if not actor.sees_whole_team:
        raise Forbidden("supervisors only")


def _require_admin(actor: Principal) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden("admins only")
