"""Choosing one record of many for a form's field (issue 18): the few most recent as chips, and a
search that shows at most a few matches for part of a name or code, never the whole list (a team
holds thousands of employers and job seekers). The employer picker (app.state.forms.EmployerPicking),
the check-in's worker and the job form's opening use it; app.views.picker draws it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Generic, Protocol, TypeVar

from app.domain.records import Record
from app.domain.search import fold

RECENT_CHOICES = 4  # offered as chips: the most recent few
MATCHES = 6  # what a search shows at most: a thumb's worth, never the directory

R = TypeVar("R", bound=Record)


class Fields(Protocol):
    """The form a picker fills (app.state.forms.FormState): the field's value and its error."""

    errors: dict[str, str]

    def text(self, name: str) -> str: ...


def find(records: Iterable[R], query: str, keys: Mapping[str, tuple[str, ...]]) -> list[R]:
    """At most MATCHES `records` holding every typed word in one of their keys (`keys`: record id ->
    texts folded by app.domain.search.fold), those whose first key starts with what was typed first,
    each group in the order given. Nothing for an empty query: the recent chips are shown."""
    words = fold(query).split()
    if not words:
        return []
    first = " ".join(words)
    starting: list[R] = []
    containing: list[R] = []
    for record in records:
        texts = keys.get(record.id, ("",))
        if texts[0].startswith(first):
            starting.append(record)
            if len(starting) == MATCHES:
                break
        elif len(containing) < MATCHES and all(any(w in text for text in texts) for w in words):
            containing.append(record)
    return [*starting, *containing][:MATCHES]


class RecordPick(Generic[R]):
    """One field chosen from `records()` (most recently used first): its chips, its search and its
    pick. `keys()` gives each record's folded search texts (the first is the one a match should
    start with); `label` names a record on a chip; `pick` sets the field (and whatever follows it)."""

    def __init__(
        self,
        form: Fields,
        name: str,
        *,
        records: Callable[[], Sequence[R]],
        keys: Callable[[], Mapping[str, tuple[str, ...]]],
        by_id: Callable[[], Mapping[str, R]],
        label: Callable[[R], str],
        pick: Callable[[str], None],
        recent: int = RECENT_CHOICES,
    ) -> None:
        self.form = form
        self.name = name
        self.records = records
        self.keys = keys
        self.by_id = by_id
        self.label = label
        self._pick = pick
        self.recent_count = recent
        self.query = ""  # typed into the search

    @property
    def chosen(self) -> str:
        return self.form.text(self.name)

    @property
    def error(self) -> str | None:
        return self.form.errors.get(self.name)

    def recent(self) -> list[R]:
        return list(self.records()[: self.recent_count])

    def choices(self) -> list[R]:
        """The chips: the most recent few, and the chosen one when it is not among them (found by
        search, or the form was opened for it)."""
        choices = self.recent()
        chosen = self.selected()
        if chosen is not None and chosen not in choices:
            choices = [*choices, chosen]
        return choices

    def selected(self) -> R | None:
        wanted = self.chosen
        return self.by_id().get(wanted) if wanted else None

    def set_query(self, query: str) -> None:
        self.query = query

    def found(self) -> list[R]:
        return find(self.records(), self.query, self.keys())

    def chips(self) -> list[tuple[str, str]]:
        return [(r.id, self.label(r)) for r in self.choices()]

    def matches(self) -> list[tuple[str, str]]:
        return [(r.id, self.label(r)) for r in self.found()]

    def pick(self, record_id: str) -> None:
        self._pick(record_id)

    def choose_found(self, record_id: str) -> None:
        """A search result tapped: it becomes the choice, and the search is done."""
        self.query = ""
        self._pick(record_id)
