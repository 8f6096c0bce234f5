"""Steps several journeys share."""

from __future__ import annotations

from accounts.models import User


def log_in_as(tab, user: User) -> None:
    """Log in through the page; the person prefers the tab's language (logging in switches to one's preference)."""
    User.objects.filter(pk=user.pk).update(preferred_language=tab.language)
    tab.log_in(user.email)


def confirm(tab) -> None:
    """Confirm an irreversible action on the page that says what will happen (which works without JavaScript)."""
    button = tab.page.locator("main .confirmation form button[type=submit]")
    assert button.count() == 1, f"no confirmation step at {tab.path}"
    tab.submit(button)
