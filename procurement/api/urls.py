from rest_framework.routers import DefaultRouter

from procurement.api.views import DemandViewSet, QuoteViewSet, SharedInstrumentViewSet

router = DefaultRouter(trailing_slash=True)
router.register("demands", DemandViewSet, basename="demand")
router.register("shared-instruments", SharedInstrumentViewSet, basename="shared-instrument")
router.register("quotes", QuoteViewSet, basename="quote")

urlpatterns = router.urls
