"""The change feed in the API: thin over feed.selectors."""

from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feed import selectors
from feed.api import serializers as s
from feed.events import event_payloads


class FeedView(APIView):
    """Public changes in commit order, paged by an opaque cursor: no gaps and no duplicates across pages."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[s.FeedQuerySerializer], responses=s.FeedPageSerializer)
    def get(self, request: Request) -> Response:
        query = s.FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        page = selectors.feed_page(cursor=query.validated_data.get("cursor", ""), limit=limit)
        base = request.build_absolute_uri("/").rstrip("/")
        next_url = request.build_absolute_uri(
            f"{request.path}?{urlencode({'cursor': page.next_cursor, 'limit': limit})}"
        )
        return Response(
            {
                "results": event_payloads(page.entries, base_url=base),
                "next_cursor": page.next_cursor,
                "next": next_url,
                "has_more": page.has_more,
            }
        )
