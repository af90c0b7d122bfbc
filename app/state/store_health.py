"""What the specialist is told when opening the store repaired damage (a damaged snapshot taken
from its backup, unreadable journal lines set aside, a replaced lock file).

The store reports repairs only on the open that made them, so ``remember_recovery`` keeps a
summary in the store's settings until the specialist dismisses it on Today: a notice is never lost
to an app restart.
"""

from __future__ import annotations

from typing import Any

from app.store import LocalStore

RECOVERY_META = "store_recovery"


def remember_recovery(store: LocalStore) -> None:
    """Add what this open repaired to the notice waiting to be read (if anything was repaired)."""
    if not store.recovery_notes:
        return
    previous: dict[str, Any] = store.get_meta(RECOVERY_META) or {}
    store.set_meta(
        RECOVERY_META,
        {
            "repairs": int(previous.get("repairs", 0)) + len(store.recovery_notes),
            "lost": int(previous.get("lost", 0)) + store.lost_changes,
        },
    )


def recovery_notice(store: LocalStore) -> str | None:
    """The sentence for Today, or None when there is nothing to tell."""
    summary = store.get_meta(RECOVERY_META)
    if not summary:
        return None
    lost = int(summary.get("lost", 0))
    if lost == 0:
        return (
            "Fieldwork found damage in the data saved on this phone and repaired it from its backup. "
            "Nothing you saved was lost."
        )
    changes = "1 change" if lost == 1 else f"{lost} changes"
    return (
        "Fieldwork found damage in the data saved on this phone and recovered the last good copy, "
        f"but {changes} could not be read. Check your latest records: what was already synced is "
        "safe with your team."
    )


def dismiss_recovery(store: LocalStore) -> None:
    store.set_meta(RECOVERY_META, None)
