"""The database backend: ``SearchEntry`` rows kept by the indexing path, searched with SQL.

On PostgreSQL each entry has a weighted ``tsvector`` (title and model A; classification, organization and the
title's synonyms B; body and its synonyms C) built from the tokenizer's output and GIN-indexed. Results rank
in tiers: the exact model number, then every word in the title (weight A), then in title or classification
(A or B), then anywhere; newer rows first within a tier. Tiers are weight-restricted matches, much cheaper than
``ts_rank`` over every match, and one SQL statement returns the page, the total and every facet count, so a
broad query reads its matching rows once. On SQLite (the embedded default) the same tokens are matched with
LIKE, and a match in the title ranks above one elsewhere.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.search import SearchQueryField
from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone

from config.bulk import copy_upsert
from search.backends.base import FACETS, RELEVANCE, BackendResult, RebuildReport, SearchBackend, sort_plan
from search.documents import (
    SearchDocument,
    display_texts,
    documents_for,
    province_bits,
    province_codes,
    province_mask,
    searchable_ids,
    synonyms,
)
from search.models import SearchEntry
from search.tokenizer import (
    QueryToken,
    compile_terms,
    document_tokens,
    highlight,
    highlight_terms,
    model_key,
    query_tokens,
    tsquery,
)

if TYPE_CHECKING:
    from search.query import SearchQuery

FACET_LIMIT = 30
FRAGMENT_CHARS = 120
INDEX_BATCH = 500
# Fields a highlight may come from, per kind: (entry attribute, field name consumers know).
_HIGHLIGHT_FIELDS = {
    "products": ("name_zh", "name_en", "description_zh", "description_en"),
    "demands": ("title", "description"),
}
# Titles are marked whole; bodies are cut to a fragment around the first match.
_TITLE_FIELDS = {"name_zh", "name_en", "title"}
_UPDATE_FIELDS = [
    "model_key",
    "terms_title",
    "terms_meta",
    "terms_body",
    "vector",
    "category_id",
    "category_path",
    "manufacturer_id",
    "is_domestic",
    "province_mask",
    "price_min",
    "price_max",
    "budget",
    "deadline",
    "sort_date",
    "indexed_at",
]

_ENTRY_COLUMNS = ["kind", "object_id", *_UPDATE_FIELDS]

# PostgreSQL's limit on one lexeme; nobody searches for a longer word.
MAX_LEXEME_BYTES = 2047


def _order_sql(plan: list[tuple[str, str]], *, has_words: bool) -> str:
    """ORDER BY of the page over the materialized matches (column names are the plan's, never user input)."""
    parts = []
    for name, direction in plan:
        if name == RELEVANCE:
            if has_words:
                parts.append("exact_model DESC, in_title DESC, in_classification DESC")
        else:
            parts.append(f"{name} {direction.upper()} NULLS LAST")
    return ", ".join([*parts, "object_id"])


def _order_by(plan: list[tuple[str, str]], *, ranking: tuple[str, ...]) -> list[Any]:
    """The same order for the ORM; ``ranking`` replaces RELEVANCE (nothing without words)."""
    order: list[Any] = []
    for name, direction in plan:
        if name == RELEVANCE:
            order.extend(ranking)
        elif direction == "desc":
            order.append(F(name).desc(nulls_last=True))
        else:
            order.append(F(name).asc(nulls_last=True))
    return [*order, "object_id"]


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _tsvector_literal(weighted: Sequence[tuple[str, list[str]]]) -> str:
    """A tsvector literal with positions, because PostgreSQL keeps weights on positions only."""
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for weight, tokens in weighted:
        for token in tokens:
            if token in seen:
                continue  # the first (heaviest) weight wins
            if len(token.encode()) > MAX_LEXEME_BYTES:
                continue  # PostgreSQL refuses the whole row, so one pasted blob would keep it out of the index
            seen.add(token)
            position = min(position + 1, 16383)
            parts.append("'" + token.replace("\\", "\\\\").replace("'", "''") + f"':{position}{weight}")
    return " ".join(parts)


def _unique(tokens: list[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


@lru_cache(maxsize=4096)
def _repeated_tokens(text: str) -> tuple[str, ...]:
    """Tokens of a text that recurs from document to document (synonym terms, category and maker names): a bulk
    import indexes thousands of products of one category and one manufacturer."""
    return tuple(document_tokens(text))


def _expanded_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for term in synonyms().expansions(text):
        tokens.extend(_repeated_tokens(term))
    return tokens


def filter_lexemes(doc: SearchDocument) -> list[str]:
    """Lexemes for the exact-value filters, so PostgreSQL answers them from the GIN index together with the
    words instead of checking every row the words match. ``~`` never occurs in a word token."""
    lexemes = []
    parts = doc.category_path.split("/") if doc.category_path else []
    # One lexeme per ancestor: a category filter then covers its whole subtree.
    lexemes += ["~c" + "/".join(parts[: i + 1]) for i in range(len(parts))]
    lexemes += ["~p" + code for code in doc.provinces]
    if doc.kind == "products":
        if doc.is_domestic is not None:
            lexemes.append("~d1" if doc.is_domestic else "~d0")
        if doc.organization_id is not None:
            lexemes.append(f"~m{doc.organization_id}")
    return lexemes


def filter_tokens(query: SearchQuery, category_path: str | None) -> list[QueryToken]:
    """The query's exact-value filters as lexemes (see ``filter_lexemes``)."""
    f = query.filters
    tokens = []
    if f.get("category") is not None and category_path:
        tokens.append(QueryToken("~c" + category_path))
    if f.get("province"):
        tokens.append(QueryToken(f"~p{f['province']}"))
    if query.kind == "products":
        if f.get("is_domestic") is not None:
            tokens.append(QueryToken("~d1" if f["is_domestic"] else "~d0"))
        if f.get("manufacturer") is not None:
            tokens.append(QueryToken(f"~m{int(f['manufacturer'])}"))
    return tokens


def entry_from_document(doc: SearchDocument, *, postgres: bool) -> SearchEntry:
    title_text = " ".join((doc.title_zh, doc.title_en))
    body_text = " ".join((doc.description_zh, doc.description_en))
    terms_title = _unique(document_tokens(f"{title_text} {doc.model_number}"))
    terms_meta = _unique(
        list(_repeated_tokens(" ".join(doc.category_names + doc.organization_names))) + _expanded_tokens(title_text)
    )
    terms_body = _unique(document_tokens(body_text) + _expanded_tokens(body_text))
    entry = SearchEntry(
        kind=doc.kind,
        object_id=doc.id,
        model_key=model_key(doc.model_number)[:100],
        category_id=doc.category_id,
        category_path=doc.category_path,
        manufacturer_id=doc.organization_id if doc.kind == "products" else None,
        is_domestic=doc.is_domestic,
        province_mask=province_mask(doc.provinces),
        price_min=doc.price_min,
        price_max=doc.price_max,
        budget=doc.budget,
        deadline=doc.deadline,
        sort_date=doc.sort_date,
    )
    if postgres:
        # The vector alone serves PostgreSQL; the token columns would only double the table.
        entry.vector = _tsvector_literal(
            (("A", terms_title), ("B", terms_meta), ("C", terms_body), ("D", filter_lexemes(doc)))
        )
    else:
        entry.terms_title = " " + " ".join(terms_title) + " "
        entry.terms_meta = " " + " ".join(terms_meta) + " "
        entry.terms_body = " " + " ".join(terms_body) + " "
    return entry


def _token_q(field: str, token: QueryToken) -> Q:
    return Q(**{f"{field}__contains": f" {token.text}" if token.prefix else f" {token.text} "})


class _VectorMatches(Func):
    """``vector @@ 'query'::tsquery`` as an expression, so it keeps the right table alias inside a subquery."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class DatabaseBackend(SearchBackend):
    name = "database"

    def ping(self) -> None:
        SearchEntry.objects.exists()

    # --- Searching -------------------------------------------------------------------------------------

    def _filtered(self, query: SearchQuery, category_path: str | None, *, postgres: bool) -> QuerySet[SearchEntry]:
        """Filters as column conditions; on PostgreSQL the exact-value ones are in the tsquery instead."""
        qs = SearchEntry.objects.filter(kind=query.kind)
        f = query.filters
        if f.get("category") is not None and not postgres:
            qs = qs.filter(Q(category_path=category_path) | Q(category_path__startswith=f"{category_path}/"))
        if f.get("province") and not postgres:
            bit = province_bits()[str(f["province"])]
            qs = qs.alias(province_bit=F("province_mask").bitand(1 << bit)).filter(province_bit__gt=0)
        if query.kind == "products":
            if f.get("is_domestic") is not None and not postgres:
                qs = qs.filter(is_domestic=f["is_domestic"])
            if f.get("manufacturer") is not None and not postgres:
                qs = qs.filter(manufacturer_id=f["manufacturer"])
            # A product's price range overlaps the wanted range.
            if f.get("price_min") is not None:
                qs = qs.filter(price_max__gte=f["price_min"])
            if f.get("price_max") is not None:
                qs = qs.filter(price_min__lte=f["price_max"])
        else:
            if f.get("budget_min") is not None:
                qs = qs.filter(budget__gte=f["budget_min"])
            if f.get("budget_max") is not None:
                qs = qs.filter(budget__lte=f["budget_max"])
            if f.get("deadline_after") is not None:
                qs = qs.filter(deadline__gte=f["deadline_after"])
            if f.get("deadline_before") is not None:
                qs = qs.filter(deadline__lte=f["deadline_before"])
        return qs

    def matching_ids(self, kind: str, text: str) -> QuerySet[SearchEntry, Any]:
        """The ids of every entry of ``kind`` holding every word of ``text`` (as ``search`` matches them), as a
        subquery: no page, no sample, no cap."""
        tokens = query_tokens(text)
        qs = SearchEntry.objects.filter(kind=kind)
        if not tokens:
            return qs.none().values("object_id")
        if _is_postgres():
            qs = qs.filter(_VectorMatches(F("vector"), Cast(Value(tsquery(tokens)), SearchQueryField())))
        else:
            for token in tokens:
                qs = qs.filter(
                    _token_q("terms_title", token) | _token_q("terms_meta", token) | _token_q("terms_body", token)
                )
        return qs.values("object_id")

    def search(self, query: SearchQuery, *, category_path: str | None = None) -> BackendResult:
        tokens = query_tokens(query.text)
        unknown_category = query.filters.get("category") is not None and not category_path
        unknown_province = bool(query.filters.get("province")) and str(query.filters["province"]) not in province_bits()
        if unknown_category or unknown_province or (query.text.strip() and not tokens):
            return BackendResult(ids=[], total=0, facets={name: [] for name in query.facets})
        postgres = _is_postgres()
        qs = self._filtered(query, category_path, postgres=postgres)
        wanted = [name for name in query.facets if name in FACETS[query.kind]]
        if postgres:
            ids, total, exact, facets = self._search_postgres(
                qs, query, tokens, filter_tokens(query, category_path), wanted
            )
        else:
            (ids, total, facets), exact = self._search_portable(qs, query, tokens, wanted), True
        highlights = self._highlights(query, ids) if tokens else {}
        return BackendResult(ids=ids, total=total, facets=facets, highlights=highlights, total_is_exact=exact)

    def _search_postgres(
        self,
        qs: QuerySet[SearchEntry],
        query: SearchQuery,
        tokens: list[QueryToken],
        filters: list[QueryToken],
        wanted: list[str],
    ) -> tuple[list[int], int, bool, dict[str, list[tuple[str, int]]]]:
        ranked: QuerySet[SearchEntry, Any]
        if tokens or filters:
            tsq = tsquery([*tokens, *filters])
            qs = qs.filter(RawSQL("search_searchentry.vector @@ %s::tsquery", [tsq], output_field=BooleanField()))
        if tokens:
            ranked = qs.annotate(
                exact_model=Case(
                    When(model_key=model_key(query.text), then=Value(1)), default=Value(0), output_field=IntegerField()
                ),
                in_title=RawSQL(
                    "search_searchentry.vector @@ %s::tsquery",
                    [tsquery(tokens, weights="A")],
                    output_field=BooleanField(),
                ),
                in_classification=RawSQL(
                    "search_searchentry.vector @@ %s::tsquery",
                    [tsquery(tokens, weights="AB")],
                    output_field=BooleanField(),
                ),
            )
        else:
            ranked = qs
        plan = sort_plan(query.kind, query.sort)
        order = _order_sql(plan, has_words=bool(tokens))
        columns = ["object_id", "category_id", "is_domestic", "manufacturer_id", "province_mask", "sort_date"]
        columns += [name for name, _direction in plan if name != RELEVANCE and name not in columns]
        if tokens:
            columns += ["exact_model", "in_title", "in_classification"]
        limit = scan_limit()
        key = model_key(query.text)
        sample = ranked.exclude(model_key=key).values(*columns) if tokens else ranked.values(*columns)
        if not tokens or query.sort:
            # Browsing, or an explicit order: the rows the first pages show are the first in that order.
            sample = sample.order_by(*_order_by(plan, ranking=()))
        inner_sql, params = sample[:limit].query.sql_with_params()
        inner_sql = f"({inner_sql})"
        if tokens:
            # The exact model is always seen, however many other rows match before it.
            exact_sql, exact_params = ranked.filter(model_key=key).values(*columns).query.sql_with_params()
            inner_sql = f"{inner_sql} UNION ALL ({exact_sql})"
            params = (*params, *exact_params)
        offset = (query.page - 1) * query.page_size
        parts = [
            # ARRAY(subquery) keeps the subquery's order, so the page comes back ranked in one value.
            "SELECT 'page', array_to_string(ARRAY("
            f"SELECT object_id FROM m ORDER BY {order} LIMIT %s OFFSET %s), ','), 0",
            "SELECT 'total', NULL, COUNT(*) FROM m",
        ]
        part_params: list[Any] = [query.page_size, offset]
        for name in wanted:
            if name == "province":
                sums = ", ".join(
                    f"COUNT(*) FILTER (WHERE province_mask & {1 << bit} <> 0)" for bit in range(len(province_codes()))
                )
                parts.append(f"SELECT 'province', array_to_string(ARRAY[{sums}], ','), NULL FROM m")
            else:
                column = {"category": "category_id", "domestic": "is_domestic", "manufacturer": "manufacturer_id"}[name]
                parts.append(
                    f"SELECT '{name}', {column}::text, COUNT(*) FROM m WHERE {column} IS NOT NULL GROUP BY {column}"
                )
        sql = f"WITH m AS MATERIALIZED ({inner_sql}) " + " UNION ALL ".join(parts)
        ids: list[int] = []
        total = 0
        counts: dict[str, dict[str, int]] = {name: {} for name in wanted}
        with connection.cursor() as cursor:
            cursor.execute(sql, (*params, *part_params))
            for part, value, number in cursor.fetchall():
                if part == "page":
                    ids = [int(i) for i in value.split(",") if i]
                elif part == "total":
                    total = number
                elif part == "province":
                    if value:
                        for code, count in zip(province_codes(), value.split(","), strict=True):
                            if count and count != "0":
                                counts["province"][code] = int(count)
                else:
                    counts[part][_facet_value(part, value)] = number
        exact = total < limit
        if not exact:
            # Only a sample was read: the planner's estimate (PostgreSQL keeps statistics of the most common
            # lexemes) gives the total, and facet counts are scaled from the sample to it.
            seen = total
            total = max(total, _estimated_rows(qs))
            for values in counts.values():
                for value, count in values.items():
                    values[value] = max(1, round(count * total / seen))
        facets = {name: self.top_facet_values(values, FACET_LIMIT) for name, values in counts.items()}
        return ids, total, exact, facets

    def _search_portable(
        self, qs: QuerySet[SearchEntry], query: SearchQuery, tokens: list[QueryToken], wanted: list[str]
    ) -> tuple[list[int], int, dict[str, list[tuple[str, int]]]]:
        page_qs: QuerySet[SearchEntry, Any]
        if tokens:
            for token in tokens:
                qs = qs.filter(
                    _token_q("terms_title", token) | _token_q("terms_meta", token) | _token_q("terms_body", token)
                )
            in_title = Q()
            in_classification = Q()
            for token in tokens:
                in_title &= _token_q("terms_title", token)
                in_classification &= _token_q("terms_title", token) | _token_q("terms_meta", token)
            page_qs = qs.annotate(
                exact_model=Case(
                    When(model_key=model_key(query.text), then=Value(1)), default=Value(0), output_field=IntegerField()
                ),
                rank=Case(
                    When(in_title, then=Value(2)),
                    When(in_classification, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                ),
            ).order_by(*_order_by(sort_plan(query.kind, query.sort), ranking=("-exact_model", "-rank")))
        else:
            page_qs = qs.order_by(*_order_by(sort_plan(query.kind, query.sort), ranking=()))
        offset = (query.page - 1) * query.page_size
        ids = list(page_qs.values_list("object_id", flat=True)[offset : offset + query.page_size])
        counters: dict[str, Counter[str]] = {name: Counter() for name in wanted}
        total = 0
        codes = province_codes()
        # The embedded database holds a demo-sized catalog: counting in Python keeps this path simple.
        for category_id, is_domestic, manufacturer_id, mask in qs.values_list(
            "category_id", "is_domestic", "manufacturer_id", "province_mask"
        ):
            total += 1
            row = {"category": category_id, "domestic": is_domestic, "manufacturer": manufacturer_id}
            for name in wanted:
                if name == "province":
                    counters[name].update(code for bit, code in enumerate(codes) if mask >> bit & 1)
                elif row[name] is not None:
                    counters[name][_facet_value(name, row[name])] += 1
        return ids, total, {name: self.top_facet_values(dict(c), FACET_LIMIT) for name, c in counters.items()}

    def _highlights(self, query: SearchQuery, ids: list[int]) -> dict[int, dict[str, list[str]]]:
        if not ids:
            return {}
        terms = compile_terms(highlight_terms(query.text, synonyms()))
        fields = _HIGHLIGHT_FIELDS[query.kind]
        highlights: dict[int, dict[str, list[str]]] = {}
        for row in display_texts(query.kind, ids):
            marked: dict[str, list[str]] = {}
            for name in fields:
                fragment = highlight(row[name], terms, fragment_chars=0 if name in _TITLE_FIELDS else FRAGMENT_CHARS)
                if fragment:
                    marked[name] = [fragment]
            if marked:
                highlights[row["id"]] = marked
        return highlights

    # --- Indexing --------------------------------------------------------------------------------------

    def index(self, kind: str, ids: Sequence[int]) -> None:
        ids = list(dict.fromkeys(ids))
        postgres = _is_postgres()
        for start in range(0, len(ids), INDEX_BATCH):
            batch = ids[start : start + INDEX_BATCH]
            documents = documents_for(kind, batch)
            present = {doc.id for doc in documents}
            entries = [entry_from_document(doc, postgres=postgres) for doc in documents]
            with transaction.atomic():
                gone = [i for i in batch if i not in present]
                if gone:
                    self.delete(kind, gone)
                if entries:
                    # COPY on PostgreSQL: indexing a bulk import writes thousands of entries at once.
                    now = timezone.now()
                    copy_upsert(
                        SearchEntry,
                        _ENTRY_COLUMNS,
                        [
                            [now if c == "indexed_at" else getattr(entry, c) for c in _ENTRY_COLUMNS]
                            for entry in entries
                        ],
                        unique=["kind", "object_id"],
                        update=_UPDATE_FIELDS,
                    )

    def delete(self, kind: str, ids: Sequence[int]) -> None:
        SearchEntry.objects.filter(kind=kind, object_id__in=list(ids)).delete()

    def count(self, kind: str) -> int:
        return SearchEntry.objects.filter(kind=kind).count()

    def rebuild(
        self, kind: str, *, replay: Callable[[], Sequence[int]], progress: Any = None, cluster: bool = False
    ) -> RebuildReport:
        # Entries are upserted in place, so searches keep working during the rebuild; whatever is no longer
        # searchable is removed at the end. Rows go in category order: on an empty table (or after
        # ``cluster``) the rows one query matches then share pages, and a search reads far fewer of them.
        indexed = 0
        batch: list[int] = []
        wanted: set[int] = set()
        for object_id in searchable_ids(kind, by_category=True):
            batch.append(object_id)
            wanted.add(object_id)
            if len(batch) >= 2000:
                self.index(kind, batch)
                indexed += len(batch)
                batch = []
                if progress:
                    progress(indexed)
        if batch:
            self.index(kind, batch)
            indexed += len(batch)
        stale = [
            i for i in SearchEntry.objects.filter(kind=kind).values_list("object_id", flat=True) if i not in wanted
        ]
        self.delete(kind, stale)
        replayed = list(replay())
        self.index(kind, replayed)
        if cluster and _is_postgres():
            # Rewrites the table in category order; it locks out searches for the few seconds it takes.
            with connection.cursor() as cursor:
                cursor.execute("CLUSTER search_searchentry USING search_entry_category")
                cursor.execute("ANALYZE search_searchentry")
        return RebuildReport(kind=kind, indexed=indexed, replayed=len(replayed), index_name=SearchEntry._meta.db_table)


def scan_limit() -> int:
    """How many matching rows a PostgreSQL search reads at most.

    Every matching row costs a heap visit, so a query matching half the catalog would be slow; past this many,
    ranking, facets and total come from a sample (the first rows read plus any exact model match) and the
    total is estimated. Ordinary queries match fewer rows and stay exact.
    """
    return int(getattr(settings, "SEARCH_DATABASE_SCAN_LIMIT", 4000))


def _estimated_rows(qs: QuerySet[SearchEntry]) -> int:
    sql, params = qs.values("object_id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _facet_value(name: str, value: Any) -> str:
    if name == "domestic":
        return "true" if value in (True, "true", "t", 1) else "false"
    return str(value)
