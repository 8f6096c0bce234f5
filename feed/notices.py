"""The notifications the feed app sends; registered with the notifications app from ``FeedConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from notifications import messages

WEBHOOK_DISABLED = "webhook_disabled"


def register() -> None:
    messages.register(
        WEBHOOK_DISABLED,
        label=_("Webhook disabled"),
        title=_("Your webhook %(url)s was switched off"),
        body=_(
            "Deliveries to it failed for 24 hours, so it no longer receives events. Fix the receiver, then switch "
            "the webhook on again on your organization's webhook page."
        ),
    )
