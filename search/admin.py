from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from search.models import SearchOutbox


@admin.register(SearchOutbox)
class SearchOutboxAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by services and drained by the sync; staff only watch it."""

    list_display = ["id", "kind", "object_id", "created_at", "attempts", "indexed_at", "last_error"]
    list_filter = ["kind", ("indexed_at", admin.EmptyFieldListFilter)]
    search_fields = ["object_id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
