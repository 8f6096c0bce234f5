"""Serializers for the accounts API, one per direction where input and output differ."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from accounts.backends import login_wait_of
from accounts.models import JoinRequest, Membership, Organization, User
from accounts.selectors import organization_join_choices
from notifications.selectors import unread_notification_count


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.CharField(required=False, help_text=_("Your email address (or send it as username)."))
    username = serializers.CharField(required=False, help_text=_("Accepted as a synonym of email."))
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        login = (attrs.get("email") or attrs.get("username") or "").strip()
        if not login:
            raise serializers.ValidationError({"email": [_("Give your email address as email or username.")]})
        request = self.context.get("request")
        user = authenticate(request, username=login, password=attrs["password"])
        wait = login_wait_of(request)
        if user is None and wait:
            raise exceptions.Throttled(wait=wait, detail=str(_("Too many failed attempts; try again later.")))
        if user is None:
            raise serializers.ValidationError(_("Unable to log in with the email address and password given."))
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class OrganizationSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("Name in the request's language."))
    country = serializers.CharField(source="country.code", read_only=True)
    country_name = serializers.CharField(source="country.name", read_only=True)
    province = serializers.CharField(source="province_id", read_only=True, allow_null=True)
    province_name = serializers.SerializerMethodField()
    # Empty when the organization gave none, so the schema cannot promise a URI.
    website = serializers.CharField(read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "name",
            "name_zh",
            "name_en",
            "credit_code",
            "country",
            "country_name",
            "province",
            "province_name",
            "website",
            "description",
            "is_verified",
            "verified_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_province_name(self, obj: Organization) -> str | None:
        return obj.province.name if obj.province else None


class OrganizationCreateSerializer(serializers.Serializer):
    """Input for registering an organization; checks that need the database happen in the service."""

    kind = serializers.ChoiceField(choices=Organization.Kind.choices)
    name_zh = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    credit_code = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True, default=None)
    country = serializers.CharField(max_length=2, required=False, default="CN", help_text=_("ISO 3166-1 alpha-2."))
    province = serializers.CharField(
        max_length=6, required=False, allow_blank=True, allow_null=True, default=None, help_text=_("GB/T 2260 code.")
    )
    website = serializers.URLField(required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class OrganizationUpdateSerializer(serializers.Serializer):
    name_zh = serializers.CharField(max_length=200, required=False)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    credit_code = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True)
    country = serializers.CharField(max_length=2, required=False)
    province = serializers.CharField(max_length=6, required=False, allow_blank=True, allow_null=True)
    website = serializers.URLField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class MemberUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "organization", "role", "created_at"]
        read_only_fields = fields


class MembershipCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text=_("Email address of a registered person."))
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class JoinRequestSerializer(serializers.ModelSerializer):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = JoinRequest
        fields = ["id", "user", "organization", "message", "status", "created_at", "decided_at"]
        read_only_fields = fields


class JoinRequestCreateSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class JoinRequestDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()


class MyMembershipSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "organization", "role"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()
    unread_notifications = serializers.SerializerMethodField(help_text=_("Your unread notifications."))

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "phone",
            "email_notifications",
            "preferred_language",
            "is_staff",
            "memberships",
            "unread_notifications",
        ]
        read_only_fields = fields

    def get_unread_notifications(self, obj: User) -> int:
        return unread_notification_count(user=obj)

    @extend_schema_field(MyMembershipSerializer(many=True))
    def get_memberships(self, obj: User) -> list[dict[str, Any]]:
        memberships = self.context.get("memberships", [])
        return MyMembershipSerializer(memberships, many=True, context=self.context).data  # type: ignore[return-value]


class MeUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email_notifications = serializers.BooleanField(required=False)
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)


# --- sign-up ----------------------------------------------------------------------------------------------------


class SignupJoinSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=organization_join_choices(), help_text=_("Id of the verified organization to join.")
    )
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SignupSerializer(serializers.Serializer):
    """A new person with either a new organization (`organization`) or a request to join one (`join`)."""

    email = serializers.CharField(max_length=254)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)
    full_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    organization = OrganizationCreateSerializer(
        required=False,
        help_text=_("A new organization: it waits for verification by the platform staff, and you are its admin."),
    )
    join = SignupJoinSerializer(
        required=False, help_text=_("Or ask to join a verified organization: its administrators decide.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("organization" in attrs) == ("join" in attrs):
            raise serializers.ValidationError(
                {"organization": [_("Give either a new organization or an organization to join (join), not both.")]}
            )
        return attrs


class SignupResultSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("An API token of the new person."))
    user = MemberUserSerializer()
    organization = OrganizationSerializer()
    role = serializers.ChoiceField(
        choices=Membership.Role.choices,
        allow_null=True,
        help_text=_("Your role; null until a join request is approved."),
    )
    join_request = JoinRequestSerializer(allow_null=True)
