"""What the home page shows: platform figures, the newest listings, and what is new for the person reading it.

The home page is the platform's busiest page. Its aggregates (counts over every demand and product, the top gaps,
the latest report) are cached for ``HOME_CACHE_SECONDS``; the newest demands and products are two small indexed
reads; a signed-in person adds a few reads of their own. Tests cap the total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.fields.json import KeyTransform
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from accounts.models import Organization, User
from accounts.policies import user_organization_ids
from catalog.models import Product
from matching import stats
from matching.models import Match, MatchReport
from notifications.models import Notification
from notifications.selectors import notification_list, notification_text, unread_notification_count
from procurement.models import Demand
from procurement.selectors import manufacturer_category_codes

CACHE_KEY = "home:figures:v1"
TOP_GAPS = 5
LATEST_DEMANDS = 5
LATEST_PRODUCTS = 6
NOTIFICATIONS_SHOWN = 5
# A person away from the home page this long starts a new visit; what is new is counted from the previous one.
VISIT_GAP = timedelta(minutes=30)
# Without a previous visit in the session (a new browser, after logging out), news of the past week is shown.
FIRST_VISIT_WINDOW = timedelta(days=7)
_SEEN = "home_last_seen"
_SINCE = "home_visit_since"


@dataclass(frozen=True)
class LatestReport:
    pk: int
    titles: dict[str, str]
    title: str
    period_start: Any
    period_end: Any
    demands: int
    matched: int

    @property
    def share(self) -> float:
        return round(self.matched / self.demands, 4) if self.demands else 0.0

    def in_language(self) -> LatestReport:
        """The same report titled in the active language (the cached copy is language-neutral)."""
        language = "en" if translation.get_language() == "en" else "zh-hans"
        return LatestReport(**{**self.__dict__, "title": self.titles.get(language) or self.title})


@dataclass(frozen=True)
class HomeFigures:
    coverage: stats.Coverage
    top_gaps: list[dict[str, Any]]
    reports_published: int
    latest_report: LatestReport | None


def _latest_report() -> LatestReport | None:
    row = (
        MatchReport.objects.filter(status=MatchReport.Status.PUBLISHED)
        .annotate(titles=KeyTransform("title", "snapshot"))
        .order_by("-published_at", "-id")
        .values("pk", "title", "titles", "period_start", "period_end", "demands_count", "matched_demands_count")
        .first()
    )
    if row is None:
        return None
    return LatestReport(
        pk=row["pk"],
        titles=row["titles"] if isinstance(row["titles"], dict) else {},
        title=row["title"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        demands=row["demands_count"],
        matched=row["matched_demands_count"],
    )


def home_figures() -> HomeFigures:
    """Coverage, the largest gaps and the latest report, from the cache when it holds them."""
    figures: HomeFigures | None = cache.get(CACHE_KEY)
    if figures is None:
        figures = HomeFigures(
            coverage=stats.coverage_now(),
            top_gaps=stats.open_gap_map()[:TOP_GAPS],
            reports_published=MatchReport.objects.filter(status=MatchReport.Status.PUBLISHED).count(),
            latest_report=_latest_report(),
        )
        if settings.HOME_CACHE_SECONDS > 0:
            cache.set(CACHE_KEY, figures, settings.HOME_CACHE_SECONDS)
    return figures


def latest_open_demands(limit: int = LATEST_DEMANDS) -> list[Demand]:
    return list(
        Demand.objects.filter(status=Demand.Status.OPEN)
        .select_related("category", "institution", "delivery_province")
        .order_by("-opened_at", "-id")[:limit]
    )


def latest_domestic_products(limit: int = LATEST_PRODUCTS) -> list[Product]:
    return list(
        Product.objects.filter(status=Product.Status.PUBLISHED, is_domestic=True)
        .select_related("category", "manufacturer")
        .order_by("-published_at", "-id")[:limit]
    )


# --- What is new for a signed-in person ---------------------------------------------------------------------


def visit_since(session: Any, *, now: datetime | None = None) -> datetime:
    """When the reader's previous visit ended, kept in their session; marks this request as seen."""
    now = now or timezone.now()
    last_seen = parse_datetime(session.get(_SEEN) or "")
    since = parse_datetime(session.get(_SINCE) or "")
    if last_seen is None:
        since = now - FIRST_VISIT_WINDOW
    elif now - last_seen > VISIT_GAP or since is None:
        since = last_seen
    if session.get(_SINCE) != since.isoformat():
        session[_SINCE] = since.isoformat()
    # Written at most once a minute, so reloading the page does not rewrite the session each time.
    if last_seen is None or now - last_seen > timedelta(minutes=1):
        session[_SEEN] = now.isoformat()
    return since


@dataclass
class WhatsNew:
    since: datetime
    unread: int = 0
    # Each notification that came since, with its title in the reader's language
    notifications: list[tuple[Notification, str]] = field(default_factory=list)
    # New domestic matches of the open demands of the person's institutions
    new_matches: int = 0
    # Demands opened in the categories the person's manufacturers make products for
    new_demands: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.unread or self.notifications or self.new_matches or self.new_demands)


def _notifications(user: User, since: datetime) -> tuple[int, list[tuple[Notification, str]]]:
    """The one place the home page reads notifications: the unread count and those that came since."""
    recent = notification_list(user=user).filter(updated_at__gte=since)[:NOTIFICATIONS_SHOWN]
    return unread_notification_count(user=user), [(n, notification_text(n)[0]) for n in recent]


def whats_new(*, user: User, since: datetime) -> WhatsNew:
    """Notifications, new matches of the person's demands and new demands for their products, since ``since``."""
    news = WhatsNew(since=since)
    news.unread, news.notifications = _notifications(user, since)
    institutions = user_organization_ids(user, kind=Organization.Kind.INSTITUTION)
    if institutions:
        news.new_matches = Match.objects.filter(
            demand__institution_id__in=institutions,
            demand__status=Demand.Status.OPEN,
            is_near_miss=False,
            matched_at__gte=since,
        ).count()
    if user_organization_ids(user, kind=Organization.Kind.MANUFACTURER):
        codes = manufacturer_category_codes(user=user)
        if codes:
            news.new_demands = Demand.objects.filter(
                category__code__in=codes, status=Demand.Status.OPEN, opened_at__gte=since
            ).count()
    return news
