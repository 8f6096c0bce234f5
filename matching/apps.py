from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        # Registrations with the ground floor, importable only once models are loaded.
        from matching import notices, rematch
        from matching.assessment import MatchingAssessor
        from procurement.assessment import assessor_register

        notices.register()
        rematch.register()
        assessor_register(MatchingAssessor())
