"""Open-data downloads in the API: the CSV and XLSX answers, and the ``csv_url``/``xlsx_url`` a list links them by.

A list that has a download answers with ``csv_url`` and ``xlsx_url`` beside ``count`` and ``results``: the same
filters, as the download's query string, so "this list as a file" is one link away.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import urlencode

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.pagination import PageNumberPagination

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Query parameters of a list page that do not select rows: a download leaves them out.
_NOT_FILTERS = ("page", "page_size", "ordering", "format")


def download_links(request: Request, basename: str) -> dict[str, str]:
    """The list's downloads (``api:<basename>-download-csv`` and ``-xlsx``) with the request's filters."""
    query = request.query_params.copy()
    for name in _NOT_FILTERS:
        query.pop(name, None)
    suffix = f"?{query.urlencode()}" if query else ""
    return {
        f"{fmt}_url": request.build_absolute_uri(reverse(f"api:{basename}-download-{fmt}") + suffix)
        for fmt in ("csv", "xlsx")
    }


def download_page_links(basename: str, params: dict[str, Any]) -> dict[str, str]:
    """For a list page: its downloads with the page's filters (``params``: the API's filter names and values)."""
    query = urlencode({name: _query_value(value) for name, value in params.items() if value not in (None, "")})
    suffix = f"?{query}" if query else ""
    return {f"{fmt}_url": reverse(f"api:{basename}-download-{fmt}") + suffix for fmt in ("csv", "xlsx")}


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def downloadable_pagination(basename: str) -> type[PageNumberPagination]:
    """The API's pagination, whose pages also link the list's downloads (and say so in the schema)."""

    class DownloadablePagination(PageNumberPagination):
        def get_paginated_response(self, data: Any) -> Response:
            response = super().get_paginated_response(data)
            response.data.update(download_links(cast(Request, self.request), basename))
            return response

        def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
            paginated = super().get_paginated_response_schema(schema)
            for fmt in ("CSV", "XLSX"):
                paginated["properties"][f"{fmt.lower()}_url"] = {
                    "type": "string",
                    "format": "uri",
                    "description": f"This list with the same filters as {fmt} (every row, not one page).",
                }
            paginated["required"] = [*paginated.get("required", []), "csv_url", "xlsx_url"]
            return paginated

    DownloadablePagination.__name__ = f"{basename.title().replace('-', '')}DownloadablePagination"
    return DownloadablePagination


def csv_response(lines: Iterator[str], *, filename: str) -> StreamingHttpResponse:
    """A CSV download streamed as its rows are read, so a large set never sits in memory."""
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
