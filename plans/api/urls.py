from rest_framework.routers import DefaultRouter

from plans.api.views import PlanViewSet

router = DefaultRouter(trailing_slash=True)
router.register("plans", PlanViewSet, basename="plan")

urlpatterns = router.urls
