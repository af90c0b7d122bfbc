"""Pieces shared by the entry forms: the disclosure block, the save button, the result banner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.forms import EmployerPicking, FormState
from app.views.picker import search_picker
from app.views.widgets import MIN_TARGET, banner, big_button, choice_chips, tagged, text_field

if TYPE_CHECKING:
    from app.views.shell import Shell

NOT_CONSENTED_WARNING = (
    "Someone here has not agreed that this employer may know about their mental health. "
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


TODAY = (("Today", 0),)
# How far back and ahead the calendar goes: the validation's own window (app.domain.validation)
# still decides what may be saved, as for typed dates.
PICKER_YEARS_BACK = 30
PICKER_YEARS_AHEAD = 3
# British dates to go with the app's other defaults (£, the UK minimum wage, "Sunday 29 November"):
# "Sun 29 Nov", weeks from Monday. Flutter's default would be American ("Sun, Nov 29", from Sunday).
PICKER_LOCALE = ft.Locale("en", "GB")


def date_field(
    shell: Shell,
    form: FormState,
    name: str,
    label: str,
    *,
    shortcuts: tuple[tuple[str, int], ...] = TODAY,
    with_time: bool = False,
) -> ft.Control:
    """A date (or date and time) field: typed text, a calendar button (and a clock button for a
    time) beside it, and quick buttons under it. Every way in ends in the form's setters, so a
    picked date is checked at save exactly as a typed one."""
    today = form.today()

    def picked_date(e: Any) -> None:
        if e.control.value is not None:
            (form.set_date_part if with_time else form.set_date)(name, e.control.value)
        shell.refresh()

    def picked_time(e: Any) -> None:
        if e.control.value is not None:
            form.set_time_part(name, e.control.value)
        shell.refresh()

    def open_calendar(_e: Any) -> None:
        shown = form.typed_date(name) or today
        first = date(today.year - PICKER_YEARS_BACK, 1, 1)
        last = date(today.year + PICKER_YEARS_AHEAD, 12, 31)
        shell.page.show_dialog(
            ft.DatePicker(
                value=datetime.combine(min(max(shown, first), last), time()),
                first_date=datetime.combine(first, time()),
                last_date=datetime.combine(last, time()),
                current_date=datetime.combine(today, time()),
                locale=PICKER_LOCALE,
                help_text=label,
                on_change=shell.handler(picked_date),
            )
        )

    def open_clock(_e: Any) -> None:
        shell.page.show_dialog(
            ft.TimePicker(
                value=form.typed_time(name) or shell.ctx.service.clock.now().time(),
                hour_format=ft.TimePickerHourFormat.H24,
                help_text=label,
                on_change=shell.handler(picked_time),
            )
        )

    hint = "YYYY-MM-DD HH:MM" if with_time else "YYYY-MM-DD"
    buttons = [
        picker_button(
            f"{name}-calendar",
            ft.Icons.CALENDAR_MONTH,
            f"Pick {label.lower()} on a calendar",
            shell.handler(open_calendar),
        )
    ]
    if with_time:
        buttons.append(
            picker_button(
                f"{name}-clock",
                ft.Icons.SCHEDULE,
                f"Pick the time of {label.lower()}",
                shell.handler(open_clock),
            )
        )
    field = ft.Row(
        [
            ft.Container(
                text_field(
                    form,
                    name,
                    label,
                    hint=hint,
                    keyboard=ft.KeyboardType.DATETIME,
                    helper=f"Or type {hint}",
                ),
                expand=True,
            ),
            *buttons,
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
        spacing=4,
    )
    if not shortcuts:
        return field
    quick = [(str(days), text) for text, days in shortcuts]
    setter = shell.then_refresh(lambda days: form.set_days_from_today(name, int(days)))
    return ft.Column([field, choice_chips(quick, "", setter, identifier=f"{name}-shortcut")], spacing=8)


def picker_button(
    identifier: str, icon: ft.IconData, tooltip: str, on_click: Callable[..., Any]
) -> ft.Control:
    return tagged(
        identifier,
        ft.IconButton(
            icon,
            tooltip=tooltip,
            icon_size=28,
            on_click=on_click,
            width=MIN_TARGET + 4,
            height=MIN_TARGET + 4,
        ),
        label=tooltip,
    )


def save_button(
    shell: Shell, form: FormState, label: str, identifier: str, after: Callable[[], None]
) -> ft.Control:
    def save(_e: Any) -> None:
        result = form.on_save()
        if result.ok:
            shell.notify(form.saved_message)
            after()
        else:
            shell.refresh()

    return ft.Row([big_button(label, ft.Icons.SAVE, shell.handler(save), identifier=identifier)])


def employer_picker(
    shell: Shell,
    form: EmployerPicking,
    matches: ft.Column,
    *,
    identifier: str = "employer",
    new_employer: bool = False,
    optional: bool = False,
) -> list[ft.Control]:
    """The recent employers (and the chosen one) as chips, then a search: typing part of a name
    shows the few employers that match as chips in `matches`, redrawn in place so the keyboard
    stays. The directory itself is never listed (a team's holds thousands). `new_employer` adds
    "New employer" (it takes the typed name), for forms whose employer may not be in the
    directory yet; `optional` adds a "No employer" chip. Identifiers: `{identifier}-choice-N`,
    `{identifier}-search`, `{identifier}-match-N`, `add-{identifier}`, `add-{identifier}-save` and
    `held-{identifier}` (a new employer held until the form is saved: `hold_new_employer`)."""
    controls = search_picker(
        shell,
        form.employer_pick,
        matches,
        identifier=identifier,
        noun="employer",
        hint="Type part of the name",
        none_label="No employer" if optional else None,
        no_match_hint=" Add it with New employer." if new_employer else "",
    )
    if form.held_employer is not None and form.held_employer_chosen():
        note = f"{form.held_employer.name} is added to the employers when you save."
        controls.append(tagged(f"held-{identifier}", ft.Text(note, size=15)))
    if new_employer:
        controls.append(_new_employer(shell, form, identifier))
    return controls


def _new_employer(shell: Shell, form: EmployerPicking, identifier: str) -> ft.Control:
    """ "New employer", then its name (what was searched for) and Add: saved and chosen in one tap."""
    if not form.adding_employer:
        return tagged(
            f"add-{identifier}",
            ft.TextButton(
                "New employer",
                icon=ft.Icons.ADD_BUSINESS,
                height=48,
                on_click=shell.then_refresh(lambda _e: form.start_adding_employer()),
            ),
        )

    def name_changed(e: Any) -> None:
        form.new_employer_name = e.control.value or ""

    return ft.Row(
        [
            ft.TextField(
                label="New employer's name",
                value=form.new_employer_name,
                expand=True,
                error=form.new_employer_error,
                on_change=name_changed,
                text_size=17,
            ),
            tagged(
                f"add-{identifier}-save",
                ft.FilledButton(
                    "Add", on_click=shell.then_refresh(lambda _e: form.add_employer()), height=52
                ),
            ),
        ]
    )
