"""A demo organisation for `make run`: one team, a supervisor and a specialist, and an enrollment
code for the specialist's phone. Safe to run again: existing users are kept (passwords reset to the
demo ones) and a fresh code is issued each time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.clock import Clock
from server.db.database import Database
from server.db.models import Organisation, Team, User
from server.services import accounts
from server.services.accounts import Role

DEMO_ORG = "Demo Trust"
DEMO_TEAM = "IPS Demo Team"
DEMO_PASSWORD = "fieldwork-demo"


@dataclass(frozen=True)
class DemoCredentials:
    team: str
    supervisor: str
    specialist: str
    password: str
    enrollment_code: str


def _ensure_user(
    session: Session, *, team_id: str, username: str, name: str, role: Role, clock: Clock
) -> str:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return accounts.create_user(
            session,
            team_id=team_id,
            username=username,
            display_name=name,
            role=role,
            password=DEMO_PASSWORD,
            clock=clock,
        )
    accounts.set_password(session, user_id=user.id, password=DEMO_PASSWORD)
    return str(user.id)


def seed_demo(database: Database, *, clock: Clock, secret: str, code_minutes: int = 60) -> DemoCredentials:
    with database.write() as session:
        org = session.scalar(select(Organisation).where(Organisation.name == DEMO_ORG))
        org_id = org.id if org else accounts.create_organisation(session, name=DEMO_ORG, clock=clock)
        team = session.scalar(select(Team).where(Team.organisation_id == org_id, Team.name == DEMO_TEAM))
        team_id = (
            team.id
            if team
            else accounts.create_team(session, organisation_id=org_id, name=DEMO_TEAM, clock=clock)
        )
        supervisor = _ensure_user(
            session,
            team_id=team_id,
            username="supervisor",
            name="Sam Supervisor",
            role=Role.SUPERVISOR,
            clock=clock,
        )
        specialist = _ensure_user(
            session,
            team_id=team_id,
            username="specialist",
            name="Alex Specialist",
            role=Role.SPECIALIST,
            clock=clock,
        )
        code, _ = accounts.issue_enrollment_code(
            session,
            user_id=specialist,
            issued_by=supervisor,
            clock=clock,
            secret=secret,
            minutes=code_minutes,
        )
    return DemoCredentials(
        team=DEMO_TEAM,
        supervisor="supervisor",
        specialist="specialist",
        password=DEMO_PASSWORD,
        enrollment_code=code,
    )
