"""Writes to accounts: signing up with the record of the consent, withdrawing and giving it again, and deleting the
account with everything it holds.

Deleting walks the rows generically (whatever would go with the user row, as the admin's delete page shows them), so
that a model added to a case later is deleted, and its files too, without a change here.
"""

import logging
from collections.abc import Iterable

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import NestedObjects
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import Storage
from django.db import models, router, transaction
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, Evidence, GeneratedDocument, Hardship

from .models import CONSENT_VERSION, User

logger = logging.getLogger(__name__)


def user_sign_up(*, email: str | None, phone: str | None, password: str, display_name: str = "") -> User:
    """Create an account; the caller has already obtained the separate consent to sensitive information."""
    with transaction.atomic():
        return User.objects.create_user(
            email=email,
            phone=phone,
            password=password,
            display_name=display_name,
            sensitive_consent_at=timezone.now(),
            sensitive_consent_version=CONSENT_VERSION,
        )


# --- what belongs to a user -------------------------------------------------------------------------------------


def user_rows(user: User) -> list[models.Model]:
    """The user and every row that would be deleted with them: their cases and everything each case holds.

    Many-to-many link rows are left out: each side already names the other.
    """
    collector = NestedObjects(using=router.db_for_write(User))
    collector.collect([User.objects.get(pk=user.pk)])  # the row itself, not a request's lazy stand-in
    rows = [
        row
        for model, instances in collector.data.items()
        if not model._meta.auto_created
        for row in sorted(instances, key=lambda instance: instance.pk)
    ]
    return sorted(rows, key=lambda row: (row._meta.label != User._meta.label, row._meta.label, row.pk))


def stored_files(rows: Iterable[models.Model]) -> list[tuple[Storage, str]]:
    """Every file the rows name, with the storage it is in: each FileField (and ImageField) of each row."""
    found = []
    for row in rows:
        for field in row._meta.concrete_fields:
            if isinstance(field, models.FileField):
                name = getattr(row, field.attname)
                if name:
                    found.append((field.storage, str(name)))
    return found


def _delete_files_after_commit(files: list[tuple[Storage, str]]) -> None:
    def delete() -> None:
        for storage, name in files:
            try:
                storage.delete(name)
            except Exception:
                # The sweep of files no row names (cases.sweep_orphan_files) takes it later.
                logger.exception("a deleted user's stored file could not be deleted yet")

    transaction.on_commit(delete)


# --- deletion ---------------------------------------------------------------------------------------------------


def user_delete(*, user: User) -> None:
    """Delete the account, every row that belongs to it and every stored file those rows name.

    Also the sign-in records kept under its phone number or e-mail address and the admin's history of its rows.
    The files leave storage once the rows are gone for good.
    """
    rows = user_rows(user)
    files = stored_files(rows)
    with transaction.atomic():
        for case in Case.objects.filter(owner=user):
            case_services.case_delete(case=case)
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username__in=user.login_keys).delete()
        _delete_admin_history(rows)
        user.delete()
        _delete_files_after_commit(files)


def _delete_admin_history(rows: list[models.Model]) -> None:
    """The admin's log names each row it changed (and copies its title): those lines go with the rows."""
    by_model: dict[type[models.Model], list[str]] = {}
    for row in rows:
        by_model.setdefault(row._meta.model, []).append(str(row.pk))
    for model, ids in by_model.items():
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        LogEntry.objects.filter(content_type=content_type, object_id__in=ids).delete()


# --- the separate consent to sensitive information --------------------------------------------------------------

CONSENT_FIELDS = ["sensitive_consent_at", "sensitive_consent_version", "sensitive_consent_withdrawn_at"]


def user_withdraw_consent(*, user: User) -> None:
    """Withdraw the consent: the sensitive data of every case is deleted and the cases are not processed again
    until the consent is given anew (accounts.middleware.SensitiveConsentMiddleware).

    Deleted: the ID number, the hardship (what happened, income and expenses), every evidence item with its files,
    and the generated documents, which print them. Debts, calls, agreements and payments stay.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        cases = list(Case.objects.filter(owner=locked))
        for evidence in Evidence.objects.filter(case__in=cases):
            case_services.evidence_delete(evidence=evidence)
        documents = list(GeneratedDocument.objects.filter(case__in=cases))
        files = stored_files(documents)
        GeneratedDocument.objects.filter(pk__in=[document.pk for document in documents]).delete()
        Hardship.objects.filter(case__in=cases).delete()
        Case.objects.filter(pk__in=[case.pk for case in cases]).update(
            id_number=None, documents_changed_at=timezone.now()
        )
        locked.sensitive_consent_at = None
        locked.sensitive_consent_version = ""
        locked.sensitive_consent_withdrawn_at = timezone.now()
        locked.save(update_fields=CONSENT_FIELDS)
        _delete_files_after_commit(files)
    for name in CONSENT_FIELDS:
        setattr(user, name, getattr(locked, name))


def user_give_consent(*, user: User) -> None:
    """The separate consent given again, in the wording of today."""
    user.sensitive_consent_at = timezone.now()
    user.sensitive_consent_version = CONSENT_VERSION
    user.sensitive_consent_withdrawn_at = None
    user.save(update_fields=CONSENT_FIELDS)
