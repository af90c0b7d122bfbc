"""The specialist's side of a record's comment thread: write a reply, and read the thread with the
replies still on this phone in it.

A reply is kept in the store at once (one durable write, encrypted with everything else) with an
id made here, and shown "Waiting to send" until the sync engine has sent it (sync.replies); the
pulled thread then holds the server's copy and the phone's is dropped, so it shows once. A reply
the server refused stays, with the reason.
"""

from __future__ import annotations

from typing import Any

from app.domain.replies import LocalReply, reply_problem
from app.records import RecordService
from app.state.feedback import Comment, comments_of

YOU = "You"
NOTES = {"waiting": "Waiting to send", "sent": "Sent"}
NOT_SENT = "Not sent"


def write_reply(service: RecordService, *, kind: str, record_id: str, body: str) -> str | None:
    """Keep a reply to this record's thread, waiting to be sent; why not, when it cannot be."""
    problem = reply_problem(body)
    if problem is not None:
        return problem
    reply = LocalReply(
        reply_id=service.new_id(),
        kind=kind,
        record_id=record_id,
        body=body.strip(),
        created_at=service.clock.now().isoformat(),
    )
    service.store.save_reply(reply)
    if service.on_saved is not None:
        service.on_saved()  # the runner syncs soon after a save; only once it is durable
    return None


def thread(
    service: RecordService, *, kind: str, record_id: str, review: dict[str, Any] | None
) -> list[Comment]:
    """The comments as pulled, the specialist's own replies marked, then the replies only this phone
    has yet, in the order they were written."""
    pulled = [
        Comment(YOU, c.body, c.at, mine=True, note=c.note) if c.mine else c for c in comments_of(review)
    ]
    local = [
        Comment(YOU, reply.body, reply.created_at, mine=True, note=_note(reply))
        for reply in service.store.replies(kind, record_id)
    ]
    return pulled + local


def _note(reply: LocalReply) -> str:
    if reply.state == "refused":
        return f"{NOT_SENT}: {reply.reason or 'the server refused it'}"
    return NOTES.get(reply.state, "")
