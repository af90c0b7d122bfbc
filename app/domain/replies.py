"""A specialist's reply to the supervisor, in a record's comment thread.

A reply is written on the phone and kept there (encrypted with the rest of the store) until the
server has it; the sync engine sends waiting replies after the pass's push, each with the id the
phone made, so a reply sent twice is stored once. The rule on its text is one rule, here: the phone
checks it before saving, the server again before storing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# As long as a supervisor's comment may be (server.services.reviews.MAX_COMMENT; a test holds them).
MAX_REPLY_CHARS = 4000
ReplyState = Literal["waiting", "sent", "refused"]


def reply_problem(body: str) -> str | None:
    """Why this text cannot be a reply, for the person who wrote it; None when it can."""
    text = body.strip()
    if not text:
        return "Write a reply first."
    if "\x00" in text:
        return "The reply holds a character that cannot be sent (NUL). Remove it and try again."
    if len(text) > MAX_REPLY_CHARS:
        return f"A reply can be at most {MAX_REPLY_CHARS:,} characters; this one has {len(text):,}."
    return None


@dataclass(frozen=True)
class LocalReply:
    """A reply as the phone keeps it until the pulled thread holds it."""

    reply_id: str
    kind: str  # the record's kind and id
    record_id: str
    body: str
    created_at: str  # ISO 8601, the phone's clock: shown until the server's copy arrives
    state: ReplyState = "waiting"  # sent: the server has it; refused: a 4xx, `reason` says why
    reason: str | None = None


@dataclass(frozen=True)
class ReplyOutcome:
    """The server's answer to one sent reply: stored (or stored before), or refused with a reason."""

    reply_id: str
    sent: bool
    reason: str | None = None
