from rest_framework.routers import DefaultRouter

from procurement.api.views import DemandViewSet, ImportJustificationViewSet, QuoteViewSet, SharedInstrumentViewSet
from procurement.api.views.awards import AwardViewSet

router = DefaultRouter(trailing_slash=True)
router.register("demands", DemandViewSet, basename="demand")
router.register("shared-instruments", SharedInstrumentViewSet, basename="shared-instrument")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("awards", AwardViewSet, basename="award")
router.register("import-justifications", ImportJustificationViewSet, basename="import-justification")

urlpatterns = router.urls
