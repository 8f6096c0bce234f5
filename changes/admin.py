from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from changes.models import ChangeDelivery


@admin.register(ChangeDelivery)
class ChangeDeliveryAdmin(admin.ModelAdmin):
    """Read-only: changes are recorded by services and taken by their consumers; staff only watch them."""

    list_display = ["id", "consumer", "change", "attempts", "claimed_until", "done_at", "last_error"]
    list_filter = ["consumer", ("done_at", admin.EmptyFieldListFilter)]
    list_select_related = ["change"]
    search_fields = ["change__object_id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
