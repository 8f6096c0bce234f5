from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OcdsConfig(AppConfig):
    name = "ocds"
    verbose_name = _("Open Contracting Data Standard")
