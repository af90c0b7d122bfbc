"""Sending the specialist's waiting replies: one request each, after the pass's push.

Each reply goes with the id the phone made when it was written, so a reply whose answer was lost
is sent again and stored once (the server answers "already stored"). The answer is written down
durably before the next reply goes. A refusal (a 4xx: the record is not the device user's, the text
breaks a rule) keeps the reply on the phone with the server's reason, and is not sent again; no
answer (offline, 5xx) leaves it waiting for the next pass, and ends this one like any push would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from app.domain.replies import LocalReply, ReplyOutcome
from sync.errors import ProtocolFault
from sync.protocol import Reply


@runtime_checkable
class KeepsReplies(Protocol):
    """What the engine needs of a store that keeps replies (LocalStore fits it)."""

    def waiting_replies(self) -> Sequence[LocalReply]: ...
    def record_reply_outcomes(self, outcomes: Sequence[ReplyOutcome]) -> None: ...


@runtime_checkable
class SendsReplies(Protocol):
    """An API that takes replies (SyncClient does)."""

    def send_reply(self, record_id: str, reply: Reply) -> bool: ...


def send_waiting_replies(store: KeepsReplies, api: SendsReplies) -> int:
    """Send every waiting reply, oldest first; the number the server answered (stored or refused).
    Raises the SyncError that cut the pass short (Offline, Unauthorized, ...), after writing down
    every answer that came before it."""
    answered = 0
    for reply in store.waiting_replies():
        try:
            api.send_reply(reply.record_id, Reply(id=reply.reply_id, body=reply.body))
        except ProtocolFault as refused:  # a 4xx: the same reply will never pass
            outcome = ReplyOutcome(reply.reply_id, sent=False, reason=_reason(refused))
        else:
            outcome = ReplyOutcome(reply.reply_id, sent=True)
        store.record_reply_outcomes([outcome])
        answered += 1
    return answered


def _reason(refused: ProtocolFault) -> str:
    if refused.status == 404:
        return "The server has no record of yours with this id, so the reply was not sent."
    return f"The server did not take this reply: {refused}"
