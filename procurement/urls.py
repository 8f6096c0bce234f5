from django.urls import path

from procurement import views

app_name = "procurement"

urlpatterns = [
    path("", views.demand_list, name="demand-list"),
    path("mine/", views.demand_mine, name="demand-mine"),
    path("for-manufacturers/", views.demand_for_manufacturer, name="demand-for-manufacturer"),
    path("new/", views.demand_create, name="demand-create"),
    path("requirement-rows/", views.requirement_rows, name="requirement-rows"),
    path("<int:pk>/", views.demand_detail, name="demand-detail"),
    path("<int:pk>/edit/", views.demand_edit, name="demand-edit"),
    path("<int:pk>/check/", views.demand_check, name="demand-check"),
    path("<int:pk>/open/", views.demand_open, name="demand-open"),
    path("<int:pk>/cancel/", views.demand_cancel, name="demand-cancel"),
    path("<int:pk>/close/", views.demand_close, name="demand-close"),
    path("<int:pk>/revise/", views.demand_revise, name="demand-revise"),
    path("<int:pk>/quote/", views.quote_create, name="quote-create"),
    path("<int:pk>/award/", views.demand_award, name="demand-award"),
    path("<int:pk>/comparison/", views.demand_comparison, name="demand-comparison"),
    path("<int:pk>/comparison.xlsx", views.demand_comparison_xlsx, name="demand-comparison-xlsx"),
    path("<int:pk>/comparison.pdf", views.demand_comparison_pdf, name="demand-comparison-pdf"),
    path("awards/", views.award_list, name="award-list"),
    path("awards/<int:pk>/", views.award_detail, name="award-detail"),
    path("awards/<int:pk>/confirm/", views.award_confirm, name="award-confirm"),
    path("quotes/<int:pk>/edit/", views.quote_edit, name="quote-edit"),
    path("quotes/<int:pk>/withdraw/", views.quote_withdraw, name="quote-withdraw"),
    path("<int:pk>/import-justification/", views.import_justification, name="import-justification"),
    path("<int:pk>/import-justification/dossier.pdf", views.import_dossier_pdf, name="import-dossier-pdf"),
    path("import-justifications/", views.import_justification_queue, name="import-justification-queue"),
    path("import-justifications/<int:pk>/panel/", views.expert_panel, name="expert-panel"),
    path("import-justifications/<int:pk>/opinion/", views.expert_opinion, name="expert-opinion"),
    path(
        "import-justifications/<int:pk>/review/",
        views.import_justification_review,
        name="import-justification-review",
    ),
    path("shared-instruments/", views.shared_instrument_list, name="shared-instrument-list"),
    path("shared-instruments/new/", views.shared_instrument_create, name="shared-instrument-create"),
    path("shared-instruments/import/", views.shared_instrument_import, name="shared-instrument-import"),
    path("shared-instruments/<int:pk>/edit/", views.shared_instrument_edit, name="shared-instrument-edit"),
    path("shared-instruments/<int:pk>/delete/", views.shared_instrument_delete, name="shared-instrument-delete"),
]
