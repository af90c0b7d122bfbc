"""History paging (issue 16, item 7): a shared employer with thousands of versions. The record
page and the records API answer one bounded page of versions, plain links and a cursor reach the
oldest, the history queries are cut in SQL, and a flagged record's older conflicts still show."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select, update

from server.db.models import RecordRow, RecordVersion
from tests.server.world import new_id, op, push, sample

VERSIONS = 2_000
NOTES = "n" * 600  # every version's data is large, as a busy employer's notes are
CONFLICT_AT = 5  # an old version holding a conflict, far below the newest page
CONFLICT = {"field": "sector", "kept": "logistics", "other": "unlikely-sector"}
PAGE_BYTES = 60_000  # 20 versions; the whole history is over 2 MB in the API, 0.5 MB on the page
VERSION_ROW = re.compile(r"<tr><td>(\d+)")
OLDER = re.compile(r'id="older-versions"[^>]*href="([^"]+)"')
NEWER = re.compile(r'id="newer-versions" href="([^"]+)"')


@pytest.fixture
def employer(client, world, database, clock) -> str:
    """An employer created by a push, then given VERSIONS versions by one bulk insert."""
    record_id = new_id()
    push(client, world["alice"], op("employer", record_id, data=sample("employer", notes=NOTES)))
    with database.write() as session:
        row = session.scalars(select(RecordRow).where(RecordRow.record_id == record_id)).one()
        first = session.scalars(select(RecordVersion).where(RecordVersion.record_pk == row.pk)).one()
        rows = [
            _version(first, number, clock.now() + timedelta(minutes=number))
            for number in range(2, VERSIONS + 1)
        ]
        session.execute(insert(RecordVersion), rows)
        session.execute(
            update(RecordRow)
            .where(RecordRow.pk == row.pk)
            .values(version=VERSIONS, data=rows[-1]["data"], flagged=True)
        )
    return record_id


def _version(first: RecordVersion, number: int, at: Any) -> dict[str, Any]:
    return {
        "record_pk": first.record_pk,
        "version": number,
        "data": {**(first.data or {}), "notes": f"{number} {NOTES}"},
        "deleted": False,
        "op_id": f"bulk-{number}",
        "author_user_id": first.author_user_id,
        "author_device_id": first.author_device_id,
        "conflicts": [CONFLICT] if number == CONFLICT_AT else [],
        "created_at": at,
    }


def _page_versions(html: str) -> list[int]:
    history = html[html.index('id="h-history"') :]
    return [int(number) for number in VERSION_ROW.findall(history)]


def test_the_record_page_shows_a_bounded_page_and_its_links_reach_the_oldest_version(client, world, employer):
    sue = world["sue"]
    url: str | None = f"/review/records/{employer}"
    seen: list[int] = []
    for _ in range(VERSIONS // 20 + 5):  # bounded: one page per 20 versions, and a few spare
        if url is None:
            break
        page = client.get(url, headers=sue.web)
        assert page.status_code == 200, page.text
        versions = _page_versions(page.text)
        assert 1 <= len(versions) <= 20 and versions == sorted(versions, reverse=True)
        assert len(page.content) < PAGE_BYTES, len(page.content)
        seen += versions
        found = OLDER.search(page.text)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert url is None, "the links never reached the oldest version"
    assert seen == list(range(VERSIONS, 0, -1))  # every version once, newest to oldest


def test_the_newer_link_leads_back_up_to_the_newest_page(client, world, employer):
    sue = world["sue"]
    deep = client.get(f"/review/records/{employer}?before=41", headers=sue.web).text
    assert _page_versions(deep) == list(range(40, 20, -1))
    newer = NEWER.search(deep)
    assert newer is not None
    assert _page_versions(client.get(newer.group(1), headers=sue.web).text) == list(range(60, 40, -1))
    first = client.get(f"/review/records/{employer}", headers=sue.web).text
    assert NEWER.search(first) is None
    assert _page_versions(first)[0] == VERSIONS


def test_a_flagged_records_conflict_older_than_the_page_still_shows(client, world, employer):
    sue = world["sue"]
    page = client.get(f"/review/records/{employer}", headers=sue.web).text
    assert CONFLICT_AT not in _page_versions(page)
    older = page[page.index('id="older-conflicts"') :]
    assert f"Version {CONFLICT_AT} " in older and "unlikely-sector" in older
    assert client.post(f"/api/v1/records/{employer}/resolve", headers=sue.web).status_code == 204
    assert 'id="older-conflicts"' not in client.get(f"/review/records/{employer}", headers=sue.web).text


def test_the_records_api_answers_a_bounded_page_and_its_cursor_reaches_the_oldest(client, world, employer):
    sue = world["sue"]
    first = client.get(f"/api/v1/records/{employer}", headers=sue.web)
    assert first.status_code == 200, first.text
    assert len(first.content) < PAGE_BYTES, len(first.content)
    body = first.json()
    assert [v["version"] for v in body["history"]] == list(range(VERSIONS - 19, VERSIONS + 1))
    seen: list[int] = []
    cursor: int | None = VERSIONS + 1
    for _ in range(VERSIONS // 100 + 5):  # bounded: one answer per 100 versions, and a few spare
        if cursor is None:
            break
        answer = client.get(
            f"/api/v1/records/{employer}",
            params={"before_version": cursor, "history_limit": 100},
            headers=sue.web,
        )
        assert answer.status_code == 200, answer.text
        assert len(answer.content) < 150_000, len(answer.content)  # 100 versions of ~1 KB
        page = answer.json()
        seen = [v["version"] for v in page["history"]] + seen  # each page oldest first
        cursor = page["older_before"]
    assert cursor is None, "the cursor never reached the oldest version"
    assert seen == list(range(1, VERSIONS + 1))
    too_many = client.get(f"/api/v1/records/{employer}?history_limit=101", headers=sue.web)
    assert too_many.status_code == 422


def test_history_queries_read_only_the_pages_rows_in_sql(client, world, employer, database):
    """Each statement over record_versions is cut in SQL: a LIMIT, never the whole history."""
    statements: list[str] = []

    def _seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "record_versions" in statement:
            statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", _seen)
    try:
        assert client.get(f"/review/records/{employer}", headers=world["sue"].web).status_code == 200
        assert client.get(f"/api/v1/records/{employer}", headers=world["sue"].web).status_code == 200
    finally:
        event.remove(database.engine, "before_cursor_execute", _seen)
    assert statements
    assert all("LIMIT" in statement.upper() for statement in statements), statements
