"""A pull answer splices each record's stored JSON text in unparsed (server.services.pull.PulledPage).
It must be the answer the parsed path gave: every change decoded here is compared, key by key and
in key order, with a `Change` built from the ORM row (data parsed by SQLAlchemy) and its review,
for tombstones, SQL NULL data, reviews with comments, comments without a review, flagged rows and
text that needs escaping; on SQLite and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pydantic_core
import sqlalchemy as sa
from fastapi.testclient import TestClient

from server.db.database import Database
from server.db.models import RecordRow
from server.services.accounts import Role
from server.services.reviews import load_reviews
from sync.protocol import Change, PullResponse
from sync.wire import decode_pull_response
from tests.server.world import Member, World, new_id, op, push, sample

AWKWARD = 'Café "Rio" \\ back\nslash\t<b>&amp;</b> \u2028 🙂 \x01'


def _expected(database: Database, member: Member, record_id: str) -> Change:
    """What the parsed path sends `member` for this record: the ORM row, its review if theirs to see."""
    with database.read() as session:
        row = session.scalars(
            sa.select(RecordRow).where(RecordRow.team_id == member.team_id, RecordRow.record_id == record_id)
        ).one()
        shown = member.role != Role.SPECIALIST or row.owner_user_id == member.user_id
        review = load_reviews(session, record_pks=[row.pk]).get(row.pk) if shown else None
        return Change(
            kind=row.kind,  # type: ignore[arg-type]
            record_id=row.record_id,
            version=row.version,
            data=row.data,
            review=review,
            flagged=row.flagged,
        )


def _pull(client: TestClient, member: Member, limit: int) -> list[dict[str, Any]]:
    """Every page's raw answer, decoded by json (not by the app's decoder)."""
    pages, cursor = [], ""
    for _ in range(100):
        response = client.get(
            "/api/v1/sync/pull", params={"cursor": cursor, "limit": limit}, headers=member.bearer
        )
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        page = json.loads(response.content)
        pages.append(page)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return pages
    raise AssertionError("pull did not finish")


def _set(database: Database, record_id: str, **values: Any) -> None:
    with database.write() as session:
        session.execute(sa.update(RecordRow).where(RecordRow.record_id == record_id).values(**values))


def test_the_passed_through_answer_is_the_parsed_answer_field_by_field(
    client: TestClient, world: World, database: Database
) -> None:
    alice, bob, sue = world["alice"], world["bob"], world["sue"]
    awkward, reviewed, commented, deleted, nulled, flagged = (new_id() for _ in range(6))
    bobs = new_id()
    push(
        client,
        alice,
        op("employer", awkward, data=sample("employer", name=AWKWARD, contacts=["Jo", "Ré"], notes="")),
        op("job_seeker", reviewed),
        op("job_seeker", commented),
        op("employer", deleted),
        op("employer", nulled),
        op("job_opening", flagged),
    )
    push(client, bob, op("employer", bobs, data=sample("employer", name="Bob's")))
    push(
        client,
        alice,
        op("employer", deleted, base=1, delete=True),
        op("employer", nulled, base=1, delete=True),
    )
    _set(database, nulled, data=sa.null())  # a tombstone whose data is SQL NULL, not JSON null
    _set(database, flagged, flagged=True)
    for record_id, state in ((reviewed, "needs_changes"), (bobs, "approved")):
        answer = client.put(f"/api/v1/records/{record_id}/review", json={"state": state}, headers=sue.web)
        assert answer.status_code == 204
    for record_id, body in ((reviewed, 'Add the "referral" source'), (commented, "ok?"), (bobs, "fine")):
        answer = client.post(f"/api/v1/records/{record_id}/comments", json={"body": body}, headers=sue.web)
        assert answer.status_code == 201

    change_keys = [f.name for f in dataclasses.fields(Change)]
    page_keys = [f.name for f in dataclasses.fields(PullResponse)]
    # Alice's tablet (her records and their reviews, team employers without theirs), Bob (team
    # employers, his own back since Sue reviewed it, no reviews of Alice's), Sue's phone (the whole
    # team with every review).
    seen = {
        "alice_tablet": {awkward, reviewed, commented, deleted, nulled, flagged, bobs},
        "bob": {awkward, deleted, nulled, bobs},
        "sue": {awkward, reviewed, commented, deleted, nulled, flagged, bobs},
    }
    for name, visible in seen.items():
        member = world[name]
        pages = _pull(client, member, limit=3)  # several pages: has_more and the cursor too
        changes = [change for page in pages for change in page["changes"]]
        assert {change["record_id"] for change in changes} == visible, name
        for page in pages:
            assert list(page) == page_keys
            assert decode_pull_response(page).changes == [
                _expected(database, member, change["record_id"]) for change in page["changes"]
            ]
        for change in changes:
            expected = _expected(database, member, change["record_id"])
            assert list(change) == change_keys
            assert change == json.loads(pydantic_core.to_json(expected)), (name, change["record_id"])
        by_id = {change["record_id"]: change for change in changes}
        assert by_id[nulled]["data"] is None and by_id[deleted]["data"] is None
        assert by_id[awkward]["data"]["name"] == AWKWARD
        if name != "bob":
            assert by_id[flagged]["flagged"] is True
            assert by_id[commented]["review"]["comments"][0]["body"] == "ok?"
            assert by_id[reviewed]["review"]["state"] == "needs_changes"
        assert (by_id[bobs]["review"] is None) == (name == "alice_tablet")
