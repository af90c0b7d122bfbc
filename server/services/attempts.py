"""Sign-in and enrollment attempts: rate-limited per account and address, and audited.

Each attempt is one write transaction: the limit check, the attempt, and its audit event (and, on
failure, the counters) commit together, so a failure is counted on every server instance at once.
"""

from __future__ import annotations

from sqlalchemy import select

from app.domain.clock import Clock
from server.db.database import Database
from server.db.models import Device, User
from server.errors import ApiError, NotAuthenticated, RateLimited
from server.services import accounts, audit, ratelimit
from server.services.accounts import Principal
from server.services.ratelimit import Keys, Limit
from server.settings import Settings
from sync.protocol import EnrollResponse


def sign_in_limit(settings: Settings) -> Limit:
    return Limit("sign_in", settings.sign_in_attempts, settings.sign_in_window_seconds)


def enrollment_limit(settings: Settings) -> Limit:
    return Limit("enroll", settings.enrollment_attempts, settings.enrollment_window_seconds)


def sign_in(
    db: Database, *, username: str, password: str, address: str, clock: Clock, settings: Settings, via: str
) -> tuple[str, Principal]:
    """A web session for a right password; NotAuthenticated, or RateLimited after too many failures."""
    secret = settings.secret_key.get_secret_value()
    keys = Keys.of(sign_in_limit(settings), [f"user:{username}", f"address:{address}"], secret=secret)
    refusal: ApiError
    with db.write() as session:
        wait = ratelimit.retry_after(session, keys, clock=clock)
        user = session.scalar(select(User).where(User.username == username))
        who = {"team_id": user.team_id, "actor_user_id": user.id} if user else {}
        if wait is not None:
            audit.record(
                session, clock=clock, action=audit.Action.SIGN_IN, outcome=audit.BLOCKED, via=via, **who
            )
            refusal = RateLimited(f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait)
        else:
            try:
                token, principal = accounts.login(
                    session, username=username, password=password, clock=clock, hours=settings.session_hours
                )
            except NotAuthenticated as exc:
                ratelimit.count_failure(session, keys, clock=clock)
                audit.record(
                    session, clock=clock, action=audit.Action.SIGN_IN, outcome=audit.FAILURE, via=via, **who
                )
                refusal = exc
            else:
                audit.record(session, clock=clock, action=audit.Action.SIGN_IN, via=via, **who)
                return token, principal
    raise refusal


def enroll(
    db: Database, *, code: str, device_name: str, address: str, clock: Clock, settings: Settings
) -> EnrollResponse:
    """A device token for a valid code; NotAuthenticated, or RateLimited after too many failures."""
    secret = settings.secret_key.get_secret_value()
    keys = Keys.of(enrollment_limit(settings), [f"address:{address}"], secret=secret)
    refusal: ApiError
    with db.write() as session:
        wait = ratelimit.retry_after(session, keys, clock=clock)
        if wait is not None:
            audit.record(session, clock=clock, action=audit.Action.ENROLLMENT, outcome=audit.BLOCKED)
            refusal = RateLimited(
                f"too many wrong enrollment codes; try again in {wait} seconds", retry_after=wait
            )
        else:
            try:
                enrolled = accounts.enroll_device(
                    session, code=code, device_name=device_name, clock=clock, secret=secret
                )
            except NotAuthenticated as exc:
                ratelimit.count_failure(session, keys, clock=clock)
                audit.record(session, clock=clock, action=audit.Action.ENROLLMENT, outcome=audit.FAILURE)
                refusal = exc
            else:
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
