from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Demands and procurement")

    def ready(self) -> None:
        from procurement import notices  # noqa: F401  (registers this app's notification messages)
