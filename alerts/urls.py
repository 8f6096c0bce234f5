from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("save/", views.saved_search_create, name="save-search"),
    path("searches/<int:pk>/", views.saved_search_edit, name="saved-search-edit"),
    path("searches/<int:pk>/delete/", views.saved_search_delete, name="saved-search-delete"),
    path("follow/", views.follow_create, name="follow"),
    path("follows/<int:pk>/", views.follow_edit, name="follow-edit"),
    path("follows/<int:pk>/delete/", views.follow_delete, name="follow-delete"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
