"""Connect to your team: a server address and the one-time code a supervisor gives."""

from __future__ import annotations

from app.device_sync import DeviceSync
from sync.credentials import Credentials, EnrollmentFailed


class ConnectState:
    title = "Connect to your team"

    def __init__(self, sync: DeviceSync) -> None:
        self.sync = sync
        saved = sync.credentials
        self.server_url = saved.server_url if saved else sync.default_server_url
        self.code = ""
        self.error: str | None = None
        self.busy = False
        self.connected: Credentials | None = None

    @property
    def intro(self) -> str:
        if self.sync.notice:
            return f"{self.sync.notice} Ask your supervisor for a new code to connect again."
        if self.sync.credentials is not None:
            c = self.sync.credentials
            return f"Connected to {c.team_name} as {c.user_name}. A new code connects this phone again."
        return (
            "Ask your supervisor for a connection code. Your records stay on this phone "
            "and are sent to your team whenever there is signal."
        )

    @property
    def can_connect(self) -> bool:
        return not self.busy

    async def connect(self) -> bool:
        """Enroll; on failure `error` says what to do. Nothing typed is cleared on failure."""
        self.error, self.busy = None, True
        try:
            self.connected = await self.sync.connect(self.server_url, self.code)
        except EnrollmentFailed as exc:
            self.error = exc.message
            return False
        finally:
            self.busy = False
        self.code = ""
        return True

    @property
    def success_message(self) -> str:
        c = self.connected
        return f"Connected to {c.team_name} as {c.user_name}. Syncing now." if c else ""
