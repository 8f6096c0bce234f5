from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/post/", views.plan_post, name="post"),
    path("templates/<int:pk>.<str:fmt>", views.plan_template, name="template"),
]
