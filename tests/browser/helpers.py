"""Steps several journeys share."""

from __future__ import annotations

from accounts.models import User


def log_in_as(tab, user: User) -> None:
    """Log in through the page; the person prefers the tab's language (logging in switches to one's preference)."""
    User.objects.filter(pk=user.pk).update(preferred_language=tab.language)
    tab.log_in(user.email)


def confirm(tab) -> None:
    """Confirm an irreversible action when the platform asks on a page of its own (a dialog is accepted by Tab)."""
    button = tab.page.locator("main form [data-confirm-submit], main form button[name=confirm]")
    if button.count():
        tab.submit(button.first)
