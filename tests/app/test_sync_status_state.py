"""The sync line: what a specialist reads for every runner status."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from app.state.sync_status import SIGNED_OUT, describe, synced_ago
from sync.engine import Progress
from sync.runner import SyncStatus
from tests.app.conftest import NOW

ONLINE = SyncStatus(enrolled=True, online=True, last_success_at=NOW - timedelta(minutes=2))


def test_a_phone_not_enrolled_offers_to_connect_and_still_counts_what_waits():
    summary = describe(None, pending=3, attention=0, now=NOW)
    assert summary.label == "Not connected to your team yet · 3 waiting to sync"
    assert summary.action == "connect" and not summary.connected


def test_online_says_when_it_last_synced_and_offers_sync_now():
    summary = describe(ONLINE, pending=0, attention=0, now=NOW)
    assert summary.label == "Online · Synced 2 min ago · Nothing waiting to sync"
    assert summary.kind == "ok" and summary.action == "sync_now" and summary.connected


def test_offline_is_calm_and_keeps_the_last_success_time():
    offline = replace(ONLINE, online=False, problem="No connection. Your records are safe on this phone.")
    summary = describe(offline, pending=12, attention=0, now=NOW)
    assert summary.label == "Offline · 12 waiting to sync · Synced 2 min ago"
    assert summary.kind == "info"


def test_a_server_refusal_is_spelled_out_when_offline_for_another_reason():
    refused = replace(ONLINE, online=False, problem="The server refused a request: bad batch")
    assert describe(refused, pending=1, attention=0, now=NOW).label.endswith(
        "The server refused a request: bad batch"
    )


def test_a_large_backlog_shows_its_progress():
    sending = replace(ONLINE, syncing=True, progress=Progress(done=1500, total=10_000, phase="push"))
    summary = describe(sending, pending=8500, attention=0, now=NOW)
    assert summary.label == "Sending 1,500 of 10,000 · 8,500 waiting to sync"
    assert summary.syncing


def test_records_needing_attention_turn_the_line_amber():
    summary = describe(ONLINE, pending=0, attention=2, now=NOW)
    assert summary.label.endswith("2 need attention") and summary.kind == "warn"
    assert describe(ONLINE, pending=0, attention=1, now=NOW).label.endswith("1 needs attention")


def test_a_signed_out_phone_says_why_and_offers_to_connect_again():
    summary = describe(None, pending=0, attention=0, now=NOW, notice=SIGNED_OUT)
    assert summary.label.startswith("Your team signed this phone out, so Fieldwork deleted everything")
    assert summary.kind == "error" and summary.action == "connect"


def test_synced_ago_reads_like_a_person_would_say_it():
    assert synced_ago(None, NOW) == "Never synced"
    assert synced_ago(NOW - timedelta(seconds=20), NOW) == "Synced just now"
    assert synced_ago(NOW - timedelta(minutes=59), NOW) == "Synced 59 min ago"
    assert synced_ago(NOW - timedelta(hours=3), NOW) == "Synced at 06:30"
    assert synced_ago(NOW - timedelta(days=2), NOW) == "Synced 2 May, 09:30"


def test_the_apps_sync_line_counts_records_needing_attention_from_memory():
    """app.main wires DeviceSync to count refused and conflicted records from the service's memory
    (not a pass over the store per screen): the count is what the store lists, after each change."""
    from app.domain.records import Employer
    from app.main import build_context
    from app.store import LocalStore, SyncOutcome

    store = LocalStore.in_memory()
    ctx = build_context(store)
    assert ctx.sync is not None
    ctx.service.save(Employer(name="Kent Valley Care Home"))
    ctx.service.save(Employer(name="Riverside Café"))
    assert ctx.sync.summary().attention == 0
    entry = store.outbox()[0]
    store.record_outcomes(
        [SyncOutcome(entry.op_id, entry.kind, entry.record_id, "rejected", reason="Name used")]
    )
    listed = len(store.needs_attention())
    passes: list[int] = []
    needs_attention = store.needs_attention

    def counted() -> list[object]:
        passes.append(1)
        return needs_attention()  # type: ignore[return-value]

    store.needs_attention = counted  # type: ignore[method-assign]
    assert ctx.sync.summary().attention == listed == 1
    assert passes == []  # counted from memory
    store.close()
