"""The openings list on the phone: every job opening, newest first, filtered as the person types."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.labels import label
from app.domain.records import JobOpening
from app.domain.rules import WageRules
from app.domain.search import matches
from app.records import RecordService

# Hired and closed openings go after the ones still being worked on.
FINISHED = ("hired", "closed")


@dataclass(frozen=True)
class OpeningRow:
    id: str
    title: str
    detail: str  # employer · status · wage
    status: str


class OpeningsState:
    def __init__(self, service: RecordService, *, wages: WageRules | None = None) -> None:
        self.service = service
        self.wages = wages or WageRules()
        self.query = ""
        self.rows: list[OpeningRow] = []
        self.total = 0
        self.refresh()

    def set_query(self, query: str) -> None:
        self.query = query
        self.refresh()

    def refresh(self) -> None:
        employers = self.service.employers_by_id()
        openings = self.service.openings()
        self.total = len(openings)
        openings.sort(key=_newest_first)
        openings.sort(key=lambda opening: opening.status.value in FINISHED)  # stable: keeps newest first
        searching = bool(self.query.strip())  # folding every name for an empty query is wasted
        rows = []
        for opening in openings:
            employer = employers.get(opening.employer_id)
            employer_name = employer.name if employer is not None else "Unknown employer"
            status = label(opening.status)
            if searching and not matches(self.query, opening.title, employer_name, status):
                continue
            detail = " · ".join(part for part in (employer_name, status, _wage(opening, self.wages)) if part)
            rows.append(OpeningRow(opening.id, opening.title or "Job opening", detail, opening.status.value))
        self.rows = rows

    @property
    def empty_text(self) -> str:
        if self.total == 0:
            return "No job openings yet. Tap Log, then Job opening, when you find one."
        return f"No opening matches “{self.query.strip()}”."


def _newest_first(opening: JobOpening) -> float:
    at = opening.updated_at or opening.created_at
    return -at.timestamp() if at is not None else 0.0


def _wage(opening: JobOpening, wages: WageRules) -> str:
    if opening.wage is None:
        return ""
    return f"{wages.money(opening.wage)} {label(opening.wage_unit)}"
