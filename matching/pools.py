"""Candidate pools: a category subtree's published domestic products read in bulk, and kept warm per worker."""

from __future__ import annotations

import hashlib
import logging
import pickle
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Q

from catalog.models import Category, Product, Specification
from catalog.selectors import category_ancestor_codes, category_subtree_q
from matching import scoring as s
from matching.models import ProductTokens
from matching.vector import CandidatePool

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


def _product_text(parts: Sequence[str | None]) -> str:
    return " ".join(part or "" for part in parts)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _store_tokens(cut: dict[int, tuple[str, frozenset[str]]]) -> None:
    ProductTokens.objects.bulk_create(
        [
            ProductTokens(product_id=pk, digest=digest, tokens=" ".join(sorted(tokens)))
            for pk, (digest, tokens) in cut.items()
        ],
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["product"],
        update_fields=["digest", "tokens"],
    )


def tokens_refresh(*, product_ids: Iterable[int]) -> int:
    """Cut the text of these products again (the change outbox reports them changed); in bulk. Returns the rows
    written; products that are gone lose theirs."""
    ids = sorted(set(product_ids))
    rows = Product.objects.filter(pk__in=ids).values_list("pk", *PRODUCT_TEXT_FIELDS)
    cut = {}
    for pk, *parts in rows:
        text = _product_text(parts)
        cut[pk] = (_digest(text), s.text_tokens(text))
    ProductTokens.objects.filter(product_id__in=set(ids) - set(cut)).delete()
    _store_tokens(cut)
    return len(cut)


def tokens_refresh_all(*, batch: int = 20_000) -> int:
    """Every product's tokens cut afresh (a backfill after a bulk load, or after the tokenizer changed)."""
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    return sum(tokens_refresh(product_ids=ids[i : i + batch]) for i in range(0, len(ids), batch))


def _read_pool(products_q: Q, parameter_ids: Iterable[int] | None) -> CandidatePool:
    """The products of ``products_q`` as a pool: three queries, whatever their number, and no text cut when the
    products' tokens are kept ready (the rare row missing or outdated is cut now and stored)."""
    through = Q(product__in=Product.objects.filter(products_q).values("pk"))
    spec_qs = Specification.objects.filter(through)
    if parameter_ids is not None:
        spec_qs = spec_qs.filter(parameter_id__in=list(parameter_ids))
    specs = _fetch(
        spec_qs.values_list("product_id", "parameter_id", "value", "value_min", "value_max", "value_text", "value_bool")
    )
    served = Product.provinces_served.through.objects.filter(through)
    provinces = _fetch(served.values_list("product_id", "province_id"))
    product_rows = _fetch(
        Product.objects.filter(products_q).values_list(
            "id",
            "price_min",
            "price_max",
            "lead_time_days",
            "evaluation_score",
            "matching_tokens__digest",
            "matching_tokens__tokens",
            *PRODUCT_TEXT_FIELDS,
        )
    )
    products = []
    tokens: dict[int, frozenset[str]] = {}
    stale: dict[int, tuple[str, frozenset[str]]] = {}
    for pk, price_min, price_max, lead, evaluation, digest, kept, *parts in product_rows:
        products.append(
            (
                pk,
                "",
                None if price_min is None else float(price_min),
                None if price_max is None else float(price_max),
                lead,
                evaluation,
            )
        )
        text = _product_text(parts)
        fresh = _digest(text)
        if digest == fresh:
            tokens[pk] = frozenset(kept.split())
        else:
            tokens[pk] = s.text_tokens(text)
            stale[pk] = (fresh, tokens[pk])
    if stale:
        _store_tokens(stale)
    return CandidatePool.from_rows(products, specs, provinces, tokens=tokens)


def load_pool(*, category_id: int, parameter_ids: Iterable[int] | None = None) -> CandidatePool:
    """The candidate pool of a demand category: its subtree's published domestic products, as column arrays."""
    return _read_pool(candidate_products_q(subtree_category_ids(category_id)), parameter_ids)


def reference_pool(*, category_id: int, parameter_ids: Iterable[int], limit: int) -> CandidatePool:
    """The published imported products of the subtree (the first ``limit`` by id), scored like candidates."""
    imported = Product.objects.filter(candidate_products_q(subtree_category_ids(category_id), domestic=False))
    ids = list(imported.order_by("pk").values_list("pk", flat=True)[:limit])
    return _read_pool(Q(pk__in=ids), parameter_ids)


def products_pool(*, product_ids: Iterable[int], parameter_ids: Iterable[int] | None = None) -> CandidatePool:
    """Any products by id, domestic or imported, scored like candidates (the products quoted on a demand)."""
    return _read_pool(Q(pk__in=list(product_ids)), parameter_ids)


# --- Warm pools for incremental runs ------------------------------------------------------------------------
# A pool is reused only while its fingerprint holds: the category's version (bumped in the shared cache whenever
# a product of the subtree changes) and the count and latest change of its candidates. Two levels: this process
# keeps the pools it used, and the shared cache holds them compressed for the other workers, so a worker that
# never saw a category loads its pool in milliseconds instead of reading the catalog.

_POOLS: dict[int, tuple[tuple[Any, ...], CandidatePool]] = {}
POOL_CACHE_SIZE = 32
SHARED_POOL_TIMEOUT = 24 * 60 * 60


def _version_key(category_id: int) -> str:
    return f"matching:pool-version:{category_id}"


# Bumped whenever a pool's layout changes, so no worker unpickles a pool of another shape.
POOL_FORMAT = 2


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
    if category_id not in _POOLS and len(_POOLS) >= POOL_CACHE_SIZE:
        _POOLS.pop(next(iter(_POOLS)))
    _POOLS[category_id] = (fingerprint, pool)


def _share(category_id: int, fingerprint: tuple[Any, ...], pool: CandidatePool) -> None:
    try:
        payload = zlib.compress(pickle.dumps(pool, protocol=pickle.HIGHEST_PROTOCOL), 1)
        cache.set(_shared_key(category_id), (fingerprint, payload), timeout=SHARED_POOL_TIMEOUT)
    except Exception:  # the shared copy is an optimisation: a cache outage or size limit only costs speed
        logger.warning("matching: could not share the candidate pool of category %s", category_id, exc_info=True)


def _shared(category_id: int, fingerprint: tuple[Any, ...]) -> CandidatePool | None:
    try:
        stored = cache.get(_shared_key(category_id))
        if stored is None or stored[0] != fingerprint:
            return None
        pool = pickle.loads(zlib.decompress(stored[1]))
    except Exception:
        logger.warning("matching: could not read the shared pool of category %s", category_id, exc_info=True)
        return None
    return pool if isinstance(pool, CandidatePool) else None


def warm_pool(*, category_id: int) -> CandidatePool:
    """A full pool for the category: this process's copy, the shared copy, or read afresh (and then shared)."""
    category_ids = subtree_category_ids(category_id)
    fingerprint = _pool_fingerprint(category_id, category_ids)
    cached = _POOLS.get(category_id)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    pool = _shared(category_id, fingerprint)
    if pool is None:
        pool = load_pool(category_id=category_id)
        _share(category_id, fingerprint, pool)
    _keep(category_id, fingerprint, pool)
    return pool


def pool_remember(*, category_id: int, pool: CandidatePool) -> None:
    """Keep and share a pool a full run just built, for the incremental runs that follow."""
    fingerprint = _pool_fingerprint(category_id, subtree_category_ids(category_id))
    _keep(category_id, fingerprint, pool)
    _share(category_id, fingerprint, pool)
