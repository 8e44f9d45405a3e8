"""What every admin page of a case shares: forms that save through a service, pages that undo a refused
save, rows shown read-only."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


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
        super()._post_clean()  # type: ignore[misc]  # django-stubs leave out the hook that validates the instance
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

    add_fields: list[str] | tuple[str, ...] = ()

    # Returns what ModelAdmin.get_fields does (names, or groups of names shown on one line): its type is the stubs'.
    def get_fields(self, request: HttpRequest, obj: models.Model | None = None):
        if obj is None and self.add_fields:
            return self.add_fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list[str] | tuple[str, ...]:
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

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return flatten(self.fields or ())

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
