"""Evidence items, their files and their history."""

from typing import Any

from django.contrib import admin

from .. import services
from ..models import Evidence, EvidenceEvent, EvidenceFile
from .base import ReadOnlyInline, ServiceAdmin, ServiceForm


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
