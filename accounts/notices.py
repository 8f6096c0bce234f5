"""The notifications accounts sends; registered with the notifications app in ``AccountsConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import register

ORGANIZATION_VERIFIED = register(
    "organization_verified",
    label=_("Organization verified"),
    title=_("%(organization)s is now verified"),
    body=_("Your organization has been verified by the platform staff; its listings are now public."),
)
JOIN_REQUESTED = register(
    "join_requested",
    label=_("Join request"),
    title=_("%(person)s asks to join %(organization)s"),
    body="%(message)s",
)
JOIN_APPROVED = register(
    "join_approved",
    label=_("Join request approved"),
    title=_("You are now a member of %(organization)s"),
)
JOIN_DECLINED = register(
    "join_declined",
    label=_("Join request declined"),
    title=_("Your request to join %(organization)s was declined"),
)
