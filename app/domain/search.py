"""Search as a specialist types: case and accents do not matter ("cafe" finds "Café")."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """`text` without case or accents: NFKD splits "é" into "e" and a combining mark, dropped here."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def matches(query: str, *texts: str) -> bool:
    """True when every word of `query` is found in one of `texts` (an empty query matches all)."""
    words = fold(query).split()
    haystack = fold(" ".join(texts))
    return all(word in haystack for word in words)
