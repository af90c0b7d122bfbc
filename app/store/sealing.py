"""Encryption at rest for the store's files: AES-256-GCM with one key per device.

The whole of every journal line and snapshot is sealed, not chosen fields: free text anywhere
(a visit's outcome, a check-in's concerns, a supervisor's comment kept in ``_sync``, the losing
value of a conflict) can name or describe a job seeker, and the ids alone tie a job seeker to an
employer. TinyDB still queries plaintext in memory; only the bytes on disk are sealed.

A sealed journal line is ``<crc32> ~<escaped(nonce | ciphertext | tag)>``: the two bytes ``\\n``
and ESC are escaped as ESC 1 and ESC 2 so ciphertext keeps the newline framing of ``codec.frame``,
and the CRC still tells a torn or damaged line from a good one before any decryption. Escaping
grows a line by ~1% where base64 grew it by a third: with fsync dominating a save, bytes written
are what a save costs, not the sealing's CPU (the measured figures: README, Benchmarks: figures
behind the code).
A sealed snapshot starts with a header naming the key (an HMAC of it, not the key), so a wrong
key is refused instead of read as damage.

While a key rotation is under way (``rotation``) a sealer also holds the keys it replaces: it
writes with its own key only and reads files sealed with any of them, so a store that a kill left
half re-sealed still opens whole.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from mmap import mmap
from typing import cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.store.errors import StoreKeyError

KEY_BYTES = 32
NONCE_BYTES = 12
SEALED_LINE = b"~"  # first byte of a sealed journal payload; a plaintext one starts with "["
_ESC = b"\x1b"
SEALED_SNAPSHOT_MAGIC = b"fieldwork-sealed-snapshot 1"
_LINE_AAD = b"fieldwork journal line"  # a line cannot be passed off as a snapshot, or back
_SNAPSHOT_AAD = b"fieldwork snapshot"
_PHOTO_AAD = b"fieldwork photo "  # + the attachment id: one photo's file cannot pass as another's


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


class Sealer:
    """Seals the store's bytes with one key; opens them with it or with any of ``older``."""

    def __init__(self, key: bytes, *, older: Sequence[bytes] = ()) -> None:
        if not isinstance(key, bytes) or len(key) != KEY_BYTES:
            raise StoreKeyError(f"a store key is {KEY_BYTES} random bytes")
        self._aead = AESGCM(key)
        self.key = key
        self.key_id = hmac.new(key, b"fieldwork store key id", hashlib.sha256).hexdigest()[:16].encode()
        self._older = [Sealer(old) for old in dict.fromkeys(older) if old != key]

    @property
    def older_keys(self) -> list[bytes]:
        return [sealer.key for sealer in self._older]

    def _seal(self, data: bytes, aad: bytes) -> bytes:
        # A random 96-bit nonce per message: a phone writes far fewer than the 2**32 messages
        # per key where random GCM nonces start to risk a repeat.
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data, aad)

    def _open(self, blob: bytes | memoryview, aad: bytes) -> bytes | None:
        if len(blob) < NONCE_BYTES + 16:
            return None
        # decrypt takes any buffer (typed as bytes): a view keeps a large snapshot uncopied.
        ciphertext = cast(bytes, blob[NONCE_BYTES:])
        try:
            return self._aead.decrypt(bytes(blob[:NONCE_BYTES]), ciphertext, aad)
        except InvalidTag:
            return None

    def seal_line(self, payload: bytes) -> bytes:
        blob = self._seal(payload, _LINE_AAD)
        return SEALED_LINE + blob.replace(_ESC, _ESC + b"\x02").replace(b"\n", _ESC + b"\x01")

    def open_line(self, sealed: bytes) -> bytes | None:
        """The plaintext of a sealed journal payload, or None if it does not authenticate."""
        blob = unescape_line(sealed)
        for sealer in (self, *self._older):  # the newest key first: it seals every new line
            plain = sealer._open(blob, _LINE_AAD)
            if plain is not None:
                return plain
        return None

    def seal_snapshot(self, plain: bytes) -> bytes:
        body = self._seal(plain, _SNAPSHOT_AAD)
        return b"%s %s %d\n%s" % (SEALED_SNAPSHOT_MAGIC, self.key_id, len(body), body)

    def open_snapshot(self, blob: bytes | mmap) -> bytes | None:
        """The plain snapshot inside a sealed one; None if damaged. Raises ``StoreKeyError`` if it
        was sealed with another key (that is not damage, and must never be "recovered")."""
        end = blob.find(b"\n", 0, 200)
        parts = blob[:end].split(b" ") if end > 0 else []
        if len(parts) != 4 or b" ".join(parts[:2]) != SEALED_SNAPSHOT_MAGIC:
            return None
        named = [sealer for sealer in (self, *self._older) if hmac.compare_digest(parts[2], sealer.key_id)]
        if not named:
            raise StoreKeyError("this store was encrypted with another key")
        body = memoryview(blob)[end + 1 :]  # slices of a view: no copies of a 30 MB snapshot
        if not parts[3].isdigit() or int(parts[3]) != len(body):
            return None  # truncated or grown: no need to try the decryption
        return named[0]._open(body, _SNAPSHOT_AAD)

    def seal_photo(self, plain: bytes, photo_id: str) -> bytes:
        return self._seal(plain, _PHOTO_AAD + photo_id.encode())

    def open_photo(self, blob: bytes, photo_id: str) -> tuple[bytes, bool] | None:
        """A photo's bytes and whether its file was sealed with an older key (so needs re-sealing);
        None if it does not authenticate under any key held."""
        for sealer in (self, *self._older):
            plain = sealer._open(blob, _PHOTO_AAD + photo_id.encode())
            if plain is not None:
                return plain, sealer is not self
        return None


_UNESCAPED = {1: b"\n", 2: _ESC}  # the byte after an ESC -> the byte it stands for


def unescape_line(sealed: bytes) -> bytes:
    """The sealed blob of a journal payload (``SEALED_LINE`` + escaped blob), unescaped.

    Every ESC of an escaped line starts a pair (ESC 1 for a newline, ESC 2 for an ESC), so the
    pieces between ESCs each start with the second byte of one. One split and join rather than
    a replace per pair kind: a worst-case reopen unescapes every line of the journal."""
    pieces = sealed.split(_ESC)
    if len(pieces) == 1:
        return sealed[1:]
    out = [pieces[0][1:]]
    for piece in pieces[1:]:
        original = _UNESCAPED.get(piece[0]) if piece else None
        if original is None:
            out += (_ESC, piece)  # not a pair this code writes: left as it was (it will not open)
        else:
            out += (original, piece[1:])
    return b"".join(out)


def is_sealed_snapshot(blob: bytes | mmap) -> bool:
    start = SEALED_SNAPSHOT_MAGIC + b" "
    return blob[: len(start)] == start
