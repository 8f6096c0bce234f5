"""The notifications procurement sends; registered with the notifications app from ``ProcurementConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from notifications import messages

QUOTE_RECEIVED = "quote_received"
DEMAND_EXPIRED = "demand_expired"
IMPORT_JUSTIFICATION_APPROVED = "import_approved"
IMPORT_JUSTIFICATION_REJECTED = "import_rejected"


def register() -> None:
    messages.register(
        QUOTE_RECEIVED,
        label=_("Quote received"),
        title=_("%(manufacturer)s quoted on “%(title)s”"),
        body=_("%(product)s at %(price)s CNY per unit."),
    )
    messages.register(
        DEMAND_EXPIRED,
        label=_("Demand expired"),
        title=_("Your demand “%(title)s” has expired"),
        body=_(
            "The deadline %(deadline)s passed without an award. If you still need the instrument, post a new demand."
        ),
    )
    messages.register(
        IMPORT_JUSTIFICATION_APPROVED,
        label=_("Import justification approved"),
        title=_("Import justification approved: %(title)s"),
    )
    messages.register(
        IMPORT_JUSTIFICATION_REJECTED,
        label=_("Import justification rejected"),
        title=_("Import justification rejected: %(title)s"),
    )
