from rest_framework.routers import DefaultRouter

from catalog.api.views import (
    CategoryViewSet,
    DomesticProductRuleViewSet,
    EvaluationViewSet,
    ParameterViewSet,
    ProductViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.register("categories", CategoryViewSet, basename="category")
router.register("parameters", ParameterViewSet, basename="parameter")
router.register("products", ProductViewSet, basename="product")
router.register("domestic-rules", DomesticProductRuleViewSet, basename="domestic-rule")
router.register("evaluations", EvaluationViewSet, basename="evaluation")

urlpatterns = router.urls
