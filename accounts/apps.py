from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organizations")

    def ready(self) -> None:
        # Registrations with the ground floor, importable only once models are loaded.
        from accounts import notices, search

        notices.register()
        search.register()
