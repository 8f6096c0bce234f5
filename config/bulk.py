"""Writing many rows at once: PostgreSQL's COPY (through a temporary table for upserts), bulk_create elsewhere.

Django's bulk_create prepares every value of every row through its fields (about a third of an import of ten
thousand products went there); COPY takes one text stream. Values are given per database column, as stored:
numbers, text, booleans, dates and datetimes, UUIDs, bytes, and dicts or lists for JSON columns.
"""

from __future__ import annotations

import datetime
import io
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# One encoder for every value: json.dumps with options would build a new encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False)


def _escaped(value: str) -> str:
    return value.translate(_ESCAPES)


def _json(value: Any) -> str:
    # JSON never holds a raw tab or line break (they are escaped inside strings): only backslashes need doubling.
    encoded = _JSON.encode(value)
    return encoded.replace("\\", "\\\\") if "\\" in encoded else encoded


def _flag(value: bool) -> str:
    return "t" if value else "f"


def _bytes(value: bytes | memoryview) -> str:
    # bytea's hex form, its backslash doubled for COPY.
    return "\\\\x" + bytes(value).hex()


# By exact type: a match row has a dozen values and a batch hundreds of thousands of rows.
_FORMATS: dict[type, Callable[[Any], str]] = {
    str: _escaped,
    int: str,
    float: float.__repr__,
    bool: _flag,
    Decimal: str,
    dict: _json,
    list: _json,
    datetime.datetime: datetime.datetime.isoformat,
    datetime.date: datetime.date.isoformat,
    datetime.time: datetime.time.isoformat,
    uuid.UUID: str,
    bytes: _bytes,
    memoryview: _bytes,
}


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    format_ = _FORMATS.get(type(value))
    if format_ is not None:
        return format_(value)
    # Subclasses (a str enum, a DateTime subclass) by their base type.
    if isinstance(value, bool):
        return _flag(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return _json(value)
    return _escaped(str(value))


def _stream(rows: Iterable[Sequence[Any]]) -> io.StringIO:
    text = _text
    buffer = io.StringIO("".join("\t".join([text(value) for value in row]) + "\n" for row in rows))
    buffer.seek(0)
    return buffer


def _attname(model: type[models.Model], column: str) -> str:
    field = model._meta.get_field(column)
    assert isinstance(field, models.Field)
    return field.attname


def _instances(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[Any]:
    return [model(**dict(zip(columns, row, strict=True))) for row in rows]


def copy_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values of ``columns``, database column names) into ``model``'s table; returns the
    ``returning`` columns of the rows inserted (in no particular order)."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = model._default_manager.bulk_create(_instances(model, columns, rows), batch_size=2000)
        return [tuple(getattr(o, _attname(model, c)) for c in returning) for o in objects]
    if not returning:
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", _stream(rows))
        return []
    return _through_temporary_table(model, columns, rows, conflict="", returning=returning)


def copy_upsert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique: Sequence[str],
    update: Sequence[str],
    changed: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows``, updating ``update`` where a row with the same ``unique`` columns exists; returns the
    ``returning`` columns of every row written (in no particular order).

    With ``changed``, an existing row is updated only where one of those columns differs from what is stored: a
    row that would stay the same is not written at all (nor are its other ``update`` columns, such as a stamp).
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        if changed:
            rows = _differing(model, columns, rows, unique=unique, changed=changed)
            if not rows:
                return []
        objects = _instances(model, columns, rows)
        model._default_manager.bulk_create(
            objects,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=[model._meta.get_field(c).name for c in unique],
            update_fields=[model._meta.get_field(c).name for c in update],
        )
        if not returning:
            return []
        # SQLite does not say which rows an upsert updated: read them back by their unique columns.
        keys = [_attname(model, c) for c in unique]
        wanted = {tuple(getattr(o, k) for k in keys) for o in objects}
        found = model._default_manager.filter(**{f"{keys[0]}__in": {w[0] for w in wanted}}).values_list(
            *keys, *returning
        )
        return [tuple(row[len(keys) :]) for row in found if tuple(row[: len(keys)]) in wanted]
    table = model._meta.db_table
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in update)
    conflict = f" ON CONFLICT ({', '.join(unique)}) DO UPDATE SET {assignments}"
    if changed:
        conflict += " WHERE " + " OR ".join(f"{table}.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in changed)
    return _through_temporary_table(model, columns, rows, conflict=conflict, returning=returning)


def _differing(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique: Sequence[str],
    changed: Sequence[str],
) -> list[Sequence[Any]]:
    """The rows that are new or differ from the stored row in a ``changed`` column (the portable path)."""
    position = {c: i for i, c in enumerate(columns)}
    keys = [_attname(model, c) for c in unique]
    compared = [_attname(model, c) for c in changed]
    stored: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    first = [row[position[unique[0]]] for row in rows]
    for start in range(0, len(first), 2000):
        for found in model._default_manager.filter(**{f"{keys[0]}__in": first[start : start + 2000]}).values_list(
            *keys, *compared
        ):
            stored[tuple(found[: len(keys)])] = tuple(found[len(keys) :])
    return [
        row
        for row in rows
        if stored.get(tuple(row[position[c]] for c in unique)) != tuple(row[position[c]] for c in changed)
    ]


def _through_temporary_table(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: str,
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    table = model._meta.db_table
    incoming = f"{table}_incoming"
    listed = ", ".join(columns)
    tail = f" RETURNING {', '.join(returning)}" if returning else ""
    with transaction.atomic(), connection.cursor() as cursor:
        # The temporary table has the columns' types and nothing else: no defaults, sequences or constraints.
        # A failure rolls its creation back with the savepoint.
        cursor.execute(f"CREATE TEMPORARY TABLE {incoming} AS SELECT {listed} FROM {table} WITH NO DATA")
        cursor.cursor.copy_expert(f"COPY {incoming} ({listed}) FROM STDIN", _stream(rows))
        cursor.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {incoming}{conflict}{tail}")
        written = [tuple(row) for row in cursor.fetchall()] if returning else []
        cursor.execute(f"DROP TABLE {incoming}")
    return written
