"""The notifications page: the person's own notifications, marked read one by one or all at once."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from config.redirects import safe_next_url
from notifications import selectors, services
from notifications.selectors import notification_text


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        raw = request.POST.get("notification") or ""
        ids = [int(raw)] if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
        services.notification_mark_read(user=request.user, notification_ids=ids)
        return HttpResponseRedirect(safe_next_url(request, fallback=reverse("notifications:list")))
    page = Paginator(selectors.notification_list(user=request.user), 25).get_page(request.GET.get("page"))
    rows = [(n, *notification_text(n)) for n in page]
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "rows": rows, "unread": selectors.unread_notification_count(user=request.user)},
    )
