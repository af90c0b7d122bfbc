"""AES-GCM nonces never repeat under one key: a repeat would leak the XOR of two plaintexts and let
anyone forge lines. The sealed files are parsed as their format is documented (``sealing``), so a
constant or counter-reset nonce shows up here even though every file still decrypts."""

from __future__ import annotations

from pathlib import Path

from app.store import JournalStorage, LocalStore
from app.store.sealing import NONCE_BYTES, SEALED_SNAPSHOT_MAGIC, Sealer

from .conftest import SEALED_KEY, visit

KIND = "employer_visit"
ESC = b"\x1b"


def line_nonces(journal: bytes, sealer: Sealer) -> dict[bytes, bytes]:
    """Sealed line -> its nonce. A line is ``<crc32> ~<escaped(nonce | ciphertext | tag)>``."""
    found = {}
    for line in journal.split(b"\n")[:-1]:  # not splitlines(): ciphertext may hold a "\r"
        payload = line[9:]
        assert payload[:1] == b"~" and sealer.open_line(payload) is not None, "not a sealed line"
        blob = payload[1:].replace(ESC + b"\x01", b"\n").replace(ESC + b"\x02", ESC)
        found[line] = blob[:NONCE_BYTES]
    return found


def snapshot_nonce(blob: bytes) -> bytes:
    """A sealed snapshot is ``<magic> <key id> <length>\\n<nonce | ciphertext | tag>``."""
    header, _, body = blob.partition(b"\n")
    assert header.startswith(SEALED_SNAPSHOT_MAGIC + b" ") and int(header.split(b" ")[-1]) == len(body)
    return body[:NONCE_BYTES]


def test_sealing_the_same_bytes_twice_gives_different_ciphertexts() -> None:
    sealer = Sealer(SEALED_KEY)
    line = b'[["p","employer_visit","v1",{"id":"v1"}]]'
    assert sealer.seal_line(line) != sealer.seal_line(line)
    assert sealer.seal_snapshot(b"{}") != sealer.seal_snapshot(b"{}")


def test_the_same_save_twice_writes_two_different_lines(tmp_path: Path) -> None:
    with LocalStore.open(tmp_path, key=SEALED_KEY) as store:
        for _ in range(2):  # byte for byte the same transaction
            store.save(KIND, visit("v1"), op_id="op-1", queued_at="t1")
    first, second = (tmp_path / "journal.log").read_bytes().split(b"\n")[-3:-1]
    assert first != second


def test_no_nonce_repeats_across_journal_lines_and_snapshots(tmp_path: Path) -> None:
    sealer = Sealer(SEALED_KEY)
    lines: dict[bytes, bytes] = {}
    snapshots: dict[bytes, bytes] = {}  # the backup is the same message as its snapshot: one entry
    for run in range(3):  # reopened: a nonce counter that restarts per process would repeat
        with LocalStore(JournalStorage(tmp_path, key=SEALED_KEY, compact_min_bytes=8192)) as store:
            for n in range(run * 80, run * 80 + 80):
                store.save(KIND, visit(f"v{n % 60}", version=n), op_id=f"op-{n}", queued_at="t")
                # Read after every save: compaction resets the journal, and its lines would be lost.
                lines.update(line_nonces((tmp_path / "journal.log").read_bytes(), sealer))
                for name in ("snapshot.json", "snapshot.bak"):
                    if (tmp_path / name).exists():
                        blob = (tmp_path / name).read_bytes()
                        snapshots[blob] = snapshot_nonce(blob)

    # A save whose own line set off a compaction is folded away before it can be read: ~1 in 16.
    assert len(lines) >= 200 and len(snapshots) >= 10
    nonces = [*lines.values(), *snapshots.values()]
    assert all(len(nonce) == NONCE_BYTES for nonce in nonces)
    assert len(set(nonces)) == len(nonces)
