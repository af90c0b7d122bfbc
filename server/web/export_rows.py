"""What the activity exports say about each record: real columns for the CSV, properties for GeoJSON.

Everything here came from a phone, so every text cell is treated as hostile to the spreadsheet
that opens it: a cell a spreadsheet would read as a formula is neutralised (`spreadsheet_safe`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.codec import record_from_dict
from app.domain.errors import ValidationError
from app.domain.geometry import Point
from app.domain.jobs import is_competitive_job
from app.domain.records import Job, JobOpening
from app.domain.rules import is_competitive
from app.domain.visit_check import CheckRules
from server.services.activity import ActivityRow
from server.services.visit_checks import check_visit
from server.web.common import KIND_LABELS
from server.web.present import local_time, words

CSV_COLUMNS = (
    "record_id", "kind", "date_local", "specialist", "employer", "job_seeker_codes", "purpose",
    "contact_type", "outcome", "wage", "wage_unit", "competitive", "location_check", "review_state",
    "conflict_flagged",
)  # fmt: skip

WAGE_KINDS = ("job_opening", "job")  # the records with a wage, and so a competitive column

# A cell starting with one of these is a formula, or becomes one, in Excel, LibreOffice or Sheets
# (OWASP "CSV injection"); full-width = + - @ are read as formulas by some locales too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that cannot run as a formula: one that starts (after spaces) like one gets a
    leading apostrophe, which spreadsheets show as text. Numbers stay numbers."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS) or value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class ExportContext:
    """What a row needs beyond itself: names by record id, employer points, rules and the zone."""

    names: dict[str, str]
    points: dict[str, Point]
    rules: CheckRules
    minimum_wage: float
    zone: ZoneInfo


def employer_ids(rows: list[ActivityRow]) -> set[str]:
    return {row.data["employer_id"] for row in rows if isinstance(row.data.get("employer_id"), str)}


def csv_row(row: ActivityRow, context: ExportContext) -> list[Any]:
    data = row.data
    cells = [
        row.record_id,
        KIND_LABELS.get(row.kind, row.kind),
        local_time(row.occurred_at, context.zone),
        row.owner,
        _employer_name(data, context.names),
        "; ".join(_seeker_codes(data, context.names)),
        words(data.get("purpose") if row.kind != "support_check_in" else data.get("with_whom")),
        words(data.get("contact_mode") or data.get("mode")),
        _outcome(row.kind, data),
        data.get("wage") if row.kind in WAGE_KINDS and data.get("wage") is not None else "",
        words(data.get("wage_unit")) if row.kind in WAGE_KINDS else "",
        _competitive(row, context.minimum_wage),
        location_check(row, context),
        row.review_state,
        "yes" if row.flagged else "",
    ]
    return [spreadsheet_safe(cell) for cell in cells]


def geojson_properties(row: ActivityRow, context: ExportContext) -> dict[str, Any]:
    """GeoJSON carries data, not formulas, but GIS tools export it to spreadsheets: the same care."""
    data = row.data
    raw = data.get("geotag")
    geotag: dict[str, Any] = raw if isinstance(raw, dict) else {}
    properties = {
        "record_id": row.record_id,
        "type": row.kind,
        "specialist": row.owner,
        "occurred_at": row.occurred_at.isoformat() if row.occurred_at else None,
        "employer": _employer_name(data, context.names) or None,
        "purpose": data.get("purpose"),
        "contact_mode": data.get("contact_mode"),
        "accuracy_m": geotag.get("accuracy_m"),
        "geotag_source": geotag.get("source"),
        "location_check": location_check(row, context),
        "conflict_flagged": row.flagged,
        "review_state": row.review_state,
    }
    return {name: spreadsheet_safe(value) for name, value in properties.items()}


def location_check(row: ActivityRow, context: ExportContext) -> str:
    """For a visit: "ok", "far", "poor accuracy", "far, poor accuracy", or "not checked"."""
    if row.kind != "employer_visit":
        return ""
    check = check_visit(row.data, context.points, rules=context.rules, exact=False)
    if not check.checked:
        return "not checked"
    return ", ".join(words(flag) for flag in check.flags) or "ok"


def _employer_name(data: dict[str, Any], names: dict[str, str]) -> str:
    employer_id = data.get("employer_id")
    return names.get(employer_id, "") if isinstance(employer_id, str) else ""


def _seeker_codes(data: dict[str, Any], names: dict[str, str]) -> list[str]:
    ids = data.get("job_seeker_ids")
    if not isinstance(ids, list):
        single = data.get("job_seeker_id")
        ids = [single] if isinstance(single, str) else []
    return [names.get(item, "?") for item in ids if isinstance(item, str)]


def _outcome(kind: str, data: dict[str, Any]) -> str:
    if kind == "employer_visit":
        return str(data.get("outcome") or "")
    if kind == "job_opening":
        return words(data.get("status"))
    if kind == "job":  # its title, and when and why it ended
        title = str(data.get("title") or "")
        if not data.get("ended_on"):
            return title
        return f"{title}; ended {data.get('ended_on')}, {words(data.get('end_reason'))}"
    topics = data.get("topics")
    return ", ".join(str(topic) for topic in topics) if isinstance(topics, list) else ""


def _competitive(row: ActivityRow, minimum_wage: float) -> str:
    if row.kind not in WAGE_KINDS:
        return ""
    try:
        if row.kind == "job":
            competitive = is_competitive_job(record_from_dict(Job, row.data), minimum_wage=minimum_wage)
        else:
            competitive = is_competitive(record_from_dict(JobOpening, row.data), minimum_wage=minimum_wage)
    except ValidationError:
        return ""  # stored before today's rules: say nothing rather than guess
    return "yes" if competitive else "no"
