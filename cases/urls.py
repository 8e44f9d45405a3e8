from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("new/", views.case_new, name="new"),
    path("<uuid:code>/", views.case_detail, name="detail"),
    path("<uuid:code>/delete/", views.case_delete, name="delete"),
    path("<uuid:code>/wizard/", views.wizard_resume, name="wizard_resume"),
    path("<uuid:code>/wizard/plan/preview/", views.plan_preview, name="plan_preview"),
    path("<uuid:code>/wizard/<slug:step_name>/", views.wizard_step, name="wizard_step"),
    path("<uuid:code>/debts/<int:debt_id>/edit/", views.debt_edit, name="debt_edit"),
    path("<uuid:code>/debts/<int:debt_id>/delete/", views.debt_delete, name="debt_delete"),
    path("<uuid:code>/bundle/", views.case_bundle, name="bundle"),
    path("<uuid:code>/evidence/<uuid:evidence_code>/", views.evidence_detail, name="evidence_detail"),
    path("<uuid:code>/evidence/<uuid:evidence_code>/upload/", views.evidence_upload, name="evidence_upload"),
    path("<uuid:code>/evidence/<uuid:evidence_code>/status/", views.evidence_status, name="evidence_status"),
    path("<uuid:code>/evidence/<uuid:evidence_code>/delete/", views.evidence_delete, name="evidence_delete"),
    path(
        "<uuid:code>/evidence/<uuid:evidence_code>/files/<uuid:file_code>/",
        views.evidence_file_download,
        name="evidence_file_download",
    ),
    path(
        "<uuid:code>/evidence/<uuid:evidence_code>/files/<uuid:file_code>/thumbnail/",
        views.evidence_file_thumbnail,
        name="evidence_file_thumbnail",
    ),
    path(
        "<uuid:code>/evidence/<uuid:evidence_code>/files/<uuid:file_code>/replace/",
        views.evidence_file_replace,
        name="evidence_file_replace",
    ),
    path(
        "<uuid:code>/evidence/<uuid:evidence_code>/files/<uuid:file_code>/delete/",
        views.evidence_file_delete,
        name="evidence_file_delete",
    ),
    path("<uuid:code>/documents/", views.document_status, name="document_status"),
    path("<uuid:code>/documents/<slug:kind>/preview/", views.document_preview, name="document_preview"),
    path("<uuid:code>/documents/<slug:kind>/generate/", views.document_generate, name="document_generate"),
    path("<uuid:code>/documents/<uuid:document_code>/download/", views.document_download, name="document_download"),
]
