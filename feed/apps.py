from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedConfig(AppConfig):
    name = "feed"
    verbose_name = _("Change feed and webhooks")

    def ready(self) -> None:
        # Registration with the change outbox, importable only once models are loaded.
        from feed import entries, notices

        entries.register()
        notices.register()
