from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Saved searches and follows")

    def ready(self) -> None:
        from alerts import notices
        from alerts.services import (
            CATEGORY_CONSUMER,
            CONSUMER,
            PERCOLATOR_CONSUMER,
            SAVED_SEARCH_ENTITY,
            alerts_consume,
            alerts_percolator_sync,
            saved_searches_recompile,
        )
        from changes.registry import register
        from search.registry import CATEGORY_ENTITY

        notices.register()
        # New and changed products and demands, evaluated once against the standing queries; the batch is done
        # in the transaction of its notifications, so a redelivered batch tells nobody twice.
        register(CONSUMER, entities=["product", "demand"], handle=alerts_consume, atomic=True, batch_size=200)
        register(PERCOLATOR_CONSUMER, entities=[SAVED_SEARCH_ENTITY], handle=alerts_percolator_sync)
        # A category's move changes the path its saved searches were compiled with (a new name changes nothing).
        register(
            CATEGORY_CONSUMER,
            entities=[CATEGORY_ENTITY],
            handle=saved_searches_recompile,
            atomic=True,
            ignores_fields=["names"],
        )
