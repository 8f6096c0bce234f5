"""The notifications accounts sends; registered with the notifications app from ``AccountsConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from notifications import messages

ORGANIZATION_VERIFIED = "organization_verified"
JOIN_REQUESTED = "join_requested"
JOIN_APPROVED = "join_approved"
JOIN_DECLINED = "join_declined"


def register() -> None:
    messages.register(
        ORGANIZATION_VERIFIED,
        label=_("Organization verified"),
        title=_("%(organization)s is now verified"),
        body=_("Your organization has been verified by the platform staff; its listings are now public."),
    )
    messages.register(
        JOIN_REQUESTED,
        label=_("Join request"),
        title=_("%(person)s asks to join %(organization)s"),
        body="%(message)s",
    )
    messages.register(
        JOIN_APPROVED,
        label=_("Join request approved"),
        title=_("You are now a member of %(organization)s"),
    )
    messages.register(
        JOIN_DECLINED,
        label=_("Join request declined"),
        title=_("Your request to join %(organization)s was declined"),
    )
