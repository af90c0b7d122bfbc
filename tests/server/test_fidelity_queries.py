"""Fidelity queries: the derived `face_to_face` and `seeker_ids` columns (migration 0004), and the
database-side weekly counts agreeing with the row-by-row rules of server.services.metrics; the
map columns (migration 0008)."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, event, select, text

from app.domain.enums import ContactMode
from app.domain.records import EmployerVisit
from app.domain.rules import counts_toward_fidelity
from server.db.migrate import upgrade
from server.db.models import RecordRow
from server.services import metrics_queries as q
from server.services.derived import face_to_face_of, map_columns, metric_columns, seeker_ids_of
from server.services.metrics import first_contacts, recent_weeks, week_bounds, weekly_contacts, weekly_counts
from tests.server.world import new_id, op, push, sample

LONDON = ZoneInfo("Europe/London")


def test_a_visit_is_face_to_face_only_when_its_contact_mode_says_so():
    assert face_to_face_of("employer_visit", {"contact_mode": "face_to_face"}) is True
    assert face_to_face_of("employer_visit", {"contact_mode": "phone"}) is False
    assert face_to_face_of("employer_visit", {}) is False
    assert face_to_face_of("support_check_in", {"mode": "face_to_face"}) is None


def test_the_face_to_face_column_follows_the_domain_rule_for_every_contact_mode():
    for mode in ContactMode:
        by_domain = counts_toward_fidelity(EmployerVisit(contact_mode=mode))
        assert face_to_face_of("employer_visit", {"contact_mode": mode.value}) is by_domain


def test_seeker_ids_are_the_job_seekers_a_visit_names_in_order():
    assert seeker_ids_of("employer_visit", {"job_seeker_ids": ["s1", "s2"]}) == "s1 s2"
    assert seeker_ids_of("employer_visit", {"job_seeker_ids": []}) is None
    assert seeker_ids_of("employer_visit", {"job_seeker_ids": ["", 7, "a b"]}) is None
    assert seeker_ids_of("job_opening", {"job_seeker_ids": ["s1"]}) is None


def test_seeker_ids_hold_the_job_seekers_a_visit_was_made_for_named_or_not():
    data = {"job_seeker_ids": ["s1"], "undisclosed_job_seeker_ids": ["s2", "s1", ""]}
    assert seeker_ids_of("employer_visit", data) == "s1 s2"
    assert seeker_ids_of("employer_visit", {"undisclosed_job_seeker_ids": ["s3"]}) == "s3"


def test_migration_0016_adds_undisclosed_job_seekers_to_stored_visits(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0015")
    engine = create_engine(url)
    insert = text(
        "INSERT INTO records (team_id, record_id, kind, owner_user_id, version, data, deleted, flagged, seq, "
        "updated_at, seeker_ids) VALUES ('t', :rid, 'employer_visit', 'u', 1, :data, 0, 0, :seq, "
        "'2026-05-01 09:00:00', :ids)"
    )
    with engine.begin() as db:  # a plain engine: no foreign keys to satisfy
        db.execute(
            insert,
            {
                "rid": "v-1",
                "seq": 1,
                "ids": "s1",
                "data": json.dumps({"job_seeker_ids": ["s1"], "undisclosed_job_seeker_ids": ["s2"]}),
            },
        )
        db.execute(
            insert, {"rid": "v-2", "seq": 2, "ids": "s3", "data": json.dumps({"job_seeker_ids": ["s3"]})}
        )
    upgrade(url)
    with engine.connect() as db:
        rows = dict(db.execute(text("SELECT record_id, seeker_ids FROM records")).all())
    engine.dispose()
    assert rows == {"v-1": "s1 s2", "v-2": "s3"}


def test_tombstones_have_no_fidelity_columns():
    assert metric_columns("employer_visit", None) == {"face_to_face": None, "seeker_ids": None}


def _row(database, record_id):
    with database.read() as session:
        return session.scalar(select(RecordRow).where(RecordRow.record_id == record_id))


def test_push_fills_the_fidelity_columns_on_create_edit_and_delete(client, world, database):
    alice = world["alice"]
    visit, seeker = new_id(), new_id()
    data = sample("employer_visit", contact_mode="phone", job_seeker_ids=[seeker])
    push(client, alice, op("employer_visit", visit, data=data))
    row = _row(database, visit)
    assert (row.face_to_face, row.seeker_ids) == (False, seeker)
    push(client, alice, op("employer_visit", visit, base=1, data={**data, "contact_mode": "face_to_face"}))
    row = _row(database, visit)
    assert (row.face_to_face, row.seeker_ids) == (True, seeker)
    push(client, alice, op("employer_visit", visit, base=2, delete=True))
    row = _row(database, visit)
    assert (row.face_to_face, row.seeker_ids) == (None, None)


def _visit(
    employer: str,
    at: str,
    *,
    mode: str = "face_to_face",
    seekers: list[str] | None = None,
    undisclosed: list[str] | None = None,
) -> dict:
    return sample(
        "employer_visit",
        employer_id=employer,
        occurred_at=at,
        contact_mode=mode,
        job_seeker_ids=seekers or [],
        undisclosed_job_seeker_ids=undisclosed or [],
    )


def test_weekly_counts_from_the_database_match_the_row_by_row_rules(client, world, database):
    alice, bob = world["alice"], world["bob"]
    bakery, garage, cafe, seeker = new_id(), new_id(), new_id(), new_id()
    visits = [
        (alice, _visit(cafe, "2026-03-02T09:00:00+00:00")),  # before the weeks: cafe met already
        (alice, _visit(garage, "2026-03-03T09:00:00+00:00", mode="phone")),  # a call meets nobody
        (alice, _visit(bakery, "2026-04-13T09:00:00+00:00", seekers=[seeker])),  # new
        (bob, _visit(bakery, "2026-04-14T09:00:00+00:00")),  # repeat for the team
        (bob, _visit(garage, "2026-04-19T23:30:00+00:00")),  # Monday 00:30 in London: next week, new
        (alice, _visit(cafe, "2026-04-21T09:00:00+00:00")),  # repeat (met in March)
        (alice, _visit(garage, "2026-04-22T09:00:00+00:00", mode="email")),
        (bob, _visit(cafe, "2026-05-04T08:00:00+00:00", seekers=[seeker, new_id()])),
    ]
    for member, data in visits:
        push(client, member, op("employer_visit", new_id(), data=data))
    deleted = new_id()
    push(client, alice, op("employer_visit", deleted, data=_visit(new_id(), "2026-04-15T09:00:00+00:00")))
    push(client, alice, op("employer_visit", deleted, base=1, delete=True))

    team = alice.team_id
    mondays = recent_weeks(date(2026, 5, 4), 4)
    start, end = week_bounds(mondays[0], LONDON)[0], week_bounds(mondays[-1], LONDON)[1]
    with database.read() as session:
        contacts = q.contacts_between(session, team_id=team, start=start, end=end)
        earlier = q.first_face_to_face_before(session, team_id=team, start=start, end=end)
        expected = weekly_contacts(contacts, zone=LONDON, earlier_first=earlier)
        totals = q.week_totals(session, team_id=team, mondays=mondays, zone=LONDON)
        firsts = q.first_meetings(session, team_id=team, start=start, end=end)
        seen = q.face_to_face_visits_since(session, team_id=team, since=start)
    assert weekly_counts(totals, firsts, zone=LONDON, start=start) == expected
    assert expected[(alice.user_id, date(2026, 4, 13))].new_employers == 1
    assert expected[(bob.user_id, date(2026, 4, 20))].new_employers == 1
    assert expected[(alice.user_id, date(2026, 4, 20))].other_contacts == 1
    assert first_contacts(seen, referrals={seeker: date(2026, 4, 1)}, zone=LONDON) == {
        seeker: date(2026, 4, 13)
    }


def test_openings_are_read_with_the_fields_the_pipeline_needs(client, world, database):
    alice = world["alice"]
    for status in ("hired", "hired", "interested"):
        push(client, alice, op("job_opening", new_id(), data=sample("job_opening", status=status)))
    with database.read() as session:
        openings = q.team_openings(session, team_id=alice.team_id)
    assert sorted(o.status.value for o in openings) == ["hired", "hired", "interested"]


def _plans(database, team_id: str) -> dict[str, str]:
    """Each visit query as the driver sends it (SQL text and parameters), and the plan the
    database picks for it when table scans are discouraged (the test table is tiny)."""
    sent: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):  # not BEGIN
            sent.append((statement, parameters))

    mondays = recent_weeks(date(2026, 5, 4), 52)
    start, end = week_bounds(mondays[0], LONDON)[0], week_bounds(mondays[-1], LONDON)[1]
    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        with database.read() as session:
            q.week_totals(session, team_id=team_id, mondays=mondays, zone=LONDON)
            q.first_meetings(session, team_id=team_id, start=start, end=end)
            q.face_to_face_visits_since(session, team_id=team_id, since=start)
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    plans: dict[str, str] = {}
    with database.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        cursor = raw.cursor()
        if database.is_sqlite:
            explain = "EXPLAIN QUERY PLAN "
        else:
            explain = "EXPLAIN "
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_bitmapscan = off")
        for name, (statement, parameters) in zip(("totals", "firsts", "since"), sent, strict=True):
            cursor.execute(explain + statement, parameters)
            plans[name] = "\n".join(str(row[-1]) for row in cursor.fetchall()) + "\n" + statement
        cursor.close()
        connection.rollback()
    return plans


def test_visit_queries_read_the_partial_visit_indexes_with_the_kind_in_the_sql(client, world, database):
    # The kind is written into the SQL: a plan prepared for a bound kind (psycopg prepares a
    # statement run five times) could not use an index on `kind = 'employer_visit'` rows only.
    alice = world["alice"]
    push(client, alice, op("employer_visit", new_id(), data=_visit(new_id(), "2026-04-13T09:00:00+00:00")))
    plans = _plans(database, alice.team_id)
    for name, plan in plans.items():  # which of the two a tiny table gets is the planner's choice
        assert "kind = 'employer_visit'" in plan, name
        assert "ix_records_visits_occurred" in plan or "ix_records_f2f_visits_subject" in plan, plan
    assert "ix_records_visits_occurred" in plans["totals"], plans["totals"]  # holds phone calls too
    assert "ix_records_f2f_visits_subject" in plans["firsts"], plans["firsts"]


def test_map_columns_hold_what_the_map_shows_of_a_visit():
    geotag = {"latitude": 51.5, "longitude": -0.1, "accuracy_m": 12, "source": "gps"}
    data = {"geotag": geotag, "purpose": "learn_business"}
    assert map_columns("employer_visit", data) == {
        "geotag_accuracy_m": 12.0, "geotag_source": "gps", "purpose": "learn_business"
    }  # fmt: skip
    odd = {"geotag": {"accuracy_m": True, "source": ""}, "purpose": 7}
    assert set(map_columns("employer_visit", odd).values()) == {None}
    assert set(map_columns("employer_visit", None).values()) == {None}
    assert set(map_columns("employer", {"purpose": "x"}).values()) == {None}


def test_push_fills_the_map_columns_on_create_edit_and_delete(client, world, database):
    alice, visit = world["alice"], new_id()
    geotag = {"latitude": 51.5, "longitude": -0.1, "accuracy_m": 30.0, "source": "manual"}
    data = sample("employer_visit", purpose="follow_up", geotag=geotag)
    push(client, alice, op("employer_visit", visit, data=data))
    row = _row(database, visit)
    assert (row.geotag_accuracy_m, row.geotag_source, row.purpose) == (30.0, "manual", "follow_up")
    push(client, alice, op("employer_visit", visit, base=1, data={**data, "geotag": None}))
    row = _row(database, visit)
    assert (row.geotag_accuracy_m, row.geotag_source, row.purpose) == (None, "none", "follow_up")  # as stored
    push(client, alice, op("employer_visit", visit, base=2, delete=True))
    row = _row(database, visit)
    assert (row.geotag_accuracy_m, row.geotag_source, row.purpose) == (None, None, None)


def test_migration_0008_fills_the_map_columns_of_stored_visits(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0007")
    geotag = {"latitude": 51.5, "longitude": -0.1, "accuracy_m": 9.0, "source": "gps"}
    visit = {"id": "v-1", "purpose": "introduce_ips", "geotag": geotag}
    engine = create_engine(url)
    with engine.begin() as db:  # a plain engine: no foreign keys to satisfy for one row
        db.execute(
            text(
                "INSERT INTO records (team_id, record_id, kind, owner_user_id, version, data, deleted, "
                "flagged, seq, updated_at) VALUES ('t', 'v-1', 'employer_visit', 'u', 1, :data, 0, 0, 1, "
                "'2026-05-01 09:00:00')"
            ),
            {"data": json.dumps(visit)},
        )
    upgrade(url)
    with engine.connect() as db:
        row = db.execute(text("SELECT geotag_accuracy_m, geotag_source, purpose FROM records")).one()
    engine.dispose()
    assert tuple(row) == (9.0, "gps", "introduce_ips")


def test_first_contact_days_agree_with_the_row_by_row_rule(client, world, database):
    # PostgreSQL finds first contacts in SQL; SQLite runs the rule (first_contacts) on the visits.
    alice = world["alice"]
    ann, ben, cat, employer = new_id(), new_id(), new_id(), new_id()
    referrals = {ann: date(2026, 4, 14), ben: date(2026, 4, 1), cat: date(2026, 4, 1)}
    visits = [
        _visit(employer, "2026-04-12T09:00:00+00:00", seekers=[ann]),  # before Ann's referral
        _visit(employer, "2026-04-13T23:30:00+00:00", seekers=[ann, ben]),  # 14 April in London
        _visit(employer, "2026-04-10T09:00:00+00:00", mode="phone", seekers=[cat]),  # a call
        _visit(employer, "2026-04-20T09:00:00+00:00", seekers=[cat]),
        _visit(employer, "2026-04-16T09:00:00+00:00", undisclosed=[cat]),  # on her behalf, not named
        _visit(employer, "2026-03-01T09:00:00+00:00", seekers=[ben]),  # before `since`
    ]
    for data in visits:
        push(client, alice, op("employer_visit", new_id(), data=data))
    gone = new_id()  # a deleted visit counts for nobody
    push(
        client,
        alice,
        op("employer_visit", gone, data=_visit(employer, "2026-04-02T09:00:00+00:00", seekers=[cat])),
    )
    push(client, alice, op("employer_visit", gone, base=1, delete=True))
    since = week_bounds(date(2026, 3, 2), LONDON)[0]
    with database.read() as session:
        found = q.first_contact_days(
            session, team_id=alice.team_id, referrals=referrals, since=since, zone=LONDON
        )
        seen = q.face_to_face_visits_since(session, team_id=alice.team_id, since=since)
        assert (
            q.first_contact_days(session, team_id=alice.team_id, referrals={}, since=since, zone=LONDON) == {}
        )
    assert found == first_contacts(seen, referrals=referrals, zone=LONDON)
    assert found == {ann: date(2026, 4, 14), ben: date(2026, 4, 14), cat: date(2026, 4, 16)}
