"""The change feed in the API: thin over feed.selectors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.schema import error_responses
from feed import selectors, webhooks
from feed.api import serializers as s
from feed.events import event_payloads
from feed.models import WebhookEndpoint


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


class WebhookViewSet(viewsets.ModelViewSet):
    """Your organizations' webhook endpoints (administrators only); another organization's are a 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = s.WebhookSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return selectors.webhook_list(user=self.request.user)

    @extend_schema(request=s.WebhookInSerializer, responses={201: s.WebhookSerializer, **error_responses(400, 403)})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = s.WebhookInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        data.pop("is_active", None)
        endpoint = webhooks.webhook_create(user=request.user, **data)  # type: ignore[arg-type]
        return Response(self.get_serializer(endpoint).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.WebhookUpdateSerializer, responses={200: s.WebhookSerializer, **error_responses(400, 404)})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        incoming = s.WebhookUpdateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        endpoint = webhooks.webhook_update(
            user=request.user,  # type: ignore[arg-type]
            endpoint=endpoint,
            **incoming.validated_data,
        )
        return Response(self.get_serializer(endpoint).data)

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        webhooks.webhook_delete(user=self.request.user, endpoint=instance)  # type: ignore[arg-type]

    @extend_schema(responses=s.WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """The endpoint's deliveries, newest first, each with its event and the log of its attempts."""
        endpoint = self.get_object()
        page = self.paginate_queryset(selectors.webhook_deliveries(user=request.user, endpoint=endpoint))
        return self.get_paginated_response(s.WebhookDeliverySerializer(page, many=True).data)
