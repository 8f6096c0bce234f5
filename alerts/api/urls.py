from rest_framework.routers import DefaultRouter

from alerts.api.views import FollowViewSet, SavedSearchViewSet

router = DefaultRouter(trailing_slash=True)
router.register("saved-searches", SavedSearchViewSet, basename="saved-search")
router.register("follows", FollowViewSet, basename="follow")

urlpatterns = router.urls
