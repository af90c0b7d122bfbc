"""Which view shows which state: the only place screens are constructed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.state.checkin_form import CheckInFormState
from app.state.detail import RecordDetailState
from app.state.employers import EmployerFormState, EmployersState
from app.state.forms import FormState
from app.state.job_seekers import JobSeekerFormState, JobSeekersState
from app.state.jobs import JobStartFormState
from app.state.opening_form import OpeningFormState
from app.state.openings import OpeningsState
from app.state.today import TodayState
from app.state.visit_form import VisitFormState

if TYPE_CHECKING:
    from app.views.shell import Screen, Shell


def root_screen(shell: Shell, name: str) -> Screen:
    from app.views.employers import EmployersView
    from app.views.job_seekers import JobSeekersView
    from app.views.openings import OpeningsView
    from app.views.today import TodayView

    service = shell.ctx.service
    if name == "employers":
        return EmployersView(shell, EmployersState(service))
    if name == "job_seekers":
        return JobSeekersView(shell, JobSeekersState(service))
    if name == "openings":
        return OpeningsView(shell, OpeningsState(service, wages=shell.ctx.wages))
    return TodayView(shell, TodayState(service, sync_status=shell.ctx.sync_status))


def log_screen(
    shell: Shell, kind: str, *, employer_id: str | None = None, job_seeker_id: str | None = None
) -> Screen:
    service = shell.ctx.service
    if kind == "visit":
        return form_screen(
            shell, VisitFormState(service, employer_id=employer_id, rules=shell.ctx.check_rules)
        )
    if kind == "opening":
        return form_screen(shell, OpeningFormState(service, employer_id=employer_id, wages=shell.ctx.wages))
    if kind == "check_in":
        return form_screen(shell, CheckInFormState(service, job_seeker_id=job_seeker_id))
    if kind == "employer":
        return form_screen(shell, EmployerFormState(service, geocoder=shell.ctx.geocoder))
    if kind == "job_seeker":
        return form_screen(shell, JobSeekerFormState(service))
    raise ValueError(f"no log screen for {kind!r}")


def form_screen(shell: Shell, state: FormState) -> Screen:
    from app.views.checkin import CheckInView
    from app.views.employers import EmployerFormView
    from app.views.job_seekers import JobSeekerFormView
    from app.views.opening import OpeningView
    from app.views.visit import VisitView

    if isinstance(state, VisitFormState):
        return VisitView(shell, state)
    if isinstance(state, OpeningFormState):
        state.wages = shell.ctx.wages  # an edit opened from a record page
        return OpeningView(shell, state)
    if isinstance(state, CheckInFormState):
        return CheckInView(shell, state)
    if isinstance(state, EmployerFormState):
        state.geocoder = shell.ctx.geocoder
        return EmployerFormView(shell, state)
    if isinstance(state, JobSeekerFormState):
        return JobSeekerFormView(shell, state)
    if isinstance(state, JobStartFormState):
        from app.views.jobs import JobStartView

        return JobStartView(shell, state)
    raise ValueError(f"no view for {type(state).__name__}")


def detail_screen(shell: Shell, kind: str, record_id: str) -> Screen:
    from app.views.detail import DetailView

    return DetailView(
        shell,
        RecordDetailState(
            shell.ctx.service, kind, record_id, rules=shell.ctx.check_rules, wages=shell.ctx.wages
        ),
    )


def nearby_screen(shell: Shell) -> Screen:
    from app.state.nearby import NearbyState
    from app.views.nearby import NearbyView

    return NearbyView(shell, NearbyState(shell.ctx.service, geocoder=shell.ctx.geocoder))


def connect_screen(shell: Shell) -> Screen:
    from app.state.connect import ConnectState
    from app.views.connect import ConnectView

    assert shell.ctx.sync is not None
    return ConnectView(shell, ConnectState(shell.ctx.sync))
