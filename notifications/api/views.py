"""The requesting person's notifications: list (paged, ``?unread=true``), mark one or all read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.schema import error_responses
from notifications import selectors, services
from notifications.api import serializers as s
from notifications.models import Notification


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="true: only unread; false: only read")],
        responses={200: s.NotificationSerializer(many=True), **error_responses(400, 401)},
    ),
    retrieve=extend_schema(responses={200: s.NotificationSerializer, **error_responses(401, 404)}),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Only your own notifications exist here: another person's are a 404."""

    serializer_class = s.NotificationSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Notification]:
        unread = None
        if self.action == "list":
            params = s.NotificationFilterSerializer(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            unread = params.validated_data["unread"]
        return selectors.notification_list(user=self.request.user, unread=unread)

    @extend_schema(request=None, responses={200: s.NotificationSerializer, **error_responses(401, 404)})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = self.get_object()
        services.notification_mark_read(user=request.user, notification_ids=[notification.pk])
        notification.refresh_from_db()
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: s.ReadAllSerializer, **error_responses(401)})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = services.notification_mark_read(user=request.user)
        return Response(s.ReadAllSerializer({"marked": marked}).data)
