"""Team administration for supervisors and admins: enrollment codes, devices, users."""

from __future__ import annotations

from fastapi import APIRouter, status

from server.api.deps import ClockDep, CurrentAdmin, CurrentSupervisor, DbDep, NewIdDep, SettingsDep
from server.api.openapi import errors
from server.api.schemas import DeviceOut, EnrollmentCodeBody, EnrollmentCodeOut, NewUserBody, NewUserOut
from server.services import accounts, team_admin

router = APIRouter(tags=["team"])


@router.post(
    "/enrollment-codes",
    response_model=EnrollmentCodeOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 404, 422),
)
def issue_code(
    body: EnrollmentCodeBody,
    db: DbDep,
    clock: ClockDep,
    new_id: NewIdDep,
    settings: SettingsDep,
    supervisor: CurrentSupervisor,
) -> EnrollmentCodeOut:
    """A one-time code for a member of your team to enroll a phone (shown once, short-lived).
    Supervisors: for the team's specialists and their own phone only (server.services.team_admin)."""
    with db.write() as session:
        user = accounts.find_team_member(session, team_id=supervisor.team_id, username=body.username)
        issued = team_admin.issue_code(
            session,
            actor=supervisor,
            target=user,
            clock=clock,
            secret=settings.secret_key.get_secret_value(),
            minutes=settings.enrollment_code_minutes,
            new_id=new_id,
        )
    return EnrollmentCodeOut(code=issued.code, username=body.username, expires_at=issued.expires_at)


@router.get("/devices", response_model=list[DeviceOut], responses=errors(401, 403))
def list_devices(db: DbDep, supervisor: CurrentSupervisor) -> list[DeviceOut]:
    with db.read() as session:
        rows = accounts.list_devices(session, team_id=supervisor.team_id)
        return [
            DeviceOut(
                device_id=device.id,
                name=device.name,
                username=user.username,
                created_at=device.created_at,
                revoked=device.revoked_at is not None,
            )
            for device, user in rows
        ]


@router.post(
    "/devices/{device_id}/revoke", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403, 404)
)
def revoke_device(device_id: str, db: DbDep, clock: ClockDep, supervisor: CurrentSupervisor) -> None:
    """Revoke a lost or replaced phone: its token gets 401 from the next request on."""
    with db.write() as session:
        accounts.revoke_device(
            session,
            device_id=device_id,
            clock=clock,
            team_id=supervisor.team_id,
            actor_user_id=supervisor.user_id,
        )


@router.post(
    "/users",
    response_model=NewUserOut,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 409, 422),
)
def create_user(
    body: NewUserBody, db: DbDep, clock: ClockDep, new_id: NewIdDep, admin: CurrentAdmin
) -> NewUserOut:
    """Add a user to your team (admins only)."""
    with db.write() as session:
        user_id = accounts.create_user(
            session,
            team_id=admin.team_id,
            username=body.username,
            display_name=body.display_name,
            role=accounts.Role(body.role),
            password=body.password,
            clock=clock,
            actor_user_id=admin.user_id,
            new_id=new_id,
        )
    return NewUserOut(user_id=user_id)
