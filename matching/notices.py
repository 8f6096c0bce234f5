"""The notifications matching sends: new matches, grouped per demand. Registered in ``MatchingConfig.ready``."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from notifications.messages import register

NEW_MATCH = register(
    "new_match",
    label=_("New match for your demand"),
    title=ngettext_lazy(
        "%(count)d new domestic match for your demand “%(demand)s”",
        "%(count)d new domestic matches for your demand “%(demand)s”",
        "count",
    ),
    item=_("%(product)s meets every mandatory requirement (score %(score)s)."),
)
NEW_DEMAND = register(
    "new_demand",
    label=_("Your product matches a new demand"),
    title=ngettext_lazy(
        "Your product matches the demand “%(demand)s”",
        "%(count)d of your products match the demand “%(demand)s”",
        "count",
    ),
    item=_("%(product)s meets all its mandatory requirements (score %(score)s)."),
)
