"""Telling people things: in-app notifications, plus an email for those who want one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from catalog.models import Product
from matching.models import Notification
from procurement.models import Demand


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


def _url(name: str, pk: int) -> str:
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def notify_new_pairs(pairs: Sequence[tuple[int, int, float]]) -> int:
    """Tell the demand's institution and the product's manufacturer about each new pair above the threshold.

    The dedupe keys make this safe to call again for the same pair: nobody hears of a pair twice.
    """
    demand_ids = {d for d, _p, _s in pairs}
    product_ids = {p for _d, p, _s in pairs}
    demands = {
        pk: (title, institution_id)
        for pk, title, institution_id in Demand.objects.filter(pk__in=demand_ids).values_list(
            "pk", "title", "institution_id"
        )
    }
    products = {
        pk: (name_zh, name_en, model, manufacturer_id)
        for pk, name_zh, name_en, model, manufacturer_id in Product.objects.filter(pk__in=product_ids).values_list(
            "pk", "name_zh", "name_en", "model_number", "manufacturer_id"
        )
    }
    org_ids = {inst for _t, inst in demands.values()} | {m for *_n, m in products.values()}
    members: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(organization_id__in=org_ids).select_related("user"):
        if membership.user.is_active:
            members[membership.organization_id].append(membership.user)
    if not members:
        return 0
    sent = 0
    for demand_id, product_id, score in pairs:
        title, institution_id = demands[demand_id]
        name_zh, name_en, model, manufacturer_id = products[product_id]
        url = _url("procurement:demand-detail", demand_id)
        url = f"{url}#matches" if url else url  # to the matches on the demand page, not its top
        for users, kind, side in (
            (members.get(institution_id, []), Notification.Kind.NEW_MATCH, "demand"),
            (members.get(manufacturer_id, []), Notification.Kind.NEW_DEMAND, "product"),
        ):
            by_language: dict[str, list[User]] = defaultdict(list)
            for user in users:
                by_language[user.preferred_language or settings.LANGUAGE_CODE].append(user)
            for language, group in sorted(by_language.items()):
                with translation.override(language):
                    product_name = name_en if language == "en" and name_en else name_zh
                    values = {"product": f"{product_name} {model}", "demand": title, "score": f"{score:.2f}"}
                    if side == "demand":
                        subject = _("New domestic match for “%(demand)s”: %(product)s") % values
                        body = _("%(product)s meets every mandatory requirement of “%(demand)s” (score %(score)s).") % (
                            values
                        )
                    else:
                        subject = _("Your product %(product)s matches the demand “%(demand)s”") % values
                        body = _("“%(demand)s” is open and %(product)s meets all its mandatory requirements.") % values
                sent += len(
                    notification_send(
                        users=group,
                        kind=kind,
                        title=subject,
                        body=body,
                        url=url,
                        dedupe_key=f"match:{demand_id}:{product_id}:{side}",
                    )
                )
    return sent
