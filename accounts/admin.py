from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.forms import AdminLoginForm
from accounts.models import JoinRequest, Membership, Organization, Province, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organization"]


class EmailUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "preferred_language", "email_notifications")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "kind", "country", "province", "is_verified", "verified_at", "created_at"]
    list_filter = ["is_verified", "kind", "country", "province"]
    search_fields = ["name_zh", "name_en", "credit_code"]
    readonly_fields = ["is_verified", "verified_by", "verified_at", "created_at", "updated_at"]
    autocomplete_fields = ["province"]
    inlines = [MembershipInline]
    actions = ["verify"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.action(description=_("Verify the selected organizations"))
    def verify(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        count = 0
        for organization in queryset.filter(is_verified=False):
            services.organization_verify(organization=organization, verified_by=request.user)  # type: ignore[arg-type]
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d organization verified.", "%(count)d organizations verified.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__email", "organization__name_zh", "organization__name_en"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "organization__name_zh"]
    list_select_related = ["user", "organization", "decided_by"]
    readonly_fields = ["user", "organization", "message", "status", "decided_by", "decided_at", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Requests come from the people themselves; administrators decide them on the profile page.
        return False


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["code", "name_zh", "name_en"]


# The admin's log-in goes through the same guard as every other log-in (accounts.backends); this form says so.
admin.site.login_form = AdminLoginForm
