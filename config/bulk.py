"""Writing many rows at once: PostgreSQL's COPY (through a temporary table for upserts), bulk_create elsewhere.

Django's bulk_create prepares every value of every row through its fields (about a third of an import of ten
thousand products went there); COPY takes one text stream. Values are given per database column, as stored:
numbers, text, booleans, dates and datetimes, UUIDs, and dicts or lists for JSON columns.
"""

from __future__ import annotations

import datetime
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    return str(value).translate(_ESCAPES)


def _stream(rows: Iterable[Sequence[Any]]) -> io.StringIO:
    buffer = io.StringIO("".join("\t".join(map(_text, row)) + "\n" for row in rows))
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
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows``, updating ``update`` where a row with the same ``unique`` columns exists; returns the
    ``returning`` columns of every row written (in no particular order)."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
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
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in update)
    conflict = f" ON CONFLICT ({', '.join(unique)}) DO UPDATE SET {assignments}"
    return _through_temporary_table(model, columns, rows, conflict=conflict, returning=returning)


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
