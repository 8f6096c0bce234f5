"""The notifications procurement sends; registered with the notifications app from ``ProcurementConfig.ready``."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from notifications import messages

QUOTE_RECEIVED = "quote_received"
SEALED_QUOTE_RECEIVED = "sealed_quote_received"
QUOTES_OPENED = "quotes_opened"
QUOTES_OPENED_BUYER = "quotes_opened_buyer"
DEMAND_EXPIRED = "demand_expired"
IMPORT_JUSTIFICATION_APPROVED = "import_approved"
EXPERT_ASSIGNED = "expert_assigned"
IMPORT_JUSTIFICATION_REJECTED = "import_rejected"


def register() -> None:
    messages.register(
        QUOTE_RECEIVED,
        label=_("Quote received"),
        title=_("%(manufacturer)s quoted on “%(title)s”"),
        body=_("%(product)s at %(price)s CNY per unit."),
    )
    messages.register(
        SEALED_QUOTE_RECEIVED,
        label=_("Sealed quote received"),
        title=_("A sealed quote arrived on “%(title)s”"),
        body=_("It opens together with the others after the deadline %(deadline)s."),
    )
    messages.register(
        QUOTES_OPENED,
        label=_("Sealed quotes opened"),
        title=_("The quotes on “%(title)s” are open"),
        body=_("The deadline has passed and the buyer now reads the quotes, yours included."),
    )
    messages.register(
        QUOTES_OPENED_BUYER,
        label=_("Your sealed quotes opened"),
        title=_("The quotes on your demand “%(title)s” are open"),
        # ``quotes``, not ``count``: a notification's ``count`` is how many pieces of news it folds.
        body=ngettext_lazy(
            "%(quotes)s quote arrived before the deadline; compare it and award.",
            "%(quotes)s quotes arrived before the deadline; compare them and award.",
            "quotes",
        ),
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
        EXPERT_ASSIGNED,
        label=_("Expert panel assignment"),
        title=_("You are on the expert panel of an import justification: %(title)s"),
        body=_("Read the dossier and sign your opinion on the platform."),
    )
    messages.register(
        IMPORT_JUSTIFICATION_REJECTED,
        label=_("Import justification rejected"),
        title=_("Import justification rejected: %(title)s"),
    )
