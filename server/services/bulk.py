"""Bulk writes of many rows in one statement each, below SQLAlchemy's per-row parameter handling.

A push writes up to 500 rows to each of three tables. Through Core `executemany` that costs a
Python parameter dict, type processing and (on PostgreSQL) one pipelined statement or a multi-row
VALUES text that psycopg must re-parse, per row. Here each column's values are processed by the
column type's own bind processor (so what is stored is byte-for-byte what Core would store: JSON
text, SQLite's date-time text, booleans) and sent as:
- PostgreSQL: one `INSERT ... SELECT ... FROM json_to_recordset($1)` (one round trip and one
  parameter however many rows; psycopg's array dumper escapes element by element, far slower),
  and `UPDATE ... FROM json_to_recordset($1)`;
- SQLite: the driver's `executemany` with plain tuples (no network; the cost is Python).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

import pydantic_core
from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    String,
    Table,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import QueryableAttribute, Session

Processor = Callable[[Any], Any]


def _processors(table: Table, columns: Sequence[str], dialect: Dialect) -> list[Processor | None]:
    return [_processor(table.c[name].type, dialect) for name in columns]


def _processor(column_type: Any, dialect: Dialect) -> Processor | None:
    process: Processor | None = column_type._cached_bind_processor(dialect)
    # Plain DateTime only: SQLite's own DATETIME may carry another storage format.
    if dialect.name == "sqlite" and type(column_type) is DateTime and process is not None:
        return _sqlite_stamp(process)
    return process


def _sqlite_stamp(process: Processor) -> Processor:
    """SQLite's DATETIME text ("2026-03-29 01:30:15.250000", wall-clock fields, offset dropped), as
    Core's processor writes it, from `datetime.isoformat` in C rather than a %-format of eight
    fields: a push binds each visit's own occurred_at. Anything but a datetime goes to Core's."""

    def stamp(value: Any) -> Any:
        if type(value) is datetime:
            return value.isoformat(" ", "microseconds")[:26]
        return process(value)

    return stamp


class JsonTexts:
    """The JSON text of each value bound to a JSON column during one write, made once per object:
    a pushed record's data goes to `records` and to `record_versions` alike, and serialising it
    was most of the cost of binding either row. Values are known by identity, so the texts live
    no longer than the write that holds the values (each is kept here, so no id is reused)."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[Any, Any]] = {}

    def processed(self, process: Processor, values: list[Any]) -> list[Any]:
        texts = self._texts
        out: list[Any] = []
        for value in values:
            known = texts.get(id(value))
            if known is None:
                known = texts[id(value)] = (value, process(value))
            out.append(known[1])
        return out


def _column_values(
    table: Table,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    processors: Sequence[Processor | None],
    texts: JsonTexts | None,
) -> list[list[Any]]:
    out = []
    for name, process in zip(columns, processors, strict=True):
        values = [row[name] for row in rows]
        if process is None:
            out.append(values)
        elif texts is not None and _is_json(table, name):
            # Every JSON column here serialises alike (one dialect serialiser, none_as_null unset).
            out.append(texts.processed(process, values))
        else:
            out.append(_processed(process, values))
    return out


def _processed(process: Processor, values: list[Any]) -> list[Any]:
    """A batch repeats one object in some columns (its clock reading): process it once."""
    out: list[Any] = []
    last_in: Any = object()
    last_out: Any = None
    for value in values:
        if value is not last_in:
            last_in, last_out = value, process(value)
        out.append(last_out)
    return out


def _is_json(table: Table, name: str) -> bool:
    return isinstance(table.c[name].type, JSON)


def _pg_recordset(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> tuple[str, str, dict[str, str]]:
    """(select list, recordset source, parameters): all rows travel as one JSON document that
    PostgreSQL unpacks with json_to_recordset (one parameter; Rust JSON on this side)."""
    dialect = session.get_bind().dialect
    json_columns = {name for name in columns if _is_json(table, name)}
    # JSON columns travel nested in the one document (serialised and parsed once). A JSON null
    # comes out of json_to_recordset as SQL NULL; coalesce stores it as JSON 'null', exactly as
    # Core stores None (JSON.none_as_null is False).
    definitions = ", ".join(
        f"{name} {'json' if name in json_columns else table.c[name].type.compile(dialect=dialect)}"
        for name in columns
    )
    selects = ", ".join(_pg_value(name, json_columns) for name in columns)
    source = f"json_to_recordset(%(rows)s::json) AS v({definitions})"
    return selects, source, {"rows": pydantic_core.to_json(list(rows)).decode()}


def _pg_value(name: str, json_columns: set[str]) -> str:
    return f"coalesce(v.{name}, 'null'::json)" if name in json_columns else f"v.{name}"


# An IN list on SQLite costs one bind parameter a value, and builds limit them (32,766 in stock
# SQLite, 250,000 in Debian's). Above this many values the list travels as one JSON parameter.
SQLITE_IN_LIST_MAX = 500


def any_of(
    session: Session, column: ColumnElement[Any] | QueryableAttribute[Any], values: Collection[Any]
) -> ColumnElement[bool]:
    """`column IN values` with one bind parameter however many values, so that a record naming
    thousands of job seekers (stored before the caps, or over them in a push not yet validated)
    never meets a database's parameter limit. PostgreSQL gets them as one array (`= ANY`): an IN
    list of 500 placeholders costs more to compile and parse than the lookup. SQLite gets a short
    list as an IN list, a long one as one JSON array read by json_each."""
    if session.get_bind().dialect.name == "postgresql":
        # PostgreSQL text cannot hold NUL: such a value cannot match, and would fail the statement.
        kept = [value for value in values if not (isinstance(value, str) and "\x00" in value)]
        return column == any_(bindparam(None, kept, type_=postgresql.ARRAY(column.type)))
    if len(values) <= SQLITE_IN_LIST_MAX:
        return column.in_(values)
    listed = bindparam(None, pydantic_core.to_json(list(values)).decode(), type_=String)
    return column.in_(select(literal_column("value")).select_from(func.json_each(listed)))


def rows_where_in(
    session: Session,
    table: Table,
    columns: Sequence[str],
    *,
    equal: tuple[str, Any],
    key: str,
    values: Collection[Any],
) -> list[tuple[Any, ...]]:
    """`columns` of the rows whose `equal` column has that value and whose `key` is one of
    `values`, each value made by its column type's own result processor (what a Core select
    returns). A push looks up 500 ids twice: compiling that select through SQLAlchemy cost several
    times the lookup itself, so the statement is written here."""
    if not values:
        return []
    connection = session.connection()
    dialect = connection.dialect
    names = ", ".join(columns)
    where = f"{table.name}.{equal[0]} = {{}} AND {table.name}.{key}"
    if dialect.name == "postgresql":
        # PostgreSQL text cannot hold NUL: such a value cannot match, and would fail the statement.
        kept = [value for value in values if not (isinstance(value, str) and "\x00" in value)]
        sql = f"SELECT {names} FROM {table.name} WHERE {where.format('%(equal)s')} = ANY(%(values)s)"
        rows = connection.exec_driver_sql(sql, {"equal": equal[1], "values": kept}).all()
    elif len(values) <= SQLITE_IN_LIST_MAX:
        marks = ", ".join("?" for _ in values)
        sql = f"SELECT {names} FROM {table.name} WHERE {where.format('?')} IN ({marks})"
        rows = connection.exec_driver_sql(sql, (equal[1], *values)).all()
    else:
        listed_values = "(SELECT value FROM json_each(?))"
        sql = f"SELECT {names} FROM {table.name} WHERE {where.format('?')} IN {listed_values}"
        listed = pydantic_core.to_json(list(values)).decode()
        rows = connection.exec_driver_sql(sql, (equal[1], listed)).all()
    processors = [table.c[name].type._cached_result_processor(dialect, None) for name in columns]
    if not any(processors):
        return [tuple(row) for row in rows]
    return [
        tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(processors, row, strict=True)
        )
        for row in rows
    ]


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    returning: Sequence[str] = (),
    texts: JsonTexts | None = None,
) -> list[tuple[Any, ...]]:
    """Insert `rows` (dicts with the same keys); with `returning`, those columns of each inserted
    row, in no particular order (match them by a key column). `texts`: JSON texts shared with the
    other statements of the same write."""
    if not rows:
        return []
    columns = list(rows[0])
    names = ", ".join(columns)
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        selects, source, params = _pg_recordset(session, table, rows, columns)
        tail = f" RETURNING {', '.join(returning)}" if returning else ""
        sql = f"INSERT INTO {table.name} ({names}) SELECT {selects} FROM {source}{tail}"
        result = connection.exec_driver_sql(sql, params)
        return [tuple(row) for row in result] if returning else []
    values = _column_values(table, rows, columns, _processors(table, columns, dialect), texts)
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(zip(*values, strict=True))
    )
    if not returning:
        return []
    raise NotImplementedError("on SQLite, read inserted keys back with a SELECT")


def update_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: str,
    texts: JsonTexts | None = None,
) -> None:
    """Update each row found by its `key` column to the other values in its dict."""
    if not rows:
        return
    columns = list(rows[0])
    others = [name for name in columns if name != key]
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql":
        _, source, params = _pg_recordset(session, table, rows, columns)
        json_columns = {name for name in others if _is_json(table, name)}
        assignments = ", ".join(f"{name} = {_pg_value(name, json_columns)}" for name in others)
        sql = f"UPDATE {table.name} SET {assignments} FROM {source} WHERE {table.name}.{key} = v.{key}"
        connection.exec_driver_sql(sql, params)
        return
    ordered = [*others, key]
    values = _column_values(table, rows, ordered, _processors(table, ordered, dialect), texts)
    assignments = ", ".join(f"{name} = ?" for name in others)
    connection.exec_driver_sql(
        f"UPDATE {table.name} SET {assignments} WHERE {key} = ?", list(zip(*values, strict=True))
    )
