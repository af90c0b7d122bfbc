"""Importing a team's employer spreadsheet (CSV or XLSX) into its shared employer directory.

Rules:
- Every row is parsed and validated on its own, like a record pushed by a phone (app.domain codec
  and validation); a bad row is reported with its line and reason and the good rows still import.
- Two employers are the same when their normalised name and address match (case, punctuation and
  spacing ignored); a row matching an employer already in the team, or an earlier row of the same
  file, is skipped. So re-importing a file changes nothing.
- A new employer's id is derived from the team and that key (uuid5), so even two imports racing
  each other create it once. The employers are written like any change (under the team's change
  lock, with a history row), so every phone of the team pulls them on its next sync.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.domain.codec import record_from_dict, to_dict
from app.domain.errors import ValidationError
from app.domain.records import Employer
from app.domain.validation import validate
from server.db.models import RecordRow, RecordVersion
from server.services.apply import RecordState
from server.services.changes import lock_team_counter, store_team_counter

CHUNK = 500  # rows per transaction: the team lock is held briefly, and progress is real
MAX_ROWS = 50_000
ID_NAMESPACE = uuid.UUID("5b0d9a51-6a43-4a8e-9f8e-2f5b2f7f0c11")  # fixed: ids must be stable

# Spreadsheet headings people use, normalised (lower case, single underscores), to record fields.
HEADINGS = {
    "name": "name",
    "business": "name",
    "business_name": "name",
    "employer": "name",
    "company": "name",
    "sector": "sector",
    "industry": "sector",
    "address": "address",
    "contacts": "contacts",
    "contact": "contacts",
    "contact_people": "contacts",
    "hiring_needs": "hiring_needs",
    "notes": "notes",
    "next_step": "next_step",
    "next_step_due": "next_step_on",
    "next_step_on": "next_step_on",
    "due": "next_step_on",
    "latitude": "latitude",
    "longitude": "longitude",
}
NUMBERS = ("latitude", "longitude")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, unknown type, no name column)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    already_there: int = 0  # matched an employer of the team, or an earlier row of this file
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0


def match_key(name: str, address: str) -> str:
    """Name and address as compared for duplicates: accents, case, punctuation and spacing ignored."""

    def norm(text: str) -> str:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
        plain = re.sub(r"&", " and ", plain)
        return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())

    return f"{norm(name)}|{norm(address)}"


def read_rows(path: Path) -> tuple[int, Iterator[tuple[int, dict[str, str]]]]:
    """(number of data rows, an iterator of (line number, {field: text})) for a .csv or .xlsx."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = _csv_rows(path)
    elif suffix == ".xlsx":
        raw = _xlsx_rows(path)
    else:
        raise ImportFileError(f"{path.name}: use a .csv or .xlsx file")
    rows = list(raw)
    if not rows:
        raise ImportFileError(f"{path.name}: the file is empty")
    (_, heading_cells), data = rows[0], rows[1:]
    headings = [
        HEADINGS.get(re.sub(r"[^a-z0-9]+", "_", cell.strip().casefold()).strip("_")) for cell in heading_cells
    ]
    if "name" not in headings:
        raise ImportFileError(f"{path.name}: no 'name' column (columns: {', '.join(heading_cells)})")
    if len(data) > MAX_ROWS:
        raise ImportFileError(f"{path.name}: more than {MAX_ROWS} rows; split the file")

    def mapped() -> Iterator[tuple[int, dict[str, str]]]:
        for line, cells in data:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines in spreadsheets are common and mean nothing
            values = {h: cells[i].strip() for i, h in enumerate(headings) if h and i < len(cells)}
            yield line, values

    return sum(1 for _, cells in data if any(c.strip() for c in cells)), mapped()


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            for cells in reader:
                yield reader.line_num, cells
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(f"{path.name}: cannot read it as UTF-8 CSV ({exc})") from exc


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        from openpyxl import load_workbook
    except ImportError as exc:  # the server extra installs it
        raise ImportFileError("reading .xlsx needs openpyxl (pip install 'fieldwork[server]')") from exc
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a damaged or foreign file
        raise ImportFileError(f"{path.name}: cannot read it as an XLSX workbook") from exc
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, ["" if cell is None else _cell_text(cell) for cell in cells]
    finally:
        workbook.close()


def _cell_text(cell: Any) -> str:  # Any: openpyxl has no types
    if hasattr(cell, "date") and hasattr(cell, "isoformat"):  # a date or datetime cell
        return str(cell.date().isoformat() if hasattr(cell, "hour") else cell.isoformat())
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def parse_row(values: dict[str, str], *, now: datetime) -> Employer:
    """A row as an employer record; raises ValidationError naming each bad field."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, text in values.items():
        if name in NUMBERS:
            if text:
                try:
                    data[name] = float(text)
                except ValueError:
                    errors[name] = "expected a number"
        elif name == "contacts":
            data[name] = [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
        elif name == "next_step_on":
            data[name] = text or None
        else:
            data[name] = text
    try:
        employer = record_from_dict(Employer, data)
    except ValidationError as exc:
        errors.update(exc.errors)
        raise ValidationError(errors) from None
    errors.update(validate(employer, now=now))
    if errors:
        raise ValidationError(errors)
    return employer


def import_employers(
    session_factory: Callable[[], AbstractContextManager[Session]],
    *,
    team_id: str,
    owner_user_id: str,
    rows: Iterable[tuple[int, dict[str, str]]],
    now: datetime,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import rows in chunks; `session_factory()` is a context manager of one write transaction."""
    report = ImportReport()
    seen: dict[str, int] = {}  # key -> line, for duplicates inside the file
    chunk: list[tuple[int, Employer, str]] = []

    def flush() -> None:
        if chunk:
            with session_factory() as session:
                report.imported += _write_chunk(session, team_id, owner_user_id, chunk, now, report)
            chunk.clear()

    for line, values in rows:
        report.rows += 1
        try:
            employer = parse_row(values, now=now)
        except ValidationError as exc:
            reason = "; ".join(f"{name}: {message}" for name, message in exc.errors.items())
            report.problems.append(RowProblem(line, reason))
        else:
            key = match_key(employer.name, employer.address)
            if key in seen:
                report.already_there += 1
            else:
                seen[key] = line
                chunk.append((line, employer, key))
        if len(chunk) >= CHUNK:
            flush()
        if on_progress is not None:
            on_progress(report.rows)
    flush()
    return report


def _write_chunk(
    session: Session,
    team_id: str,
    owner_user_id: str,
    chunk: Sequence[tuple[int, Employer, str]],
    now: datetime,
    report: ImportReport,
) -> int:
    last_seq = lock_team_counter(session, team_id=team_id)  # the team lock first, as every writer
    existing = _existing_keys(session, team_id)
    ids = {key: str(uuid.uuid5(ID_NAMESPACE, f"{team_id}:{key}")) for _, _, key in chunk}
    taken = set(
        session.scalars(
            select(RecordRow.record_id).where(
                RecordRow.team_id == team_id, RecordRow.record_id.in_(ids.values())
            )
        )
    )
    new_rows: list[dict[str, Any]] = []
    datas: list[dict[str, Any]] = []
    for _, employer, key in chunk:
        if key in existing or ids[key] in taken:  # taken: imported before, perhaps deleted since
            report.already_there += 1
            continue
        last_seq += 1
        data = to_dict(employer)
        data.update(id=ids[key], version=1, created_at=now.isoformat(), updated_at=now.isoformat())
        datas.append(data)
        # Written as a push writes a row (derived columns and all); no device: every phone pulls it.
        state = RecordState(ids[key], "employer", owner_user_id, 1, data, seq=last_seq, updated_at=now)
        new_rows.append(state.row_values(team_id=team_id))
    if not new_rows:
        return 0
    session.execute(insert(RecordRow), new_rows)
    found = session.execute(
        select(RecordRow.record_id, RecordRow.pk).where(
            RecordRow.team_id == team_id, RecordRow.record_id.in_([r["record_id"] for r in new_rows])
        )
    )
    pks = {record_id: pk for record_id, pk in found}
    session.execute(
        insert(RecordVersion),
        [
            {
                "record_pk": pks[data["id"]],
                "version": 1,
                "data": data,
                "deleted": False,
                "op_id": None,
                "author_user_id": owner_user_id,
                "author_device_id": None,
                "conflicts": [],
                "created_at": now,
            }
            for data in datas
        ],
    )
    store_team_counter(session, team_id=team_id, last_seq=last_seq)
    return len(new_rows)


def _existing_keys(session: Session, team_id: str) -> set[str]:
    rows = session.execute(
        select(RecordRow.data).where(
            RecordRow.team_id == team_id, RecordRow.kind == "employer", RecordRow.deleted.is_(False)
        )
    ).scalars()
    return {match_key(str(d.get("name") or ""), str(d.get("address") or "")) for d in rows if d}
