"""What every entry form shares: raw values as typed, per-field errors, and one save path.

A form keeps exactly what the specialist typed (text stays text until save), so a bad date or a
refused save loses nothing. `on_save` parses, then hands the record to `RecordService.save`;
parse errors, validation errors and the disclosure guard all come back as state the view shows.

The whole form is checked at once: a date that cannot be read is left empty in the record that is
then validated, so "Employer is required" shows beside the employer in the same round as the date's
own error (which wins over "required" for its field), never only after the date is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from app.domain.errors import DisclosureRefused, ValidationError
from app.domain.records import Employer, Record
from app.records import RecordService
from app.state.picker import MATCHES, RecordPick
from app.state.picker import RECENT_CHOICES as RECENT_CHOICES  # the visit form's job-seeker chips
from app.store import StoredRecord, StoreError, StoreFull

# While a form checks itself whole, parse errors are collected here instead of stopping `build()`:
# every form's build() keeps calling `parse.check()`, and none needs to change to join in.
_COLLECTING: ContextVar[dict[str, str] | None] = ContextVar("form_parse_errors", default=None)

EMPLOYER_MATCHES = MATCHES  # what the employer search shows at most (app.state.picker)
DATE_HINT = "YYYY-MM-DD"
TIME_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class SaveResult:
    saved: StoredRecord | None = None
    errors: dict[str, str] = field(default_factory=dict)
    disclosure_message: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.saved is not None


DISCLOSURE_REASON_NEEDED = "Give a reason, or remove them from this record"


class FieldErrors(Exception):
    """Raised while parsing a form: field name → message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class FormState:
    """Base for entry forms. Subclasses define `build()` returning the record to save."""

    title = "Record"
    noun = "Record"  # what the save message names: "Visit saved on this phone."

    def __init__(self, service: RecordService, *, base: Record | None = None) -> None:
        self.service = service
        self.base = base
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.disclosure_message: str | None = None
        self.message: str | None = None
        self.saved: StoredRecord | None = None

    @property
    def editing(self) -> bool:
        return self.base is not None

    @property
    def reason_needed(self) -> bool:
        return self.disclosure_message is not None

    def value(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str:
        value = self.values.get(name)
        return "" if value is None else str(value)

    def set_field(self, name: str, value: Any) -> None:
        self.values[name] = value
        self.errors.pop(name, None)
        if name == "disclosure_reason" and str(value).strip():
            self.errors.pop("disclosure_reason", None)

    # -- dates from the pickers and the quick buttons ---------------------------------------------
    # A picked date or time becomes the same text a person would type, through set_field, so it is
    # read and checked at save exactly like typed text (typing stays the fallback).

    def today(self) -> date:
        return self.service.clock.now().date()

    def set_date(self, name: str, picked: date | datetime) -> None:
        """A date field's value from the date picker."""
        self.set_field(name, picked_date(picked).isoformat())

    def set_days_from_today(self, name: str, days: int) -> None:
        """A quick button: today, tomorrow, in 1 week..."""
        self.set_field(name, days_from(self.today(), days))

    def set_date_part(self, name: str, picked: date | datetime) -> None:
        """A date-and-time field's date from the date picker; the time typed so far is kept."""
        kept = self.typed_time(name) or self.service.clock.now().time()
        self.set_field(name, f"{picked_date(picked).isoformat()} {kept:%H:%M}")

    def set_time_part(self, name: str, picked: time) -> None:
        """A date-and-time field's time from the time picker; the date typed so far is kept."""
        kept = self.typed_date(name) or self.today()
        self.set_field(name, f"{kept.isoformat()} {picked:%H:%M}")

    def typed_date(self, name: str) -> date | None:
        """The date in a date or date-and-time field as typed, if it can be read (the picker opens
        on it); None otherwise."""
        text = self.text(name).strip()
        try:
            return datetime.fromisoformat(text).date() if len(text) > 10 else date.fromisoformat(text)
        except ValueError:
            return None

    def typed_time(self, name: str) -> time | None:
        try:
            return datetime.fromisoformat(self.text(name).strip()).time().replace(second=0, microsecond=0)
        except ValueError:
            return None

    @property
    def saved_message(self) -> str:
        return f"{self.noun} saved on this phone."

    def build(self) -> Record:
        raise NotImplementedError

    def before_save(self) -> None:
        """Runs once the whole form is checked, just before its record is saved (what the record
        needs saved first: a new employer held until the save)."""

    def build_checked(self) -> tuple[Record, dict[str, str]]:
        """The record as typed (unreadable values left empty) and every error of the whole form:
        parse errors first for their field, then the domain's validation, then the disclosure guard."""
        parse_errors: dict[str, str] = {}
        token = _COLLECTING.set(parse_errors)
        try:
            record = self.build()
        finally:
            _COLLECTING.reset(token)
        problems = self.service.problems(record)
        errors = {_form_field(name): message for name, message in problems.errors.items()}
        errors.update(parse_errors)
        if problems.disclosure is not None and errors:
            # Alone, the refusal comes from save() with its own message; with others, it joins them.
            self.disclosure_message = str(problems.disclosure)
            errors.setdefault("disclosure_reason", DISCLOSURE_REASON_NEEDED)
        return record, errors

    def on_save(self) -> SaveResult:
        self.errors = {}
        self.message = None
        try:
            record, errors = self.build_checked()
            if errors:
                raise FieldErrors(errors)
            self.before_save()
            self.saved = self.service.save(record)  # checks again: the one path every save takes
        except FieldErrors as exc:
            self.errors = dict(exc.errors)
        except ValidationError as exc:
            self.errors = {_form_field(name): message for name, message in exc.errors.items()}
        except DisclosureRefused as exc:
            self.disclosure_message = str(exc)
            self.message = f"Not saved. {exc}"
            self.errors["disclosure_reason"] = DISCLOSURE_REASON_NEEDED
        except StoreFull as exc:
            self.message = f"Not saved. {exc}."  # nothing saved before is affected
        except StoreError as exc:
            self.message = f"Not saved: this phone's storage failed ({exc}). Try again."
        if self.saved is None:
            if self.errors and self.message is None:
                self.message = "Check the fields marked in red."
            return SaveResult(
                errors=dict(self.errors), disclosure_message=self.disclosure_message, message=self.message
            )
        self.message = self.saved_message
        return SaveResult(saved=self.saved, message=self.message)


def _form_field(name: str) -> str:
    """Nested validation keys (geotag.latitude) belong to their top-level field on the form."""
    return name.split(".", 1)[0]


# -- parsing what was typed ----------------------------------------------------------------------


class Parser:
    """Collects every parse error of a form before giving up, so all fields are marked at once."""

    def __init__(self, tz: tzinfo | None) -> None:
        self.tz = tz
        self.errors: dict[str, str] = {}

    def check(self) -> None:
        collecting = _COLLECTING.get()
        if collecting is not None:
            collecting.update(self.errors)  # the form goes on to validate the rest
        elif self.errors:
            raise FieldErrors(self.errors)

    def date(self, name: str, text: str) -> date | None:
        text = text.strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors[name] = f"Use a date like 2026-05-04 ({DATE_HINT})"
            return None

    def datetime(self, name: str, text: str) -> datetime | None:
        text = text.strip()
        if not text:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            self.errors[name] = "Use a date and time like 2026-05-04 09:30"
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=self.tz)

    def number(self, name: str, text: str) -> float | None:
        text = text.strip().replace(",", "").lstrip("£$€")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            self.errors[name] = "Enter a number, like 11.50"
            return None


def format_time(value: datetime | None, tz: tzinfo | None = None) -> str:
    if value is None:
        return ""
    return (value.astimezone(tz) if tz is not None else value).strftime(TIME_FORMAT)


def format_date(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def picked_date(value: date | datetime) -> date:
    """The calendar day a date picker answered. A naive datetime is that day; an aware one is the
    picker's local midnight sent in UTC (23:00 the day before in London in summer), so it is taken
    to the nearest midnight, which is the day picked for any offset within 12 hours of UTC."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        return value.date()
    return (value + timedelta(hours=12)).date()


def days_from(today: date, days: int) -> str:
    return (today + timedelta(days=days)).isoformat()


def split_list(text: str) -> list[str]:
    """Comma- or line-separated text as a clean list."""
    parts = text.replace("\n", ",").split(",")
    return [part.strip() for part in parts if part.strip()]


class EmployerPicking(FormState):
    """A form whose employer is picked from the few most recent ones, or found by typing part of
    its name or address (app.state.picker): the form never lists every employer (a team's directory
    holds thousands), only the few that match. `employers` is the directory, most recently used first."""

    employers: list[Employer]
    # "New employer" (forms that may name one not yet in the directory): its name, typed or taken
    # from the search, and why it was not added.
    adding_employer = False
    new_employer_name = ""
    new_employer_error: str | None = None
    # True: a new employer is held, chosen but unsaved, and saved with the form's record (just
    # before it), so leaving the form unsaved adds none. False: saved at once, on Add.
    hold_new_employer = False
    held_employer: Employer | None = None
    _employer_pick: RecordPick[Employer] | None = None

    @property
    def employer_pick(self) -> RecordPick[Employer]:
        """The picker the view draws (app.views.picker); a pick goes through `pick_employer`."""
        if self._employer_pick is None:
            self._employer_pick = RecordPick(
                self,
                "employer_id",
                records=lambda: self.employers,
                keys=self.service.employer_search_keys,
                by_id=self._known_employers,
                label=lambda employer: employer.name,
                pick=lambda employer_id: self.pick_employer(employer_id),
            )
        return self._employer_pick

    @property
    def employer_query(self) -> str:  # typed into the employer search
        return self.employer_pick.query

    @employer_query.setter
    def employer_query(self, query: str) -> None:
        self.employer_pick.query = query

    def _known_employers(self) -> dict[str, Employer]:
        known = self.service.employers_by_id()
        if self.held_employer is not None:
            known[self.held_employer.id] = self.held_employer
        return known

    def pick_employer(self, employer_id: str) -> None:
        self.set_field("employer_id", employer_id)

    @property
    def recent_employers(self) -> list[Employer]:
        return self.employer_pick.recent()

    @property
    def employer_choices(self) -> list[Employer]:
        """The chips: the most recent few, and the chosen one when it is not among them."""
        return self.employer_pick.choices()

    def selected_employer(self) -> Employer | None:
        return self.employer_pick.selected()

    def set_employer_query(self, query: str) -> None:
        self.employer_pick.set_query(query)

    def employer_matches(self) -> list[Employer]:
        """At most EMPLOYER_MATCHES employers holding every typed word in their name or address
        (case and accents aside), those whose name starts with what was typed first, each group
        most recently used first. Nothing for an empty query: the recent chips are shown."""
        return self.employer_pick.found()

    def start_adding_employer(self) -> None:
        """ "New employer" tapped: what was searched for is the new one's name."""
        self.adding_employer = True
        query = self.employer_query.strip()
        if query and not self.new_employer_name:
            self.new_employer_name = query

    def reload_employers(self) -> None:
        self.employers = self.service.recent_employers()

    def add_employer(self, name: str | None = None) -> Employer | None:
        """The quick path: a new employer met in the street, chosen in one tap; saved at once, or
        held until the form's save (`hold_new_employer`)."""
        name = (name if name is not None else self.new_employer_name).strip()
        self.new_employer_error = None
        if not name:
            self.new_employer_error = "Type the business name"
            return None
        if self.hold_new_employer:
            employer = Employer(id=self.service.new_id(), name=name)
            errors = self.service.problems(employer).errors
            if errors:
                self.new_employer_error = next(iter(errors.values()))
                return None
            self.held_employer = employer
        else:
            try:
                stored = self.service.save(Employer(name=name))
            except ValidationError as exc:
                self.new_employer_error = next(iter(exc.errors.values()))
                return None
            loaded = self.service.load("employer", stored.data["id"])
            assert isinstance(loaded, Employer)
            employer = loaded
        self.new_employer_name = ""
        self.adding_employer = False
        self.employer_query = ""
        self.reload_employers()
        self.pick_employer(employer.id)
        return employer

    def held_employer_chosen(self) -> bool:
        held = self.held_employer
        return held is not None and self.text("employer_id") == held.id

    def before_save(self) -> None:
        """The held new employer, when it is still the one chosen, is saved just before the record
        naming it: both are checked first, so a refused record adds no employer. (Two writes: if
        the phone's storage fails between them the employer stays, chosen, and Save again saves
        the record.)"""
        if self.held_employer is None or not self.held_employer_chosen():
            return
        self.service.save(self.held_employer)
        self.held_employer = None
        self.reload_employers()


class EmployerChoice(EmployerPicking):
    """The employer picker outside an entry form (Nearby's and Matches' "near an employer"): the
    same recent chips and search over `employers` (most recently used first), never a list of them
    all; a pick goes to `on_pick`."""

    def __init__(
        self, service: RecordService, employers: list[Employer], on_pick: Callable[[str], None]
    ) -> None:
        super().__init__(service)
        self.employers = employers
        self.on_pick = on_pick
        self.values = {"employer_id": ""}

    def pick_employer(self, employer_id: str) -> None:
        self.set_field("employer_id", employer_id)
        self.on_pick(employer_id)


def placed_employers(service: RecordService) -> list[Employer]:
    """The employers with a map location, most recently used first: those distances can start from."""
    return [e for e in service.recent_employers() if e.latitude is not None and e.longitude is not None]
