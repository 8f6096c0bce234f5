"""The Elasticsearch backend: versioned indices behind one alias per kind, queried with elasticsearch-dsl.

Readers and writers only ever use the alias (``<prefix>-products``). A rebuild creates
``<prefix>-products-<timestamp>``, fills it, swaps the alias in one atomic ``update_aliases`` call, replays the
changes recorded while it ran, and then drops the old index.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import A, Q, Search

from search.backends.base import (
    FACETS,
    RELEVANCE,
    BackendResult,
    RebuildReport,
    SearchBackend,
    SearchUnavailable,
    sort_plan,
)
from search.backends.es_index import HIGHLIGHT_FIELDS, document_body, index_definition
from search.documents import documents_for, searchable_ids
from search.tokenizer import contains_cjk, model_key, normalize

if TYPE_CHECKING:
    from search.query import SearchQuery

logger = logging.getLogger(__name__)

FACET_LIMIT = 30
BULK_CHUNK = 500
# Text fields searched per kind, with boosts: titles weigh most, then classification, then descriptions.
TEXT_FIELDS = {
    "products": {
        "name_zh": 4,
        "name_en": 4,
        "model_number": 3,
        "category_name": 2,
        "manufacturer_name": 2,
        "description_zh": 1,
        "description_en": 1,
    },
    "demands": {"title": 4, "category_name": 2, "institution_name": 2, "description": 1},
}
_SORT_BY_ID: dict[str, Any] = {"object_id": "asc"}
_FACET_FIELDS = {
    "category": "category_id",
    "domestic": "is_domestic",
    "province": "provinces",
    "manufacturer": "manufacturer_id",
}
_ERRORS = (ApiError, TransportError)


def alias_name(kind: str) -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}-{kind}"


def versioned_name(kind: str, now: datetime.datetime | None = None) -> str:
    stamp = (now or timezone.now()).strftime("%Y%m%d%H%M%S%f")
    return f"{alias_name(kind)}-{stamp}"


def _is_single_character(text: str) -> bool:
    stripped = normalize(text).strip()
    return len(stripped) == 1 and contains_cjk(stripped)


def _filters(query: SearchQuery, category_path: str | None) -> list[Any]:
    f = query.filters
    clauses: list[Any] = []
    if f.get("category") is not None and not category_path:
        clauses.append(Q("match_none"))  # an unknown category matches nothing
    elif f.get("category") is not None:
        path = str(category_path)
        clauses.append(Q("bool", should=[Q("term", category_path=path), Q("prefix", category_path=path + "/")]))
    if f.get("province"):
        clauses.append(Q("term", provinces=f["province"]))
    if query.kind == "products":
        clauses.append(Q("term", status="published"))
        if f.get("is_domestic") is not None:
            clauses.append(Q("term", is_domestic=bool(f["is_domestic"])))
        if f.get("manufacturer") is not None:
            clauses.append(Q("term", manufacturer_id=int(f["manufacturer"])))
        if f.get("price_min") is not None:
            clauses.append(Q("range", price_max={"gte": float(f["price_min"])}))
        if f.get("price_max") is not None:
            clauses.append(Q("range", price_min={"lte": float(f["price_max"])}))
    else:
        clauses.append(Q("term", status="open"))
        budget = {k: float(f[n]) for k, n in (("gte", "budget_min"), ("lte", "budget_max")) if f.get(n) is not None}
        if budget:
            clauses.append(Q("range", budget=budget))
        deadline = {
            k: f[n].isoformat() if hasattr(f[n], "isoformat") else str(f[n])
            for k, n in (("gte", "deadline_after"), ("lte", "deadline_before"))
            if f.get(n) is not None
        }
        if deadline:
            clauses.append(Q("range", deadline=deadline))
    return clauses


def _text_query(query: SearchQuery) -> Any:
    fields = TEXT_FIELDS[query.kind]
    text = query.text.strip()
    if _is_single_character(text):
        # Bigram fields cannot match one character; the unigram sub-fields can.
        return Q(
            "multi_match",
            query=text,
            fields=[f"{name}.unigram^{boost}" for name, boost in fields.items() if name != "model_number"],
        )
    should = [
        Q(
            "multi_match",
            query=text,
            type="best_fields",
            operator="and",
            fields=[f"{name}^{boost}" for name, boost in fields.items()],
        ),
        Q(
            "multi_match",
            query=text,
            type="best_fields",
            operator="and",
            fields=[f"{name}.en^{boost}" for name, boost in fields.items() if name != "model_number"],
        ),
        # A title containing the whole query as a phrase beats one that has its words scattered.
        Q("multi_match", query=text, type="phrase", fields=[f"{n}^{b * 2}" for n, b in fields.items() if b >= 4]),
    ]
    if query.kind == "products":
        # The exact model number outranks everything else.
        should.append(Q("term", **{"model_number.keyword": {"value": model_key(text), "boost": 100}}))
    return Q("bool", should=should, minimum_should_match=1)


def _sort(query: SearchQuery, *, has_words: bool) -> list[Any]:
    """The sort clauses of ``query.sort`` (search.backends.base.sort_plan), empty values last, id last."""
    clauses: list[Any] = []
    for name, direction in sort_plan(query.kind, query.sort):
        if name == RELEVANCE:
            if has_words:
                clauses.append("_score")
        else:
            clauses.append({name: {"order": direction, "missing": "_last"}})
    return [*clauses, _SORT_BY_ID]


def build_search(query: SearchQuery, *, category_path: str | None = None) -> Search:
    """The request body for ``query`` (call ``.to_dict()`` to see it)."""
    search = Search(index=alias_name(query.kind))
    text = query.text.strip()
    filters = _filters(query, category_path)
    if text:
        search = search.query(Q("bool", must=[_text_query(query)], filter=filters))
        search = search.sort(*_sort(query, has_words=True))
        search = search.highlight_options(
            pre_tags=["<mark>"],
            post_tags=["</mark>"],
            encoder="html",
            fragment_size=120,
            number_of_fragments=2,
            require_field_match=False,
        )
        for name in HIGHLIGHT_FIELDS[query.kind]:
            search = search.highlight(name, f"{name}.unigram", f"{name}.en")
    else:
        search = search.query(Q("bool", filter=filters))
        search = search.sort(*_sort(query, has_words=False))
    for name in query.facets:
        if name in FACETS[query.kind]:
            search.aggs.bucket(name, A("terms", field=_FACET_FIELDS[name], size=FACET_LIMIT))
    start = (query.page - 1) * query.page_size
    search = search.extra(track_total_hits=True, _source=False)
    return search[start : start + query.page_size]


def parse_response(query: SearchQuery, body: dict[str, Any]) -> BackendResult:
    hits = body.get("hits", {})
    ids: list[int] = []
    highlights: dict[int, dict[str, list[str]]] = {}
    for hit in hits.get("hits", []):
        object_id = int(hit["_id"])
        ids.append(object_id)
        merged: dict[str, list[str]] = {}
        for field, fragments in (hit.get("highlight") or {}).items():
            base = field.split(".", 1)[0]
            merged.setdefault(base, [])
            merged[base].extend(f for f in fragments if f not in merged[base])
        if merged:
            highlights[object_id] = merged
    total = hits.get("total", {})
    facets: dict[str, list[tuple[str, int]]] = {}
    for name, agg in (body.get("aggregations") or {}).items():
        facets[name] = [
            (str(bucket.get("key_as_string", bucket["key"])), int(bucket["doc_count"])) for bucket in agg["buckets"]
        ]
    return BackendResult(
        ids=ids,
        total=int(total.get("value", 0)) if isinstance(total, dict) else int(total),
        facets=facets,
        highlights=highlights,
    )


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str | None = None, *, client: Elasticsearch | None = None) -> None:
        self.url = url or settings.ELASTICSEARCH_URL
        self._ready: set[str] = set()
        if client is not None:
            self.__dict__["client"] = client

    @cached_property
    def client(self) -> Elasticsearch:
        # Short timeouts and no transport retries: a dead cluster must fail fast so search can fall back.
        return Elasticsearch(self.url, request_timeout=getattr(settings, "SEARCH_ES_TIMEOUT", 3), max_retries=0)

    def _call(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except _ERRORS as exc:
            raise SearchUnavailable(f"Elasticsearch: {type(exc).__name__}: {exc}"[:500]) from exc

    def ping(self) -> None:
        if not self.url:
            raise SearchUnavailable("ELASTICSEARCH_URL is not set")
        if not self._call(self.client.ping):
            raise SearchUnavailable(f"Elasticsearch at {self.url} does not answer")

    def search(self, query: SearchQuery, *, category_path: str | None = None) -> BackendResult:
        body = build_search(query, category_path=category_path).to_dict()
        response = self._call(lambda: self.client.search(index=alias_name(query.kind), body=body))
        return parse_response(query, dict(response))

    # --- Indexing --------------------------------------------------------------------------------------

    def has_index(self, kind: str) -> bool:
        """Whether the alias of ``kind`` exists (readers and writers only ever use the alias)."""
        return bool(self._call(lambda: self.client.indices.exists_alias(name=alias_name(kind))))

    def ensure_index(self, kind: str) -> None:
        """Create the first versioned index and its alias when the alias does not exist yet."""
        alias = alias_name(kind)
        if kind in self._ready:
            return
        if not self._call(lambda: self.client.indices.exists_alias(name=alias)):
            name = versioned_name(kind)
            self._create(kind, name)
            self._call(lambda: self.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": alias}}]))
        self._ready.add(kind)

    def _create(self, kind: str, name: str) -> None:
        body = index_definition(kind, name).to_dict()
        self._call(lambda: self.client.indices.create(index=name, **body))

    def _actions(self, kind: str, ids: Sequence[int], index: str) -> Iterable[dict[str, Any]]:
        documents = documents_for(kind, ids)
        present = set()
        for doc in documents:
            present.add(doc.id)
            yield {"_op_type": "index", "_index": index, "_id": str(doc.id), "_source": document_body(doc)}
        for object_id in ids:
            if object_id not in present:
                yield {"_op_type": "delete", "_index": index, "_id": str(object_id)}

    def _bulk(self, actions: Iterable[dict[str, Any]]) -> int:
        def run() -> int:
            done = 0
            for ok, item in helpers.streaming_bulk(
                self.client, actions, chunk_size=BULK_CHUNK, raise_on_error=False, max_retries=2
            ):
                (operation, result), *_ = item.items()
                # Deleting what is not in the index is the expected outcome for never-indexed rows.
                if not ok and not (operation == "delete" and result.get("status") == 404):
                    raise SearchUnavailable(f"Elasticsearch rejected {operation} of {result.get('_id')}: {result}")
                done += 1
            return done

        return int(self._call(run))

    def index(self, kind: str, ids: Sequence[int]) -> None:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return
        self.ensure_index(kind)
        for start in range(0, len(ids), BULK_CHUNK):
            self._bulk(self._actions(kind, ids[start : start + BULK_CHUNK], alias_name(kind)))

    def delete(self, kind: str, ids: Sequence[int]) -> None:
        actions = ({"_op_type": "delete", "_index": alias_name(kind), "_id": str(i)} for i in ids)
        self._bulk(actions)

    def count(self, kind: str) -> int:
        try:
            return int(self.client.count(index=alias_name(kind))["count"])
        except NotFoundError:
            return 0
        except _ERRORS as exc:
            raise SearchUnavailable(str(exc)) from exc

    def current_indices(self, kind: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=alias_name(kind)).body)
        except NotFoundError:
            return []
        except _ERRORS as exc:
            raise SearchUnavailable(str(exc)) from exc

    def rebuild(
        self, kind: str, *, replay: Callable[[], Sequence[int]], progress: Any = None, cluster: bool = False
    ) -> RebuildReport:
        alias = alias_name(kind)
        name = versioned_name(kind)
        self._create(kind, name)
        # No refreshes while bulk loading; the final refresh makes everything visible before the swap.
        self._call(lambda: self.client.indices.put_settings(index=name, settings={"refresh_interval": "-1"}))
        indexed = 0
        batch: list[int] = []
        for object_id in searchable_ids(kind):
            batch.append(object_id)
            if len(batch) >= BULK_CHUNK * 4:
                indexed += self._bulk(self._actions(kind, batch, name))
                batch = []
                if progress:
                    progress(indexed)
        if batch:
            indexed += self._bulk(self._actions(kind, batch, name))
        self._call(lambda: self.client.indices.put_settings(index=name, settings={"refresh_interval": "1s"}))
        self._call(lambda: self.client.indices.refresh(index=name))
        old = self.current_indices(kind)
        swap = [{"remove": {"index": index, "alias": alias}} for index in old]
        swap.append({"add": {"index": name, "alias": alias}})
        self._call(lambda: self.client.indices.update_aliases(actions=swap))
        replayed = list(replay())
        self.index(kind, replayed)
        for index in old:
            try:
                self.client.indices.delete(index=index)
            except _ERRORS:
                logger.warning("search: could not delete old index %s; delete it by hand", index)
        return RebuildReport(kind=kind, indexed=indexed, replayed=len(replayed), index_name=name)
