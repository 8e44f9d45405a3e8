"""Test data built through the real services, as a user's own would be: a user, a case with its debts, a hardship
and its checklist, evidence with real uploaded files, a contact log, an agreement, generated documents.

Each builder takes only what a test cares about; everything else gets a plain valid value.
"""

import zlib
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from cases import services
from cases.models import (
    Agreement,
    Case,
    CaseGoal,
    ContactLog,
    Debt,
    DocumentKind,
    DocumentStatus,
    Evidence,
    EvidenceFile,
    EvidenceStatus,
    GeneratedDocument,
    Hardship,
    HardshipReason,
)

from . import files

PASSWORD = "correct-horse-battery-staple"


def today() -> date:
    return timezone.localdate()


def tomorrow() -> date:
    return today() + timedelta(days=1)


# --- ID numbers -------------------------------------------------------------------------------------------------

_ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2, derived rather than copied


def with_check_character(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


VALID_ID = with_check_character("11010519491231002")


# --- people and cases -------------------------------------------------------------------------------------------


def make_user(email: str = "someone@example.com", **fields) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, **fields)


def make_case(owner, **fields) -> Case:
    return services.case_create(owner=owner, title=fields.pop("title", "花呗逾期协商"), **fields)


def make_debt(case: Case, **fields) -> Debt:
    return services.debt_create(case=case, **{"principal": "10000", "interest": "500", **fields})


def make_hardship(case: Case, **fields) -> Hardship:
    """Job loss, ¥6,000 a month in and ¥3,500 out: a budget of ¥2,500 and the unemployment checklist."""
    return services.hardship_save(
        case=case,
        **{
            "reasons": [HardshipReason.UNEMPLOYMENT],
            "monthly_income": "6000",
            "household_expenses": "3500",
            **fields,
        },
    )


def case_with_debts(owner, *principals: str, **fields) -> Case:
    """A case with one 花呗 debt per principal given (¥10,000 when none is) and a hardship that gives it a budget."""
    case = make_case(owner, **fields)
    for principal in principals or ("10000",):
        make_debt(case, principal=principal)
    make_hardship(case)
    return case


# --- evidence ---------------------------------------------------------------------------------------------------


def photo(name: str = "身份证正面.jpg", **build) -> SimpleUploadedFile:
    """A phone photo with its GPS position; its colour follows the name, so two photos are two different files."""
    shade = zlib.crc32(name.encode())
    color = (shade & 0xFF, (shade >> 8) & 0xFF, (shade >> 16) & 0xFF)
    return SimpleUploadedFile(name, files.jpeg_with_gps(color=color, **build), content_type="image/jpeg")


def pdf(name: str = "银行流水.pdf", pages: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, files.tiny_pdf(pages=pages), content_type="application/pdf")


def upload(evidence: Evidence, *chosen: SimpleUploadedFile) -> list[EvidenceFile]:
    """Files uploaded through the service (checked, cleaned and stored for real); one small PDF when none is given."""
    return services.evidence_upload(evidence=evidence, files=list(chosen) or [pdf()])


def give_file(evidence: Evidence, status: str = EvidenceStatus.UPLOADED) -> Evidence:
    """Pretend a file was uploaded: only the row is stored, nothing is written to storage.

    For the many tests about statuses and references, where a real upload would only slow them down.
    """
    EvidenceFile.objects.create(
        evidence=evidence, file="evidence/fake.pdf", original_name="fake.pdf", content_type="application/pdf", size=9
    )
    Evidence.objects.filter(pk=evidence.pk).update(status=status)
    evidence.refresh_from_db()
    return evidence


# --- contact, agreement, documents ------------------------------------------------------------------------------


def make_contact(case: Case, **fields) -> ContactLog:
    """A call with the case's first lender an hour ago, unless told otherwise."""
    return services.contact_log_create(
        case=case,
        **{
            "creditor": case.creditors.order_by("position", "pk").first(),
            "occurred_at": timezone.now() - timedelta(hours=1),
            "channel": "phone_95188",
            "summary": "问了停息",
            **fields,
        },
    )


def agreement_kwargs(case: Case, debts: list[Debt], **overrides) -> dict:
    return {
        "case": case,
        "debts": debts,
        "kind": CaseGoal.INSTALLMENTS,
        "total_to_repay": "12000",
        "installment_count": 12,
        "first_due_date": today() + timedelta(days=10),
        **overrides,
    }


def make_agreement(case: Case, debts: list[Debt], **overrides) -> Agreement:
    return services.agreement_create(**agreement_kwargs(case, debts, **overrides))


def make_document(
    case: Case, version: int, status: str = DocumentStatus.READY, kind: str = DocumentKind.PROPOSAL
) -> GeneratedDocument:
    """A generated document as the worker leaves it, holding a small real PDF of `version` pages when ready.

    Written directly rather than rendered: WeasyPrint is tested in test_documents.py, and a bundle or a list of
    versions only needs the rows and their files.
    """
    document = GeneratedDocument(case=case, kind=kind, version=version, status=status)
    if status == DocumentStatus.READY:
        document.file.save(f"{kind}-v{version}.pdf", ContentFile(files.tiny_pdf(pages=version)), save=False)
    document.save()
    return document


# --- ready for documents ----------------------------------------------------------------------------------------


def ready_lender(case: Case):
    """The case's first lender, with everything its documents need filled in where the test left it blank (the
    debtor's name, ID number and phone, the budget, a plan for every lender): documents are refused otherwise."""
    if not (case.debtor_name and case.id_number and case.contact_phone):
        services.case_update(
            case=case,
            debtor_name=case.debtor_name or "张三",
            id_number=case.id_number or VALID_ID,
            contact_phone=case.contact_phone or "13800138000",
        )
    if not case.debts.exists():
        make_debt(case)
    hardship = Hardship.objects.filter(case=case).first()
    if hardship is None or hardship.budget_updated_at is None:
        services.hardship_save(case=case, monthly_income="6000", household_expenses="3500")
    for creditor in case.creditors.filter(goal=""):
        services.creditor_choose_plan(creditor=creditor, goal=CaseGoal.INTEREST_FROZEN)
    return case.creditors.order_by("position", "pk").first()
