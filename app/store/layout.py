"""How LocalStore lays its data out in TinyDB tables.

One table per record kind (``employer``, ``job_seeker``, ...), whose documents are the record
data so TinyDB queries run over it, plus internal tables whose names start with ``_``. Rows of
``_sync`` and ``_outbox`` are keyed ``"<kind>/<record id>"``.
"""

from __future__ import annotations

from app.store.errors import StoreError

SYNC = "_sync"  # sync state, review and local-deletion mark per record
OUTBOX = "_outbox"  # at most one queued op per record
META = "_meta"  # small settings: {"value": ...} per key
CURSOR = "_cursor"  # the pull cursor, document "pull"
REPLIES = "_replies"  # the specialist's replies not yet in a pulled thread, by reply id


def check_kind(kind: str) -> None:
    if not isinstance(kind, str) or not kind or kind.startswith("_") or "/" in kind:
        raise StoreError(f"invalid record kind {kind!r}")


def row_key(kind: str, record_id: str) -> str:
    return f"{kind}/{record_id}"  # unambiguous: kinds never contain "/"


def split_key(key: str) -> tuple[str, str]:
    kind, _, record_id = key.partition("/")
    return kind, record_id
