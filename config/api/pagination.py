from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination
from rest_framework.request import Request


class Hits(Protocol):
    """One page of search hits (``search.selectors.SearchResult``): ids in the backend's order, and its total."""

    @property
    def ids(self) -> Sequence[int]: ...

    @property
    def total(self) -> int: ...


SearchPage = Callable[[int, int], Hits]


class PageNumberPagination(BasePageNumberPagination):
    """`count`, `next`, `previous`, `results`; clients may ask for up to 100 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_search(
        self, request: Request, *, search: SearchPage, rows: QuerySet[Any], tail: QuerySet[Any]
    ) -> list[Any]:
        """One page of a keyword list, paged through the search backend as the pages are.

        ``search(page, page_size)`` gives the backend's hits of that page and its total; their rows come from
        ``rows`` (the visible, filtered rows), in the backend's order. ``tail`` (ordered) lists rows the index
        does not hold, such as a person's own drafts: they follow the last hit. ``count`` is the backend's total
        plus the tail's, so a keyword list has no cap and the same total as the page.
        """
        size = self.get_page_size(request) or 20
        try:
            number = int(request.query_params.get(self.page_query_param, 1))
        except (TypeError, ValueError):
            raise NotFound(self.invalid_page_message) from None
        if number < 1:
            raise NotFound(self.invalid_page_message)
        hits_page = search(number, size)
        ids, total = list(hits_page.ids), hits_page.total
        found = rows.in_bulk(ids)
        page_rows = [found[pk] for pk in ids if pk in found]
        offset = (number - 1) * size
        tail_count = tail.count()
        if tail_count and offset + size > total:
            start = max(0, offset - total)
            page_rows += list(tail[start : start + min(size, offset + size - total)])
        try:
            self.page = Paginator(range(total + tail_count), size).page(number)
        except InvalidPage:
            raise NotFound(self.invalid_page_message) from None
        self.request = request
        return page_rows
