"""Admin pages for support staff: every model of a case, searched and filtered.

Every write goes through cases.services, so the admin keeps the rules the app keeps: a case moves only along its
legal path, documents made before a change are marked out of date, amounts and dates are checked, payments are
allocated again. What no service writes (an agreement's schedule, a document the worker made, an item's history) is
shown read-only. The ID number is shown masked only, never in a form, a list, a search or the history.
"""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services
from .models import (
    CASE_TRANSITIONS,
    Agreement,
    Case,
    CaseStatus,
    ContactLog,
    Debt,
    Evidence,
    EvidenceEvent,
    EvidenceFile,
    GeneratedDocument,
    Hardship,
    HardshipReason,
    Installment,
    Payment,
)

# --- writes through the services ------------------------------------------------------------------------------


class ServiceForm(forms.ModelForm):
    """A model form whose save is a service call.

    The form calls the service while it validates, once its own fields are clean, so that a refusal shows as a form
    error beside the field it names. ServiceAdmin undoes the call if the page is then shown again with errors.
    """

    def write(self, changes: dict[str, Any]) -> models.Model:
        """Create (when the instance is new) or update the row through its service; `changes` are the fields
        filled in, or changed on an existing row."""
        raise NotImplementedError

    @property
    def adding(self) -> bool:
        return self.instance._state.adding

    def validate_constraints(self) -> None:
        """The service checks the model's constraints as it saves, after its own checks, whose messages are clearer."""

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        names = list(self.cleaned_data) if self.adding else self.changed_data
        try:
            self.instance = self.write({name: self.cleaned_data[name] for name in names})
        except ValidationError as refusal:
            if not hasattr(refusal, "error_dict"):
                self.add_error(None, refusal)
                return
            for field, errors in refusal.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)


class ServiceAdmin(admin.ModelAdmin):
    """Saves and deletions go through the services; `add_fields` are the fields of the add page."""

    add_fields: Sequence[str] = ()

    def get_fields(self, request: HttpRequest, obj: models.Model | None = None) -> Sequence[str]:
        if obj is None and self.add_fields:
            return self.add_fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> Sequence[str]:
        return () if obj is None and self.add_fields else super().get_readonly_fields(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None) -> HttpResponse:
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and "adminform" in (getattr(response, "context_data", None) or {}):
                # Shown again with errors (the form's or an inline's): what a service wrote while the form
                # validated is undone.
                transaction.set_rollback(True)
        return response

    def save_model(self, request, obj, form, change) -> None:
        """The form's service call has saved it."""

    def save_related(self, request, form, formsets, change) -> None:
        # The service has set the form's many-to-many fields too.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self.delete_model(request, obj)

    def delete_view(self, request, object_id, extra_context=None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as refusal:
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id]))


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows no service lets anyone edit: shown, never changed here."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class GoesWithParentAdmin(admin.ModelAdmin):
    """Rows with no service to delete them alone: no delete page or action of their own. Deleting their case (or
    agreement) still takes them, so the permission itself stays."""

    def delete_view(self, request, object_id, extra_context=None) -> HttpResponse:
        raise PermissionDenied

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def render_change_form(self, request, context, *args, **kwargs):
        context["show_delete"] = False
        return super().render_change_form(request, context, *args, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    """Child rows shown on their parent's page, each with a link to its own page where it can be changed."""

    extra = 0
    show_change_link = True

    def get_readonly_fields(self, request, obj=None) -> Sequence[str]:
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- the case, its debts and its hardship ---------------------------------------------------------------------


class DebtInline(ReadOnlyInline):
    model = Debt
    fields = ["lender", "lender_name", "account_label", "principal", "interest", "penalty_interest", "fees"]


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["position", "kind", "supports", "title", "status"]


class CaseForm(ServiceForm):
    """A status goes through case_change_status (only a legal move); the rest through case_create / case_update, which
    marks the documents out of date."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.adding and "status" in self.fields:
            allowed = CASE_TRANSITIONS[self.instance.status]
            moves = "、".join(str(label) for value, label in CaseStatus.choices if value in allowed)
            if moves:
                self.fields["status"].help_text = gettext("可以改为：%(statuses)s") % {"statuses": moves}

    def write(self, changes: dict[str, Any]) -> Case:
        if self.adding:
            return services.case_create(**changes)
        status = changes.pop("status", None)
        if changes:
            services.case_update(case=self.instance, **changes)
        if status is not None:
            services.case_change_status(case=self.instance, status=status)
        return self.instance


@admin.register(Case)
class CaseAdmin(ServiceAdmin):
    form = CaseForm
    list_display = ["title", "owner", "status", "goal", "updated_at"]
    list_filter = ["status", "goal", "created_at"]
    # Never the ID number: it is stored encrypted, and a search by it would tell whether someone has a case.
    search_fields = ["title", "owner__email", "owner__phone", "debtor_name", "code"]
    add_fields = ["owner", "title"]
    fields = [
        "code",
        "owner",
        "title",
        "status",
        "goal",
        "goal_note",
        "requested_months",
        "down_payment",
        "first_due_date",
        "overdue_since",
        "debtor_name",
        "id_number_masked",
        "contact_phone",
        "documents_changed_at",
        "last_proposal_version",
        "last_letter_version",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [
        "code",
        "owner",
        "id_number_masked",
        "documents_changed_at",
        "last_proposal_version",
        "last_letter_version",
        "created_at",
        "updated_at",
    ]
    exclude = ["id_number"]
    raw_id_fields = ["owner"]
    inlines = [DebtInline, EvidenceInline]
    date_hierarchy = "created_at"

    @admin.display(description=_("身份证号"))
    def id_number_masked(self, case: Case) -> str:
        return case.masked_id_number

    def delete_model(self, request, obj: Case) -> None:
        services.case_delete(case=obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # case_delete takes everything the case holds, the rows that have no delete page of their own too.
        return deleted, counts, set(), protected


class DebtForm(ServiceForm):
    """Through debt_create / debt_update: the amounts are checked and the case's documents marked out of date.

    Support staff correct a figure the user read out wrong on the phone, so the amounts stay editable.
    """

    def write(self, changes: dict[str, Any]) -> Debt:
        if self.adding:
            return services.debt_create(**changes)
        return services.debt_update(debt=self.instance, **changes) if changes else self.instance


@admin.register(Debt)
class DebtAdmin(ServiceAdmin):
    form = DebtForm
    list_display = ["__str__", "case", "lender", "principal", "interest", "penalty_interest", "fees", "overdue_since"]
    list_filter = ["lender", "overdue_since"]
    search_fields = ["lender_name", "account_label", "case__title"]
    raw_id_fields = ["case"]
    debt_fields = [
        "lender",
        "lender_name",
        "account_label",
        "principal",
        "interest",
        "penalty_interest",
        "fees",
        "overdue_since",
        "daily_rate",
        "minimum_payment",
        "last_statement_date",
    ]
    add_fields = ["case", *debt_fields]
    fields = ["case", *debt_fields, "created_at"]
    readonly_fields = ["case", "created_at"]

    def delete_model(self, request, obj: Debt) -> None:
        services.debt_delete(debt=obj)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        # debt_delete refuses a debt written into an agreement; the bulk action could not say which one it refused.
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions


class HardshipForm(ServiceForm):
    reasons = forms.MultipleChoiceField(
        label=_("困难原因"), choices=HardshipReason.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    def write(self, changes: dict[str, Any]) -> Hardship:
        case = changes.pop("case", None) or self.instance.case
        return services.hardship_save(case=case, **changes) if changes or self.adding else self.instance


@admin.register(Hardship)
class HardshipAdmin(GoesWithParentAdmin, ServiceAdmin):
    form = HardshipForm
    list_display = ["case", "__str__", "since", "monthly_income", "household_expenses", "dependents"]
    list_filter = ["since"]
    search_fields = ["case__title", "narrative"]
    raw_id_fields = ["case"]
    hardship_fields = [
        "reasons",
        "since",
        "narrative",
        "monthly_income",
        "household_expenses",
        "dependents",
        "other_fixed_payments",
    ]
    add_fields = ["case", *hardship_fields]
    fields = ["case", *hardship_fields, "budget_updated_at", "updated_at"]
    readonly_fields = ["case", "budget_updated_at", "updated_at"]


# --- evidence -------------------------------------------------------------------------------------------------


class EvidenceFileInline(ReadOnlyInline):
    """Files arrive, are replaced and leave only through the checked upload and its services."""

    model = EvidenceFile
    fields = ["original_name", "content_type", "size", "pages", "position", "created_at"]
    show_change_link = False


class EvidenceEventInline(ReadOnlyInline):
    model = EvidenceEvent
    fields = ["status", "on", "note", "created_at"]
    show_change_link = False


class EvidenceForm(ServiceForm):
    """What the item is and says goes through evidence_create / evidence_update; its status follows its files and
    what the user recorded, so it is shown, not edited."""

    def write(self, changes: dict[str, Any]) -> Evidence:
        if self.adding:
            return services.evidence_create(**changes)
        return services.evidence_update(evidence=self.instance, **changes) if changes else self.instance


@admin.register(Evidence)
class EvidenceAdmin(ServiceAdmin):
    form = EvidenceForm
    list_display = ["__str__", "case", "kind", "supports", "status", "status_changed_on", "position"]
    list_filter = ["kind", "status", "supports"]
    search_fields = ["title", "note", "files__original_name", "case__title"]
    raw_id_fields = ["case"]
    add_fields = ["case", "kind", "supports", "title", "note"]
    fields = [
        "code",
        "case",
        "position",
        "kind",
        "supports",
        "title",
        "note",
        "status",
        "status_changed_on",
        "from_checklist",
        "created_at",
        "updated_at",
    ]
    # The kind stays: the checklist finds its own items by kind.
    readonly_fields = [
        "code",
        "case",
        "position",
        "kind",
        "status",
        "status_changed_on",
        "from_checklist",
        "created_at",
        "updated_at",
    ]
    inlines = [EvidenceFileInline, EvidenceEventInline]

    def delete_model(self, request, obj: Evidence) -> None:
        services.evidence_delete(evidence=obj)


# --- contact log ----------------------------------------------------------------------------------------------


class ContactLogForm(ServiceForm):
    def write(self, changes: dict[str, Any]) -> ContactLog:
        if self.adding:
            return services.contact_log_create(**changes)
        return services.contact_log_update(entry=self.instance, **changes) if changes else self.instance


@admin.register(ContactLog)
class ContactLogAdmin(ServiceAdmin):
    form = ContactLogForm
    list_display = ["occurred_at", "case", "channel", "direction", "agent_name", "outcome", "next_follow_up"]
    list_filter = ["channel", "direction", "outcome", "next_follow_up"]
    search_fields = ["agent_name", "agent_id", "summary", "offer", "case__title"]
    raw_id_fields = ["case"]
    date_hierarchy = "occurred_at"
    contact_fields = [
        "occurred_at",
        "channel",
        "direction",
        "agent_name",
        "agent_id",
        "summary",
        "offer",
        "outcome",
        "next_follow_up",
    ]
    add_fields = ["case", *contact_fields]
    fields = ["case", *contact_fields, "created_at"]
    readonly_fields = ["case", "created_at"]

    def delete_model(self, request, obj: ContactLog) -> None:
        services.contact_log_delete(entry=obj)


# --- agreement, installments, payments ------------------------------------------------------------------------


class InstallmentInline(ReadOnlyInline):
    model = Installment
    fields = ["number", "due_date", "amount_due", "principal", "interest", "amount_paid", "status"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["paid_on", "amount", "note"]


class AgreementForm(ServiceForm):
    def write(self, changes: dict[str, Any]) -> Agreement:
        return services.agreement_create(**changes)


@admin.register(Agreement)
class AgreementAdmin(ViewOnlyAdmin, ServiceAdmin):
    """Recorded through agreement_create, which computes the schedule; its figures are not changed afterwards,
    since the installments and the payments allocated to them were computed from them."""

    form = AgreementForm
    list_display = ["case", "kind", "total_to_repay", "installment_count", "first_due_date", "signed_on"]
    list_filter = ["kind", "interest_resumes", "signed_on"]
    search_fields = ["case__title", "breach_clause"]
    raw_id_fields = ["case", "debts", "signed_copy"]
    add_fields = [
        "case",
        "debts",
        "kind",
        "total_to_repay",
        "down_payment",
        "amount_waived",
        "installment_count",
        "first_due_date",
        "annual_rate",
        "interest_resumes",
        "breach_clause",
        "signed_on",
        "signed_copy",
    ]
    inlines = [InstallmentInline, PaymentInline]


@admin.register(Installment)
class InstallmentAdmin(GoesWithParentAdmin, ViewOnlyAdmin):
    """Made by agreement_create and paid by the payments' allocation: nothing to add or change by hand."""

    list_display = ["agreement", "number", "due_date", "amount_due", "amount_paid", "status"]
    list_filter = ["status", "due_date"]
    search_fields = ["agreement__case__title"]

    def has_add_permission(self, request) -> bool:
        return False


class PaymentForm(ServiceForm):
    def write(self, changes: dict[str, Any]) -> Payment:
        return services.payment_record(**changes)


@admin.register(Payment)
class PaymentAdmin(ViewOnlyAdmin, ServiceAdmin):
    """Recorded and deleted through the services, which allocate the payments to the installments again; a wrong
    payment is deleted and recorded anew."""

    form = PaymentForm
    list_display = ["agreement", "paid_on", "amount", "note"]
    list_filter = ["paid_on"]
    search_fields = ["agreement__case__title", "note"]
    raw_id_fields = ["agreement", "receipt"]
    add_fields = ["agreement", "paid_on", "amount", "receipt", "note"]

    def delete_model(self, request, obj: Payment) -> None:
        services.payment_delete(payment=obj)


# --- generated documents --------------------------------------------------------------------------------------


class GeneratedDocumentForm(ServiceForm):
    """A new version requested through document_request, which numbers it and queues its rendering."""

    language = forms.ChoiceField(label=_("语言"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["language"].initial = settings.LANGUAGE_CODE

    def write(self, changes: dict[str, Any]) -> GeneratedDocument:
        return services.document_request(**changes)


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ViewOnlyAdmin, ServiceAdmin):
    form = GeneratedDocumentForm
    list_display = ["case", "kind", "version", "status", "attempts", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["case__title", "error", "checksum", "code"]
    raw_id_fields = ["case"]
    add_fields = ["case", "kind", "language"]
