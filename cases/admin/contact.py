"""The log of every contact with the lender."""

from typing import Any

from django.contrib import admin

from .. import services
from ..models import ContactLog
from .base import ServiceAdmin, ServiceForm


class ContactLogForm(ServiceForm):
    def write(self, changes: dict[str, Any]) -> ContactLog:
        if self.adding:
            return services.contact_log_create(**changes)
        return services.contact_log_update(entry=self.instance, **changes) if changes else self.instance


@admin.register(ContactLog)
class ContactLogAdmin(ServiceAdmin):
    form = ContactLogForm
    list_display = [
        "occurred_at",
        "case",
        "creditor",
        "channel",
        "direction",
        "agent_name",
        "outcome",
        "next_follow_up",
    ]
    list_filter = ["channel", "direction", "outcome", "next_follow_up"]
    search_fields = ["agent_name", "agent_id", "summary", "offer", "case__title", "creditor__name"]
    raw_id_fields = ["case", "creditor", "evidence"]
    date_hierarchy = "occurred_at"
    contact_fields = [
        "creditor",
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
    fields = ["case", *contact_fields, "evidence", "created_at"]
    readonly_fields = ["case", "evidence", "created_at"]

    def delete_model(self, request, obj: ContactLog) -> None:
        services.contact_log_delete(entry=obj)
