"""The notifications procurement sends; registered with the notifications app in ``ProcurementConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import register

QUOTE_RECEIVED = register(
    "quote_received",
    label=_("Quote received"),
    title=_("%(manufacturer)s quoted on “%(title)s”"),
    body=_("%(product)s at %(price)s CNY per unit."),
)
DEMAND_EXPIRED = register(
    "demand_expired",
    label=_("Demand expired"),
    title=_("Your demand “%(title)s” has expired"),
    body=_("The deadline %(deadline)s passed without an award. If you still need the instrument, post a new demand."),
)
IMPORT_JUSTIFICATION_APPROVED = register(
    "import_approved",
    label=_("Import justification approved"),
    title=_("Import justification approved: %(title)s"),
)
IMPORT_JUSTIFICATION_REJECTED = register(
    "import_rejected",
    label=_("Import justification rejected"),
    title=_("Import justification rejected: %(title)s"),
)
