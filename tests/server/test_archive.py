"""Archive and restore on the server (issue 17, item 6): the undo rule for a device's own tombstone,
its ownership check, and supervisors seeing archived records marked, never silently gone."""

from __future__ import annotations

import csv
import io

from tests.server.world import new_id, op, push, sample


def test_the_archiving_devices_edit_on_its_old_base_restores_the_record_with_others_changes(client, world):
    alice, bob = world["alice"], world["bob"]
    shop = new_id()
    push(client, alice, op("employer", shop, data=sample("employer", notes="")))  # v1
    push(client, bob, op("employer", shop, base=1, data=sample("employer", notes="new manager")))  # v2
    push(client, alice, op("employer", shop, base=1, delete=True))  # v3: archived on a stale base
    (undo,) = push(client, alice, op("employer", shop, base=1, data=sample("employer", notes="")))
    assert undo["status"] == "applied" and undo["version"] == 4 and not undo.get("conflicts")
    assert undo["data"]["notes"] == "new manager"  # bob's change, not alice's stale copy
    record = client.get(f"/api/v1/records/{shop}", headers=world["sue"].web).json()
    assert not record["deleted"] and not record["flagged"]


def test_only_the_owner_restores_and_another_device_gets_a_conflict(client, world):
    alice, bob, tablet = world["alice"], world["bob"], world["alice_tablet"]
    opening = new_id()
    push(client, alice, op("job_opening", opening))
    push(client, alice, op("job_opening", opening, base=1, delete=True))
    (refused,) = push(client, bob, op("job_opening", opening, base=2))
    assert refused["status"] == "rejected" and "another specialist" in refused["errors"]["record_id"]
    (stale,) = push(
        client, tablet, op("job_opening", opening, base=1, data=sample("job_opening", title="Baker"))
    )
    assert stale["status"] == "conflict" and stale.get("data") is None  # the archive stands
    assert "archived on another phone" in stale["message"]
    (again,) = push(
        client, tablet, op("job_opening", opening, base=stale["version"], data=stale["conflicts"][0]["other"])
    )
    assert again["status"] == "applied" and again["data"]["title"] == "Baker"  # saved again: restored


def test_supervisors_see_archived_records_marked_with_their_last_content(client, world):
    alice, sue = world["alice"], world["sue"]
    opening, kept = new_id(), new_id()
    title = "=HYPERLINK(1) <b>Barista</b>"
    push(client, alice, op("job_opening", opening, data=sample("job_opening", title=title)))
    push(client, alice, op("job_opening", kept))
    push(client, alice, op("job_opening", opening, base=1, delete=True))

    activity = client.get("/review", headers=sue.web).text
    assert f"/review/records/{opening}" not in activity and f"/review/records/{kept}" in activity
    assert 'id="archived-link"' in activity and "1 archived record is not listed here" in activity

    listing = client.get("/review/archived", headers=sue.web).text
    assert f"/review/records/{opening}" in listing and f"/review/records/{kept}" not in listing
    assert '<span class="badge archived">Archived</span>' in listing and "by Alice" in listing
    assert "&lt;b&gt;Barista&lt;/b&gt;" in listing and "<b>Barista" not in listing  # escaped

    page = client.get(f"/review/records/{opening}", headers=sue.web).text
    assert 'id="archived"' in page and "by Alice" in page and "version 1, before it was archived" in page
    assert "&lt;b&gt;Barista&lt;/b&gt;" in page and "<b>Barista" not in page

    exported = client.get("/review/archived/export.csv", headers=sue.web)
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["record_id", "kind", "specialist", "archived"]
    assert [row[0] for row in rows[1:]] == [opening] and rows[1][3] == "yes" and rows[1][5] == "Alice"
    assert rows[1][6].startswith("'=HYPERLINK")  # neutralised for spreadsheets

    fidelity = client.get("/review/fidelity", headers=sue.web).text
    assert "Archived records" in fidelity and "count nowhere on this page" in fidelity
    assert client.get("/review/archived?kind=nope", headers=sue.web).status_code == 400
    assert (
        client.get("/review/archived", headers=world["sam"].web).text.count("/review/records/") == 0
    )  # other team
