"""`fieldwork import employers FILE.csv|FILE.xlsx --team TEAM [--org ORG] [--owner USERNAME]`.

Prints a progress bar on stderr while it reads, then what was imported, what was already there, and
each bad row with its line and reason. Exit status 0 when every row was imported or already there,
1 when some rows were refused (the good rows are imported all the same), 2 when the file itself
cannot be read. See server.services.employer_import for the rules.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.clock import SystemClock
from server.db.database import Database
from server.db.models import User
from server.errors import NotFound
from server.services import accounts
from server.services.employer_import import ImportFileError, import_employers, read_rows
from server.settings import Settings

BAR_WIDTH = 30


class ProgressBar:
    """`[#######.......]  120/500 rows` redrawn in place; on a non-terminal, only the last line."""

    def __init__(self, total: int, *, stream: TextIO) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.live = stream.isatty()
        self._shown = -1

    def update(self, done: int) -> None:
        filled = BAR_WIDTH * min(done, self.total) // self.total
        if filled == self._shown and done != self.total:
            return
        self._shown = filled
        if self.live:
            self.stream.write(f"\r{self._line(done)}")
            self.stream.flush()

    def close(self, done: int) -> None:
        self.stream.write(("\r" if self.live else "") + self._line(done) + "\n")
        self.stream.flush()

    def _line(self, done: int) -> str:
        filled = BAR_WIDTH * min(done, self.total) // self.total
        return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{self.total} rows"


def add_import_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    what = sub.add_parser("import", help="import records from a spreadsheet")
    kinds = what.add_subparsers(dest="what", required=True)
    employers = kinds.add_parser("employers", help="import a team's employer list (.csv or .xlsx)")
    employers.add_argument("file", type=Path)
    employers.add_argument("--team", required=True)
    employers.add_argument("--org", help="needed when two organisations have a team of that name")
    employers.add_argument("--owner", help="the team member recorded as adding them (default: a supervisor)")


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        total, rows = read_rows(args.file)
    except ImportFileError as exc:
        print(f"fieldwork: {exc}", file=sys.stderr)
        return 2
    database = Database(settings.database_url)
    try:
        with database.read() as session:
            team = accounts.find_team(session, name=args.team, organisation=args.org)
            owner_id = _owner(session, team.id, args.owner)
        bar = ProgressBar(total, stream=sys.stderr)
        report = import_employers(
            database.write,
            team_id=team.id,
            owner_user_id=owner_id,
            rows=rows,
            now=SystemClock().now(),
            on_progress=bar.update,
        )
        bar.close(report.rows)
    except ImportFileError as exc:  # a read error part-way: what was imported so far stays
        print(f"fieldwork: {exc}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    print(
        f"{report.imported} employers imported, {report.already_there} already in the directory, "
        f"{len(report.problems)} rows refused"
    )
    for problem in report.problems:
        print(f"line {problem.line}: {problem.reason}")
    return 1 if report.problems else 0


def _owner(session: Session, team_id: str, username: str | None) -> str:
    if username:
        return accounts.find_team_member(session, team_id=team_id, username=username).id
    query = (
        select(User.id)
        .where(User.team_id == team_id, User.role.in_([r.value for r in accounts.REVIEWER_ROLES]))
        .order_by(User.created_at, User.username)
    )
    found = session.scalars(query).first()
    if found is None:
        raise NotFound("the team has no supervisor to record as the importer; pass --owner USERNAME")
    return str(found)
