"""The notifications matching sends (new matches, grouped per demand); registered from ``MatchingConfig.ready``."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from notifications import messages

NEW_MATCH = "new_match"
NEW_DEMAND = "new_demand"


def register() -> None:
    messages.register(
        NEW_MATCH,
        label=_("New match for your demand"),
        title=ngettext_lazy(
            "%(count)d new domestic match for your demand “%(demand)s”",
            "%(count)d new domestic matches for your demand “%(demand)s”",
            "count",
        ),
        item=_("%(product)s meets every mandatory requirement (score %(score)s)."),
    )
    messages.register(
        NEW_DEMAND,
        label=_("Your product matches a new demand"),
        title=ngettext_lazy(
            "Your product matches the demand “%(demand)s”",
            "%(count)d of your products match the demand “%(demand)s”",
            "count",
        ),
        item=_("%(product)s meets all its mandatory requirements (score %(score)s)."),
    )
