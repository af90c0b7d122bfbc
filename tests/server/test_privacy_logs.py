"""No personal data in any log: every logger at DEBUG (server, uvicorn's access log, httpx, the sync
client, the app) and SQLAlchemy's statement log at INFO (its DEBUG level dumps result rows, which no
deployment should turn on), plus stdout and stderr, captured through a full sync and review, then
searched for the seeded names and codes. It runs on SQLite and on PostgreSQL, where a NUL character
in a pushed record once failed the whole push and put PostgreSQL's error CONTEXT, quoting the
record, in the log twice: the phone and the web forms send NULs too."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import uvicorn

from app.domain.clock import new_id
from app.domain.enums import Disclosure
from app.domain.records import Employer, EmployerVisit, JobSeeker, SupportCheckIn
from app.records import RecordService
from app.store import LocalStore
from sync.client import SyncClient
from sync.engine import SyncEngine
from tests.server.web_helpers import csrf_from, sign_in

SEEKER_CODE = "Maryam-K7Q"
SECRETS = (
    SEEKER_CODE,
    "Eastside Recovery CMHT",  # clinical team
    "night shifts near Riverside",  # what the seeker wants to avoid
    "Zubair Haddad",  # the person met at the employer
    "panic attack on Tuesday",  # a check-in concern
    "Maryam settled in well",  # the supervisor's comment
    "relapse after the interview",  # a check-in concern sent with a NUL in it
    "Maryam asked about night work",  # a comment typed with a NUL in it
)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {text}")


# Loggers that may have been set not to propagate (uvicorn's default config does that to its own).
OWN_HANDLERS = ("uvicorn", "uvicorn.access", "uvicorn.error")


@pytest.fixture
def every_log() -> Iterator[Capture]:
    capture = Capture()
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in OWN_HANDLERS)]
    statements = logging.getLogger("sqlalchemy.engine")
    levels = [logger.level for logger in [*loggers, statements]]
    for logger in loggers:
        logger.addHandler(capture)
        logger.setLevel(logging.DEBUG)
    statements.setLevel(logging.INFO)  # every SQL statement; its parameters must not show
    yield capture
    for logger, level in zip([*loggers, statements], levels, strict=True):
        logger.removeHandler(capture)
        logger.setLevel(level)


@pytest.fixture
def verbose_server(app, every_log) -> Iterator[str]:
    """The app behind uvicorn at debug level with its access log, logging through the root logger."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, log_level="debug", access_log=True
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):  # bounded: up to ~5 s
        if server.started:
            break
        time.sleep(0.01)
    assert server.started
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_full_sync_and_review_logs_no_personal_data(verbose_server, every_log, client, world, clock, capfd):
    store = LocalStore.in_memory()
    now = clock.now()  # the server's clock: nothing looks as if it happened in the future
    service = RecordService(store, clock=clock, new_id=new_id)
    bakery = service.save(Employer(name="Harbour Bakery", sector="food")).data["id"]
    seeker = service.save(
        JobSeeker(
            code=SEEKER_CODE,
            referral_date=(now - timedelta(days=9)).date(),
            clinical_team=SECRETS[1],
            avoid=SECRETS[2],
            disclosure=Disclosure.CONSENTED,
        )
    ).data["id"]
    visit = service.save(
        EmployerVisit(employer_id=bakery, occurred_at=now, met_person=SECRETS[3], job_seeker_ids=[seeker])
    ).data["id"]
    service.save(SupportCheckIn(job_seeker_id=seeker, occurred_at=now, concerns=SECRETS[4]))
    # A record the server refuses: its reasons travel back without passing through a log.
    store.save("job_seeker", {"id": new_id(), "version": 1, "code": SEEKER_CODE * 40}, op_id=new_id(),
               queued_at=now.isoformat())  # fmt: skip
    # One the phone's own form would refuse (a NUL), queued as an older app might have: rejected
    # alone, the rest of the push applies, and PostgreSQL never sees it.
    nul = {"id": new_id(), "version": 1, "job_seeker_id": seeker, "occurred_at": now.isoformat(),
           "concerns": f"{SECRETS[6]}\u0000{SEEKER_CODE}"}  # fmt: skip
    store.save("support_check_in", nul, op_id=new_id(), queued_at=now.isoformat())

    phone = SyncClient(verbose_server, world["alice"].token)
    first = SyncEngine(store, phone).sync_once()
    assert first.pushed == 6 and first.rejected == 2

    assert sign_in(client, "sue").status_code == 303
    for page in (
        "/review",
        "/review/map",
        "/review/fidelity",
        "/review/export.csv",
        "/review/export.geojson",
    ):
        assert client.get(page).status_code == 200, page
    record = client.get(f"/review/records/{visit}")
    assert SEEKER_CODE in record.text  # the supervisor does see it, on the page
    reviewed = client.post(
        f"/review/records/{visit}/review",
        data={"csrf_token": csrf_from(record.text), "state": "needs_changes", "comment": SECRETS[5]},
        follow_redirects=False,
    )
    assert reviewed.status_code == 303
    assert sign_in(client, SEEKER_CODE, "not a password").status_code == 401  # a name typed as a username
    assert sign_in(client, f"{SEEKER_CODE}\u0000", "not a password").status_code == 400
    commented = client.post(
        f"/review/records/{visit}/comments",
        data={"csrf_token": csrf_from(record.text), "body": f"{SECRETS[7]}\u0000"},
        follow_redirects=False,
    )
    assert commented.status_code == 400

    SyncEngine(store, phone).sync_once()
    pulled = store.get("employer_visit", visit)
    assert pulled is not None and pulled.review is not None and pulled.review["state"] == "needs_changes"
    phone.close()

    out, err = capfd.readouterr()
    logged = "\n".join(every_log.lines)
    for logger in ("uvicorn.access", "httpx", "sqlalchemy.engine"):
        assert f"{logger}" in logged, logger  # the capture did see the traffic
    leaks = {secret for secret in SECRETS if secret in logged or secret in out or secret in err}
    assert not leaks, [line for line in every_log.lines if any(s in line for s in leaks)][:5]
