from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from search.forms import SearchForm
from search.selectors import SearchResult, search, search_rows


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Products or demands matching the words and filters in the query string, with facets."""
    # Always bound: with nothing typed the page browses everything, so the facets show before any keyword.
    form = SearchForm(request.GET)
    result: SearchResult | None = None
    rows: list = []
    kind = "products"
    if form.is_valid():
        query = form.to_query()
        kind = query.kind
        result = search(query)
        rows = search_rows(query.kind, result.ids)
        page_count = max(1, -(-result.total // query.page_size))
        page = query.page
    else:
        page_count = page = 1
    status = 200 if form.is_valid() else 400
    template = "search/_results.html" if request.headers.get("HX-Request") else "search/search.html"
    return render(
        request,
        template,
        {
            "form": form,
            "kind": kind,
            "result": result,
            "rows": rows,
            "page": page,
            "page_count": page_count,
            "has_previous": page > 1,
            "has_next": page < page_count,
        },
        status=status,
    )
