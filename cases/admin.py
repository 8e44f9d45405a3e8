"""Admin pages for every model of a case, with search and filters; child rows are edited inline."""

from django.contrib import admin

from .models import (
    Agreement,
    Case,
    ContactLog,
    Debt,
    Evidence,
    EvidenceEvent,
    EvidenceFile,
    GeneratedDocument,
    Hardship,
    Installment,
    Payment,
)


class DebtInline(admin.TabularInline):
    model = Debt
    extra = 0
    fields = ["lender", "lender_name", "account_label", "principal", "interest", "penalty_interest", "fees"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["position", "kind", "supports", "title", "status"]
    readonly_fields = ["position"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "status", "goal", "updated_at"]
    list_filter = ["status", "goal", "created_at"]
    search_fields = ["title", "owner__email", "owner__phone", "debtor_name", "code"]
    readonly_fields = ["code", "created_at", "updated_at", "last_proposal_version", "last_letter_version"]
    raw_id_fields = ["owner"]
    inlines = [DebtInline, EvidenceInline]
    date_hierarchy = "created_at"


@admin.register(Debt)
class DebtAdmin(admin.ModelAdmin):
    list_display = ["__str__", "case", "lender", "principal", "interest", "penalty_interest", "fees", "overdue_since"]
    list_filter = ["lender", "overdue_since"]
    search_fields = ["lender_name", "account_label", "case__title"]
    raw_id_fields = ["case"]


@admin.register(Hardship)
class HardshipAdmin(admin.ModelAdmin):
    list_display = ["case", "__str__", "since", "monthly_income", "household_expenses", "dependents"]
    list_filter = ["since"]
    search_fields = ["case__title", "narrative"]
    raw_id_fields = ["case"]


class EvidenceFileInline(admin.TabularInline):
    """Files arrive only through the checked upload; the admin shows them and can remove them, not add them."""

    model = EvidenceFile
    extra = 0
    fields = ["original_name", "content_type", "size", "pages", "position", "created_at"]
    readonly_fields = ["original_name", "content_type", "size", "pages", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EvidenceEventInline(admin.TabularInline):
    model = EvidenceEvent
    extra = 0
    fields = ["status", "on", "note", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "case", "kind", "supports", "status", "status_changed_on", "position"]
    list_filter = ["kind", "status", "supports"]
    search_fields = ["title", "note", "files__original_name", "case__title"]
    raw_id_fields = ["case"]
    readonly_fields = ["code", "created_at", "updated_at"]
    inlines = [EvidenceFileInline, EvidenceEventInline]


@admin.register(ContactLog)
class ContactLogAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "case", "channel", "direction", "agent_name", "outcome", "next_follow_up"]
    list_filter = ["channel", "direction", "outcome", "next_follow_up"]
    search_fields = ["agent_name", "agent_id", "summary", "offer", "case__title"]
    raw_id_fields = ["case"]
    date_hierarchy = "occurred_at"


class InstallmentInline(admin.TabularInline):
    model = Installment
    extra = 0
    fields = ["number", "due_date", "amount_due", "principal", "interest", "amount_paid", "status"]
    readonly_fields = fields
    can_delete = False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["paid_on", "amount", "note"]
    readonly_fields = fields
    can_delete = False


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "total_to_repay", "installment_count", "first_due_date", "signed_on"]
    list_filter = ["kind", "interest_resumes", "signed_on"]
    search_fields = ["case__title", "breach_clause"]
    raw_id_fields = ["case", "signed_copy"]
    filter_horizontal = ["debts"]
    inlines = [InstallmentInline, PaymentInline]


@admin.register(Installment)
class InstallmentAdmin(admin.ModelAdmin):
    list_display = ["agreement", "number", "due_date", "amount_due", "amount_paid", "status"]
    list_filter = ["status", "due_date"]
    search_fields = ["agreement__case__title"]
    raw_id_fields = ["agreement"]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["agreement", "paid_on", "amount", "note"]
    list_filter = ["paid_on"]
    search_fields = ["agreement__case__title", "note"]
    raw_id_fields = ["agreement", "receipt"]


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "version", "status", "attempts", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["case__title", "error", "checksum", "code"]
    raw_id_fields = ["case"]
    readonly_fields = ["code", "checksum", "created_at", "started_at", "finished_at"]
