from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Demands and procurement")

    def ready(self) -> None:
        # Registrations with the ground floor, importable only once models are loaded; uploaded files are served
        # through views that check who asks (config.files).
        from config.files import media_resolver_register
        from procurement import notices, search, selectors

        notices.register()
        search.register()
        media_resolver_register("justifications", selectors.import_justification_file)
        media_resolver_register("quotes", selectors.quote_document_file)
