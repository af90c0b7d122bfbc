"""The team's job-seeker code format (issue 17, item 10; app.domain.code_format).

An admin sets it on the team page; a push checks every job seeker it writes against it (the
rejected reason says the team's pattern), and every pull tells the phone, whose save and job seeker
form use it from then on. Stored as the setting string in `teams.code_format` (migration 0015);
NULL reads as the default format.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.clock import Clock
from app.domain.code_format import DEFAULT, CodeFormat
from server.db.models import Team
from server.errors import Forbidden
from server.services import audit
from server.services.accounts import Principal, Role


def team_code_format(session: Session, *, team_id: str) -> CodeFormat:
    """The team's format (a setting no longer understood reads as the default)."""
    return CodeFormat.from_setting(session.scalar(select(Team.code_format).where(Team.id == team_id)))


def effective_setting(stored: str | None) -> str:
    """What a pull sends for a team's stored setting: the default for NULL."""
    return CodeFormat.from_setting(stored or DEFAULT).setting


def set_team_code_format(session: Session, *, actor: Principal, setting: str, clock: Clock) -> CodeFormat:
    """Admins only. `setting` is a preset's name or "mask:" and a pattern; a bad one raises
    app.domain.code_format.BadCodeFormat, which says why. Codes already stored are kept: each is
    checked when its job seeker is next saved."""
    if actor.role is not Role.ADMIN:
        raise Forbidden("admins only")
    chosen = CodeFormat(setting)
    session.execute(update(Team).where(Team.id == actor.team_id).values(code_format=chosen.setting))
    audit.record(
        session,
        clock=clock,
        action=audit.Action.CODE_FORMAT_SET,
        team_id=actor.team_id,
        actor_user_id=actor.user_id,
        code_format=chosen.setting,
    )
    return chosen
