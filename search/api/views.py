from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from search.api.serializers import (
    DemandHitSerializer,
    ProductHitSerializer,
    SearchParamsSerializer,
    SearchResponseSerializer,
)
from search.params import query_from
from search.selectors import search, search_rows


class SearchApi(APIView):
    """Full-text search over published products or open demands, with filters, facets and highlights."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="search",
        parameters=[SearchParamsSerializer],
        responses={200: SearchResponseSerializer, 400: OpenApiResponse(description="Invalid parameters.")},
        tags=["search"],
    )
    def get(self, request: Request) -> Response:
        params = SearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = query_from(params.validated_data)
        result = search(query)
        rows = search_rows(query.kind, result.ids)
        hit_serializer = ProductHitSerializer if query.kind == "products" else DemandHitSerializer
        last_page = max(1, -(-result.total // query.page_size))
        url = request.build_absolute_uri()

        def page_url(page: int) -> str | None:
            if page < 1 or page > last_page:
                return None
            from rest_framework.utils.urls import replace_query_param

            return replace_query_param(url, "page", page)

        return Response(
            {
                "kind": query.kind,
                "q": query.text,
                "count": result.total,
                "count_is_exact": result.total_is_exact,
                "page": query.page,
                "page_size": query.page_size,
                "next": page_url(query.page + 1),
                "previous": page_url(query.page - 1),
                "results": hit_serializer(rows, many=True).data,
                "facets": {
                    name: [{"value": v, "label": label, "count": n} for v, label, n in values]
                    for name, values in result.facets.items()
                },
                "highlights": {str(k): v for k, v in result.highlights.items()},
                "backend": result.backend,
                "degraded": result.degraded,
            }
        )
