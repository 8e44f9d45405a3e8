"""The agreement as signed, its installments, and the payments against them."""

from typing import Any

from django.contrib import admin

from .. import services
from ..models import Agreement, Installment, Payment
from .base import GoesWithParentAdmin, ReadOnlyInline, ServiceAdmin, ServiceForm, ViewOnlyAdmin


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
    list_display = ["case", "creditor", "kind", "total_to_repay", "installment_count", "first_due_date", "signed_on"]
    list_filter = ["kind", "interest_resumes", "signed_on"]
    search_fields = ["case__title", "breach_clause"]
    raw_id_fields = ["case", "creditor", "debts", "signed_copy"]
    add_fields = [
        "case",
        "creditor",
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
