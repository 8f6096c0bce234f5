from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Instrument catalog")

    def ready(self) -> None:
        # Registrations with the ground floor, importable only once models are loaded; uploaded files are served
        # through views that check who asks (config.files).
        from catalog import search, selectors
        from catalog.services import domestic_rules
        from changes.registry import register as register_consumer
        from config.files import media_resolver_register

        search.register()
        # A new or changed domestic-product rule re-derives the flags of the subtree it covers, in one pass.
        register_consumer(
            domestic_rules.CONSUMER,
            entities=[domestic_rules.DOMESTIC_RULE_ENTITY],
            handle=domestic_rules.domestic_rule_changes_apply,
            atomic=True,
        )
        media_resolver_register("products", selectors.product_document_file)
        media_resolver_register("evaluations", selectors.evaluation_document_file)
