from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from matching.models import DemandMatchSummary, Match, MatchReport, MatchRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the engine: inspected here, changed only by the services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "trigger", "status", "created_at", "demands_count", "matches_count", "chunks_done"]
    list_filter = ["kind", "status", "trigger"]
    raw_id_fields = ["demand", "product", "started_by"]


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ["id", "demand", "product", "is_near_miss", "rank", "score", "matched_at"]
    list_filter = ["is_near_miss"]
    raw_id_fields = ["demand", "product", "run"]
    list_select_related = ["demand", "product"]


@admin.register(DemandMatchSummary)
class DemandMatchSummaryAdmin(ReadOnlyAdmin):
    list_display = ["demand", "matches_count", "near_misses_count", "best_score", "updated_at"]
    raw_id_fields = ["demand", "run"]


@admin.register(MatchReport)
class MatchReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "period_start", "period_end", "status", "published_at"]
    list_filter = ["status"]
    raw_id_fields = ["supersedes", "created_by", "published_by"]

    def has_delete_permission(self, request: HttpRequest, obj: MatchReport | None = None) -> bool:
        # Published reports are permanent.
        return obj is None or not obj.is_published
