"""Accounts API: tokens, organizations, their members and join requests, and the requesting person (`me`)."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import policies, services
from accounts.api import serializers as s
from accounts.models import JoinRequest, Membership, Organization, User
from accounts.selectors import (
    join_requests_for_admin,
    organization_list,
    organization_members,
    user_memberships,
)
from config.api.schema import error_responses
from config.api.throttling import ScopedRateThrottle

ERRORS = error_responses(400, 401, 403, 404)


def _user(request: Request) -> User:
    """The authenticated person (views using it require authentication)."""
    return cast(User, request.user)


class ObtainTokenView(GenericAPIView):
    """Exchange an email address (or `username`) and password for an API token."""

    serializer_class = s.TokenRequestSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    # Guessing passwords is throttled harder than ordinary API use.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        operation_id="auth_token_create",
        request=s.TokenRequestSerializer,
        responses={200: s.TokenResponseSerializer, **error_responses(400, 429)},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"token": services.user_api_token(user=serializer.validated_data["user"])})


# Service errors about the person keep their names; the others are the new organization's fields.
SIGNUP_PERSON_FIELDS = frozenset({"email", "password", "full_name", "phone", "preferred_language"})


class SignupView(GenericAPIView):
    """Register: the same rules as the sign-up page. A new organization waits for verification by the platform
    staff and its creator is its administrator; or the person asks to join a verified organization."""

    serializer_class = s.SignupSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signup"

    @extend_schema(
        operation_id="auth_signup_create",
        request=s.SignupSerializer,
        responses={201: s.SignupResultSerializer},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        person = {
            "email": data["email"],
            "password": data["password"],
            "full_name": data["full_name"],
            "phone": data["phone"],
            "preferred_language": data.get("preferred_language") or getattr(request, "LANGUAGE_CODE", None),
        }
        try:
            if "join" in data:
                result = services.signup_with_join_request(
                    organization=data["join"]["organization"], message=data["join"]["message"], **person
                )
            else:
                result = services.signup_with_new_organization(organization=dict(data["organization"]), **person)
        except DjangoValidationError as exc:
            raise ValidationError(_signup_errors(exc)) from exc
        body = {
            "token": services.user_api_token(user=result.user),
            "user": result.user,
            "organization": result.organization,
            "role": result.membership.role if result.membership else None,
            "join_request": result.join_request,
        }
        return Response(s.SignupResultSerializer(body).data, status=status.HTTP_201_CREATED)


def _signup_errors(exc: DjangoValidationError) -> dict[str, Any]:
    """The service's errors under the names of the request: the new organization's nested in `organization`."""
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    errors: dict[str, Any] = {}
    nested: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        if name == "__all__":
            errors["non_field_errors"] = messages
        elif name in SIGNUP_PERSON_FIELDS:
            errors[name] = messages
        else:
            nested[name] = messages
    if nested:
        errors["organization"] = nested
    return errors


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name contains"))
    province = django_filters.CharFilter(field_name="province_id", label=_("Province code"))
    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact")

    class Meta:
        model = Organization
        fields = ["kind", "country", "province", "is_verified"]

    def filter_q(self, queryset: QuerySet[Organization], name: str, value: str) -> QuerySet[Organization]:
        return queryset.filter(Q(name_zh__icontains=value) | Q(name_en__icontains=value))


class IsOrganizationAdminOrReadOnly(permissions.BasePermission):
    def has_object_permission(self, request: Request, view: Any, obj: Organization) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return policies.can_edit_organization(request.user, obj)


@extend_schema_view(
    list=extend_schema(summary=_("Verified organizations, plus your own unverified ones")),
    retrieve=extend_schema(responses={200: s.OrganizationSerializer, 404: ERRORS[404]}),
)
class OrganizationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.OrganizationSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsOrganizationAdminOrReadOnly]
    filterset_class = OrganizationFilter
    # Changes are partial (PATCH): there is no meaningful "replace" of an organization.
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["name_zh", "name_en", "created_at", "id"]
    ordering = ["name_zh", "id"]

    def get_queryset(self) -> QuerySet[Organization]:
        return organization_list(user=self.request.user)

    @extend_schema(
        summary=_("Register a new organization; it waits for verification and you become its administrator"),
        request=s.OrganizationCreateSerializer,
        responses={201: s.OrganizationSerializer, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def create(self, request: Request) -> Response:
        serializer = s.OrganizationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = services.organization_create(created_by=_user(request), **serializer.validated_data)
        return Response(self.get_serializer(organization).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change an organization (its administrators only)"),
        request=s.OrganizationUpdateSerializer,
        responses={200: s.OrganizationSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        organization = self.get_object()
        serializer = s.OrganizationUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        organization = services.organization_update(
            organization=organization, updated_by=_user(request), **serializer.validated_data
        )
        return Response(self.get_serializer(organization).data)

    @extend_schema(
        summary=_("Verify an organization (platform staff only)"),
        request=None,
        responses={200: s.OrganizationSerializer, 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAdminUser])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        organization = self.get_object()
        organization = services.organization_verify(organization=organization, verified_by=_user(request))
        return Response(self.get_serializer(organization).data)

    @extend_schema(
        summary=_("Ask to join a verified organization; its administrators decide"),
        request=s.JoinRequestCreateSerializer,
        responses={201: s.JoinRequestSerializer, 400: ERRORS[400], 401: ERRORS[401], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def join(self, request: Request, pk: str | None = None) -> Response:
        organization = self.get_object()
        serializer = s.JoinRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        join_request = services.join_request_create(
            user=_user(request), organization=organization, message=serializer.validated_data["message"]
        )
        return Response(s.JoinRequestSerializer(join_request).data, status=status.HTTP_201_CREATED)


ORGANIZATION_PK = OpenApiParameter(
    "organization_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("Id of the organization.")
)


class _OrganizationScopedViewSet(viewsets.GenericViewSet):
    """Resolves the organization in the URL among those the requesting person may see (404 otherwise)."""

    def get_organization(self) -> Organization:
        if not hasattr(self, "_organization"):
            self._organization = get_object_or_404(
                organization_list(user=self.request.user), pk=self.kwargs["organization_pk"]
            )
        return self._organization

    def object_pk(self) -> int:
        """The id in the URL; one that is not a number names no object (404, not a server error)."""
        raw = str(self.kwargs.get("pk", ""))
        if not raw.isdecimal():
            raise NotFound()
        return int(raw)

    def require_admin(self) -> Organization:
        organization = self.get_organization()
        if not policies.can_manage_members(self.request.user, organization):
            raise PermissionDenied(_("Only the administrators of this organization can do this."))
        return organization


@extend_schema(parameters=[ORGANIZATION_PK])
@extend_schema_view(
    list=extend_schema(
        summary=_("Members of an organization (its members and staff)"),
        responses={200: s.MembershipSerializer(many=True), 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
    ),
)
class OrganizationMemberViewSet(mixins.ListModelMixin, _OrganizationScopedViewSet):
    serializer_class = s.MembershipSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[Any] = []
    queryset = Membership.objects.none()

    def get_queryset(self) -> QuerySet[Membership]:
        organization = self.get_organization()
        user = self.request.user
        if not policies.can_see_members(user, organization):
            raise PermissionDenied(_("Only the members of this organization can see its members."))
        return organization_members(organization)

    def get_membership(self) -> Membership:
        organization = self.require_admin()
        return get_object_or_404(Membership, organization=organization, pk=self.object_pk())

    @extend_schema(
        summary=_("Add a registered person to the organization (its administrators only)"),
        request=s.MembershipCreateSerializer,
        responses={201: s.MembershipSerializer, **ERRORS},
    )
    def create(self, request: Request, organization_pk: str) -> Response:
        organization = self.require_admin()
        serializer = s.MembershipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_add(
            organization=organization, added_by=_user(request), **serializer.validated_data
        )
        return Response(s.MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Change a member's role (the organization's administrators only)"),
        request=s.MembershipUpdateSerializer,
        responses={200: s.MembershipSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, organization_pk: str, pk: str) -> Response:
        membership = self.get_membership()
        serializer = s.MembershipUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            membership=membership, role=serializer.validated_data["role"], changed_by=_user(request)
        )
        updated = organization_members(membership.organization_id).get(pk=membership.pk)
        return Response(s.MembershipSerializer(updated).data)

    @extend_schema(
        summary=_("Remove a member (the organization's administrators only; never the last administrator)"),
        responses={204: None, **ERRORS},
    )
    def destroy(self, request: Request, organization_pk: str, pk: str) -> Response:
        membership = self.get_membership()
        services.membership_remove(membership=membership, removed_by=_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[ORGANIZATION_PK])
@extend_schema_view(
    list=extend_schema(
        summary=_("Pending join requests (the organization's administrators only)"),
        responses={200: s.JoinRequestSerializer(many=True), 401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]},
    ),
)
class OrganizationJoinRequestViewSet(mixins.ListModelMixin, _OrganizationScopedViewSet):
    serializer_class = s.JoinRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[Any] = []
    queryset = JoinRequest.objects.none()

    def get_queryset(self) -> QuerySet[JoinRequest]:
        organization = self.require_admin()
        return join_requests_for_admin(self.request.user).filter(organization=organization)

    @extend_schema(
        summary=_("Approve or reject a pending join request"),
        request=s.JoinRequestDecisionSerializer,
        responses={200: s.JoinRequestSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, organization_pk: str, pk: str) -> Response:
        join_request = get_object_or_404(self.get_queryset(), pk=self.object_pk())
        serializer = s.JoinRequestDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        join_request = services.join_request_decide(
            join_request=join_request, decided_by=_user(request), approve=serializer.validated_data["approve"]
        )
        return Response(s.JoinRequestSerializer(join_request).data)


class MeView(GenericAPIView):
    """The requesting person: profile, notification preference, language and organizations with roles."""

    serializer_class = s.MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def _response(self, user: User) -> Response:
        context = {**self.get_serializer_context(), "memberships": list(user_memberships(user))}
        return Response(s.MeSerializer(user, context=context).data)

    @extend_schema(responses={200: s.MeSerializer, 401: ERRORS[401]})
    def get(self, request: Request) -> Response:
        return self._response(_user(request))

    @extend_schema(request=s.MeUpdateSerializer, responses={200: s.MeSerializer, 400: ERRORS[400], 401: ERRORS[401]})
    def patch(self, request: Request) -> Response:
        serializer = s.MeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=_user(request), **serializer.validated_data)
        return self._response(user)
