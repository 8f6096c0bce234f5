from django.urls import path

from audit.api.views import HistoryView

urlpatterns = [
    path("history/<str:kind>/<int:pk>/", HistoryView.as_view(), name="history"),
]
