"""Small building blocks every screen uses: bound text fields, choice chips, big buttons.

Targets are at least 48 px tall; text fields write to the form state on every keystroke, so a
re-render after a failed save shows exactly what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from app.state.forms import FormState

MIN_TARGET = 52
FAB_HEIGHT = 60  # the Shell's floating "Log" button, on the four root screens
# Room below a screen's last row so the floating button, kept 16 px above the bottom edge, never
# hides it (the last task's "Log visit", the last list row) once the list is scrolled to its end.
FAB_CLEARANCE = FAB_HEIGHT + 16
SECTION = "section"  # a section heading's data: tests read a form's headings with its field labels
Handler = Callable[..., Any]


def as_sentence(text: str | None) -> str | None:
    """An error beside a field starts with a capital: the domain's "wage cannot be negative" is
    shared with the server's answers, so it is made a sentence here, where a person reads it."""
    return text[:1].upper() + text[1:] if text else text


def tagged(identifier: str, control: ft.Control, *, label: str | None = None) -> ft.Control:
    """Wrap a control so browser tests and screen readers can find it by a stable identifier."""
    return ft.Semantics(identifier=identifier, label=label, content=control)


def text_field(
    form: FormState,
    name: str,
    label: str,
    *,
    hint: str | None = None,
    multiline: bool = False,
    keyboard: ft.KeyboardType = ft.KeyboardType.TEXT,
    helper: str | None = None,
    on_typed: Callable[[], None] | None = None,
) -> ft.Control:
    def changed(e: ft.Event[ft.TextField]) -> None:
        form.set_field(name, e.control.value or "")
        if on_typed is not None:
            on_typed()  # e.g. a hint beside the field, redrawn in place (the keyboard stays)

    field = ft.TextField(
        label=label,
        value=form.text(name),
        hint_text=hint,
        helper=helper,
        error=as_sentence(form.errors.get(name)),
        multiline=multiline,
        min_lines=2 if multiline else None,
        max_lines=5 if multiline else 1,
        keyboard_type=ft.KeyboardType.MULTILINE if multiline else keyboard,
        on_change=changed,
        text_size=17,
    )
    return tagged(f"field-{name}", field)


def choice_chips(
    options: Sequence[tuple[str, str]],
    selected: Sequence[str] | str,
    on_pick: Callable[[str], None],
    *,
    identifier: str | None = None,
) -> ft.Control:
    """A wrap of large chips; tapping one calls `on_pick(value)`. A chip's label is its text, styled
    by the chip, not a Text control of its own: a form sends a new chip for every option each time
    it opens, and a Text control costs Flet nearly as much to add and send as the chip itself."""
    chosen = {selected} if isinstance(selected, str) else set(selected)
    chips: list[ft.Control] = []
    for index, (value, label) in enumerate(options):
        chip = ft.Chip(
            label=label,
            label_text_style=ft.TextStyle(size=16),
            selected=value in chosen,
            on_select=lambda _e, v=value: on_pick(v),
            padding=ft.Padding.symmetric(horizontal=6, vertical=12),  # 47 px tall: a thumb's target
        )
        chips.append(tagged(f"{identifier}-{index}", chip) if identifier else chip)
    return ft.Row(chips, wrap=True, spacing=8, run_spacing=8)


def dropdown(
    label: str,
    options: Sequence[tuple[str, str]],
    value: str,
    on_pick: Callable[[str], None],
    *,
    error: str | None = None,
    identifier: str | None = None,
) -> ft.Control:
    def picked(e: ft.Event[ft.Dropdown]) -> None:
        on_pick(e.control.value or "")

    control = ft.Dropdown(
        label=label,
        value=value or None,
        options=[ft.DropdownOption(key=key, text=text) for key, text in options],
        on_select=picked,
        error_text=as_sentence(error),
        expand=True,
        editable=len(options) > 8,
        enable_filter=len(options) > 8,
        menu_height=360,
    )
    return tagged(identifier, control) if identifier else control


def big_button(
    label: str,
    icon: ft.IconData,
    on_click: Handler,
    *,
    identifier: str,
    filled: bool = True,
) -> ft.Control:
    style = ft.ButtonStyle(
        padding=ft.Padding.symmetric(horizontal=20, vertical=16),
        text_style=ft.TextStyle(size=17, weight=ft.FontWeight.W_600),
    )
    button_type = ft.FilledButton if filled else ft.OutlinedButton
    button = button_type(content=label, icon=icon, on_click=on_click, style=style, height=MIN_TARGET + 4)
    return ft.Container(tagged(identifier, button, label=label), expand=True)


def section(title: str, *controls: ft.Control) -> ft.Control:
    return ft.Column(
        [
            ft.Text(title, size=14, weight=ft.FontWeight.W_600, color=ft.Colors.BLUE_GREY_700, data=SECTION),
            *controls,
        ],
        spacing=8,
    )


def banner(text: str, *, kind: str = "info", identifier: str | None = None) -> ft.Control:
    colors = {
        "info": (ft.Colors.BLUE_50, ft.Icons.INFO_OUTLINE, ft.Colors.BLUE_800),
        "ok": (ft.Colors.GREEN_50, ft.Icons.CHECK_CIRCLE_OUTLINE, ft.Colors.GREEN_800),
        "warn": (ft.Colors.AMBER_50, ft.Icons.WARNING_AMBER, ft.Colors.BROWN_700),
        "error": (ft.Colors.RED_50, ft.Icons.ERROR_OUTLINE, ft.Colors.RED_800),
    }
    bg, icon, fg = colors[kind]
    box = ft.Container(
        ft.Row(
            [ft.Icon(icon, color=fg), ft.Text(text, color=fg, size=15, expand=True)],
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
        bgcolor=bg,
        padding=12,
        border_radius=10,
    )
    return tagged(identifier, box, label=text) if identifier else box


def list_row(
    title: str,
    detail: str,
    on_click: Handler | None,
    *,
    icon: ft.IconData | None = None,
    trailing: str | None = None,
    identifier: str | None = None,
    warn: bool = False,
) -> ft.Control:
    tile = ft.ListTile(
        leading=ft.Icon(icon, color=ft.Colors.RED_700 if warn else ft.Colors.BLUE_GREY_600) if icon else None,
        title=ft.Text(title, size=16, weight=ft.FontWeight.W_500),
        subtitle=ft.Text(detail, size=14),
        trailing=ft.Text(trailing, size=13, color=ft.Colors.RED_700 if warn else None) if trailing else None,
        on_click=on_click,
        min_vertical_padding=8,
        content_padding=ft.Padding.symmetric(horizontal=8),
    )
    return tagged(identifier, tile) if identifier else tile


def screen(*controls: ft.Control) -> ft.Column:
    """A scrolling column with room at the bottom so the floating button never hides a field or row."""
    return ft.Column(
        [*controls, ft.Container(height=FAB_CLEARANCE, key="fab-clearance")],
        spacing=16,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
