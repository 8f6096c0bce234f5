"""Atom feeds of open demands, one per category (its subtree), for people's feed readers."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from catalog.models import Category
from procurement.models import Demand
from procurement.selectors import demand_list

FEED_LENGTH = 50


class OpenDemandsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, code: str) -> Category:
        return get_object_or_404(Category, code=code)

    def title(self, category: Category) -> str:
        return _("Open demands: %(category)s") % {"category": category.name}

    def subtitle(self, category: Category) -> str:
        return _("Research demands open for quotes in %(category)s and its subcategories.") % {
            "category": category.name
        }

    def link(self, category: Category) -> str:
        return f"{reverse('procurement:demand-list')}?category={category.pk}"

    def items(self, category: Category) -> QuerySet[Demand]:
        # Anyone's view: public demands only, whoever reads the feed.
        return demand_list(user=AnonymousUser(), filters={"category": category, "status": Demand.Status.OPEN}).order_by(
            "-opened_at", "-id"
        )[:FEED_LENGTH]

    def item_title(self, item: Demand) -> str:
        return item.title

    def item_description(self, item: Demand) -> str:
        budget = _("budget %(budget)s CNY") % {"budget": f"{item.budget:,.0f}"} if item.budget is not None else ""
        parts = [
            item.institution.name,
            item.category.name,
            _("quantity %(quantity)s") % {"quantity": item.quantity},
            budget,
            _("quotes until %(deadline)s") % {"deadline": date_format(item.deadline)},
        ]
        return " · ".join(part for part in parts if part)

    def item_link(self, item: Demand) -> str:
        return reverse("procurement:demand-detail", kwargs={"pk": item.pk})

    def item_pubdate(self, item: Demand) -> datetime | None:
        return item.opened_at

    def item_updateddate(self, item: Demand) -> datetime | None:
        return item.updated_at
