from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChangesConfig(AppConfig):
    name = "changes"
    verbose_name = _("Change outbox")

    def ready(self) -> None:
        from changes.registry import register
        from config import response_cache

        # The answers kept for anonymous visitors are dropped by any change they could show.
        register(
            response_cache.CONSUMER,
            entities=response_cache.PUBLIC_ENTITIES,
            handle=response_cache.response_cache_consume,
        )
