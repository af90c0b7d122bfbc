"""Turning record data into words for the pages: one-line summaries and local times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.services.activity import MINUTE


def local_time(value: datetime | None, zone: ZoneInfo) -> str:
    if not value:
        return ""
    try:
        return value.astimezone(zone).strftime(MINUTE)
    except (OverflowError, ValueError):
        # Year 1 or 9999 moved into the zone leaves datetime's range. Validation now refuses such
        # times, but a row stored before it must not take down every page it appears on.
        return value.isoformat(sep=" ", timespec="minutes")


def local_instant(value: Any, zone: ZoneInfo) -> str | None:
    """An ISO 8601 instant, as records and reviews store them, in local time in `zone`; None for
    anything else (a date, a word). Stored instants carry an offset; one without is UTC."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return local_time(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC), zone)


def words(value: Any) -> str:
    return str(value or "").replace("_", " ")


def _seekers(data: dict[str, Any], names: dict[str, str]) -> str:
    """Job seekers named to the employer, then those the visit was for "on behalf, not disclosed"
    (issue 15: shown to the supervisor as such, never as named)."""
    text = ""
    for field, lead in (
        ("job_seeker_ids", " · for "),
        ("undisclosed_job_seeker_ids", " · on behalf, not disclosed: "),
    ):
        ids = data.get(field)
        if isinstance(ids, list) and ids:
            text += lead + ", ".join(names.get(str(item), "?") for item in ids)
    return text


def describe(kind: str, data: dict[str, Any], names: dict[str, str]) -> str:
    """A one-line summary of a record (names of employers and job seekers looked up in `names`)."""
    if kind == "employer_visit":
        employer = names.get(str(data.get("employer_id")), "unknown employer")
        return f"{employer} · {words(data.get('contact_mode'))} · {words(data.get('purpose'))}" + _seekers(
            data, names
        )
    if kind == "job_opening":
        employer = names.get(str(data.get("employer_id")), "unknown employer")
        return f"{data.get('title') or 'Untitled'} at {employer} · {words(data.get('status'))}"
    if kind == "support_check_in":
        seeker = names.get(str(data.get("job_seeker_id")), "unknown worker")
        return f"{seeker} · with {words(data.get('with_whom'))} · {words(data.get('mode'))}"
    if kind == "job":
        seeker = names.get(str(data.get("job_seeker_id")), "unknown worker")
        employer = names.get(str(data.get("employer_id")), "unknown employer")
        ended = f" · ended {data.get('ended_on')}" if data.get("ended_on") else ""
        return f"{seeker} · {data.get('title') or 'Job'} at {employer} · from {data.get('started_on')}{ended}"
    if kind == "employer_disclosure":
        seeker = names.get(str(data.get("job_seeker_id")), "unknown job seeker")
        employer = names.get(str(data.get("employer_id")), "unknown employer")
        revoked = f" · revoked {data.get('revoked_on')}" if data.get("revoked_on") else ""
        return f"{seeker} · {words(data.get('decision'))} for {employer}{revoked}"
    return str(data.get("name") or data.get("code") or "")
