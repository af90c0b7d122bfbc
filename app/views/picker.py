"""The search picker (app.state.picker): the recent few as chips, then a search whose few matches
are redrawn in place as chips, so the keyboard stays. The whole list is never drawn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import flet as ft

from app.views.widgets import as_sentence, choice_chips, tagged

if TYPE_CHECKING:
    from app.views.shell import Shell


class Pick(Protocol):
    """What the picker reads and calls (app.state.picker.RecordPick)."""

    @property
    def chosen(self) -> str: ...
    @property
    def query(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    def chips(self) -> list[tuple[str, str]]: ...
    def matches(self) -> list[tuple[str, str]]: ...
    def pick(self, record_id: str) -> None: ...
    def choose_found(self, record_id: str) -> None: ...
    def set_query(self, query: str) -> None: ...


def search_picker(
    shell: Shell,
    pick: Pick,
    matches: ft.Column,
    *,
    identifier: str,
    noun: str,
    hint: str,
    none_label: str | None = None,
    no_match_hint: str = "",
) -> list[ft.Control]:
    """Chips for `pick.chips()` (after a `none_label` chip, for an optional field), then "Find a
    {noun}": what is typed shows `pick.matches()` in `matches`, or says none matched (and
    `no_match_hint`). Identifiers: `{identifier}-choice-N`, `{identifier}-search`, `{identifier}-match-N`."""
    controls: list[ft.Control] = []
    choices = pick.chips()
    if none_label is not None:
        choices = [("", none_label), *choices]
    if choices:
        controls.append(
            choice_chips(
                choices, pick.chosen, shell.then_refresh(pick.pick), identifier=f"{identifier}-choice"
            )
        )

    def found() -> list[ft.Control]:
        query = pick.query.strip()
        if not query:
            return []
        options = pick.matches()
        if not options:
            return [ft.Text(f"No {noun} matches “{query}”.{no_match_hint}", size=15)]
        return [
            choice_chips(
                options,
                pick.chosen,
                shell.then_refresh(pick.choose_found),
                identifier=f"{identifier}-match",
            )
        ]

    def typed(e: Any) -> None:
        pick.set_query(e.control.value or "")
        matches.controls = found()
        shell.update_in_place(matches)

    matches.controls = found()
    search = tagged(
        f"{identifier}-search",
        ft.TextField(
            label=f"Find {'an' if noun[:1] in 'aeiou' else 'a'} {noun}",
            hint_text=hint,
            value=pick.query,
            prefix_icon=ft.Icons.SEARCH,
            error=as_sentence(pick.error),
            on_change=shell.handler(typed),
            text_size=17,
        ),
    )
    return [*controls, ft.Row([ft.Container(search, expand=True)]), matches]  # the form's full width
