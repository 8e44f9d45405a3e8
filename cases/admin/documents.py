"""Generated documents."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import GeneratedDocument
from .base import ServiceAdmin, ServiceForm, ViewOnlyAdmin


class GeneratedDocumentForm(ServiceForm):
    """A new version of one lender's document, requested through document_request, which numbers it, refuses an
    incomplete case and queues its rendering."""

    # The settings are read when the form is used, not when this module is imported.
    language = forms.ChoiceField(
        label=_("语言"), choices=lambda: settings.LANGUAGES, initial=lambda: settings.LANGUAGE_CODE
    )

    def write(self, changes: dict[str, Any]) -> GeneratedDocument:
        return services.document_request(**changes)


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ViewOnlyAdmin, ServiceAdmin):
    form = GeneratedDocumentForm
    list_display = ["case", "creditor", "kind", "version", "status", "attempts", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["case__title", "error", "checksum", "code"]
    raw_id_fields = ["case", "creditor"]
    add_fields = ["case", "creditor", "kind", "language"]
