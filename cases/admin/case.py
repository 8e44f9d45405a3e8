"""The case, its debts and its hardship."""

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import CASE_TRANSITIONS, Case, CaseStatus, Debt, Evidence, Hardship, HardshipReason
from .base import GoesWithParentAdmin, ReadOnlyInline, ServiceAdmin, ServiceForm


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
    list_display = ["title", "owner", "status", "updated_at"]
    list_filter = ["status", "created_at"]
    # Never the ID number: it is stored encrypted, and a search by it would tell whether someone has a case.
    search_fields = ["title", "owner__email", "owner__phone", "debtor_name", "code"]
    add_fields = ["owner", "title"]
    fields = [
        "code",
        "owner",
        "title",
        "status",
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
