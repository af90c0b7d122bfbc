"""Photo files in the store folder: ``photos/<attachment id>.photo``, each sealed on its own.

A photo is too large for a journal line and is never queried, so it is a file beside the journal,
sealed with the store's key (``Sealer.seal_photo``: AES-256-GCM, a random nonce, the attachment id
bound in so one photo's file cannot stand in for another's) and written atomically (temporary
file, fsync, rename, fsync of the folder). Being inside the store folder, a remote wipe
(``app.device_data``) takes the photos with it; a key rotation re-seals them (``reseal``) before
the new key replaces the old one.
"""

from __future__ import annotations

from pathlib import Path

from app.store.errors import StoreError, save_failed
from app.store.files import fsync_dir, replace_durably
from app.store.sealing import Sealer

PHOTOS = "photos"
SUFFIX = ".photo"


def photo_path(store_folder: Path, photo_id: str) -> Path:
    return store_folder / PHOTOS / f"{photo_id}{SUFFIX}"


def write_photo(store_folder: Path, photo_id: str, plain: bytes, sealer: Sealer | None) -> None:
    """Write one photo durably (sealed when the store is); raises ``StoreError`` if it is not."""
    folder = store_folder / PHOTOS
    try:
        if not folder.is_dir():
            folder.mkdir(mode=0o700)
            fsync_dir(store_folder)
        replace_durably(photo_path(store_folder, photo_id), _sealed(plain, photo_id, sealer))
    except OSError as exc:
        raise save_failed(exc, "the photo could not be kept") from exc


def read_photo(store_folder: Path, photo_id: str, sealer: Sealer | None) -> bytes:
    try:
        blob = photo_path(store_folder, photo_id).read_bytes()
    except OSError as exc:
        raise StoreError(f"photo {photo_id} is missing ({type(exc).__name__})") from exc
    if sealer is None:
        return blob
    opened = sealer.open_photo(blob, photo_id)
    if opened is None:
        raise StoreError(f"photo {photo_id} cannot be read with this store's key")
    return opened[0]


def reseal(store_folder: Path, sealer: Sealer) -> int:
    """Re-seal, with ``sealer``'s own key, every photo that an older key it holds opens; returns how
    many. Each file is replaced atomically, so a kill leaves each photo under one key or the other,
    and a sealer holding both reads them all (the next open finishes the rotation)."""
    folder = store_folder / PHOTOS
    if not folder.is_dir():
        return 0
    count = 0
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        photo_id = path.name[: -len(SUFFIX)]
        opened = sealer.open_photo(path.read_bytes(), photo_id)
        if opened is None or not opened[1]:
            continue  # already under the new key, or not ours to read (left as it is)
        replace_durably(path, sealer.seal_photo(opened[0], photo_id))
        count += 1
    return count


def _sealed(plain: bytes, photo_id: str, sealer: Sealer | None) -> bytes:
    return plain if sealer is None else sealer.seal_photo(plain, photo_id)
