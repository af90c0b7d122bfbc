"""The frame around every screen: app bar with back, bottom navigation, the Log button, a screen stack.

Views re-render by calling `refresh()`, which always ends with one `page.update()` (a Flet 1.0
handler that updates part of the page loses its automatic update). Every screen on the stack keeps
its built controls on the page, only the top one visible: Back shows the screen below as it was
when no record changed and no sync event came since it was built (nothing is rebuilt or resent);
otherwise a screen with `redraw()` redraws inside its kept controls (Today: only the rows that
changed are new), and any other is rebuilt. The last screen of each tab stays too, hidden, and a
tab tapped again is shown the same way. Each screen's layer is isolated (`Layer`): updating the
page sends what changed around the screens, and a change inside a screen is sent by updating that
screen's controls. Handler errors are caught here, printed, and shown, because Flet would otherwise
swallow them into an error screen.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import flet as ft

from app.state.context import AppContext
from app.views.widgets import FAB_HEIGHT, MIN_TARGET, big_button, tagged


class Screen(Protocol):
    title: str

    def build(self) -> ft.Control: ...


ROOTS = ("today", "employers", "job_seekers", "openings")


@ft.control(isolated=True)  # type: ignore[arg-type]  # flet's overload binds no class type here
class Layer(ft.Column):
    """One screen's layer. Isolated: Flet diffs an isolated control's children only when the control
    itself (or one inside it) is updated, so a page update (a layer shown, hidden, added or dropped,
    the app bar) does not walk every control of every kept screen. A change inside a screen is
    sent by updating its controls: `update_in_place`, or the layer after a `redraw()`."""


class Shell:
    def __init__(self, page: ft.Page, ctx: AppContext) -> None:
        self.page = page
        self.ctx = ctx
        self.stack: list[Screen] = []
        self.root = "today"
        self.errors: list[str] = []
        # One layer per screen on the stack, only the top one visible (see the module docstring).
        self.layers = ft.Column(expand=True, spacing=0, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self._built: dict[int, tuple[Layer, tuple[int, int]]] = {}  # id(screen) -> layer, version
        # The last screen of each tab, kept on the page hidden: a tab tapped again shows it as it
        # was, or redrawn, instead of building and sending it whole.
        self._roots: dict[str, Screen] = {}
        self._sync_events = 0
        self.body = ft.Container(self.layers, expand=True, padding=ft.Padding.only(left=16, right=16, top=8))
        page.title = "Fieldwork"
        page.padding = 0
        page.theme = ft.Theme(color_scheme_seed=ft.Colors.TEAL, visual_density=ft.VisualDensity.COMFORTABLE)
        page.theme_mode = ft.ThemeMode.LIGHT
        page.navigation_bar = ft.NavigationBar(
            destinations=[
                ft.NavigationBarDestination(icon=ft.Icons.TODAY, label="Today"),
                ft.NavigationBarDestination(icon=ft.Icons.STOREFRONT, label="Employers"),
                ft.NavigationBarDestination(icon=ft.Icons.PEOPLE_OUTLINE, label="Job seekers"),
                ft.NavigationBarDestination(icon=ft.Icons.WORK_OUTLINE, label="Openings"),
            ],
            on_change=self.handler(self._nav_changed),
        )
        page.floating_action_button = ft.FloatingActionButton(
            content=ft.Row([ft.Icon(ft.Icons.ADD), ft.Text("Log", size=17)], tight=True),
            tooltip="Log a visit, opening or check-in",
            on_click=self.handler(lambda _e: self.open_log_menu()),
            width=112,
            height=FAB_HEIGHT,
        )
        # One app bar for every screen, shown from the first screen on: a screen sets its title,
        # and Back above a tab's first screen (a new bar each time would be added and sent whole).
        self.app_title = ft.Text(size=20, weight=ft.FontWeight.W_600)
        self.appbar = ft.AppBar(
            title=self.app_title, automatically_imply_leading=False, toolbar_height=MIN_TARGET + 8
        )
        page.add(ft.SafeArea(self.body, expand=True))
        self._unsubscribe: Callable[[], None] | None = None
        if ctx.sync is not None:
            self._unsubscribe = ctx.sync.subscribe(self._sync_event)
            page.on_disconnect = lambda _e: self.close()
            page.on_close = lambda _e: self.close()

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # -- error handling ----------------------------------------------------------------------------

    def handler(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> None:
            try:
                fn(*args)
            except Exception as exc:  # the one place handler errors are caught, shown and printed
                traceback.print_exc(file=sys.stderr)
                self.errors.append(repr(exc))
                self.notify(f"Something went wrong: {exc}. Nothing you typed was lost.")
                self.page.update()

        return run

    def async_handler(self, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
        async def run(*args: Any) -> None:
            try:
                await fn(*args)
            except Exception as exc:  # as in handler(): shown, printed, never swallowed
                traceback.print_exc(file=sys.stderr)
                self.errors.append(repr(exc))
                self.notify(f"Something went wrong: {exc}. Nothing you typed was lost.")
                self.page.update()

        return run

    # -- sync events (called on the UI loop by DeviceSync) -------------------------------------------

    def _sync_event(self, event: str) -> None:
        self._sync_events += 1  # screens below the top one missed it: Back rebuilds them
        try:
            if event == "revoked":
                # Job seekers were just wiped: nothing on screen may still show them, hidden or not.
                self._roots.clear()
                self.go_root("today")
                return
            on_sync = getattr(self.stack[-1], "on_sync", None) if self.stack else None
            if callable(on_sync):
                on_sync(event)
        except RuntimeError:
            self.close()  # this page has gone away
        except Exception:  # a broken screen must not stop the sync runner
            traceback.print_exc(file=sys.stderr)

    def then_refresh(self, action: Callable[..., Any]) -> Callable[..., Any]:
        """A handler that runs a screen-state action, then redraws the screen."""

        def run(*args: Any) -> None:
            action(*args)
            self.refresh()

        return self.handler(run)

    def notify(self, text: str) -> None:
        self.page.show_dialog(ft.SnackBar(ft.Text(text, size=15), duration=4000))

    # -- navigation --------------------------------------------------------------------------------

    def _nav_changed(self, e: ft.Event[ft.NavigationBar]) -> None:
        self.go_root(ROOTS[int(e.control.selected_index)])

    def go_root(self, name: str) -> None:
        from app.views.screens import root_screen

        self.root = name
        nav = self.page.navigation_bar
        if isinstance(nav, ft.NavigationBar):
            nav.selected_index = ROOTS.index(name)
        kept = self._roots.get(name)
        if kept is not None:
            self.stack = [kept]
            if self._reshow(kept):
                return
        screen = root_screen(self, name)
        self._roots[name] = screen
        self.stack = [screen]
        self.refresh()

    def push(self, screen: Screen) -> None:
        self.stack.append(screen)
        self.refresh()

    def back(self) -> None:
        if len(self.stack) > 1:
            self.stack.pop()
        if self._reshow(self.stack[-1]):
            return
        refresh = getattr(self.stack[-1], "reload", None)
        if callable(refresh):
            refresh()
        self.refresh()

    def _reshow(self, screen: Screen) -> bool:
        """Show a screen built before, on top: as it was when nothing it shows has changed, or
        redrawn inside its own controls when it can (Flet then sends only the difference). False
        when it has to be built again."""
        built = self._built.get(id(screen))
        if built is None:
            return False
        version = self._version()
        if built[1] == version:
            self._show()  # the same controls, made visible again
            return True
        redraw = getattr(screen, "redraw", None)
        if callable(redraw) and redraw():
            self._built[id(screen)] = (built[0], version)
            self.update_in_place(built[0])  # what the redraw changed inside the (hidden) layer
            self._show()
            return True
        return False

    def _version(self) -> tuple[int, int]:
        """Changes a built screen may be out of date with: the records, and sync events."""
        return self.ctx.service.data_version(), self._sync_events

    def refresh(self) -> None:
        """Rebuild the top screen and show it."""
        screen = self.stack[-1]
        version = self._version()
        content = screen.build()
        footer = getattr(screen, "footer", None)
        if callable(footer):
            # The save button stays in reach of a thumb, below the scrolling form.
            layer = Layer([content, ft.Container(footer(), padding=ft.Padding.only(bottom=8))], expand=True)
        else:
            layer = Layer(
                [content], expand=True, spacing=0, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
            )
        self._built[id(screen)] = (layer, version)
        self._show()

    def _show(self) -> None:
        """The top screen's layer visible, the layers of the screens below hidden, others dropped."""
        screen = self.stack[-1]
        kept = [*self._roots.values(), *(s for s in self.stack if s not in self._roots.values())]
        ids = {id(below) for below in kept}
        self._built = {key: built for key, built in self._built.items() if key in ids}
        layers: list[ft.Control] = []
        for below in kept:  # in a steady order: switching tabs moves no layer
            built = self._built.get(id(below))
            if built is not None:
                built[0].visible = below is screen
                layers.append(built[0])
        self.layers.controls = layers
        self.app_title.value = screen.title
        if len(self.stack) == 1:
            self.appbar.leading = None
        elif self.appbar.leading is None:
            self.appbar.leading = tagged(
                "back",
                ft.IconButton(
                    ft.Icons.ARROW_BACK, tooltip="Back", on_click=self.handler(lambda _e: self.back())
                ),
            )
        self.page.appbar = self.appbar
        fab = self.page.floating_action_button
        if fab is not None:
            fab.visible = len(self.stack) == 1
        self.page.update()

    def update_in_place(self, control: ft.Control) -> None:
        """Redraw one control (e.g. when a background task finishes) without rebuilding the screen."""
        with contextlib.suppress(RuntimeError):  # the control left the page while the task ran
            control.update()

    def open_log_menu(self) -> None:
        from app.views.screens import log_screen

        def choose(kind: str) -> Callable[[Any], None]:
            def go(_e: Any) -> None:
                self.page.pop_dialog()
                self.push(log_screen(self, kind))

            return self.handler(go)

        sheet = ft.BottomSheet(
            ft.Container(
                ft.Column(
                    [
                        ft.Text("Log…", size=18, weight=ft.FontWeight.W_600),
                        ft.Row(
                            [
                                big_button(
                                    "Employer visit",
                                    ft.Icons.STOREFRONT,
                                    choose("visit"),
                                    identifier="menu-log-visit",
                                )
                            ]
                        ),
                        ft.Row(
                            [
                                big_button(
                                    "Job opening",
                                    ft.Icons.WORK_OUTLINE,
                                    choose("opening"),
                                    identifier="menu-log-opening",
                                )
                            ]
                        ),
                        ft.Row(
                            [
                                big_button(
                                    "In-work check-in",
                                    ft.Icons.HANDSHAKE,
                                    choose("check_in"),
                                    identifier="menu-log-check-in",
                                )
                            ]
                        ),
                    ],
                    tight=True,
                    spacing=12,
                ),
                padding=20,
            )
        )
        self.page.show_dialog(sheet)
        self.page.update()
