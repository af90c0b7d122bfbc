"""`fieldwork import employers`: bad rows reported with line and reason while good rows import,
duplicates by normalised name and address, idempotent re-import, CSV and XLSX. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server import cli
from server.db.models import RecordRow, RecordVersion, TeamChangeCounter
from server.services.apply import RecordState
from server.services.employer_import import match_key
from tests.server.world import new_id, op, pull_all, push, sample

HEADER = [
    "Business name",
    "Sector",
    "Address",
    "Contacts",
    "Notes",
    "Next step",
    "Next step due",
    "Latitude",
    "Longitude",
]
ROWS = [
    [
        "Harbour Bakery",
        "food",
        "1 Quay St, Kendal",
        "Ana (owner); Raj",
        "busy before 10",
        "call Ana",
        "2026-05-11",
        "54.3280",
        "-2.7460",
    ],
    ["", "retail", "2 High St", "", "", "", "", "", ""],  # line 3: no name
    ["Fell Garage", "motor", "Mintsfeet Rd", "", "", "", "next week", "", ""],  # line 4: bad date
    ["Quay Books", "retail", "3 Quay St", "", "", "", "", "95", "-2.7"],  # line 5: latitude out of range
    ["HARBOUR  bakery", "food", "1 Quay St Kendal", "", "", "", "", "", ""],  # line 6: same as line 2
    [],  # a blank line means nothing
    ["Kent Valley Care", "care", "Sedbergh Rd", "", "", "", "", "fifty", ""],  # line 8: not a number
    ["Lakeland Print", "print", "Mintsfeet Rd", "", "", "", "", "", ""],
]


def write_csv(path: Path, rows=ROWS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def run(settings, *argv) -> int:
    return cli.main(["import", "employers", *map(str, argv), "--team", "IPS North"], settings=settings)


def employers_of(database, team_id: str) -> dict[str, dict]:
    with database.read() as session:
        rows = session.execute(
            select(RecordRow.data).where(RecordRow.team_id == team_id, RecordRow.kind == "employer")
        ).scalars()
        return {data["name"]: data for data in rows}


def test_good_rows_import_and_each_bad_row_is_reported_with_line_and_reason(
    settings, world, database, tmp_path, capsys
):
    assert run(settings, write_csv(tmp_path / "employers.csv")) == 1
    out = capsys.readouterr()

    assert "2 employers imported, 1 already in the directory, 4 rows refused" in out.out
    assert "line 3: name: Business name is required" in out.out
    assert "line 4: next_step_on: expected a date like 2026-05-04" in out.out
    assert "line 5: latitude: latitude must be between -90 and 90" in out.out
    assert "line 8: latitude: expected a number" in out.out
    assert "[##############################] 7/7 rows" in out.err  # the progress bar's last state

    imported = employers_of(database, world.team_a)
    assert set(imported) == {"Harbour Bakery", "Lakeland Print"}
    bakery = imported["Harbour Bakery"]
    assert bakery["contacts"] == ["Ana (owner)", "Raj"] and bakery["next_step_on"] == "2026-05-11"
    assert (bakery["latitude"], bakery["longitude"], bakery["version"]) == (54.328, -2.746, 1)


def test_reimporting_the_same_file_changes_nothing(settings, world, database, tmp_path, capsys):
    path = write_csv(tmp_path / "employers.csv")
    run(settings, path)
    with database.read() as session:
        seq_before = session.scalar(
            select(TeamChangeCounter.last_seq).where(TeamChangeCounter.team_id == world.team_a)
        )
    capsys.readouterr()

    run(settings, path)

    assert "0 employers imported, 3 already in the directory" in capsys.readouterr().out
    assert len(employers_of(database, world.team_a)) == 2
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(RecordVersion)) == 2
        seq_after = session.scalar(
            select(TeamChangeCounter.last_seq).where(TeamChangeCounter.team_id == world.team_a)
        )
    assert seq_after == seq_before


def test_an_employer_a_phone_already_added_is_a_duplicate(
    settings, world, client, database, tmp_path, capsys
):
    push(
        client,
        world["alice"],
        op("employer", new_id(), data=sample("employer", name="Lakeland Print", address="Mintsfeet Road")),
    )
    rows = [["Lakeland Print", "print", "mintsfeet road.", "", "", "", "", "", ""]]
    assert run(settings, write_csv(tmp_path / "one.csv", rows)) == 0
    assert "0 employers imported, 1 already in the directory, 0 rows refused" in capsys.readouterr().out


def test_an_imported_employer_row_is_written_as_a_push_writes_it(settings, world, database, tmp_path):
    # One path to a records row: every derived column (review, fidelity, point, map) as a push fills it.
    assert run(settings, write_csv(tmp_path / "employers.csv", ROWS[:1])) == 0
    with database.read() as session:
        row = session.scalars(select(RecordRow).where(RecordRow.kind == "employer")).one()
        state = RecordState(row.record_id, "employer", row.owner_user_id, 1, row.data, seq=row.seq)
        expected = state.row_values(team_id=row.team_id)
    plain = {"team_id", "record_id", "kind", "owner_user_id", "data", "updated_at", "occurred_at"}
    derived = set(expected) - plain
    assert {column: getattr(row, column) for column in derived} == {c: expected[c] for c in derived}
    assert (row.latitude, row.longitude) == (54.328, -2.746)
    # SQLite gives the time back without its zone (stored as UTC).
    occurred = row.occurred_at if row.occurred_at.tzinfo else row.occurred_at.replace(tzinfo=UTC)
    assert occurred == expected["occurred_at"]


def test_imported_employers_reach_every_phone_of_the_team(settings, world, client, tmp_path):
    run(settings, write_csv(tmp_path / "employers.csv"))
    changes, _ = pull_all(client, world["bob"])
    names = {c["data"]["name"] for c in changes if c["kind"] == "employer"}
    assert names == {"Harbour Bakery", "Lakeland Print"}
    assert pull_all(client, world["carl"])[0] == []  # another team sees none of them


def test_an_xlsx_workbook_imports_like_a_csv(settings, world, database, tmp_path, capsys):
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Address", "Next step due", "Latitude", "Longitude"])
    sheet.append(["Harbour Bakery", "1 Quay St", datetime(2026, 5, 11), 54.328, -2.746])
    sheet.append([None, "no name here", None, None, None])
    path = tmp_path / "employers.xlsx"
    book.save(path)

    assert run(settings, path) == 1
    out = capsys.readouterr().out
    assert "1 employers imported" in out and "line 3: name: Business name is required" in out
    assert employers_of(database, world.team_a)["Harbour Bakery"]["next_step_on"] == "2026-05-11"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("list.txt", "name\nBakery\n", "use a .csv or .xlsx file"),
        ("empty.csv", "", "the file is empty"),
        ("noname.csv", "company name,address\nBakery,1 High St\n", "no 'name' column"),
        ("bad.xlsx", "not a workbook", "cannot read it as an XLSX workbook"),
    ],
)
def test_a_file_that_cannot_be_imported_says_why_and_imports_nothing(
    settings, world, database, tmp_path, capsys, name, content, message
):
    path = tmp_path / name
    path.write_text(content)
    assert run(settings, path) == 2
    assert message in capsys.readouterr().err
    assert employers_of(database, world.team_a) == {}


def test_an_unknown_team_is_an_error(settings, world, tmp_path, capsys):
    path = write_csv(tmp_path / "employers.csv")
    assert cli.main(["import", "employers", str(path), "--team", "Nowhere"], settings=settings) == 1
    assert "no single team called 'Nowhere'" in capsys.readouterr().err


def test_duplicates_ignore_case_accents_punctuation_and_spacing():
    assert match_key("Café  Rio", "1 High St.") == match_key("CAFE RIO", "1 high st")
    assert match_key("Smith & Sons", "Mill Lane") == match_key("Smith and Sons", "Mill Lane")
    assert match_key("Café Rio", "1 High St") != match_key("Café Rio", "2 High St")
