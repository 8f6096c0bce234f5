from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Instrument catalog")

    def ready(self) -> None:
        # Registrations with the ground floor, importable only once models are loaded; uploaded files are served
        # through views that check who asks (config.files).
        from catalog import search, selectors
        from config.files import media_resolver_register

        search.register()
        media_resolver_register("products", selectors.product_document_file)
        media_resolver_register("evaluations", selectors.evaluation_document_file)
