from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="product-list"),
    path("categories/", views.category_tree, name="category-tree"),
    path("compare/", views.product_compare, name="product-compare"),
    path("products/<int:pk>/", views.product_detail, name="product-detail"),
    path("products/<int:pk>/evaluate/", views.evaluation_create, name="evaluation-create"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/products/new/", views.product_create, name="product-create"),
    path("dashboard/products/<int:pk>/edit/", views.product_edit, name="product-edit"),
    path("dashboard/products/<int:pk>/publish/", views.product_publish, name="product-publish"),
    path("dashboard/products/<int:pk>/withdraw/", views.product_withdraw, name="product-withdraw"),
    path("dashboard/products/<int:pk>/documents/", views.product_documents, name="product-documents"),
    path(
        "dashboard/products/<int:pk>/documents/<int:document_pk>/replace/",
        views.product_document_replace,
        name="product-document-replace",
    ),
    path(
        "dashboard/products/<int:pk>/documents/<int:document_pk>/delete/",
        views.product_document_delete,
        name="product-document-delete",
    ),
    path("dashboard/specification-form/", views.specification_form, name="specification-form"),
    path("dashboard/import/", views.product_import, name="product-import"),
    path("dashboard/export/<int:pk>.<str:fmt>", views.product_export, name="product-export"),
    path("templates/<int:pk>.<str:fmt>", views.import_template, name="import-template"),
]
