"""Pieces shared by the entry forms: the disclosure block, the save button, the result banner."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.forms import FormState
from app.views.widgets import banner, big_button, choice_chips, section, text_field

if TYPE_CHECKING:
    from app.views.shell import Shell

NOT_CONSENTED_WARNING = (
    "Someone here has not agreed to tell employers about their mental health. "
    "Remove them, or give a reason for linking them."
)


def message_banner(form: FormState) -> list[ft.Control]:
    if not form.message:
        return []
    kind = "ok" if form.saved is not None else "error"
    return [banner(form.message, kind=kind, identifier="form-message")]


def disclosure_block(form: FormState, warn: bool) -> list[ft.Control]:
    """Shown before save when a non-consenting job seeker is linked, and after a refused save."""
    if form.disclosure_message and form.saved is None and form.errors.get("disclosure_reason"):
        text, kind = NOT_CONSENTED_WARNING, "error"
    elif warn:
        text, kind = NOT_CONSENTED_WARNING, "warn"
    else:
        return []
    return [
        banner(text, kind=kind, identifier="disclosure-warning"),
        text_field(
            form,
            "disclosure_reason",
            "Reason for linking them",
            multiline=True,
            hint="e.g. they asked me to speak to the employer",
        ),
    ]


def date_with_shortcuts(
    form: FormState,
    name: str,
    label: str,
    shortcuts: tuple[tuple[str, int], ...],
    pick: Callable[[int], None],
) -> ft.Control:
    labels = [(str(days), text) for text, days in shortcuts]
    return section(
        label,
        choice_chips(labels, "", lambda days: pick(int(days)), identifier=f"{name}-shortcut"),
        text_field(form, name, f"{label} (YYYY-MM-DD)", keyboard=ft.KeyboardType.DATETIME),
    )


def save_button(
    shell: Shell, form: FormState, label: str, identifier: str, after: Callable[[], None]
) -> ft.Control:
    def save(_e: Any) -> None:
        result = form.on_save()
        if result.ok:
            shell.notify(
                f"{form.title.replace('Log a ', '').replace('Log an ', '').capitalize()} saved on this phone"
            )
            after()
        else:
            shell.refresh()

    return ft.Row([big_button(label, ft.Icons.SAVE, shell.handler(save), identifier=identifier)])


def enum_options(labels: dict[Any, str]) -> list[tuple[str, str]]:
    return [(member.value, text) for member, text in labels.items()]
