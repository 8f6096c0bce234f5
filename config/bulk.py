"""Writing many rows at once: PostgreSQL's COPY (through a temporary table for upserts), bulk_create elsewhere.

Django's bulk_create prepares every value of every row through its fields (about a third of an import of ten
thousand products went there); COPY takes one text stream. Values are given per database column, as stored:
numbers, text, booleans, dates and datetimes, UUIDs, bytes, and dicts or lists for JSON columns.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import chain, islice
from typing import Any

import orjson
from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# Compact, as the standard library's encoder writes it (PostgreSQL parses, and a json column stores, every byte):
# what orjson refuses (an integer beyond 64 bits, a key that is not text, a lone surrogate) goes through this one.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _escaped(value: str) -> str:
    return value.translate(_ESCAPES)


def _encoded(value: Any) -> str:
    """A JSON column's text: orjson, several times faster than the standard library on the dicts and lists of a
    match row, and the same JSON (compact, UTF-8 unescaped, floats by their shortest repr; an exponent is spelled
    1e-7 where the standard library writes 1e-07)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _JSON.encode(value)


def _json(value: Any) -> str:
    # JSON never holds a raw tab or line break (they are escaped inside strings): only backslashes need doubling.
    encoded = _encoded(value)
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
    tuple: _json,
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


_NULL = "\\N"
# Formatting these costs more than looking a value up, and a batch often holds one value many times (a run's time,
# a rank, a status). Times by identity (equal instants in two time zones stay as given); text and whole numbers by
# value, whose equality means the same text (unlike floats' 0.0 and -0.0, or decimals' 1.0 and 1.00).
_BY_IDENTITY = (datetime.datetime, datetime.date, datetime.time)
_BY_VALUE = (str, int)


def _column(values: Sequence[Any]) -> list[str]:
    """One column of a batch as COPY text: by the column's one type where it has one, a value at a time else."""
    kinds = set(map(type, values))
    nullable = type(None) in kinds
    kinds.discard(type(None))
    kind = kinds.pop() if len(kinds) == 1 else None
    format_ = _FORMATS.get(kind) if kind is not None else None
    if format_ is None:
        return list(map(_text, values))
    if kind in _BY_IDENTITY:
        distinct = dict(zip(map(id, values), values, strict=True))
        texts = {key: _NULL if value is None else format_(value) for key, value in distinct.items()}
        return list(map(texts.__getitem__, map(id, values)))
    if kind in _BY_VALUE:
        repeated = set(values)
        if len(repeated) * 2 <= len(values):
            texts = {value: _NULL if value is None else format_(value) for value in repeated}
            return list(map(texts.__getitem__, values))
    if nullable:
        return [_NULL if value is None else format_(value) for value in values]
    return list(map(format_, values))


def _lines(rows: Sequence[Sequence[Any]]) -> str:
    columns = [_column(values) for values in zip(*rows, strict=True)]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


class _Stream:
    """COPY's input, formatted a batch of rows at a time as the driver asks for more: PostgreSQL parses and stores
    one batch while the next is formatted (or the rows themselves built, given an iterator), instead of waiting for
    the whole text."""

    def __init__(self, rows: Iterable[Sequence[Any]], batch: int = 2000) -> None:
        self._rows = iter(rows)
        self._batch = batch

    def read(self, size: int = -1) -> str:
        chunk = list(islice(self._rows, None if size is None or size < 0 else self._batch))
        return _lines(chunk) if chunk else ""


def _stream(rows: Iterable[Sequence[Any]]) -> _Stream:
    return _Stream(rows)


def id_array(ids: Iterable[int]) -> list[int] | RawSQL:
    """Ids for an ``__in`` filter: on PostgreSQL one array parameter (``IN (SELECT unnest(%s))``), where a list of
    tens of thousands of placeholders costs more to build, send and plan than the query itself."""
    listed = list(ids)
    if connection.vendor != "postgresql":
        return listed
    return RawSQL("SELECT unnest(%s::bigint[])", [listed])


def _attname(model: type[models.Model], column: str) -> str:
    field = model._meta.get_field(column)
    assert isinstance(field, models.Field)
    return field.attname


def _instances(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[Any]:
    return [model(**dict(zip(columns, row, strict=True))) for row in rows]


def copy_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values of ``columns``, database column names) into ``model``'s table; returns the
    ``returning`` columns of the rows inserted (in no particular order).

    ``rows`` may be an iterator: on PostgreSQL it is consumed as COPY goes, so the database stores the first rows
    while the next are built. It is consumed to the end in any case.
    """
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return []
    rows = chain([first], rows)
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
    refresh: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows``, updating ``update`` where a row with the same ``unique`` columns exists; returns the
    ``returning`` columns of every row written (in no particular order).

    With ``changed``, an existing row is updated only where one of those columns differs from what is stored: a
    row that would stay the same is not written at all (nor are its other ``update`` columns, such as a stamp).
    ``refresh`` columns (of ``update``; a digest of the row, say) are written wherever they differ, even on a row
    whose ``changed`` columns are all the same: such a row gets them and nothing else.
    """
    if not rows:
        return []
    assert set(refresh) <= set(update) and (changed or not refresh), "refresh: update columns, beside changed"
    if connection.vendor != "postgresql":
        return _upsert_portably(
            model, columns, rows, unique=unique, update=update, changed=changed, refresh=refresh, returning=returning
        )
    table = model._meta.db_table
    differs = " OR ".join(_differs(model, c) for c in changed)
    assignments = ", ".join(
        f"{c} = EXCLUDED.{c}"
        if c in refresh or not refresh
        else f"{c} = CASE WHEN {differs} THEN EXCLUDED.{c} ELSE {table}.{c} END"
        for c in update
    )
    conflict = f" ON CONFLICT ({', '.join(unique)}) DO UPDATE SET {assignments}"
    if changed:
        conflict += " WHERE " + " OR ".join(_differs(model, c) for c in (*changed, *refresh))
    return _through_temporary_table(model, columns, rows, conflict=conflict, returning=returning)


def _differs(model: type[models.Model], column: str) -> str:
    """SQL: the stored value of ``column`` differs from the one coming in."""
    table = model._meta.db_table
    field = model._meta.get_field(column)
    assert isinstance(field, models.Field)
    if field.db_type(connection) == "json":
        # json has no equality: compare as jsonb (by value, whatever the spacing and key order of the text).
        return f"{table}.{column}::jsonb IS DISTINCT FROM EXCLUDED.{column}::jsonb"
    return f"{table}.{column} IS DISTINCT FROM EXCLUDED.{column}"


def _upsert_portably(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique: Sequence[str],
    update: Sequence[str],
    changed: Sequence[str],
    refresh: Sequence[str],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """``copy_upsert`` through the ORM (SQLite)."""
    refreshed: list[Sequence[Any]] = []
    if changed:
        rows, refreshed = _differing(model, columns, rows, unique=unique, changed=changed, refresh=refresh)
    objects = _instances(model, columns, rows)
    for written, fields in ((objects, update), (_instances(model, columns, refreshed), refresh)):
        if written:
            model._default_manager.bulk_create(
                written,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=[model._meta.get_field(c).name for c in unique],
                update_fields=[model._meta.get_field(c).name for c in fields],
            )
    if not returning or not objects:
        return []
    # SQLite does not say which rows an upsert updated: read them back by their unique columns.
    keys = [_attname(model, c) for c in unique]
    wanted = {tuple(getattr(o, k) for k in keys) for o in objects}
    found = model._default_manager.filter(**{f"{keys[0]}__in": {w[0] for w in wanted}}).values_list(*keys, *returning)
    return [tuple(row[len(keys) :]) for row in found if tuple(row[: len(keys)]) in wanted]


def _differing(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique: Sequence[str],
    changed: Sequence[str],
    refresh: Sequence[str],
) -> tuple[list[Sequence[Any]], list[Sequence[Any]]]:
    """The rows that are new or differ from the stored row in a ``changed`` column, and those that differ in a
    ``refresh`` column only (the portable path)."""
    position = {c: i for i, c in enumerate(columns)}
    keys = [_attname(model, c) for c in unique]
    compared = [_attname(model, c) for c in (*changed, *refresh)]
    stored: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    first = [row[position[unique[0]]] for row in rows]
    for start in range(0, len(first), 2000):
        for found in model._default_manager.filter(**{f"{keys[0]}__in": first[start : start + 2000]}).values_list(
            *keys, *compared
        ):
            stored[tuple(found[: len(keys)])] = tuple(found[len(keys) :])
    differing: list[Sequence[Any]] = []
    refreshed: list[Sequence[Any]] = []
    for row in rows:
        before = stored.get(tuple(row[position[c]] for c in unique))
        values = tuple(row[position[c]] for c in (*changed, *refresh))
        if before is None or before[: len(changed)] != values[: len(changed)]:
            differing.append(row)
        elif before != values:
            refreshed.append(row)
    return differing, refreshed


def _through_temporary_table(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
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
