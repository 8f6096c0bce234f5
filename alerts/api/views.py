"""Your own saved searches and follows; another person's are a 404 (staff included)."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from alerts import selectors, services
from alerts.api import serializers as s
from alerts.models import Delivery, Follow, SavedSearch
from config.api.schema import error_responses


@extend_schema_view(
    list=extend_schema(responses={200: s.SavedSearchSerializer(many=True), **error_responses(401)}),
    retrieve=extend_schema(responses={200: s.SavedSearchSerializer, **error_responses(401, 404)}),
    create=extend_schema(
        request=s.SavedSearchWriteSerializer, responses={201: s.SavedSearchSerializer, **error_responses(400, 401)}
    ),
    partial_update=extend_schema(
        request=s.SavedSearchWriteSerializer,
        responses={200: s.SavedSearchSerializer, **error_responses(400, 401, 404)},
    ),
    destroy=extend_schema(responses={204: None, **error_responses(401, 404)}),
)
class SavedSearchViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.SavedSearchSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[SavedSearch]:
        return selectors.saved_search_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = s.SavedSearchWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        saved = services.saved_search_create(
            user=cast(User, request.user),
            params=write.params() or {"kind": "products"},
            name=write.validated_data.get("name", ""),
            delivery=write.validated_data.get("delivery", Delivery.IN_APP),
        )
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        saved = self.get_object()
        write = s.SavedSearchWriteSerializer(data=request.data, partial=True)
        write.is_valid(raise_exception=True)
        saved = services.saved_search_update(
            saved_search=saved,
            user=cast(User, request.user),
            name=write.validated_data.get("name"),
            delivery=write.validated_data.get("delivery"),
            params=write.params(),
        )
        return Response(self.get_serializer(saved).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.saved_search_delete(saved_search=self.get_object(), user=cast(User, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(responses={200: s.FollowSerializer(many=True), **error_responses(401)}),
    retrieve=extend_schema(responses={200: s.FollowSerializer, **error_responses(401, 404)}),
    create=extend_schema(request=s.FollowSerializer, responses={201: s.FollowSerializer, **error_responses(400, 401)}),
    partial_update=extend_schema(
        request=s.FollowUpdateSerializer, responses={200: s.FollowSerializer, **error_responses(400, 401, 404)}
    ),
    destroy=extend_schema(responses={204: None, **error_responses(401, 404)}),
)
class FollowViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.FollowSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Follow]:
        return selectors.follow_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        write = s.FollowSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        data = write.validated_data
        follow = services.follow_create(
            user=cast(User, request.user),
            category=data.get("category"),
            organization=data.get("organization"),
            product=data.get("product"),
            delivery=data.get("delivery", Delivery.IN_APP),
        )
        return Response(self.get_serializer(follow).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        follow = self.get_object()
        write = s.FollowUpdateSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        follow = services.follow_update(
            follow=follow, user=cast(User, request.user), delivery=write.validated_data["delivery"]
        )
        return Response(self.get_serializer(follow).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.follow_delete(follow=self.get_object(), user=cast(User, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
