"""Saved searches in Elasticsearch: a percolator index per kind holding each saved search's query.

The stored query is the ``query`` part of the very request the search backend sends for that search
(``search.backends.elasticsearch.build_search``), and the index has the same analysis and field mappings as the
kind's search index, so a document meets a stored query exactly when the search would list it. New and changed
documents are percolated in one request per batch (``documents``), answering which saved searches each meets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers

from alerts.models import SavedSearch
from alerts.percolate import Hit, search_query
from search.backends import SearchUnavailable
from search.backends.elasticsearch import build_search
from search.backends.es_index import document_body, index_definition
from search.documents import SearchDocument

_ERRORS = (ApiError, TransportError)
# Hits per percolate request: each is one (saved search, matched documents) pair.
PERCOLATE_SIZE = 10_000


def percolator_index_name(kind: str) -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}-saved-{kind}"


def percolator_index_body(kind: str) -> dict[str, Any]:
    """Settings and mappings: the kind's search index definition plus the percolator field."""
    body = index_definition(kind, percolator_index_name(kind)).to_dict()
    properties = body.setdefault("mappings", {}).setdefault("properties", {})
    properties["query"] = {"type": "percolator"}
    properties["saved_search_id"] = {"type": "long"}
    properties["user_id"] = {"type": "long"}
    return body


def stored_query(saved: SavedSearch) -> dict[str, Any]:
    """The percolator document of a saved search: its search request's query, and who it belongs to."""
    request = build_search(search_query(saved), category_path=saved.category_path or None).to_dict()
    return {"query": request["query"], "saved_search_id": saved.pk, "user_id": saved.user_id}


def percolate_body(documents: Sequence[SearchDocument]) -> dict[str, Any]:
    """One request asking which stored queries each of ``documents`` meets (slots are positions in the list)."""
    return {
        "query": {"percolate": {"field": "query", "documents": [document_body(doc) for doc in documents]}},
        "size": PERCOLATE_SIZE,
        "_source": False,
        "sort": [{"saved_search_id": "asc"}],
    }


def parse_percolate(response: dict[str, Any], documents: Sequence[SearchDocument]) -> list[Hit]:
    hits = []
    for hit in response.get("hits", {}).get("hits", []):
        slots = (hit.get("fields") or {}).get("_percolator_document_slot", [0])
        for slot in slots:
            hits.append(Hit(saved_search_id=int(hit["_id"]), object_id=documents[int(slot)].id))
    return sorted(hits, key=lambda h: (h.object_id, h.saved_search_id))


class SavedSearchPercolator:
    def __init__(self, url: str | None = None, *, client: Elasticsearch | None = None) -> None:
        self.client = client or Elasticsearch(
            url or settings.ELASTICSEARCH_URL, request_timeout=getattr(settings, "SEARCH_ES_TIMEOUT", 3), max_retries=0
        )

    def _call(self, action: Any) -> Any:
        try:
            return action()
        except _ERRORS as exc:
            raise SearchUnavailable(f"Elasticsearch: {type(exc).__name__}: {exc}"[:500]) from exc

    def ensure_index(self, kind: str) -> None:
        name = percolator_index_name(kind)
        if not self._call(lambda: self.client.indices.exists(index=name)):
            self._call(lambda: self.client.indices.create(index=name, **percolator_index_body(kind)))

    def index(self, saved_searches: Sequence[SavedSearch], *, removed: Sequence[tuple[str, int]] = ()) -> None:
        """Store these saved searches' queries (replacing old ones) and remove ``removed`` (kind, id) pairs."""
        actions: list[dict[str, Any]] = []
        for kind in {s.kind for s in saved_searches} | {k for k, _i in removed}:
            self.ensure_index(kind)
        for saved in saved_searches:
            index = percolator_index_name(saved.kind)
            if saved.matches_nothing:
                actions.append({"_op_type": "delete", "_index": index, "_id": str(saved.pk)})
            else:
                actions.append(
                    {"_op_type": "index", "_index": index, "_id": str(saved.pk), "_source": stored_query(saved)}
                )
        actions += [{"_op_type": "delete", "_index": percolator_index_name(k), "_id": str(i)} for k, i in removed]

        def run() -> None:
            for ok, item in helpers.streaming_bulk(self.client, actions, raise_on_error=False, refresh="wait_for"):
                (operation, result), *_ = item.items()
                if not ok and not (operation == "delete" and result.get("status") == 404):
                    raise SearchUnavailable(f"Elasticsearch rejected {operation} of {result.get('_id')}: {result}")

        if actions:
            self._call(run)

    def percolate(self, kind: str, documents: Sequence[SearchDocument]) -> list[Hit]:
        if not documents:
            return []
        try:
            response = self.client.search(index=percolator_index_name(kind), body=percolate_body(documents))
        except NotFoundError:
            return []  # no saved search of this kind was ever stored
        except _ERRORS as exc:
            raise SearchUnavailable(f"Elasticsearch: {type(exc).__name__}: {exc}"[:500]) from exc
        return parse_percolate(dict(response), documents)

    def drop(self, kind: str) -> None:
        self._call(lambda: self.client.indices.delete(index=percolator_index_name(kind), ignore_unavailable=True))
