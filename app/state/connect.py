"""Connect to your team: a server address and the one-time code a supervisor gives.

The team page shows the code as text and as a QR code holding a link,
`fieldwork://enroll?server=https%3A%2F%2Fteam.example.org&code=ABCD2345`. Either field takes the
typed code, or that link pasted (from the camera app that scanned it, or a message): the link
fills in both the server and the code. `read_enrollment` is the pure parsing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from app.device_sync import DeviceSync
from sync.credentials import Credentials, EnrollmentFailed

LINK_SCHEME = "fieldwork"


@dataclass(frozen=True)
class EnrollmentInput:
    """What a pasted or typed text says: a link gives a code and usually the server."""

    code: str
    server_url: str | None = None
    is_link: bool = False


def read_enrollment(text: str) -> EnrollmentInput:
    """A typed code as typed (the server normalises spaces, dashes and case), or the code and
    server of an enrollment link found anywhere in `text` (camera apps add words around it).
    A link's server is taken only when it is an http(s) address with a host."""
    stripped = text.strip()
    start = stripped.lower().find(f"{LINK_SCHEME}://")
    if start < 0:
        return EnrollmentInput(code=stripped)
    link = stripped[start:].split()[0]
    parts = urlsplit(link)
    if parts.netloc.lower() != "enroll":
        return EnrollmentInput(code=stripped)
    # Keys and the server's scheme and host are read in any case: a code field that capitalises
    # what it is given (as the phone's does, for typed codes) turns a pasted link to capitals.
    query = {key.lower(): values for key, values in parse_qs(parts.query).items()}
    code = (query.get("code") or [""])[0].strip()
    target = urlsplit((query.get("server") or [""])[0].strip())
    target = target._replace(scheme=target.scheme.lower(), netloc=target.netloc.lower())
    usable = target.scheme in ("http", "https") and bool(target.hostname) and not target.username
    return EnrollmentInput(
        code=code, server_url=target.geturl().rstrip("/") if usable else None, is_link=True
    )


def server_address(typed: str) -> str:
    """A typed address as a URL. A scheme typed is kept; without one, http for this computer and
    private networks (`make run`, a server in the office, which rarely has a certificate) and https
    for everything else."""
    text = typed.strip().rstrip("/")
    if not text or "://" in text:
        return text
    try:
        host = urlsplit(f"//{text}").hostname or ""
    except ValueError:  # an unbalanced [ in what was typed: the enrollment says the address is wrong
        return f"https://{text}"
    return f"{'http' if _on_this_network(host) else 'https'}://{text}"


def _on_this_network(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


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
        self.assumed_url: str | None = None  # the full address used for one typed without a scheme

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

    def take_pasted(self, text: str) -> bool:
        """A field's new text: an enrollment link fills both fields (True: the view shows them)."""
        found = read_enrollment(text)
        if not found.is_link:
            return False
        self.code = found.code
        if found.server_url:
            self.server_url = found.server_url
        return True

    async def connect(self) -> bool:
        """Enroll; on failure `error` says what to do. Nothing typed is cleared on failure."""
        for text in (self.code, self.server_url):  # a link pasted into either field, not yet read
            self.take_pasted(text)
        url = server_address(self.server_url)
        self.assumed_url = url if url != self.server_url.strip().rstrip("/") else None
        self.server_url = url  # the field shows what was used
        self.error, self.busy = None, True
        try:
            self.connected = await self.sync.connect(url, self.code)
        except EnrollmentFailed as exc:
            self.error = f"{exc.message} (tried {url})" if self.assumed_url else exc.message
            return False
        finally:
            self.busy = False
        self.code = ""
        return True

    @property
    def success_message(self) -> str:
        c = self.connected
        if c is None:
            return ""
        at = f" at {self.assumed_url}" if self.assumed_url else ""
        return f"Connected to {c.team_name} as {c.user_name}{at}. Syncing now."
