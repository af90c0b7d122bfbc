"""`fieldwork`: the operator's command line (console script `fieldwork = server.cli:main`).

Reads settings from the environment (DATABASE_URL, FIELDWORK_SECRET_KEY, ...). Commands:
  migrate                         create or upgrade the schema (Alembic)
  create-org NAME                 add an organisation
  create-team --org ORG NAME      add a team to an organisation
  create-user --team TEAM --role ROLE [--name NAME] [--password-stdin] USERNAME
  enrollment-code USERNAME        issue a one-time code for a user's phone
  list-devices --team TEAM        devices of a team, revoked or not
  revoke-device DEVICE_ID         revoke a device token at once
  disable-user USERNAME           refuse a user's sign-ins, sessions and devices at once
  import employers FILE --team TEAM  import a team's employer spreadsheet (.csv or .xlsx)
  demo                            create (or refresh) the demo team and print its credentials
  serve [--demo] [--host] [--port]  run the API (SQLite databases are migrated first)
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence

from app.domain.clock import SystemClock
from server.cli_import import add_import_parser, run_import
from server.db.database import Database
from server.db.migrate import upgrade
from server.demo import seed_demo
from server.errors import ApiError
from server.services import accounts
from server.settings import Settings, UnsafeSettings

Command = Callable[[argparse.Namespace, Settings], int]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fieldwork", description="Operate the Fieldwork central API.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the database schema")
    org = sub.add_parser("create-org", help="add an organisation")
    org.add_argument("name")
    team = sub.add_parser("create-team", help="add a team to an organisation")
    team.add_argument("--org", required=True)
    team.add_argument("name")
    user = sub.add_parser("create-user", help="add a user to a team")
    user.add_argument("--team", required=True)
    user.add_argument("--org", help="needed when two organisations have a team of that name")
    user.add_argument("--role", required=True, choices=[role.value for role in accounts.Role])
    user.add_argument("--name", help="display name (default: the username)")
    user.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    user.add_argument("--no-password", action="store_true", help="no web login (specialists need none)")
    user.add_argument("username")
    code = sub.add_parser("enrollment-code", help="issue a one-time enrollment code for a user's phone")
    code.add_argument("username")
    devices = sub.add_parser("list-devices", help="list a team's devices")
    devices.add_argument("--team", required=True)
    devices.add_argument("--org")
    revoke = sub.add_parser("revoke-device", help="revoke a device token")
    revoke.add_argument("device_id")
    disable = sub.add_parser("disable-user", help="refuse a user's sign-ins, sessions and devices")
    disable.add_argument("username")
    add_import_parser(sub)
    sub.add_parser("demo", help="create or refresh the demo team and print its credentials")
    serve = sub.add_parser("serve", help="run the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="seed the demo team and print its credentials")
    return parser


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings.database_url)
    print("database is up to date")
    return 0


def _create_org(args: argparse.Namespace, settings: Settings) -> int:
    with Database(settings.database_url).write() as session:
        print(accounts.create_organisation(session, name=args.name, clock=SystemClock()))
    return 0


def _create_team(args: argparse.Namespace, settings: Settings) -> int:
    with Database(settings.database_url).write() as session:
        org_id = accounts.find_organisation(session, name=args.org)
        print(accounts.create_team(session, organisation_id=org_id, name=args.name, clock=SystemClock()))
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    if args.no_password:
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass("password: ")


def _create_user(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args)
    with Database(settings.database_url).write() as session:
        team = accounts.find_team(session, name=args.team, organisation=args.org)
        user_id = accounts.create_user(
            session,
            team_id=team.id,
            username=args.username,
            display_name=args.name or args.username,
            role=accounts.Role(args.role),
            password=password,
            clock=SystemClock(),
        )
    print(user_id)
    return 0


def _enrollment_code(args: argparse.Namespace, settings: Settings) -> int:
    with Database(settings.database_url).write() as session:
        user = accounts.find_user(session, username=args.username)
        code, expires_at = accounts.issue_enrollment_code(
            session,
            user_id=user.id,
            issued_by=None,
            clock=SystemClock(),
            secret=settings.secret_key.get_secret_value(),
            minutes=settings.enrollment_code_minutes,
        )
    print(f"{code}  (for {args.username}, valid until {expires_at.isoformat(timespec='minutes')})")
    return 0


def _printable(text: str) -> str:
    """A phone names itself: control characters (escape sequences that rewrite the operator's
    terminal, a newline that forges a row) are shown escaped, never sent to the terminal raw."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _list_devices(args: argparse.Namespace, settings: Settings) -> int:
    with Database(settings.database_url).read() as session:
        team = accounts.find_team(session, name=args.team, organisation=args.org)
        for device, user in accounts.list_devices(session, team_id=team.id):
            state = "revoked" if device.revoked_at else "active"
            print(f"{device.id}  {user.username:<20} {state:<8} {_printable(device.name)}")
    return 0


def _revoke_device(args: argparse.Namespace, settings: Settings) -> int:
    with Database(settings.database_url).write() as session:
        accounts.revoke_device(session, device_id=args.device_id, clock=SystemClock())
    print(f"revoked {args.device_id}")
    return 0


def _disable_user(args: argparse.Namespace, settings: Settings) -> int:
    with Database(settings.database_url).write() as session:
        user = accounts.find_user(session, username=args.username)
        accounts.disable_user(session, user_id=user.id, clock=SystemClock())
    print(f"disabled {args.username}: their sessions and devices are refused from now on")
    return 0


def _demo(_args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings.database_url)
    creds = seed_demo(
        Database(settings.database_url), clock=SystemClock(), secret=settings.secret_key.get_secret_value()
    )
    print(f"demo team:        {creds.team}")
    print(f"supervisor login: {creds.supervisor} / {creds.password}")
    print(f"specialist login: {creds.specialist} / {creds.password}")
    print(f"enrollment code:  {creds.enrollment_code}  (type it into the field app; valid 60 minutes)")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from server.main import serving_app

    try:
        settings.check_safe_to_serve()  # before migrating or seeding anything
    except UnsafeSettings as unsafe:
        print(f"fieldwork: refusing to start: {unsafe}", file=sys.stderr)
        return 2
    if settings.is_sqlite:
        upgrade(settings.database_url)  # embedded database: one process, safe to migrate on start
    if args.demo:
        _demo(args, settings)
    docs = "  (docs at /docs)" if settings.docs_enabled else ""
    print(f"Fieldwork API on http://{args.host}:{args.port}{docs}")
    app = serving_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False)
    return 0


COMMANDS: dict[str, Command] = {
    "migrate": _migrate,
    "create-org": _create_org,
    "create-team": _create_team,
    "create-user": _create_user,
    "enrollment-code": _enrollment_code,
    "list-devices": _list_devices,
    "revoke-device": _revoke_device,
    "disable-user": _disable_user,
    "import": run_import,
    "demo": _demo,
    "serve": _serve,
}


def main(argv: Sequence[str] | None = None, *, settings: Settings | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, settings or Settings())
    except ApiError as exc:
        print(f"fieldwork: {exc.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
