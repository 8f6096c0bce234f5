"""Password rules: Django's validators, with messages the platform's Chinese catalog covers."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.functional import lazy
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, with its too-short message under a msgid that has a Chinese translation.

    Django 5.2 reworded the message (``%d`` for ``%(min_length)d``) and its Chinese catalog still has the old
    wording only, so the Chinese sign-up page showed this one rule in English.
    """

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


def _rules() -> str:
    return " ".join(str(text) for text in password_validation.password_validators_help_texts())


# The rules in the reader's language, as a form field's help text (evaluated when the page is rendered).
password_rules = lazy(_rules, str)
