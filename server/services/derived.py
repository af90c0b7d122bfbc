"""Columns derived from a record's data when it is written, so review pages can filter and sort
with indexes instead of reading JSON: `occurred_at` (when the activity happened, UTC) and
`subject_id` (the employer a visit or opening is about, the job seeker a check-in, job or
employer disclosure is about); and
for the fidelity page (migration 0004) a visit's `face_to_face` flag and `seeker_ids`, the job
seekers it was made for (named or, since migration 0016, not disclosed), so first contacts are
found without parsing JSON. Migration 0005 adds the
point of a record (`latitude`, `longitude`): an employer's geocoded location, a visit's geotag, so
the visit-location check reads employer points as plain columns. Migration 0008 adds what the map
shows of a visit besides its point (`geotag_accuracy_m`, `geotag_source`, `purpose`), so the map
reads visits from an index and never decodes their JSON.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time
from typing import Any

from app.domain.rules import is_face_to_face


def _parse_instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        if "T" in value:
            parsed = datetime.fromisoformat(value)
        else:
            parsed = datetime.combine(date.fromisoformat(value), time(0), tzinfo=UTC)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def occurred_at_of(kind: str, data: dict[str, Any] | None) -> datetime | None:
    """Visits and check-ins: their `occurred_at`; openings: `noted_on`, jobs: `started_on`, employer
    disclosures: `decided_on` (midnight UTC); every record falls back to `created_at`. Tombstones
    have none."""
    if data is None:
        return None
    primary = {
        "employer_visit": "occurred_at",
        "support_check_in": "occurred_at",
        "job_opening": "noted_on",
        "job": "started_on",
        "employer_disclosure": "decided_on",
    }
    field = primary.get(kind)
    found = _parse_instant(data.get(field)) if field else None
    return found or _parse_instant(data.get("created_at"))


def subject_id_of(kind: str, data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    key = {
        "employer_visit": "employer_id",
        "job_opening": "employer_id",
        "support_check_in": "job_seeker_id",
        "job": "job_seeker_id",
        "employer_disclosure": "job_seeker_id",
    }
    field = key.get(kind)
    value = data.get(field) if field else None
    return value[:36] if isinstance(value, str) and value else None


def review_columns(kind: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """The derived columns of a `records` row, filled on every write of the row."""
    return {"occurred_at": occurred_at_of(kind, data), "subject_id": subject_id_of(kind, data)}


def face_to_face_of(kind: str, data: dict[str, Any] | None) -> bool | None:
    """A visit's contact mode is face to face (True) or not (False); None for other records."""
    if kind != "employer_visit" or data is None:
        return None
    return is_face_to_face(data.get("contact_mode"))


def seeker_ids_of(kind: str, data: dict[str, Any] | None) -> str | None:
    """The job seekers a visit was made for, space-separated (ids hold no spaces): those it names
    to the employer (job_seeker_ids), then those it was made for "on behalf of, not disclosed"
    (undisclosed_job_seeker_ids, issue 15; both count toward their first employer contact), each
    once; None when there are none or it is not a visit. Never shown to anyone: the fidelity
    queries read it."""
    if kind != "employer_visit" or data is None:
        return None
    ids: list[str] = []
    for field in ("job_seeker_ids", "undisclosed_job_seeker_ids"):
        raw = data.get(field)
        for item in raw if isinstance(raw, list) else []:
            if isinstance(item, str) and item and " " not in item and item not in ids:
                ids.append(item)
    return " ".join(ids) or None


def metric_columns(kind: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """The derived columns the fidelity page reads (migration 0004), filled on every write."""
    return {"face_to_face": face_to_face_of(kind, data), "seeker_ids": seeker_ids_of(kind, data)}


def point_of(kind: str, data: dict[str, Any] | None) -> tuple[float | None, float | None]:
    """An employer's location or a visit's geotag as (latitude, longitude); (None, None) without one."""
    if data is None:
        return None, None
    source = data.get("geotag") if kind == "employer_visit" else data if kind == "employer" else None
    if not isinstance(source, dict):
        return None, None
    lat, lon = source.get("latitude"), source.get("longitude")
    if isinstance(lat, bool) or isinstance(lon, bool):
        return None, None
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None, None
    return float(lat), float(lon)


def location_columns(kind: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """The derived point columns (migration 0005), filled on every write."""
    latitude, longitude = point_of(kind, data)
    return {"latitude": latitude, "longitude": longitude}


MAP_TEXT = 40  # the width of geotag_source and purpose: enum values, far shorter


def map_columns(kind: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """A visit's geotag accuracy and source and its purpose (migration 0008), filled on every write;
    None for other records, tombstones and missing or malformed values."""
    if kind != "employer_visit" or data is None:
        return {"geotag_accuracy_m": None, "geotag_source": None, "purpose": None}
    raw = data.get("geotag")
    geotag: dict[str, Any] = raw if isinstance(raw, dict) else {}
    accuracy, source, purpose = geotag.get("accuracy_m"), geotag.get("source"), data.get("purpose")
    if isinstance(accuracy, bool) or not isinstance(accuracy, int | float) or not math.isfinite(accuracy):
        accuracy = None
    return {
        "geotag_accuracy_m": None if accuracy is None else float(accuracy),
        "geotag_source": source[:MAP_TEXT] if isinstance(source, str) and source else None,
        "purpose": purpose[:MAP_TEXT] if isinstance(purpose, str) and purpose else None,
    }
