"""Record tables that stay encoded until read: how a store opens without decoding every record.

A snapshot (``codec``, format 3) holds the internal tables (names starting with ``_``) as one
pickle, and each record kind as chunks of ``CHUNK`` records, each a pickle of its own, plus an
index (record id -> chunk number). Opening decodes only the internal tables; a record kind is
a ``LazyTable`` over the snapshot's bytes until something needs it whole:

- ``get`` of one record decodes the index and that record's chunk (kept: the store owns it);
- ``put`` and ``delete`` change that chunk, or the table's tail for a record no chunk holds,
  so the order of records is a dict's (an edit keeps its place, a new record goes last);
- ``batches`` (a listing) decodes each chunk still encoded into documents nobody else holds,
  handed to the caller as they are, since decoding is already the copy a caller may edit; a
  decoded chunk or the tail is live, so the caller must copy it;
- anything else (a TinyDB query, a count) makes the table a plain dict once (``LiveTables``).

A compaction writes the chunks nobody changed back byte for byte, and re-encodes the others.
Pickles are read by ``pickles.PlainUnpickler``, which refuses every global.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from app.store.errors import StoreCorrupted
from app.store.pickles import dump, load, paused_gc

CHUNK = 256  # records per chunk: a get decodes one chunk, so small; a listing decodes all of them
Docs = dict[str, dict[str, Any]]
Span = tuple[int, int]  # start and end of an encoded piece in the snapshot's bytes


def is_record_table(name: str) -> bool:
    return not name.startswith("_")  # layout: internal tables start with "_"


class LazyTable:
    """One record kind of a format-3 snapshot, decoded a chunk at a time (module docstring)."""

    __slots__ = ("_decoded", "_dirty", "_index", "_index_span", "_source", "_spans", "_tail")

    def __init__(self, source: bytes, spans: list[Span], index: Span) -> None:
        self._source = source
        self._spans = spans
        self._index_span = index
        self._index: dict[str, int] | None = None
        self._decoded: dict[int, Docs] = {}  # chunk number -> its documents, live
        self._dirty: set[int] = set()  # decoded chunks changed since the snapshot
        self._tail: Docs = {}  # documents put since, under ids no chunk holds

    def get(self, doc_id: str) -> dict[str, Any] | None:
        doc = self._tail.get(doc_id)
        if doc is not None:
            return doc
        at = self._ids().get(doc_id)
        return None if at is None else self._chunk(at).get(doc_id)

    def put(self, doc_id: str, doc: dict[str, Any]) -> None:
        if doc_id not in self._tail:
            at = self._ids().get(doc_id)
            if at is not None:
                self._chunk(at)[doc_id] = doc
                self._dirty.add(at)
                return
        self._tail[doc_id] = doc

    def delete(self, doc_id: str) -> None:
        if self._tail.pop(doc_id, None) is not None:
            return
        at = self._ids().pop(doc_id, None)
        if at is not None:
            self._chunk(at).pop(doc_id, None)
            self._dirty.add(at)

    def batches(self) -> Iterator[tuple[Docs, bool]]:
        """The documents in order, a batch at a time, each with whether it is fresh: decoded for
        this call only (the caller's to keep) rather than the table's live documents."""
        for at, span in enumerate(self._spans):
            docs = self._decoded.get(at)
            yield (docs, False) if docs is not None else (self._decode(span), True)
        if self._tail:
            yield self._tail, False

    def materialize(self) -> Docs:
        """All the documents as one plain dict, in order (the decoded chunks' own documents)."""
        docs: Docs = {}
        for at in range(len(self._spans)):
            docs.update(self._chunk(at))
        docs.update(self._tail)
        return docs

    def encode(self, add: Callable[[bytes | memoryview], Span]) -> dict[str, Any]:
        """Write the table's pieces through ``add`` (a chunk nobody changed as the bytes it was
        read from); returns its entry of the snapshot's head."""
        source = memoryview(self._source)
        if self._index is None and not self._tail:  # nothing read by id, nothing written
            spans = [add(source[start:end]) for start, end in self._spans]
            return {"chunks": spans, "index": add(source[slice(*self._index_span)])}
        index, renumber, spans = self._ids(), {}, []
        for at, (start, end) in enumerate(self._spans):
            if at in self._dirty:
                docs = self._decoded[at]
                if not docs:
                    continue  # every record of it was deleted
                blob: bytes | memoryview = dump(docs)
            else:
                blob = source[start:end]
            renumber[at] = len(spans)
            spans.append(add(blob))
        ids = {doc_id: renumber[at] for doc_id, at in index.items()}
        _chunked(self._tail, add, spans, ids)
        return {"chunks": spans, "index": add(dump(ids))}

    def _ids(self) -> dict[str, int]:
        if self._index is None:
            index = self._decode(self._index_span)
            self._index = index
        return self._index

    def _chunk(self, at: int) -> Docs:
        docs = self._decoded.get(at)
        if docs is None:
            docs = self._decoded[at] = self._decode(self._spans[at])
        return docs

    def _decode(self, span: Span) -> Any:
        value, end = load(self._source, span[0])
        if type(value) is not dict or end != span[1]:
            raise StoreCorrupted("snapshot does not load: a table's piece is not where its head says")
        return value


def _chunked(docs: Docs, add: Callable[[bytes], Span], spans: list[Span], ids: dict[str, int]) -> None:
    """Write ``docs`` as chunks after ``spans``, their ids into ``ids``."""
    items = list(docs.items())
    for first in range(0, len(items), CHUNK):
        piece = dict(items[first : first + CHUNK])
        ids.update(dict.fromkeys(piece, len(spans)))
        spans.append(add(dump(piece)))


class LiveTables(dict[str, Docs]):
    """The store's tables: plain dicts, and record kinds still encoded in ``lazy``.

    As a dict (TinyDB's view, tests) it shows every table: reading a lazy table through it makes
    that table plain first, so nothing outside this module and ``codec.apply_ops`` ever sees a
    ``LazyTable``. The store's own fast paths (``peek``, ``batches``) read them as they are."""

    def __init__(self, tables: Mapping[str, Docs] | None = None) -> None:
        super().__init__(tables or {})
        self.lazy: dict[str, LazyTable] = {}
        # (state, server version) -> the one sync row of that plain value (codec.apply_ops)
        self.plain_rows: dict[tuple[Any, Any], dict[str, Any]] = {}

    def plain(self, name: str) -> Docs | None:
        """Table ``name`` as a plain dict (made so if lazy), or None if there is no such table."""
        table = self.lazy.pop(name, None)
        if table is not None:
            with paused_gc():  # as when a snapshot is decoded: many objects, no cycles
                docs = table.materialize()
            dict.__setitem__(self, name, docs)
            return docs
        return dict.get(self, name)

    def rebase(self, written: LiveTables) -> None:
        """Read every record kind from ``written``, a snapshot of exactly this state."""
        for name, table in written.lazy.items():
            dict.pop(self, name, None)
            self.lazy[name] = table

    def materialize_all(self) -> None:
        for name in list(self.lazy):
            self.plain(name)

    def __missing__(self, name: str) -> Docs:
        docs = self.plain(name)
        if docs is None:
            raise KeyError(name)
        return docs

    def get(self, name: str, default: Any = None) -> Any:
        docs = self.plain(name)
        return default if docs is None else docs

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self.lazy

    def __iter__(self) -> Iterator[str]:
        return iter([*dict.keys(self), *self.lazy])

    def __len__(self) -> int:
        return dict.__len__(self) + len(self.lazy)

    def keys(self) -> Any:
        self.materialize_all()
        return dict.keys(self)

    def values(self) -> Any:
        self.materialize_all()
        return dict.values(self)

    def items(self) -> Any:
        self.materialize_all()
        return dict.items(self)

    def __setitem__(self, name: str, docs: Docs) -> None:
        self.lazy.pop(name, None)
        dict.__setitem__(self, name, docs)

    def __delitem__(self, name: str) -> None:
        if self.lazy.pop(name, None) is None:
            dict.__delitem__(self, name)
        else:
            dict.pop(self, name, None)

    def setdefault(self, name: str, default: Any = None) -> Any:
        docs = self.plain(name)
        return dict.setdefault(self, name, default) if docs is None else docs

    def pop(self, name: str, *default: Any) -> Any:
        self.lazy.pop(name, None)  # nobody needs its documents any more
        return dict.pop(self, name, *default)

    def clear(self) -> None:
        self.lazy.clear()
        dict.clear(self)

    def copy(self) -> dict[str, Docs]:
        self.materialize_all()
        return dict(dict.items(self))

    def __eq__(self, other: object) -> bool:
        self.materialize_all()
        if isinstance(other, LiveTables):
            other.materialize_all()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        self.materialize_all()
        return dict.__repr__(self)

    def __reduce__(self) -> Any:  # copy.deepcopy and pickle see a plain dict of every table
        return (dict, (self.copy(),))


def encode_body(tables: dict[str, Docs]) -> bytes:
    """A format-3 snapshot's body: its head (a pickle of the internal tables and of where each
    record kind's pieces are), then those pieces."""
    pieces: list[bytes | memoryview] = []
    size = 0

    def add(blob: bytes | memoryview) -> Span:
        nonlocal size
        pieces.append(blob)
        size += len(blob)
        return size - len(blob), size

    lazy = tables.lazy if isinstance(tables, LiveTables) else {}
    internal: dict[str, Docs] = {}
    kinds: dict[str, dict[str, Any]] = {}
    for name in tables:
        if name in lazy:
            kinds[name] = lazy[name].encode(add)
        elif not is_record_table(name):
            internal[name] = dict.__getitem__(tables, name)
        else:
            spans: list[Span] = []
            ids: dict[str, int] = {}
            _chunked(dict.__getitem__(tables, name), add, spans, ids)
            kinds[name] = {"chunks": spans, "index": add(dump(ids))}
    return b"".join([dump({"tables": internal, "kinds": kinds}), *pieces])


def decode_body(source: bytes, start: int) -> LiveTables:
    """The tables of a format-3 body at ``start`` of ``source`` (kept: lazy tables read it)."""
    head, base = load(source, start)
    try:
        tables = LiveTables(head["tables"])
        for name, entry in head["kinds"].items():
            spans = [(base + first, base + end) for first, end in entry["chunks"]]
            first, end = entry["index"]
            index = (base + first, base + end)
            inside = all(base <= a <= b <= len(source) for a, b in [*spans, index])
            if not isinstance(name, str) or not is_record_table(name) or not inside:
                raise ValueError(f"table {name!r} is not a record kind inside the snapshot")
            tables.lazy[name] = LazyTable(source, spans, index)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreCorrupted(f"snapshot does not load: its head is malformed ({exc})") from exc
    return tables
