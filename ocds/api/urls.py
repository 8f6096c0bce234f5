from django.urls import path

from ocds.api.views import BulkMonthListView, BulkMonthView, RecordView, ReleasePackageView

urlpatterns = [
    path("ocds/releases/", ReleasePackageView.as_view(), name="ocds-releases"),
    path("ocds/releases/bulk/", BulkMonthListView.as_view(), name="ocds-bulk"),
    path("ocds/releases/bulk/<str:month>/", BulkMonthView.as_view(), name="ocds-bulk-month"),
    path("ocds/records/<str:ocid>/", RecordView.as_view(), name="ocds-record"),
]
