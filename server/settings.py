"""Server settings, read from the environment only in the composition roots (cli, tests, bench).

`DATABASE_URL` (or `FIELDWORK_DATABASE_URL`) picks the database: the embedded default is a SQLite
file under `var/`; production is PostgreSQL (`postgresql://...` is mapped to the psycopg 3 driver).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.rules import DEFAULT_MINIMUM_WAGE

DEFAULT_DATABASE_URL = "sqlite:///var/fieldwork.db"
INSECURE_DEV_KEY = "fieldwork-dev-only-change-me"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class UnsafeSettings(Exception):
    """Settings that must not serve: the server refuses to start and says which one to change."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIELDWORK_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "FIELDWORK_DATABASE_URL"),
    )
    # Keys the HMAC of enrollment codes: they are short, so a plain hash would be brute-forced offline.
    secret_key: SecretStr = SecretStr(INSECURE_DEV_KEY)
    minimum_wage: float = DEFAULT_MINIMUM_WAGE  # per hour; "competitive" work is derived against it
    enrollment_code_minutes: int = 15
    session_hours: int = 12
    # None: Secure cookies, except on the embedded SQLite default reached on a loopback address
    # (plain http://127.0.0.1 during development); true or false forces it either way.
    cookie_secure: bool | None = None
    # None: /docs (Swagger UI, whose scripts come from a CDN at a pinned version) is served on the
    # embedded SQLite default only; true or false forces it either way.
    docs: bool | None = None
    # Origins (scheme://host[:port], comma-separated) whose pages may send state-changing requests,
    # for a proxy that does not pass the public Host on; empty: the request's own Host only.
    allowed_origins: str = ""
    max_body_bytes: int = 8 * 1024 * 1024  # after gzip decompression, too
    pull_page_default: int = 500
    pull_page_max: int = 1000
    # Fidelity weeks run Monday 00:00 to Monday 00:00 in the team's own zone (IANA name).
    review_time_zone: str = "Europe/London"
    # Failed sign-ins allowed per username and per address, and failed enrollments per address, in
    # each window (counted in the database, so across every server instance); then 429.
    sign_in_attempts: int = 10
    sign_in_window_seconds: int = 300
    enrollment_attempts: int = 10
    enrollment_window_seconds: int = 900
    # A tile URL template for the supervisor map; empty means no tiles are fetched (points still show).
    map_tile_url: str = ""
    # The visit-location check: flag a visit whose GPS fix is farther than this from its employer,
    # or whose fix is rougher than the accuracy limit (both in metres).
    visit_distance_m: float = 500.0
    visit_accuracy_m: float = 100.0
    # The photos a team may keep on the server, in bytes (each photo counts at its declared size,
    # from its declaration); a photo past it is refused with 413 photo_storage_full and stays on
    # the phone. 0: no cap.
    photo_storage_per_team_bytes: int = Field(default=2 * 1024 * 1024 * 1024, ge=0)
    # A photo upload unfinished and sent no chunk for this many days (counted from its last chunk,
    # or its declaration before any) is abandoned: it stops counting toward the cap and its partial
    # bytes are deleted (its phone still has the photo and declares it again).
    photo_upload_abandoned_days: int = Field(default=7, ge=1)

    @field_validator("database_url")
    @classmethod
    def _psycopg_driver(cls, value: str) -> str:
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def docs_enabled(self) -> bool:
        return self.is_sqlite if self.docs is None else self.docs

    def secure_cookies(self, local_host: str | None) -> bool:
        """Whether cookies get the Secure flag on a connection accepted at `local_host` (the
        server's own address for it: ASGI scope["server"])."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return not (self.is_sqlite and local_host in LOOPBACK_HOSTS)

    def trusted_origins(self) -> frozenset[str]:
        return frozenset(o.strip().rstrip("/").lower() for o in self.allowed_origins.split(",") if o.strip())

    def check_safe_to_serve(self) -> None:
        """Refuse what would be unsafe in production: PostgreSQL with the development secret key
        (anyone who has read this repository could forge enrollment codes' HMACs and CSRF tokens)."""
        if not self.is_sqlite and self.secret_key.get_secret_value() == INSECURE_DEV_KEY:
            raise UnsafeSettings(
                "FIELDWORK_SECRET_KEY is the development default, which must not be used with "
                "PostgreSQL: set FIELDWORK_SECRET_KEY to a long random value (for example the output "
                "of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )


def local_host(scope: Mapping[str, Any]) -> str | None:
    """The server's own address for this connection (ASGI scope["server"]), if the server gave one."""
    server = scope.get("server")
    return str(server[0]) if server else None
