"""The database backend: ``SearchEntry`` rows kept by the indexing path, searched with SQL.

On PostgreSQL each entry has a weighted ``tsvector`` (title A, classification and organization B, body and
synonyms C) built from the tokenizer's output and GIN-indexed; results are ranked with ``ts_rank`` after an
exact model-number match. On SQLite (the embedded default) the same tokens are matched with LIKE, and a match
in the title ranks above one elsewhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from search.backends.base import FACETS, BackendResult, RebuildReport, SearchBackend
from search.documents import SearchDocument, documents_for, searchable_ids, synonyms
from search.models import SearchEntry
from search.tokenizer import (
    QueryToken,
    document_tokens,
    highlight,
    highlight_terms,
    model_key,
    query_tokens,
    tsquery,
)

if TYPE_CHECKING:
    from search.selectors import SearchQuery

FACET_LIMIT = 30
FRAGMENT_CHARS = 120
INDEX_BATCH = 500
# Fields a highlight may come from, per kind: (entry attribute, field name consumers know).
_HIGHLIGHT_FIELDS = {
    "products": (
        ("title", "name_zh"),
        ("title_en", "name_en"),
        ("body", "description_zh"),
        ("body_en", "description_en"),
    ),
    "demands": (("title", "title"), ("body", "description")),
}
_UPDATE_FIELDS = [
    "title",
    "title_en",
    "body",
    "body_en",
    "model_number",
    "model_key",
    "terms_title",
    "terms_meta",
    "terms_body",
    "vector",
    "category_id",
    "category_path",
    "manufacturer_id",
    "is_domestic",
    "provinces",
    "price_min",
    "price_max",
    "budget",
    "deadline",
    "sort_date",
    "indexed_at",
]


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
            seen.add(token)
            position = min(position + 1, 16383)
            parts.append("'" + token.replace("\\", "\\\\").replace("'", "''") + f"':{position}{weight}")
    return " ".join(parts)


def _unique(tokens: list[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


def _expanded_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for term in synonyms().expansions(text):
        tokens.extend(document_tokens(term))
    return tokens


def entry_from_document(doc: SearchDocument, *, postgres: bool) -> SearchEntry:
    title_text = " ".join((doc.title_zh, doc.title_en))
    body_text = " ".join((doc.description_zh, doc.description_en))
    terms_title = _unique(document_tokens(f"{title_text} {doc.model_number}"))
    terms_meta = _unique(
        document_tokens(" ".join(doc.category_names + doc.organization_names)) + _expanded_tokens(title_text)
    )
    terms_body = _unique(document_tokens(body_text) + _expanded_tokens(body_text))
    entry = SearchEntry(
        kind=doc.kind,
        object_id=doc.id,
        title=doc.title_zh,
        title_en=doc.title_en,
        body=doc.description_zh,
        body_en=doc.description_en,
        model_number=doc.model_number[:100],
        model_key=model_key(doc.model_number)[:100],
        category_id=doc.category_id,
        category_path=doc.category_path,
        manufacturer_id=doc.organization_id if doc.kind == "products" else None,
        is_domestic=doc.is_domestic,
        provinces=" " + " ".join(doc.provinces) + " " if doc.provinces else "",
        price_min=doc.price_min,
        price_max=doc.price_max,
        budget=doc.budget,
        deadline=doc.deadline,
        sort_date=doc.sort_date,
    )
    if postgres:
        # The vector alone serves PostgreSQL; the token columns would only double the table.
        entry.vector = _tsvector_literal((("A", terms_title), ("B", terms_meta), ("C", terms_body)))
    else:
        entry.terms_title = " " + " ".join(terms_title) + " "
        entry.terms_meta = " " + " ".join(terms_meta) + " "
        entry.terms_body = " " + " ".join(terms_body) + " "
    return entry


def _token_q(field: str, token: QueryToken) -> Q:
    return Q(**{f"{field}__contains": f" {token.text}" if token.prefix else f" {token.text} "})


class DatabaseBackend(SearchBackend):
    name = "database"

    def ping(self) -> None:
        SearchEntry.objects.exists()

    # --- Searching -------------------------------------------------------------------------------------

    def _filtered(self, query: SearchQuery, category_path: str | None) -> QuerySet[SearchEntry]:
        qs = SearchEntry.objects.filter(kind=query.kind)
        f = query.filters
        if f.get("category") is not None:
            qs = qs.filter(Q(category_path=category_path) | Q(category_path__startswith=f"{category_path}/"))
        if f.get("province"):
            qs = qs.filter(provinces__contains=f" {f['province']} ")
        if query.kind == "products":
            if f.get("is_domestic") is not None:
                qs = qs.filter(is_domestic=f["is_domestic"])
            if f.get("manufacturer") is not None:
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

    def search(self, query: SearchQuery, *, category_path: str | None = None) -> BackendResult:
        qs = self._filtered(query, category_path)
        tokens = query_tokens(query.text)
        unknown_category = query.filters.get("category") is not None and not category_path
        if unknown_category or (query.text.strip() and not tokens):
            return BackendResult(ids=[], total=0, facets={name: [] for name in query.facets})
        offset = (query.page - 1) * query.page_size
        postgres = _is_postgres()
        if tokens:
            exact_model = Case(
                When(model_key=model_key(query.text), then=Value(1)), default=Value(0), output_field=IntegerField()
            )
            if postgres:
                tsq = tsquery(tokens)
                qs = qs.filter(RawSQL("search_searchentry.vector @@ %s::tsquery", [tsq], output_field=BooleanField()))
                rank: Any = RawSQL("ts_rank(search_searchentry.vector, %s::tsquery)", [tsq])
            else:
                for token in tokens:
                    qs = qs.filter(
                        _token_q("terms_title", token) | _token_q("terms_meta", token) | _token_q("terms_body", token)
                    )
                in_title = Q()
                for token in tokens:
                    in_title &= _token_q("terms_title", token)
                rank = Case(When(in_title, then=Value(1)), default=Value(0), output_field=IntegerField())
            page_qs: QuerySet[SearchEntry, Any] = qs.annotate(exact_model=exact_model, rank=rank).order_by(
                "-exact_model", "-rank", F("sort_date").desc(nulls_last=True), "object_id"
            )
        else:
            page_qs = qs.order_by(F("sort_date").desc(nulls_last=True), "object_id")
        ids = list(page_qs.values_list("object_id", flat=True)[offset : offset + query.page_size])
        total, facets = self._total_and_facets(qs, query, postgres=postgres)
        highlights = self._highlights(query, ids) if query.text.strip() else {}
        return BackendResult(ids=ids, total=total, facets=facets, highlights=highlights)

    def _total_and_facets(
        self, qs: QuerySet[SearchEntry], query: SearchQuery, *, postgres: bool
    ) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        wanted = [name for name in query.facets if name in FACETS[query.kind]]
        if not postgres:
            return self._total_and_facets_python(qs, wanted)
        # One round trip: the matches are computed once and every count reads them.
        inner_sql, params = qs.values(
            "category_id", "is_domestic", "manufacturer_id", "provinces"
        ).query.sql_with_params()
        selects = ["SELECT 'total', NULL, COUNT(*) FROM m"]
        columns = {"category": "category_id", "domestic": "is_domestic", "manufacturer": "manufacturer_id"}
        for name in wanted:
            if name == "province":
                selects.append(
                    "SELECT 'province', code, COUNT(*) FROM m, "
                    "unnest(string_to_array(btrim(m.provinces), ' ')) AS code WHERE code <> '' GROUP BY code"
                )
            else:
                column = columns[name]
                selects.append(
                    f"SELECT '{name}', {column}::text, COUNT(*) FROM m WHERE {column} IS NOT NULL GROUP BY {column}"
                )
        sql = f"WITH m AS MATERIALIZED ({inner_sql}) " + " UNION ALL ".join(selects)
        counts: dict[str, dict[str, int]] = {name: {} for name in wanted}
        total = 0
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for name, value, count in cursor.fetchall():
                if name == "total":
                    total = count
                else:
                    counts[name][_facet_value(name, value)] = count
        return total, {name: self.top_facet_values(values, FACET_LIMIT) for name, values in counts.items()}

    def _total_and_facets_python(
        self, qs: QuerySet[SearchEntry], wanted: list[str]
    ) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        counters: dict[str, Counter[str]] = {name: Counter() for name in wanted}
        total = 0
        for category_id, is_domestic, manufacturer_id, provinces in qs.values_list(
            "category_id", "is_domestic", "manufacturer_id", "provinces"
        ):
            total += 1
            row = {"category": category_id, "domestic": is_domestic, "manufacturer": manufacturer_id}
            for name in wanted:
                if name == "province":
                    counters[name].update(provinces.split())
                elif row[name] is not None:
                    counters[name][_facet_value(name, row[name])] += 1
        return total, {name: self.top_facet_values(dict(c), FACET_LIMIT) for name, c in counters.items()}

    def _highlights(self, query: SearchQuery, ids: list[int]) -> dict[int, dict[str, list[str]]]:
        if not ids:
            return {}
        terms = highlight_terms(query.text, synonyms())
        fields = _HIGHLIGHT_FIELDS[query.kind]
        rows = SearchEntry.objects.filter(kind=query.kind, object_id__in=ids).values(
            "object_id", *(attr for attr, _ in fields)
        )
        highlights: dict[int, dict[str, list[str]]] = {}
        for row in rows:
            marked: dict[str, list[str]] = {}
            for attr, name in fields:
                fragment = highlight(row[attr], terms, fragment_chars=0 if attr.startswith("title") else FRAGMENT_CHARS)
                if fragment:
                    marked[name] = [fragment]
            if marked:
                highlights[row["object_id"]] = marked
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
                    SearchEntry.objects.bulk_create(
                        entries,
                        update_conflicts=True,
                        unique_fields=["kind", "object_id"],
                        update_fields=_UPDATE_FIELDS,
                    )

    def delete(self, kind: str, ids: Sequence[int]) -> None:
        SearchEntry.objects.filter(kind=kind, object_id__in=list(ids)).delete()

    def count(self, kind: str) -> int:
        return SearchEntry.objects.filter(kind=kind).count()

    def rebuild(self, kind: str, *, replay: Callable[[], Sequence[int]], progress: Any = None) -> RebuildReport:
        # Entries are upserted in place, so searches keep working during the rebuild; whatever is no longer
        # searchable is removed at the end.
        indexed = 0
        batch: list[int] = []
        wanted: set[int] = set()
        for object_id in searchable_ids(kind):
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
        return RebuildReport(kind=kind, indexed=indexed, replayed=len(replayed), index_name=SearchEntry._meta.db_table)


def _facet_value(name: str, value: Any) -> str:
    if name == "domestic":
        return "true" if value in (True, "true", "t", 1) else "false"
    return str(value)
