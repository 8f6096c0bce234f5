"""One audit entry as the API gives it."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

ACTIONS = {
    LogEntry.Action.CREATE: "create",
    LogEntry.Action.UPDATE: "update",
    LogEntry.Action.DELETE: "delete",
    LogEntry.Action.ACCESS: "access",
}


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FieldChangeSerializer(serializers.Serializer):
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    timestamp = serializers.DateTimeField()
    action = serializers.SerializerMethodField()
    model = serializers.SerializerMethodField()
    object_id = serializers.CharField(source="object_pk")
    object_repr = serializers.CharField()
    actor = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=sorted(ACTIONS.values())))
    def get_action(self, entry: LogEntry) -> str:
        return ACTIONS.get(entry.action, str(entry.action))

    @extend_schema_field(serializers.CharField(help_text="The changed row's model, e.g. demand or requirement."))
    def get_model(self, entry: LogEntry) -> str:
        return entry.content_type.model

    @extend_schema_field(ActorSerializer(allow_null=True))
    def get_actor(self, entry: LogEntry) -> dict[str, Any] | None:
        if entry.actor is None:
            return None  # a task or a command (no person)
        return {"id": entry.actor.pk, "name": entry.actor.get_full_name() or entry.actor.get_username()}

    @extend_schema_field(serializers.DictField(child=FieldChangeSerializer()))
    def get_changes(self, entry: LogEntry) -> dict[str, dict[str, Any]]:
        """Field name to the value before and after, as stored (``None`` before a creation, after a deletion)."""
        return {
            name: {"old": None if values[0] == "None" else values[0], "new": None if values[1] == "None" else values[1]}
            for name, values in (entry.changes_dict or {}).items()
        }
