"""Candidate pools: a category subtree's published domestic products read in bulk, and kept warm per worker."""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, F, Max, Q, Value, When
from django.utils import timezone

from catalog.models import Category, Product, Specification
from catalog.selectors import category_ancestor_codes, category_subtree_q
from config.bulk import copy_upsert
from matching import scoring as s
from matching.models import PoolProduct, PoolStack
from matching.vector import (
    PROVINCE_WIDTH,
    SPEC_FIELDS,
    CandidatePool,
    PreparedProduct,
    StackedProducts,
    prepare_product,
    stack_prepared,
)

logger = logging.getLogger(__name__)


def subtree_category_ids(category_id: int) -> list[int]:
    return list(Category.objects.filter(category_subtree_q(category_id, prefix="")).values_list("id", flat=True))


def ancestor_category_ids(category_id: int) -> list[int]:
    """The category and its ancestors: the categories whose subtree holds a product of ``category_id``."""
    path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first()
    if path is None:
        return []
    return list(Category.objects.filter(code__in=category_ancestor_codes(path)).values_list("id", flat=True))


def candidate_products_q(category_ids: Sequence[int], prefix: str = "", *, domestic: bool = True) -> Q:
    """Published products of one origin in the given categories: domestic ones are the candidates, imported
    ones only ever the reference a demand would otherwise buy."""
    return Q(
        **{
            f"{prefix}status": Product.Status.PUBLISHED,
            f"{prefix}is_domestic": domestic,
            f"{prefix}category_id__in": list(category_ids),
        }
    )


def _fetch(qs: Any) -> list[tuple[Any, ...]]:
    """Rows of a values_list queryset straight from the cursor: the pool reads too many rows for ORM overhead."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


PRODUCT_TEXT_FIELDS = ("name_zh", "name_en", "model_number", "description_zh", "description_en")
SPECIFICATION_FIELDS = ("parameter_id", "value", "value_min", "value_max", "value_text", "value_bool")
STORE_BATCH = 20_000
POOL_ROW_COLUMNS = [
    "product_id",
    "tokens",
    "specifications",
    "choices",
    "provinces",
    "product_updated_at",
    "refreshed_at",
]


def _product_text(parts: Sequence[str | None]) -> str:
    return " ".join(part or "" for part in parts)


def _prepare(product_ids: Sequence[int]) -> dict[int, tuple[PreparedProduct, Any]]:
    """What a pool reads of these products, prepared (with the ``updated_at`` it was prepared from); three queries,
    whatever their number."""
    specs: dict[int, list[Any]] = defaultdict(list)
    for product_id, *values in _fetch(
        Specification.objects.filter(product_id__in=product_ids).values_list("product_id", *SPECIFICATION_FIELDS)
    ):
        specs[product_id].append(values)
    served: dict[int, list[str]] = defaultdict(list)
    for product_id, code in _fetch(
        Product.provinces_served.through.objects.filter(product_id__in=product_ids).values_list(
            "product_id", "province_id"
        )
    ):
        served[product_id].append(code)
    return {
        pk: (prepare_product(s.text_tokens(_product_text(parts)), specs.get(pk, ()), served.get(pk, ())), updated_at)
        for pk, updated_at, *parts in _fetch(
            Product.objects.filter(pk__in=product_ids).values_list("pk", "updated_at", *PRODUCT_TEXT_FIELDS)
        )
    }


def _store(prepared: dict[int, tuple[PreparedProduct, Any]]) -> None:
    now = timezone.now()
    rows = [
        (pk, p.tokens, p.specifications, p.choices, p.provinces, updated_at, now)
        for pk, (p, updated_at) in sorted(prepared.items())
    ]
    for first in range(0, len(rows), STORE_BATCH):
        copy_upsert(
            PoolProduct,
            POOL_ROW_COLUMNS,
            rows[first : first + STORE_BATCH],
            unique=["product_id"],
            update=POOL_ROW_COLUMNS[1:],
        )


def pool_products_refresh(*, product_ids: Iterable[int]) -> int:
    """Prepare these products' pool rows again (the change outbox reports them changed), in bulk; products that
    are gone lose theirs, and the stacks of their categories are built again. Returns the rows written."""
    ids = sorted(set(product_ids))
    if not ids:
        return 0
    written = _refresh_rows(ids)
    pool_stacks_refresh(category_ids=Product.objects.filter(pk__in=ids).values_list("category_id", flat=True))
    return written


def _refresh_rows(ids: list[int]) -> int:
    prepared = _prepare(ids)
    PoolProduct.objects.filter(product_id__in=set(ids) - set(prepared)).delete()
    _store(prepared)
    return len(prepared)


def pool_products_refresh_all(*, batch: int = STORE_BATCH) -> int:
    """Every product's pool row prepared afresh, then every category's stack (a backfill after a bulk load, or
    after the tokenizer changed)."""
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    written = sum(_refresh_rows(ids[i : i + batch]) for i in range(0, len(ids), batch))
    PoolStack.objects.exclude(category_id__in=Product.objects.values("category_id")).delete()
    pool_stacks_refresh(category_ids=Product.objects.values_list("category_id", flat=True))
    return written


POOL_QUERY_FIELDS = (
    "id",
    "price_min",
    "price_max",
    "lead_time_days",
    "evaluation_score",
    "pool_row__tokens",
    "pool_row__specifications",
    "pool_row__choices",
    "pool_row__provinces",
)


def _read_pool(products_q: Q) -> CandidatePool:
    """The products of ``products_q`` as a pool, from each product's own figures beside its prepared row."""
    return CandidatePool.from_stacked(_read_stacked(products_q))


def _read_stacked(products_q: Q) -> StackedProducts:
    """The products of ``products_q`` stacked, from each product's own figures beside its prepared row. Nothing
    is tokenized; the rare product without a current row (loaded in bulk, or changed a moment ago and not yet taken
    from the outbox) is prepared now and its row stored.

    On PostgreSQL the database stacks the rows itself: one query returns one row of concatenated columns, so the
    pool is built with a frombuffer per column whatever its size.
    """
    query = Product.objects.filter(products_q).annotate(stale=_stale())
    if connection.vendor == "postgresql":
        stacked = _stacked(query)
        if stacked is _STALE:
            _repair(query)
            stacked = _stacked(query)
        if isinstance(stacked, StackedProducts):
            return stacked
    # Row by row (the embedded database, or rows changing under a second read).
    rows = _fetch(query.order_by("pk").values_list(*POOL_QUERY_FIELDS, "stale"))
    stale = [row[0] for row in rows if row[-1]]
    if stale:
        prepared = _repair(query, stale)
        rows = [
            row if not row[-1] else (*row[:5], *_as_row(prepared[row[0]][0]), False)
            for row in rows
            if not row[-1] or row[0] in prepared
        ]
    if not rows:
        return stack_prepared([], [], [], [], [], [], [], [], [])
    return stack_prepared(*list(zip(*rows, strict=True))[:-1])


def _repair(query: Any, stale: list[int] | None = None) -> dict[int, tuple[PreparedProduct, Any]]:
    ids = stale if stale is not None else [pk for pk, is_stale in _fetch(query.values_list("pk", "stale")) if is_stale]
    prepared = _prepare(ids) if ids else {}
    _store(prepared)
    return prepared


def _bytes_agg(column: str) -> str:
    # No ORDER BY inside the aggregate (PostgreSQL 15 would sort once per column): every aggregate takes the rows
    # in the same order, which keeps the columns aligned, and the stacked products are put in id order after.
    return f"string_agg({column}, ''::bytea)"


def _float_agg(column: str) -> str:
    return _bytes_agg(f"float8send(coalesce({column}::float8, 'NaN'))")


_STACKED_COLUMNS = ", ".join(
    [
        "count(*)",
        "bool_or(stale)",
        _bytes_agg("int8send(id)"),
        _float_agg("price_min"),
        _float_agg("price_max"),
        _float_agg("lead_time_days"),
        _float_agg("evaluation_score"),
        *(
            f"{_bytes_agg(f'int4send(length({c}))')}, {_bytes_agg(c)}"
            for c in ('"pool_row__tokens"', '"pool_row__specifications"')
        ),
        """string_agg(nullif("pool_row__choices", ''), ',')""",
        f"""{_bytes_agg('int4send(length("pool_row__provinces"))')}, {_bytes_agg('"pool_row__provinces"')}""",
    ]
)


_STALE = "stale"


def _stacked(query: Any) -> StackedProducts | str:
    """The pool's rows stacked by the database (PostgreSQL); ``_STALE`` when a row is stale (its columns would not
    line up)."""
    # Unordered: the products' default order would have the database sort the whole pool (on disk, for a large
    # one) only for the stacked products to be put in id order after.
    sql, params = query.order_by().values_list(*POOL_QUERY_FIELDS, "stale").query.sql_with_params()
    [row] = _copied_rows(f"SELECT {_STACKED_COLUMNS} FROM ({sql}) AS pool", params)
    count = int.from_bytes(row[0] or b"", "big")
    any_stale = row[1] is not None and bool(row[1][0])
    columns = [memoryview(b"") if field is None else field for field in row[2:]]
    if any_stale:
        return _STALE
    if not count:
        return stack_prepared([], [], [], [], [], [], [], [], [])
    ids, price_min, price_max, lead, evaluation, token_counts, tokens, spec_counts, specs, choices, *rest = columns
    province_counts, provinces = rest

    def floats(data: memoryview) -> np.ndarray:
        return np.frombuffer(data, dtype=">f8").astype(np.float64)

    def lengths(data: memoryview, width: int) -> np.ndarray:
        return np.frombuffer(data, dtype=">i4").astype(np.int64) // width

    return StackedProducts(
        ids=np.frombuffer(ids, dtype=">i8").astype(np.int64),
        price_min=floats(price_min),
        price_max=floats(price_max),
        lead=floats(lead),
        evaluation=floats(evaluation),
        token_counts=lengths(token_counts, 8),
        tokens=bytes(tokens),
        spec_counts=lengths(spec_counts, 8 * SPEC_FIELDS),
        specifications=bytes(specs),
        choices=json.loads(f"[{str(choices, 'utf-8')}]"),
        province_counts=lengths(province_counts, PROVINCE_WIDTH),
        provinces=bytes(provinces),
    ).in_id_order()


class _Received:
    """The file ``copy_expert`` writes a COPY's output to: the pieces kept as they come, joined once."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []

    def write(self, piece: bytes) -> None:
        self.pieces.append(piece)


_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _copied_rows(sql: str, params: Sequence[Any]) -> list[list[memoryview | None]]:
    """The rows of a query in PostgreSQL's binary COPY format, each field's bytes as the server sends them.

    A pool is megabytes of bytea; a plain query receives them as hex text twice their size that the driver then
    decodes, which took longer than the database took to stack them.
    """
    received = _Received()
    with connection.cursor() as cursor:
        statement = cursor.cursor.mogrify(sql, params).decode()
        cursor.cursor.copy_expert(f"COPY ({statement}) TO STDOUT (FORMAT binary)", received)
    data = memoryview(received.pieces[0] if len(received.pieces) == 1 else b"".join(received.pieces))
    if bytes(data[: len(_COPY_SIGNATURE)]) != _COPY_SIGNATURE:
        raise ValueError("not PostgreSQL's binary COPY format")
    at = len(_COPY_SIGNATURE) + 8 + int.from_bytes(data[len(_COPY_SIGNATURE) + 4 : len(_COPY_SIGNATURE) + 8], "big")
    rows: list[list[memoryview | None]] = []
    while True:
        fields = int.from_bytes(data[at : at + 2], "big", signed=True)
        at += 2
        if fields < 0:  # the trailer
            return rows
        row: list[memoryview | None] = []
        for _ in range(fields):
            size = int.from_bytes(data[at : at + 4], "big", signed=True)
            at += 4
            if size < 0:
                row.append(None)
            else:
                row.append(data[at : at + size])
                at += size
        rows.append(row)


def _stale() -> Any:
    return Case(
        When(Q(pool_row__isnull=True) | ~Q(pool_row__product_updated_at=F("updated_at")), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def _as_row(prepared: PreparedProduct) -> tuple[bytes, bytes, str, bytes]:
    return prepared.tokens, prepared.specifications, prepared.choices, prepared.provinces


# --- Stacked categories -------------------------------------------------------------------------------------
# Each category's candidates kept stacked (``PoolStack``): a pool with nothing cached reads the live part of its
# products (which are candidates now, their own figures and ``updated_at``) and the stacks of its subtree, and takes
# each product's prepared data from a stack only where it was prepared from that very ``updated_at``.

_POSTGRES_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
_STACKED_ROW_COLUMNS = (
    "product_ids",
    "product_updated_at",
    "token_lengths",
    "tokens",
    "specification_lengths",
    "specifications",
    "choices",
    "province_lengths",
    "provinces",
)
# A pool whose stacks miss more of its products than this share (and number) of them, or that has no stack at all
# (a catalog loaded in bulk, stacks never built), is read from its rows and its stacks are built again, rather than
# read in two parts.
STACK_MISSING_SHARE = 0.125
STACK_MISSING_LEAST = 64


def _stack_sql() -> str:
    def agg(column: str) -> str:
        return _bytes_agg(column)

    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*_STACKED_ROW_COLUMNS, "refreshed_at"))
    return f"""
        INSERT INTO {PoolStack._meta.db_table} (category_id, {", ".join(_STACKED_ROW_COLUMNS)}, refreshed_at)
        SELECT category_id, {agg("int8send(product_id)")}, {agg("timestamptz_send(product_updated_at)")},
            {agg("int4send(length(tokens))")}, {agg("tokens")},
            {agg("int4send(length(specifications))")}, {agg("specifications")},
            coalesce(string_agg(nullif(choices, ''), ','), ''),
            {agg("int4send(length(provinces))")}, {agg("provinces")}, %(now)s
        FROM (
            SELECT product.category_id, pool_row.product_id, pool_row.product_updated_at, pool_row.tokens,
                pool_row.specifications, pool_row.choices, pool_row.provinces
            FROM {Product._meta.db_table} AS product
            JOIN {PoolProduct._meta.db_table} AS pool_row ON pool_row.product_id = product.id
            WHERE product.category_id = ANY(%(categories)s) AND product.status = %(published)s
                AND product.is_domestic AND pool_row.product_updated_at = product.updated_at
            -- each stack in id order (the aggregates take the rows as they come; a pool still checks the order)
            ORDER BY product.category_id, product.id
        ) AS candidate
        GROUP BY category_id
        ON CONFLICT (category_id) DO UPDATE SET {updates}
        RETURNING category_id
    """


def pool_stacks_refresh(*, category_ids: Iterable[int]) -> int:
    """Stack these categories' candidates again from their current pool rows (PostgreSQL; the embedded database
    reads pools row by row). Returns the stacks written."""
    categories = sorted(set(category_ids))
    if not categories or connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _stack_sql(), {"categories": categories, "published": Product.Status.PUBLISHED, "now": timezone.now()}
        )
        written = {category_id for (category_id,) in cursor.fetchall()}
        PoolStack.objects.filter(category_id__in=set(categories) - written).delete()
    return len(written)


def _live_columns() -> str:
    return ", ".join(
        [
            "count(*)",
            _bytes_agg("int8send(id)"),
            _bytes_agg("timestamptz_send(updated_at)"),
            _float_agg("price_min"),
            _float_agg("price_max"),
            _float_agg("lead_time_days"),
            _float_agg("evaluation_score"),
        ]
    )


def _stacks_sql() -> str:
    return " UNION ALL ".join(
        f"SELECT {i}::int4, category_id, {'convert_to(choices, ' + repr('UTF8') + ')' if c == 'choices' else c} "
        f"FROM {PoolStack._meta.db_table} WHERE category_id = ANY(%s)"
        for i, c in enumerate(_STACKED_ROW_COLUMNS)
    )


def _lengths(data: bytes | memoryview, width: int) -> np.ndarray:
    """Records per product from the rows' byte lengths (int4, as PostgreSQL sends them)."""
    return np.frombuffer(data, dtype=">i4").astype(np.int64) // width


def _read_candidates(category_ids: list[int]) -> tuple[StackedProducts, tuple[int, datetime.datetime | None]]:
    """A category subtree's candidates stacked, from their live figures (one row) and their categories' stacks
    (a row each), with the candidates' number and latest change as read (what a pool's fingerprint counts).
    Candidates a stack does not hold as they are now are read from their own rows."""
    products_q = candidate_products_q(category_ids)
    live_sql, live_params = (
        Product.objects.filter(products_q)
        .order_by()
        .values_list("id", "updated_at", "price_min", "price_max", "lead_time_days", "evaluation_score")
        .query.sql_with_params()
    )
    [live] = _copied_rows(f"SELECT {_live_columns()} FROM ({live_sql}) AS product", live_params)
    fields = [memoryview(b"") if field is None else field for field in live]
    if not int.from_bytes(fields[0], "big"):
        return stack_prepared([], [], [], [], [], [], [], [], []), (0, None)
    ids, updated = (np.frombuffer(fields[i], dtype=">i8").astype(np.int64) for i in (1, 2))
    figures = [np.frombuffer(fields[i], dtype=">f8").astype(np.float64) for i in (3, 4, 5, 6)]
    # timestamptz's binary form: microseconds since 2000-01-01 UTC.
    stats = (int(ids.size), _POSTGRES_EPOCH + datetime.timedelta(microseconds=int(updated.max())))
    # The stacks as stored, a row per column and category (one message of megabytes is slower to receive than a
    # few smaller ones), concatenated here in category order.
    stacks = _copied_rows(_stacks_sql(), [list(category_ids)] * len(_STACKED_ROW_COLUMNS))
    parts: dict[int, list[tuple[int, bytes | memoryview]]] = defaultdict(list)
    for column, category, data in stacks:
        parts[int.from_bytes(column or b"", "big")].append((int.from_bytes(category or b"", "big"), data or b""))
    pieces = {
        c: [bytes(data) for _, data in sorted(parts[i], key=lambda part: part[0])]
        for i, c in enumerate(_STACKED_ROW_COLUMNS)
    }
    stacked_columns = {c: b"".join(piece) if len(piece) != 1 else piece[0] for c, piece in pieces.items()}
    stacked_columns["choices"] = b",".join(piece for piece in pieces["choices"] if piece)
    stack_ids, stack_updated = (
        np.frombuffer(stacked_columns[c], dtype=">i8").astype(np.int64) for c in ("product_ids", "product_updated_at")
    )
    order = np.argsort(ids, kind="stable")
    ids, updated = ids[order], updated[order]
    figures = [column[order] for column in figures]

    # Where each candidate's prepared data sits in the stacks, if it is there as prepared from its updated_at.
    if stack_ids.size > 1 and not bool(np.all(np.diff(stack_ids) > 0)):
        by_id = np.argsort(stack_ids, kind="stable")
    else:
        by_id = np.arange(stack_ids.size)
    stacked_ids = stack_ids[by_id]
    # A product twice (moved between two categories of the subtree, one stack not yet rebuilt) is read from its row.
    twice = np.zeros(stacked_ids.size, dtype=bool)
    if stacked_ids.size > 1:
        same = stacked_ids[1:] == stacked_ids[:-1]
        twice[1:] |= same
        twice[:-1] |= same
    at = np.minimum(np.searchsorted(stacked_ids, ids), max(stacked_ids.size - 1, 0))
    found = np.zeros(ids.size, dtype=bool)
    if stacked_ids.size:
        found = (stacked_ids[at] == ids) & ~twice[at] & (stack_updated[by_id[at]] == updated)
    missing = ids[~found]
    if not stacks or missing.size > max(STACK_MISSING_SHARE * ids.size, STACK_MISSING_LEAST):
        stacked = _read_stacked(products_q)
        pool_stacks_refresh(category_ids=category_ids)
        return stacked, stats

    nothing = np.full(stack_ids.size, np.nan)
    stack = StackedProducts(
        ids=stack_ids,
        price_min=nothing,
        price_max=nothing,
        lead=nothing,
        evaluation=nothing,
        token_counts=_lengths(stacked_columns["token_lengths"], 8),
        tokens=stacked_columns["tokens"],
        spec_counts=_lengths(stacked_columns["specification_lengths"], 8 * SPEC_FIELDS),
        specifications=stacked_columns["specifications"],
        choices=json.loads(choices_json := f"[{str(stacked_columns['choices'], 'utf-8')}]"),
        province_counts=_lengths(stacked_columns["province_lengths"], PROVINCE_WIDTH),
        provinces=stacked_columns["provinces"],
    )
    taken = by_id[at[found]]
    if taken.size != stack_ids.size or not bool(np.all(taken == np.arange(taken.size))):
        stack = stack.taken(taken)
    else:
        stack = dataclasses.replace(stack, choices_json=choices_json)
    # The figures are the products' own, as they are now (an evaluation changes a product's score, not its row).
    stacked = dataclasses.replace(
        stack,
        ids=ids[found],
        price_min=figures[0][found],
        price_max=figures[1][found],
        lead=figures[2][found],
        evaluation=figures[3][found],
    )
    if missing.size:
        stacked = stacked.joined(_read_stacked(Q(pk__in=missing.tolist()))).in_id_order()
    return stacked, stats


def load_pool(*, category_id: int) -> CandidatePool:
    """The candidate pool of a demand category: its subtree's published domestic products, as column arrays."""
    category_ids = subtree_category_ids(category_id)
    if connection.vendor == "postgresql":
        return CandidatePool.from_stacked(_read_candidates(category_ids)[0])
    return _read_pool(candidate_products_q(category_ids))


def reference_pool(*, category_id: int, limit: int) -> CandidatePool:
    """The published imported products of the subtree (the first ``limit`` by id), scored like candidates."""
    imported = Product.objects.filter(candidate_products_q(subtree_category_ids(category_id), domestic=False))
    ids = list(imported.order_by("pk").values_list("pk", flat=True)[:limit])
    return _read_pool(Q(pk__in=ids))


def products_pool(*, product_ids: Iterable[int]) -> CandidatePool:
    """Any products by id, domestic or imported, scored like candidates (the products quoted on a demand)."""
    return _read_pool(Q(pk__in=list(product_ids)))


# --- Warm pools for incremental runs ------------------------------------------------------------------------
# A pool is reused only while its fingerprint holds: the category's version (bumped in the shared cache whenever
# a product of the subtree changes) and the count and latest change of its candidates. Two levels: this process
# keeps the pools it used, and the shared cache holds their stacked bytes for the other workers, so a worker that
# never saw a category loads its pool in milliseconds instead of reading the catalog.

_POOLS: dict[int, tuple[tuple[Any, ...], CandidatePool]] = {}
SHARED_POOL_TIMEOUT = 24 * 60 * 60


def _version_key(category_id: int) -> str:
    return f"matching:pool-version:{category_id}"


# Bumped whenever the shared layout changes, so no worker reads a pool of another shape. The shared copy is the
# pool's stacked products as plain bytes and text, never a pickled pool: the signed cache format holds only data.
POOL_FORMAT = 3


def _shared_key(category_id: int) -> str:
    return f"matching:pool:v{POOL_FORMAT}:{category_id}"


def pool_invalidate(*, category_ids: Iterable[int]) -> None:
    """Called when products change: pools of these categories (and so of their ancestors' subtrees) are stale."""
    for category_id in category_ids:
        try:
            cache.incr(_version_key(category_id))
        except ValueError:
            cache.set(_version_key(category_id), 1, timeout=None)
        _POOLS.pop(category_id, None)


def _pool_fingerprint(category_id: int, category_ids: list[int]) -> tuple[Any, ...]:
    stats = Product.objects.filter(candidate_products_q(category_ids)).aggregate(n=Count("id"), last=Max("updated_at"))
    return (cache.get(_version_key(category_id), 0), stats["n"], stats["last"])


def _keep(category_id: int, fingerprint: tuple[Any, ...], pool: CandidatePool) -> None:
    """Keep the pool as this process's most recently used, forgetting the least recently used ones while the pools
    kept hold more than MATCHING_POOL_CACHE_PRODUCTS products (the newest is kept whatever its size)."""
    _POOLS.pop(category_id, None)
    _POOLS[category_id] = (fingerprint, pool)
    held = sum(len(kept) for _fingerprint, kept in _POOLS.values())
    while held > settings.MATCHING_POOL_CACHE_PRODUCTS and len(_POOLS) > 1:
        _oldest, (_fingerprint, forgotten) = next(iter(_POOLS.items()))
        held -= len(forgotten)
        del _POOLS[_oldest]


def _share(category_id: int, fingerprint: tuple[Any, ...], pool: CandidatePool) -> None:
    try:
        cache.set(_shared_key(category_id), (fingerprint, pool.stacked.to_plain()), timeout=SHARED_POOL_TIMEOUT)
    except Exception:  # the shared copy is an optimisation: a cache outage or size limit only costs speed
        logger.warning("matching: could not share the candidate pool of category %s", category_id, exc_info=True)


# An incremental run does not wait for its pool to be shared: signing and sending megabytes to the cache was a
# good part of a cold re-match, and no one needs the copy before the run is over. One thread per process writes
# the copies in order, after the run commits; a copy that lands late is only ever taken while its fingerprint
# still holds.
_sharer: tuple[int, ThreadPoolExecutor] | None = None
_shares: list[Future[None]] = []


def _share_soon(category_id: int, fingerprint: tuple[Any, ...], pool: CandidatePool) -> None:
    # Once the run's matches are committed: until then the thread would only compete with the run for the CPU.
    transaction.on_commit(lambda: _share_in_background(category_id, fingerprint, pool))


def _share_in_background(category_id: int, fingerprint: tuple[Any, ...], pool: CandidatePool) -> None:
    global _sharer
    if _sharer is None or _sharer[0] != os.getpid():  # a forked worker does not inherit the parent's thread
        _sharer = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="matching-pool-share"))
        _shares.clear()
    _shares[:] = [share for share in _shares if not share.done()]
    _shares.append(_sharer[1].submit(_share, category_id, fingerprint, pool))


def pool_shares_wait() -> None:
    """Until the pools this process is sharing are in the shared cache (tests, benchmarks)."""
    for share in list(_shares):
        share.result()


def _shared_copy(category_id: int) -> tuple[tuple[Any, ...], Any] | None:
    try:
        stored = cache.get(_shared_key(category_id))
    except Exception:
        logger.warning("matching: could not read the shared pool of category %s", category_id, exc_info=True)
        return None
    return stored if isinstance(stored, tuple) and len(stored) == 2 else None


def _from_shared(
    category_id: int, stored: tuple[tuple[Any, ...], Any] | None, fingerprint: tuple[Any, ...]
) -> CandidatePool | None:
    if stored is None or stored[0] != fingerprint:
        return None
    try:
        return CandidatePool.from_stacked(StackedProducts.from_plain(stored[1]))
    except Exception:
        logger.warning("matching: could not read the shared pool of category %s", category_id, exc_info=True)
        return None


def warm_pool(*, category_id: int) -> CandidatePool:
    """A full pool for the category: this process's copy, the shared copy, or read afresh (and then shared)."""
    category_ids = subtree_category_ids(category_id)
    cached = _POOLS.get(category_id)
    stored = _shared_copy(category_id) if cached is None else None
    if cached is None and stored is None and connection.vendor == "postgresql":
        # Nothing to compare a fingerprint with: the pool's own read counts its candidates. The version is read
        # first, so a change during the read leaves the pool newer than its fingerprint, never older.
        version = cache.get(_version_key(category_id), 0)
        stacked, stats = _read_candidates(category_ids)
        fingerprint: tuple[Any, ...] = (version, *stats)
        pool = CandidatePool.from_stacked(stacked)
        _share_soon(category_id, fingerprint, pool)
        _keep(category_id, fingerprint, pool)
        return pool
    fingerprint = _pool_fingerprint(category_id, category_ids)
    if cached is not None and cached[0] == fingerprint:
        _POOLS[category_id] = _POOLS.pop(category_id)  # the most recently used now
        return cached[1]
    if cached is not None:
        stored = _shared_copy(category_id)
    shared = _from_shared(category_id, stored, fingerprint)
    pool = shared if shared is not None else load_pool(category_id=category_id)
    if shared is None:
        _share_soon(category_id, fingerprint, pool)
    _keep(category_id, fingerprint, pool)
    return pool


def pool_remember(*, category_id: int, pool: CandidatePool) -> None:
    """Keep and share a pool a full run just built, for the incremental runs that follow."""
    fingerprint = _pool_fingerprint(category_id, subtree_category_ids(category_id))
    _keep(category_id, fingerprint, pool)
    _share(category_id, fingerprint, pool)
