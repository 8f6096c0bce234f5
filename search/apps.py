from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # Models are loaded only now: the consumer's modules cannot be imported with this one.
        from changes.registry import register
        from search.registry import entities
        from search.services import CONSUMER, SYNC_BATCH, search_consume

        # Search indexes whatever kinds the domain apps registered (search.registry), as one outbox consumer.
        register(CONSUMER, entities=entities, handle=search_consume, batch_size=SYNC_BATCH)
