"""Every write to a case and what it holds: validated, atomic, and named <entity>_<action>.

Arguments are explicit and typed; an update changes only the fields given (the others default to UNSET). Errors are
django ValidationErrors keyed by field with translated messages (the rules themselves are in cases/validators.py); a
failed call changes nothing.
Callers pass objects already checked for ownership (a view's `_case_for`); children are checked against their case.
One module per part of a case; everything public is here, so callers write `services.evidence_upload(...)`.
"""

from .agreement import (
    agreement_attach_signed_copy,
    agreement_create,
    agreement_outstanding,
    offer_create,
    offer_delete,
    payment_delete,
    payment_record,
)
from .bundle import (
    BUNDLE_KEPT_FOR,
    bundle_build,
    bundle_request,
    bundle_sweep,
)
from .case import (
    case_change_status,
    case_create,
    case_delete,
    case_mark_step,
    case_update,
    debt_create,
    debt_delete,
    debt_update,
    hardship_save,
    validate_id_number,
)
from .common import UNSET, Unset
from .contact import (
    contact_log_create,
    contact_log_delete,
    contact_log_update,
)
from .creditor import (
    creditor_change_status,
    creditor_choose_plan,
    creditor_set_share,
    creditor_update,
)
from .documents import (
    DOCUMENT_TEMPLATES,
    MAX_ATTEMPTS,
    PENDING_TOO_LONG,
    STALE_AFTER,
    document_html,
    document_render,
    document_request,
    document_sweep,
    document_take_back,
)
from .evidence import (
    ORPHAN_GRACE,
    STORED_FOLDERS,
    case_evidence_bytes,
    evidence_create,
    evidence_delete,
    evidence_file_delete,
    evidence_file_replace,
    evidence_set_status,
    evidence_sync_checklist,
    evidence_update,
    evidence_upload,
    storage_sweep_orphans,
)
from .reminders import (
    INSTALLMENT_REMINDER_DAYS,
    email_enabled,
    reminder_email,
    reminder_mark_read,
    reminder_preference_set,
    reminders_create,
    reminders_send,
)

__all__ = [
    "BUNDLE_KEPT_FOR",
    "DOCUMENT_TEMPLATES",
    "INSTALLMENT_REMINDER_DAYS",
    "MAX_ATTEMPTS",
    "ORPHAN_GRACE",
    "PENDING_TOO_LONG",
    "STALE_AFTER",
    "STORED_FOLDERS",
    "UNSET",
    "Unset",
    "agreement_attach_signed_copy",
    "agreement_create",
    "agreement_outstanding",
    "bundle_build",
    "bundle_request",
    "bundle_sweep",
    "case_change_status",
    "case_create",
    "case_delete",
    "case_evidence_bytes",
    "case_mark_step",
    "case_update",
    "contact_log_create",
    "creditor_change_status",
    "creditor_choose_plan",
    "creditor_set_share",
    "creditor_update",
    "contact_log_delete",
    "contact_log_update",
    "debt_create",
    "debt_delete",
    "debt_update",
    "document_html",
    "document_render",
    "document_request",
    "document_sweep",
    "document_take_back",
    "email_enabled",
    "evidence_create",
    "evidence_delete",
    "evidence_file_delete",
    "evidence_file_replace",
    "evidence_set_status",
    "evidence_sync_checklist",
    "evidence_update",
    "evidence_upload",
    "hardship_save",
    "offer_create",
    "offer_delete",
    "payment_delete",
    "payment_record",
    "reminder_email",
    "reminder_mark_read",
    "reminder_preference_set",
    "reminders_create",
    "reminders_send",
    "storage_sweep_orphans",
    "validate_id_number",
]
