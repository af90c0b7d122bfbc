"""The specialist's replies as the store keeps them: one row of ``_replies`` per reply, by its id,
until a pulled review holds the server's copy (app.domain.replies says what a reply is)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, cast

from app.domain.replies import LocalReply, ReplyOutcome, ReplyState
from app.store.layout import REPLIES
from app.store.records import RemoteChange
from app.store.txn import Doc, Transaction


def reply_doc(reply: LocalReply) -> Doc:
    return dataclasses.asdict(reply)


def local_reply(doc: Mapping[str, Any]) -> LocalReply:
    return LocalReply(
        reply_id=str(doc["reply_id"]),
        kind=str(doc["kind"]),
        record_id=str(doc["record_id"]),
        body=str(doc["body"]),
        created_at=str(doc["created_at"]),
        state=cast(ReplyState, doc.get("state", "waiting")),
        reason=doc.get("reason"),
    )


def settle_reply(txn: Transaction, outcome: ReplyOutcome) -> None:
    """A sent reply waits for the pull that brings it back; a refused one stays, with the reason."""
    doc = txn.get(REPLIES, outcome.reply_id)
    if doc is None:
        return  # already back in a pulled thread
    state: ReplyState = "sent" if outcome.sent else "refused"
    txn.put(REPLIES, outcome.reply_id, {**doc, "state": state, "reason": outcome.reason})


def drop_pulled_replies(txn: Transaction, change: RemoteChange) -> None:
    """The server's copy of a reply arrived in the record's thread: the phone's copy is done."""
    review = change.review or {}
    for reply_id in review.get("reply_ids") or []:
        if isinstance(reply_id, str) and txn.get(REPLIES, reply_id) is not None:
            txn.delete(REPLIES, reply_id)
