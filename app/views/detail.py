"""One record: its sync state (and what to fix), the supervisor's review and comments, Edit, its
fields and related records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.domain.replies import MAX_REPLY_CHARS
from app.state.detail import KIND_LABELS, UNDO_SECONDS, RecordDetailState
from app.state.feedback import Comment
from app.state.photos import photos_for
from app.state.replies import NOT_SENT
from app.views.matches import matches_section
from app.views.photos import PhotosSection
from app.views.widgets import banner, big_button, list_row, screen, section, tagged

if TYPE_CHECKING:
    from app.views.shell import Shell


class DetailView:
    def __init__(self, shell: Shell, state: RecordDetailState) -> None:
        self.shell = shell
        self.state = state
        self.title = KIND_LABELS.get(state.kind, "Record")
        self.photos = PhotosSection(shell, photos_for(shell.ctx, state.kind, state.record_id))
        self.matches = matches_section(shell, state.kind, state.record_id)

    def reload(self) -> None:
        self.state.refresh()

    def on_sync(self, event: str) -> None:
        """A pass finished: "waiting to sync" becomes "Synced", a pulled review appears."""
        # Both asked: a photo may have gone up in a pass that changed nothing else here.
        if self.state.on_sync(event) | self.photos.on_sync(event) | self.matches.on_sync(event):
            self.shell.refresh()

    def build(self) -> ft.Control:
        from app.views.screens import detail_screen, form_screen, log_screen

        state = self.state
        if not state.found:
            return screen(banner("This record is not on this phone.", kind="error"))

        def edit(_e: Any) -> None:
            form = state.edit_form()
            if form is not None:
                self.shell.push(form_screen(self.shell, form))

        def open_related(kind: str, record_id: str) -> Any:
            return self.shell.handler(lambda _e: self.shell.push(detail_screen(self.shell, kind, record_id)))

        problems = state.sync_problems
        actions: list[ft.Control] = [
            big_button("Edit", ft.Icons.EDIT, self.shell.handler(edit), identifier="edit-record")
        ]
        if state.kind == "employer":
            actions.append(
                big_button(
                    "Log visit",
                    ft.Icons.STOREFRONT,
                    self.shell.handler(
                        lambda _e: self.shell.push(
                            log_screen(self.shell, "visit", employer_id=state.record_id)
                        )
                    ),
                    identifier="detail-log-visit",
                    filled=False,
                )
            )
        if state.kind == "job_seeker":
            actions.append(
                big_button(
                    "Check-in",
                    ft.Icons.HANDSHAKE,
                    self.shell.handler(
                        lambda _e: self.shell.push(
                            log_screen(self.shell, "check_in", job_seeker_id=state.record_id)
                        )
                    ),
                    identifier="detail-log-check-in",
                    filled=False,
                )
            )
        archive_row: list[ft.Control] = []
        if state.can_archive:
            archive = big_button(
                "Archive",
                ft.Icons.ARCHIVE_OUTLINED,
                self.shell.handler(lambda _e: self._archive()),
                identifier="archive-record",
                filled=False,
            )
            # Two big buttons fit a phone's width, three do not (a job seeker has Check-in).
            if len(actions) < 2:
                actions.append(archive)
            else:
                archive_row = [ft.Row([archive], spacing=8)]
        sync_kind = {"synced": "ok", "rejected": "error", "conflict": "warn"}.get(state.sync_state, "info")
        return screen(
            ft.Text(state.title, size=22, weight=ft.FontWeight.W_600),
            ft.Text(state.subtitle, size=15, color=ft.Colors.BLUE_GREY_700),
            banner(
                state.sync_label + ("" if not problems else ": " + "; ".join(problems)),
                kind=sync_kind,
                identifier="detail-sync",
            ),
            *self._not_kept(),
            *self._location_check(),
            ft.Row(actions, spacing=8),
            *archive_row,
            *self._jobs(),
            *self._decisions(),
            *self._open_tasks(),
            *self._review(),
            *self.photos.build(),
            *self.matches.build(),
            *[
                ft.Column(
                    [
                        ft.Text(label, size=13, color=ft.Colors.BLUE_GREY_600),
                        ft.Text(value, size=16, selectable=True),
                    ],
                    spacing=2,
                )
                for label, value in state.rows
            ],
            *(
                [
                    section(
                        "Related",
                        *[
                            list_row(title, detail, open_related(kind, rid))
                            for kind, rid, title, detail in state.related
                        ],
                    )
                ]
                if state.related
                else []
            ),
        )

    def _archive(self) -> None:
        """Archive at once, go back to the list, and offer Undo for UNDO_SECONDS."""
        undo = self.state.archive()
        self.shell.back()

        def on_undo(_e: Any) -> None:
            if undo.undo():
                # Re-read whatever screen is on top now, so the record is listed again.
                reload = getattr(self.shell.stack[-1], "reload", None)
                if callable(reload):
                    reload()
                self.shell.notify("Restored. It syncs back as it was.")
                self.shell.refresh()

        snack = ft.SnackBar(
            ft.Text(undo.message, size=15, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS),
            action=ft.SnackBarAction("Undo", on_click=self.shell.handler(on_undo)),
            duration=UNDO_SECONDS * 1000,
            persist=False,
        )
        self.shell.page.show_dialog(snack)

    def _jobs(self) -> list[ft.Control]:
        """A job seeker's jobs (issue 15): current ones first, each with "Job ended"; past ones
        with their tenure and why they ended; "Job started" to add one."""
        from app.views.jobs import job_ended_screen, job_started_screen
        from app.views.screens import detail_screen

        state = self.state
        if state.kind != "job_seeker":
            return []
        rows: list[ft.Control] = []
        for index, job in enumerate(state.jobs):
            row = list_row(
                job.title,
                job.detail,
                self.shell.handler(
                    lambda _e, jid=job.job_id: self.shell.push(detail_screen(self.shell, "job", jid))
                ),
                icon=ft.Icons.WORK if job.current else ft.Icons.WORK_HISTORY,
                identifier=f"job-{index}",
            )
            if job.current:
                ended = tagged(
                    f"job-ended-{index}",
                    ft.TextButton(
                        "Job ended",
                        on_click=self.shell.handler(
                            lambda _e, jid=job.job_id: self.shell.push(job_ended_screen(self.shell, jid))
                        ),
                    ),
                )
                row = ft.Column([row, ft.Row([ended], alignment=ft.MainAxisAlignment.END)], spacing=0)
            rows.append(row)
        started = big_button(
            "Job started",
            ft.Icons.WORK_OUTLINE,
            self.shell.handler(lambda _e: self.shell.push(job_started_screen(self.shell, state.record_id))),
            identifier="job-started",
            filled=False,
        )
        return [section("Jobs", *rows, ft.Row([started], spacing=8))]

    def _decisions(self) -> list[ft.Control]:
        """A job seeker's disclosure decision for each employer (issue 15), each with Revoke, and
        "Decide for an employer" to add one."""
        from app.views.disclosures import decide_screen

        state = self.state
        if state.kind != "job_seeker":
            return []
        rows: list[ft.Control] = []
        for index, row in enumerate(state.decisions):
            revoke = tagged(
                f"decision-revoke-{index}",
                ft.TextButton(
                    "Revoke",
                    height=48,
                    on_click=self.shell.then_refresh(lambda _e, did=row.decision_id: state.revoke(did)),
                ),
            )
            rows.append(
                tagged(
                    f"decision-{index}",
                    ft.Row(
                        [
                            ft.Icon(ft.Icons.VISIBILITY if row.agreed else ft.Icons.VISIBILITY_OFF),
                            ft.Column(
                                [ft.Text(row.employer, size=16), ft.Text(row.detail, size=14)],
                                spacing=0,
                                expand=True,
                            ),
                            revoke,
                        ]
                    ),
                )
            )
        if not rows:
            rows.append(
                ft.Text("No decision for any employer yet: the general choice above applies.", size=14)
            )
        note = [ft.Text(state.decision_message, size=14)] if state.decision_message else []
        decide = big_button(
            "Decide for an employer",
            ft.Icons.HOW_TO_REG,
            self.shell.handler(lambda _e: self.shell.push(decide_screen(self.shell, state.record_id))),
            identifier="decide-employer",
            filled=False,
        )
        return [section("Disclosure to each employer", *rows, *note, ft.Row([decide], spacing=8))]

    def _open_tasks(self) -> list[ft.Control]:
        """An employer's open next steps, each with Done and Dismiss (as on Today and the visit form)."""
        from app.views.visit import task_row

        state = self.state
        if not state.open_tasks and not state.task_message:
            return []
        rows = [
            task_row(
                self.shell,
                f"employer-task-{index}",
                visit.next_step or "Next step",
                f"Due {visit.next_step_on:%a %-d %b}" if visit.next_step_on else "No date set",
                on_done=lambda _e, vid=visit.id: state.close_task(vid, done=True),
                on_dismiss=lambda _e, vid=visit.id: state.close_task(vid, done=False),
            )
            for index, visit in enumerate(state.open_tasks)
        ]
        note = [ft.Text(state.task_message, size=15)] if state.task_message else []
        return [section("Open tasks", *rows, *note)]

    def _location_check(self) -> list[ft.Control]:
        check = self.state.location_check
        if check is None:
            return []
        kind = "warn" if check.flagged else "ok" if check.checked else "info"
        return [banner(f"Location check: {check.summary}", kind=kind, identifier="detail-location-check")]

    def _not_kept(self) -> list[ft.Control]:
        rows = self.state.conflict_rows
        if not rows:
            return []
        return [
            section(
                "Your values that were not kept",
                *[
                    ft.Column(
                        [
                            ft.Text(label, size=13, color=ft.Colors.BLUE_GREY_600),
                            ft.Text(value, size=16, selectable=True, color=ft.Colors.BROWN_800),
                        ],
                        spacing=2,
                    )
                    for label, value in rows
                ],
            )
        ]

    def _review(self) -> list[ft.Control]:
        state = self.state
        if state.review_state == "unreviewed" and not state.comments:
            return []
        colors = {
            "approved": (ft.Colors.GREEN_100, ft.Colors.GREEN_900, ft.Icons.VERIFIED),
            "needs_changes": (ft.Colors.AMBER_100, ft.Colors.BROWN_800, ft.Icons.RATE_REVIEW),
            "changed_since_review": (ft.Colors.BLUE_50, ft.Colors.BLUE_900, ft.Icons.EDIT_NOTE),
        }
        bg, fg, icon = colors.get(
            state.review_state, (ft.Colors.BLUE_GREY_50, ft.Colors.BLUE_GREY_800, ft.Icons.COMMENT)
        )
        chip = ft.Container(
            ft.Row(
                [ft.Icon(icon, color=fg, size=20), ft.Text(state.review_label, color=fg, size=15)], tight=True
            ),
            bgcolor=bg,
            padding=ft.Padding.symmetric(horizontal=12, vertical=8),
            border_radius=20,
        )
        thread = [_comment_card(index, c) for index, c in enumerate(state.comments)]
        return [
            section(
                "Supervisor review",
                tagged("review-state", chip, label=state.review_label),
                *thread,
                *self._reply(),
            )
        ]

    def _reply(self) -> list[ft.Control]:
        """The box to answer the supervisor: the reply is kept on this phone at once, and sent on
        the next sync (app.state.replies)."""
        state = self.state
        if not state.can_reply:
            return []

        def typed(e: ft.Event[ft.TextField]) -> None:
            state.reply_draft = e.control.value or ""

        def send(_e: Any) -> None:
            if state.send_reply():
                self.shell.notify("Reply saved on this phone. It goes to your supervisor on the next sync.")
            self.shell.refresh()

        box = ft.TextField(
            label="Reply to your supervisor",
            value=state.reply_draft,
            error=state.reply_error,
            multiline=True,
            min_lines=2,
            max_lines=5,
            max_length=MAX_REPLY_CHARS,
            keyboard_type=ft.KeyboardType.MULTILINE,
            on_change=typed,
            text_size=17,
        )
        button = big_button("Send reply", ft.Icons.SEND, self.shell.handler(send), identifier="send-reply")
        return [ft.Row([ft.Container(tagged("field-reply", box), expand=True)]), ft.Row([button])]


def _comment_card(index: int, c: Comment) -> ft.Control:
    """One comment of the thread; the specialist's replies sit to the right, in green, with what
    became of a reply still on this phone ("Waiting to send", or why it was not sent)."""
    refused = c.note.startswith(NOT_SENT)
    card = ft.Container(
        ft.Column(
            [
                ft.Text(
                    " · ".join(part for part in (c.author, c.when, c.note) if part),
                    size=13,
                    color=ft.Colors.BROWN_800 if refused else ft.Colors.BLUE_GREY_600,
                ),
                ft.Text(c.body, size=16, selectable=True),
            ],
            spacing=2,
        ),
        bgcolor=ft.Colors.GREEN_50 if c.mine else ft.Colors.BLUE_GREY_50,
        padding=12,
        border_radius=10,
        margin=ft.Margin.only(left=32) if c.mine else None,
    )
    label = f"{c.author}: {c.body}" + (f" ({c.note})" if c.note else "")
    return tagged(f"comment-{index}", card, label=label)
