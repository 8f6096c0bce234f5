"""Atom feed of published match reports."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from matching.models import MatchReport
from matching.selectors import published_report_list


class PublishedReportsFeed(Feed):
    feed_type = Atom1Feed
    title = _("Published match reports")
    subtitle = _("Domestic instruments matched to research demands, and the specifications no domestic product meets.")
    link = reverse_lazy("matching:report-list")

    def items(self) -> QuerySet[MatchReport]:
        return published_report_list()[:50]

    def item_title(self, item: MatchReport) -> str:
        titles = (item.snapshot or {}).get("title") or {}
        return str(titles.get("en" if translation.get_language() == "en" else "zh-hans", item.title))

    def item_description(self, item: MatchReport) -> str:
        totals = (item.snapshot or {}).get("totals", {})
        return str(
            _("%(matched)s of %(demands)s demands have at least one domestic match (%(start)s to %(end)s).")
            % {
                "matched": totals.get("matched", 0),
                "demands": totals.get("demands", 0),
                "start": item.period_start.isoformat(),
                "end": item.period_end.isoformat(),
            }
        )

    def item_link(self, item: MatchReport) -> str:
        return reverse("matching:report-detail", kwargs={"pk": item.pk})

    def item_pubdate(self, item: MatchReport) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: MatchReport) -> datetime | None:
        return item.published_at
