"""The audit entries in the administration, without the entries of quotes.

A quote's entries hold its terms (price, lead time, message): before a sealed demand's deadline nobody but the
quoting manufacturer may read them, and quotes stay between the manufacturer and the buyer, platform staff
included (``procurement.policies``). The history pages and the API apply that rule; here the entries of quotes
are left out of the list, its search and its detail pages.
"""

from __future__ import annotations

from typing import Any

import auditlog.admin  # registers its LogEntry admin first, so it can be replaced here
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import HttpRequest

from procurement.models import Quote


class AuditEntryAdmin(auditlog.admin.LogEntryAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        quote_type = ContentType.objects.get_for_model(Quote)
        return super().get_queryset(request).exclude(content_type=quote_type)


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditEntryAdmin)
