"""The device's credentials (server URL and device token) and where they are kept.

A token is a password: it is written only to a file only its owner can read (0600, replaced
atomically, never half-written), or to the phone's secure storage (app.secure_credentials). It is
never logged: `Credentials.__repr__` hides it.

`enroll` turns a supervisor's one-time code into credentials, and its failures into sentences a
specialist can act on (`EnrollmentFailed.message`).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sync.errors import Offline, ProtocolFault, SyncError, Unauthorized
from sync.protocol import EnrollResponse

BAD_CODE = "This code is unknown, used or expired — ask your supervisor for a new one"
UNREACHABLE = "Can't reach the server — check the address and your connection"
BAD_ADDRESS = "That server address doesn't look right — it starts with https://"
NO_CODE = "Type the code your supervisor gave you"


@dataclass(frozen=True)
class Credentials:
    server_url: str
    token: str = field(repr=False)
    device_id: str
    user_name: str
    team_name: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Credentials:
        raw: Any = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("credentials are not a JSON object")
        return cls(**{name: str(raw[name]) for name in cls.__dataclass_fields__})


class CredentialStore(Protocol):
    def load(self) -> Credentials | None: ...
    def save(self, credentials: Credentials) -> None: ...
    def clear(self) -> None: ...


class MemoryCredentialStore:
    """For tests and previews: nothing touches the disk."""

    def __init__(self, credentials: Credentials | None = None) -> None:
        self.credentials = credentials

    def load(self) -> Credentials | None:
        return self.credentials

    def save(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def clear(self) -> None:
        self.credentials = None


class FileCredentialStore:
    """A JSON file readable by its owner only; written to a 0600 temp file, fsynced, then renamed."""

    MODE = 0o600

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> Credentials | None:
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
        except FileNotFoundError:
            return None
        if mode & 0o077:
            os.chmod(self.path, self.MODE)  # someone loosened it: close it again before reading
        try:
            return Credentials.from_json(self.path.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError):
            return None  # unreadable credentials are no credentials: the phone enrolls again

    def save(self, credentials: Credentials) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.tmp")
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()  # a leftover from a crash may have any mode: never reuse it
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, self.MODE)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(credentials.to_json())
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
        _fsync_dir(self.path.parent)

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        _fsync_dir(self.path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class EnrollmentFailed(SyncError):
    """Enrollment did not work; `message` says what the specialist can do about it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EnrollApi(Protocol):
    def enroll(self, code: str, *, device_name: str) -> EnrollResponse: ...
    def close(self) -> None: ...


def request_credentials(
    server_url: str, code: str, *, device_name: str, make_client: Callable[[str], EnrollApi]
) -> Credentials:
    """Exchange a one-time code for credentials (nothing is saved). Raises EnrollmentFailed."""
    url = normalise_url(server_url)
    code = code.strip()
    if not code:
        raise EnrollmentFailed(NO_CODE)
    try:
        client = make_client(url)
    except ValueError as exc:  # httpx.InvalidURL is a ValueError
        raise EnrollmentFailed(BAD_ADDRESS) from exc
    try:
        answer = client.enroll(code, device_name=device_name)
    except Unauthorized as exc:
        raise EnrollmentFailed(BAD_CODE) from exc
    except ProtocolFault as exc:
        raise EnrollmentFailed(BAD_CODE if exc.status in (400, 403, 404, 410, 422) else UNREACHABLE) from exc
    except Offline as exc:
        raise EnrollmentFailed(UNREACHABLE) from exc
    except ValueError as exc:
        raise EnrollmentFailed(BAD_ADDRESS) from exc
    finally:
        client.close()
    return Credentials(
        server_url=url,
        token=answer.token,
        device_id=answer.device_id,
        user_name=answer.user_name,
        team_name=answer.team_name,
    )


def enroll(
    server_url: str,
    code: str,
    *,
    device_name: str,
    store: CredentialStore,
    make_client: Callable[[str], EnrollApi],
) -> Credentials:
    """Enroll this device and keep its credentials; raises EnrollmentFailed with a message for people."""
    credentials = request_credentials(server_url, code, device_name=device_name, make_client=make_client)
    store.save(credentials)
    return credentials


def normalise_url(server_url: str) -> str:
    url = server_url.strip().rstrip("/")
    if not url:
        raise EnrollmentFailed(BAD_ADDRESS)
    if "://" not in url:
        url = f"https://{url}"
    if not url.startswith(("http://", "https://")):
        raise EnrollmentFailed(BAD_ADDRESS)
    return url
