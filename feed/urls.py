from django.urls import path

from feed import views

app_name = "feed"

urlpatterns = [
    path("organizations/<int:organization>/", views.webhook_list, name="webhooks"),
    path("<int:pk>/", views.webhook_detail, name="webhook-detail"),
    path("<int:pk>/delete/", views.webhook_delete, name="webhook-delete"),
]
