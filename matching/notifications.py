"""Telling people things: in-app notifications, plus an email for those who want one."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from matching.models import Notification


def notification_send(
    *, users: Iterable[User], kind: str, title: str, body: str = "", url: str = "", dedupe_key: str
) -> list[Notification]:
    """Create one notification per user for ``dedupe_key``; users already told are skipped (idempotent).

    Emails go out after the caller's transaction commits, to users with email notifications on.
    Returns the notifications created now.
    """
    users = list(users)
    if not users:
        return []
    already = set(Notification.objects.filter(user__in=users, dedupe_key=dedupe_key).values_list("user_id", flat=True))
    fresh = [
        Notification(user=u, kind=kind, title=title[:300], body=body, url=url, dedupe_key=dedupe_key)
        for u in users
        if u.pk not in already
    ]
    # ignore_conflicts: a concurrent run may have created the same row between the read and the insert.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    created = list(
        Notification.objects.filter(
            user__in=[n.user for n in fresh], dedupe_key=dedupe_key, emailed_at__isnull=True
        ).select_related("user")
    )
    to_email = [n.pk for n in created if n.user.email_notifications]
    if to_email:
        transaction.on_commit(lambda: _email(to_email))
    return created


def _email(notification_ids: list[int]) -> None:
    for notification in Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related(
        "user"
    ):
        link = f"{settings.SITE_URL}{notification.url}" if notification.url else ""
        send_mail(
            subject=notification.title,
            message="\n\n".join(part for part in (notification.body, link) if part),
            from_email=None,
            recipient_list=[notification.user.email],
            fail_silently=True,
        )
        # Compare-and-set so a second caller never emails the same notification again.
        Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
