from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination
from rest_framework.request import Request


class Hits(Protocol):
    """One page of search hits (``search.selectors.SearchResult``): ids in the backend's order, and its total."""

    @property
    def ids(self) -> Sequence[int]: ...

    @property
    def total(self) -> int: ...


SearchPage = Callable[[int, int], Hits]


def _whole_number(request: Request, name: str, *, maximum: int | None = None) -> int | None:
    """A positive whole-number query parameter; a value that is not one is a 400 naming it (never ignored)."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdecimal() or int(raw) < 1:
        raise ValidationError({name: [_("Must be a whole number of 1 or more.")]})
    if maximum is not None and int(raw) > maximum:
        raise ValidationError({name: [_("Must be at most %(maximum)d.") % {"maximum": maximum}]})
    return int(raw)


class PageNumberPagination(BasePageNumberPagination):
    """`count`, `next`, `previous`, `results`; clients may ask for up to 100 rows a page.

    ``page`` and ``page_size`` are read strictly: a value that is not a whole number of 1 or more (or a
    ``page_size`` over 100) is a 400 naming the parameter; a page past the last one is a 404.
    """

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        size = _whole_number(request, self.page_size_query_param, maximum=self.max_page_size)
        return size or self.page_size or 20

    def get_page_number(self, request: Request, paginator: Paginator[Any]) -> int | str:
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return paginator.num_pages
        return _whole_number(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters

    def paginate_search(
        self, request: Request, *, search: SearchPage, rows: QuerySet[Any], tail: QuerySet[Any]
    ) -> list[Any]:
        """One page of a keyword list, paged through the search backend as the pages are.

        ``search(page, page_size)`` gives the backend's hits of that page and its total; their rows come from
        ``rows`` (the visible, filtered rows), in the backend's order. ``tail`` (ordered) lists rows the index
        does not hold, such as a person's own drafts: they follow the last hit. ``count`` is the backend's total
        plus the tail's, so a keyword list has no cap and the same total as the page.
        """
        size = self.get_page_size(request)
        number = _whole_number(request, self.page_query_param) or 1
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
