"""The notifications page: the person's own notifications, marked read one by one or all at once."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from notifications import selectors, services
from notifications.selectors import notification_text


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        raw = request.POST.get("notification") or ""
        ids = [int(raw)] if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
        services.notification_mark_read(user=request.user, notification_ids=ids)
        target = request.POST.get("next") or ""
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(target)
        return redirect("notifications:list")
    page = Paginator(selectors.notification_list(user=request.user), 25).get_page(request.GET.get("page"))
    rows = [(n, *notification_text(n)) for n in page]
    return render(
        request,
        "notifications/notification_list.html",
        {"page": page, "rows": rows, "unread": selectors.unread_notification_count(user=request.user)},
    )
