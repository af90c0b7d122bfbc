"""Server settings, read from the environment only in the composition roots (cli, tests, bench).

`DATABASE_URL` (or `FIELDWORK_DATABASE_URL`) picks the database: the embedded default is a SQLite
file under `var/`; production is PostgreSQL (`postgresql://...` is mapped to the psycopg 3 driver).
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/fieldwork.db"
INSECURE_DEV_KEY = "fieldwork-dev-only-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIELDWORK_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "FIELDWORK_DATABASE_URL"),
    )
    # Keys the HMAC of enrollment codes: they are short, so a plain hash would be brute-forced offline.
    secret_key: SecretStr = SecretStr(INSECURE_DEV_KEY)
    minimum_wage: float = 12.21  # per hour; "competitive" work is derived against it
    enrollment_code_minutes: int = 15
    session_hours: int = 12
    cookie_secure: bool = False  # set true behind HTTPS
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
