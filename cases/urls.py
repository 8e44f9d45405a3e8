from django.urls import path

from .views import agreement, case, contacts, dashboard, documents, evidence, wizard

app_name = "cases"

urlpatterns = [
    path("new/", wizard.case_new, name="new"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("reminders/", dashboard.reminder_settings, name="reminder_settings"),
    path("<uuid:code>/", case.case_detail, name="detail"),
    path("<uuid:code>/delete/", case.case_delete, name="delete"),
    path("<uuid:code>/wizard/", wizard.wizard_resume, name="wizard_resume"),
    path("<uuid:code>/wizard/plan/preview/", wizard.plan_preview, name="plan_preview"),
    path("<uuid:code>/wizard/<slug:step_name>/", wizard.wizard_step, name="wizard_step"),
    path("<uuid:code>/debts/<int:debt_id>/edit/", case.debt_edit, name="debt_edit"),
    path("<uuid:code>/lenders/<uuid:creditor_code>/", case.creditor_edit, name="creditor_edit"),
    path("<uuid:code>/debts/<int:debt_id>/delete/", case.debt_delete, name="debt_delete"),
    path("<uuid:code>/bundle/", case.case_bundle, name="bundle"),
    path("<uuid:code>/bundle/<uuid:bundle_code>/download/", case.bundle_download, name="bundle_download"),
    path("<uuid:code>/evidence/<uuid:evidence_code>/", evidence.evidence_detail, name="evidence_detail"),
    path("<uuid:code>/evidence/<uuid:evidence_code>/upload/", evidence.evidence_upload, name="evidence_upload"),
    path("<uuid:code>/evidence/<uuid:evidence_code>/status/", evidence.evidence_status, name="evidence_status"),
    path("<uuid:code>/evidence/<uuid:evidence_code>/delete/", evidence.evidence_delete, name="evidence_delete"),
    path(
        "<uuid:code>/evidence/<uuid:evidence_code>/files/<uuid:file_code>/",
        evidence.evidence_file_download,
        name="evidence_file_download",
    ),
    path(
        "<uuid:code>/evidence/<uuid:evidence_code>/files/<uuid:file_code>/play/",
        evidence.evidence_file_play,
        name="evidence_file_play",
    ),
    path(
        "<uuid:code>/evidence/<uuid:evidence_code>/files/<uuid:file_code>/thumbnail/",
        evidence.evidence_file_thumbnail,
        name="evidence_file_thumbnail",
    ),
    path(
        "<uuid:code>/evidence/<uuid:evidence_code>/files/<uuid:file_code>/replace/",
        evidence.evidence_file_replace,
        name="evidence_file_replace",
    ),
    path(
        "<uuid:code>/evidence/<uuid:evidence_code>/files/<uuid:file_code>/delete/",
        evidence.evidence_file_delete,
        name="evidence_file_delete",
    ),
    path("<uuid:code>/reminders/<int:reminder_id>/read/", dashboard.notice_read, name="notice_read"),
    path("<uuid:code>/lenders/<uuid:creditor_code>/agreement/", agreement.lender_agreement, name="lender_agreement"),
    path("<uuid:code>/lenders/<uuid:creditor_code>/offers/new/", agreement.offer_new, name="offer_new"),
    path(
        "<uuid:code>/lenders/<uuid:creditor_code>/offers/<int:offer_id>/delete/",
        agreement.offer_delete,
        name="offer_delete",
    ),
    path("<uuid:code>/lenders/<uuid:creditor_code>/agreement/new/", agreement.agreement_new, name="agreement_new"),
    path(
        "<uuid:code>/lenders/<uuid:creditor_code>/agreement/signed-copy/",
        agreement.agreement_signed_copy,
        name="agreement_signed_copy",
    ),
    path("<uuid:code>/lenders/<uuid:creditor_code>/payments/new/", agreement.payment_new, name="payment_new"),
    path(
        "<uuid:code>/lenders/<uuid:creditor_code>/payments/<int:payment_id>/delete/",
        agreement.payment_delete,
        name="payment_delete",
    ),
    path("<uuid:code>/documents/", documents.document_status, name="document_status"),
    path(
        "<uuid:code>/lenders/<uuid:creditor_code>/documents/<slug:kind>/preview/",
        documents.document_preview,
        name="document_preview",
    ),
    path(
        "<uuid:code>/lenders/<uuid:creditor_code>/documents/<slug:kind>/generate/",
        documents.document_generate,
        name="document_generate",
    ),
    path("<uuid:code>/documents/<uuid:document_code>/download/", documents.document_download, name="document_download"),
    path("<uuid:code>/lenders/<uuid:creditor_code>/contacts/new/", contacts.contact_new, name="contact_new"),
    path("<uuid:code>/lenders/<uuid:creditor_code>/talking-points/", contacts.talking_points, name="talking_points"),
    path("<uuid:code>/contacts/<int:contact_id>/", contacts.contact_edit, name="contact_edit"),
    path("<uuid:code>/contacts/<int:contact_id>/delete/", contacts.contact_delete, name="contact_delete"),
    path("<uuid:code>/timeline/", contacts.timeline, name="timeline"),
    path("scam-check/", contacts.scam_check, name="scam_check"),
]
