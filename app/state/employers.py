"""The employers list, and the form to add or edit an employer (with optional geocoding)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from app.domain.identity import employer_name_key
from app.domain.records import Employer
from app.domain.search import matches
from app.geo import Geocoder, geocode_address
from app.records import RecordService
from app.state.forms import FormState, Parser, days_from, format_date, split_list


@dataclass(frozen=True)
class EmployerRow:
    id: str
    name: str
    detail: str
    last_visit: datetime | None
    visits: int


class EmployersState:
    def __init__(self, service: RecordService) -> None:
        self.service = service
        self.query = ""
        self.rows: list[EmployerRow] = []
        self.refresh()

    def set_query(self, query: str) -> None:
        self.query = query
        self.refresh()

    def refresh(self) -> None:
        stats = self.service.employer_visit_stats()  # one pass over the visits, kept until a change
        searching = bool(self.query.strip())  # folding every name for an empty query is wasted
        rows = []
        for employer in self.service.recent_employers():
            if searching and not matches(self.query, employer.name, employer.sector, employer.address):
                continue
            count, last = stats.get(employer.id, (0, None))
            when = f"last visit {last:%-d %b}" if last else "not visited yet"
            detail = " · ".join(part for part in (employer.sector, when) if part)
            rows.append(EmployerRow(employer.id, employer.name, detail, last, count))
        self.rows = rows


class EmployerFormState(FormState):
    title = "Add employer"
    noun = "Employer"

    def __init__(
        self, service: RecordService, *, base: Employer | None = None, geocoder: Geocoder | None = None
    ) -> None:
        super().__init__(service, base=base)
        self.geocoder = geocoder
        source = base or Employer()
        if base is not None:
            self.title = "Edit employer"
        self.values = {
            "name": source.name,
            "sector": source.sector,
            "address": source.address,
            "latitude": "" if source.latitude is None else f"{source.latitude:.6f}",
            "longitude": "" if source.longitude is None else f"{source.longitude:.6f}",
            "contacts": ", ".join(source.contacts),
            "hiring_needs": source.hiring_needs,
            "notes": source.notes,
            "next_step": source.next_step,
            "next_step_on": format_date(source.next_step_on),
        }
        self.geocoded_address = source.geocoded_address

    @property
    def near_match(self) -> Employer | None:
        """Another employer whose name nearly matches the one typed (case, accents, punctuation
        and "Ltd"/"&" ignored: app.domain.identity), flagged before the save; None when none does."""
        same = self.service.employers_by_name_key().get(employer_name_key(self.text("name")), [])
        return next((e for e in same if self.base is None or e.id != self.base.id), None)

    @property
    def near_match_message(self) -> str:
        found = self.near_match
        return f"{found.name} already exists — use the existing one" if found is not None else ""

    def use_existing(self) -> str | None:
        """The "Use the existing one" button: the id of the employer to open instead of a new one."""
        found = self.near_match
        return found.id if found is not None else None

    @property
    def can_geocode(self) -> bool:
        return self.geocoder is not None

    def locate_address(self) -> bool:
        """Fill latitude/longitude from the address; offline or unknown leaves them as they were."""
        if self.geocoder is None:
            self.errors["address"] = "Finding addresses needs a connection; you can save without it"
            return False
        point = geocode_address(self.text("address"), self.geocoder)
        if point is None:
            self.errors["address"] = "Could not find this address (offline?). You can save without it"
            return False
        self.values["latitude"], self.values["longitude"] = (f"{point[0]:.6f}", f"{point[1]:.6f}")
        self.geocoded_address = self.text("address").strip()
        self.errors.pop("address", None)
        return True

    def set_next_step_in(self, days: int) -> None:
        self.set_field("next_step_on", days_from(self.service.clock.now().date(), days))

    def build(self) -> Employer:
        parse = Parser(None)
        latitude = parse.number("latitude", self.text("latitude"))
        longitude = parse.number("longitude", self.text("longitude"))
        next_step_on = parse.date("next_step_on", self.text("next_step_on"))
        parse.check()
        address = self.text("address").strip()
        geocoded = self.geocoded_address
        if geocoded and geocoded != address:
            # The point was found for the old address: drop it, so the geocoding queue finds the
            # new one when online (a wrong pin is worse than none for the visit-location check).
            latitude = longitude = None
            geocoded = ""
        fields: dict[str, Any] = {
            "name": self.text("name").strip(),
            "sector": self.text("sector").strip(),
            "address": address,
            "latitude": latitude,
            "longitude": longitude,
            "geocoded_address": geocoded if latitude is not None else "",
            "contacts": split_list(self.text("contacts")),
            "hiring_needs": self.text("hiring_needs").strip(),
            "notes": self.text("notes").strip(),
            "next_step": self.text("next_step").strip(),
            "next_step_on": next_step_on,
        }
        if isinstance(self.base, Employer):
            return replace(self.base, **fields)
        return Employer(**fields)
