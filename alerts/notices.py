"""The notifications saved searches and follows send; registered from ``AlertsConfig.ready``."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from notifications import messages

SAVED_SEARCH = "saved_search"
FOLLOW = "follow"
FOLLOWED_PRODUCT = "followed_product"


def register() -> None:
    messages.register(
        SAVED_SEARCH,
        label=_("New results for a saved search"),
        title=ngettext_lazy(
            "%(count)d new result for your saved search “%(name)s”",
            "%(count)d new results for your saved search “%(name)s”",
            "count",
        ),
        item="%(title)s",
    )
    messages.register(
        FOLLOW,
        label=_("News of something you follow"),
        title=ngettext_lazy(
            "%(count)d new item from “%(followed)s”, which you follow",
            "%(count)d new items from “%(followed)s”, which you follow",
            "count",
        ),
        item="%(title)s",
    )
    messages.register(
        FOLLOWED_PRODUCT,
        label=_("A product you follow changed"),
        title=ngettext_lazy(
            "“%(product)s”, which you follow, changed",
            "“%(product)s”, which you follow, changed %(count)d times",
            "count",
        ),
        item=_("Now: %(status)s"),
    )
