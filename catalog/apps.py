from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Instrument catalog")

    def ready(self) -> None:
        # Registrations with the ground floor, importable only once models are loaded.
        from catalog import search

        search.register()
