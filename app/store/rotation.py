"""Key rotation: re-encrypt the store under a new key without losing a record, wherever it stops.

The steps, each durable before the next (``step`` hears each name as it is reached):

1. ``key-pending``: the key store keeps the new key beside the current one
   (``begin_rotation``), before any file is sealed with it;
2. ``snapshot-written``, ``backup-written``, ``journal-reset``: the store is compacted under the
   new key (``LocalStore.rotate_key``); until the journal is reset, files may be sealed with
   either key, and a sealer holding both reads them all;
3. ``key-switched`` (``copy-switched`` for key files): the new key becomes the current one and the
   old key is gone; the pending entry is removed last;
4. ``rotated``.

A kill anywhere leaves a pending key that is durable before any file needs it, so the next
``open_store`` opens with both keys and *finishes* the rotation (re-seal, then switch). It never
rolls back: that would be the same re-sealing with the old key, for nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from app.store.errors import StoreError
from app.store.journal import JournalStorage
from app.store.local import LocalStore

Step = Callable[[str], None]


class RotatingKeys(Protocol):
    """A key store that can rotate (``app.store_key.FileKeyStore``)."""

    def load_or_create(self) -> bytes: ...
    def load_pending(self) -> bytes | None: ...
    def begin_rotation(self) -> bytes: ...
    def finish_rotation(self, key: bytes, *, step: Step | None = None) -> None: ...


class AsyncRotatingKeys(Protocol):
    """The same behind the app's async seam (secure storage on phones, files in a thread)."""

    async def load_or_create(self) -> bytes: ...
    async def load_pending(self) -> bytes | None: ...
    async def begin_rotation(self) -> bytes: ...
    async def finish_rotation(self, key: bytes, *, step: Step | None = None) -> None: ...


def rotate(store: LocalStore, keys: RotatingKeys, *, step: Step | None = None) -> None:
    """Re-encrypt ``store`` (opened with ``keys``' current key) under a new key."""
    new = keys.begin_rotation()
    _say(step, "key-pending")
    store.rotate_key(new, step=step)
    keys.finish_rotation(new, step=step)  # only now: every file is sealed with the new key
    _say(step, "rotated")


async def rotate_async(store: LocalStore, keys: AsyncRotatingKeys, *, step: Step | None = None) -> None:
    """``rotate`` for the app: the phone rotates on demand through this."""
    new = await keys.begin_rotation()
    _say(step, "key-pending")
    await asyncio.to_thread(store.rotate_key, new, step=step)
    await keys.finish_rotation(new, step=step)
    _say(step, "rotated")


def open_store(path: str | Path, keys: RotatingKeys, *, step: Step | None = None) -> LocalStore:
    """The store in ``path`` with the key ``keys`` hold, finishing a rotation a kill cut short."""
    current = keys.load_or_create()
    pending = keys.load_pending()
    store = open_with_keys(path, current, pending=pending)
    if pending is not None and _reseal(store, pending, step):
        keys.finish_rotation(pending, step=step)
    return store


async def open_store_async(
    path: str | Path, keys: AsyncRotatingKeys, *, step: Step | None = None
) -> LocalStore:
    current = await keys.load_or_create()
    pending = await keys.load_pending()
    store = await asyncio.to_thread(open_with_keys, path, current, pending=pending)
    if pending is not None and await asyncio.to_thread(_reseal, store, pending, step):
        await keys.finish_rotation(pending, step=step)
    return store


def open_with_keys(path: str | Path, current: bytes, *, pending: bytes | None) -> LocalStore:
    """Sealing with the pending key if there is one, reading with both."""
    if pending is None:
        return LocalStore.open(path, key=current)
    return LocalStore(JournalStorage(path, key=pending, old_keys=(current,)))


def _reseal(store: LocalStore, pending: bytes, step: Step | None) -> bool:
    """Finish an interrupted rotation's re-sealing; False (old key kept) if it cannot be done now."""
    try:
        store.rotate_key(pending, step=step)
    except StoreError as exc:
        # E.g. a full disk: the store works with both keys, and the next open tries again.
        store.recovery_notes.append(f"a change of encryption key could not be finished yet ({exc})")
        return False
    return True


def _say(step: Step | None, name: str) -> None:
    if step is not None:
        step(name)


def main(argv: list[str] | None = None) -> int:
    """``python -m app.store.rotation --store DIR``: rotate a desktop or dev store's key files."""
    import argparse

    from app.store_key import FileKeyStore, key_file  # the computer's key files; phones use secure storage

    parser = argparse.ArgumentParser(
        prog="python -m app.store.rotation",
        description="Re-encrypt a Fieldwork store under a new key (close the app first).",
    )
    parser.add_argument("--store", required=True, help="the store folder (its key: the .key file beside it)")
    parser.add_argument("--steps", action="store_true", help="print each durable step as it is reached")
    args = parser.parse_args(argv)
    if not Path(args.store).is_dir():
        parser.error(f"no store at {args.store}")
    keys = FileKeyStore(key_file(args.store))
    try:
        store = open_store(args.store, keys)
        try:
            rotate(store, keys, step=(lambda name: print(name, flush=True)) if args.steps else None)
        finally:
            store.close()
    except StoreError as exc:
        print(f"key not rotated: {exc} (a rotation begun is finished at the next open)", flush=True)
        return 1
    print(f"{args.store}: re-encrypted under a new key; the old key is retired", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
