from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Demands and procurement")

    def ready(self) -> None:
        # Registrations with the ground floor, importable only once models are loaded.
        from procurement import notices, search

        notices.register()
        search.register()
