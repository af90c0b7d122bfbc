"""Job-seeker codes are unique within a team, ignoring case and spaces (issue 15).

A phone checks a new code against the job seekers it holds, but a specialist's phone holds only
their own caseload: the push is the real check. `team_code_keys` reads every live job seeker's
code in the team (a team's job seekers number in the hundreds, and only a batch that carries a job
seeker asks); it runs after the push has taken the team's lock (server.services.changes), so two
phones pushing the same new code are decided one after the other, and the second is refused with
"this code is already used in your team" (no other person's data). Records stored before the rule
keep their codes: an edit is checked only when it changes the code (server.services.apply).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.identity import code_key
from server.db.models import RecordRow


def team_code_keys(session: Session, *, team_id: str) -> dict[str, str]:
    """code_key(code) -> the id of a live job seeker of the team with that code."""
    code = RecordRow.data["code"].as_string()
    rows = session.execute(
        select(RecordRow.record_id, code).where(
            RecordRow.team_id == team_id,
            RecordRow.kind == "job_seeker",
            RecordRow.deleted.is_(False),
        )
    ).all()
    keys: dict[str, str] = {}
    for record_id, value in rows:
        key = code_key(value) if isinstance(value, str) else ""
        if key:
            keys.setdefault(key, record_id)
    return keys
