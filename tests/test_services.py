"""The services in cases/services.py: each one works, and each bad input is refused with a keyed, translated error."""

import os
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from cases import plans, services
from cases.models import (
    CASE_TRANSITIONS,
    EVIDENCE_TRANSITIONS,
    Agreement,
    Case,
    CaseGoal,
    CaseStatus,
    ContactLog,
    Debt,
    Evidence,
    EvidenceFile,
    EvidenceKind,
    EvidenceStatus,
    GeneratedDocument,
    Hardship,
    HardshipReason,
    Installment,
    InstallmentStatus,
    Payment,
    required_evidence,
)

from .files import tiny_pdf

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
MODELS = (Case, Debt, Hardship, Evidence, ContactLog, Agreement, Installment, Payment, GeneratedDocument)


# --- helpers ----------------------------------------------------------------------------------------------------


def today() -> date:
    return timezone.localdate()


def tomorrow() -> date:
    return today() + timedelta(days=1)


def database_state() -> dict[str, list[tuple]]:
    """Every row of every case table, so that a refused call can be shown to have written nothing.

    Raw SQL, both for speed (it runs twice in hundreds of tests) and to see the stored bytes themselves.
    """
    tables = [model._meta.db_table for model in MODELS] + [Agreement.debts.through._meta.db_table]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        state = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY id")  # noqa: S608 (table names from the models)
            state[table] = cursor.fetchall()
    return state


def assert_refused(field: str, call, *args, **kwargs) -> list[str]:
    """The call raises a ValidationError keyed by field, in Chinese, and leaves the database as it was."""
    before = database_state()
    with pytest.raises(ValidationError) as excinfo:
        call(*args, **kwargs)
    messages = excinfo.value.message_dict
    assert field in messages, messages
    assert messages[field] and all(CJK.search(message) for message in messages[field]), messages
    assert database_state() == before
    return messages[field]


def make_stale(case: Case) -> datetime:
    stale = timezone.now() - timedelta(days=1)
    Case.objects.filter(pk=case.pk).update(updated_at=stale)
    return stale


def updated_at(case: Case) -> datetime:
    return Case.objects.values_list("updated_at", flat=True).get(pk=case.pk)


def make_case(owner, **fields) -> Case:
    return services.case_create(owner=owner, title=fields.pop("title", "花呗逾期协商"), **fields)


def make_debt(case: Case, **fields) -> Debt:
    return services.debt_create(case=case, **{"principal": "10000", "interest": "500", **fields})


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


def give_file(evidence: Evidence, status: str = EvidenceStatus.UPLOADED) -> Evidence:
    """Pretend a file was uploaded: only the row is stored, nothing is written to storage."""
    EvidenceFile.objects.create(
        evidence=evidence, file="evidence/fake.pdf", original_name="fake.pdf", content_type="application/pdf", size=9
    )
    Evidence.objects.filter(pk=evidence.pk).update(status=status)
    evidence.refresh_from_db()
    return evidence


def installments(agreement: Agreement) -> list[tuple[Decimal, str]]:
    return list(agreement.installments.order_by("number").values_list("amount_paid", "status"))


def positions(case: Case) -> list[int]:
    return list(Evidence.objects.filter(case=case).order_by("position").values_list("position", flat=True))


_ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2, derived rather than copied


def with_check_character(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


VALID_ID = with_check_character("11010519491231002")


def test_the_check_character_helper_reproduces_the_well_known_sample():
    assert VALID_ID == "11010519491231002X"


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture
def case(owner) -> Case:
    return make_case(owner)


@pytest.fixture
def other_case(outsider) -> Case:
    return make_case(outsider, title="别人的案件")


@pytest.fixture
def debt(case) -> Debt:
    return make_debt(case)


@pytest.fixture
def agreement(case, debt) -> Agreement:
    return make_agreement(case, [debt])


# --- amounts, dates and months across the services -------------------------------------------------------------

AMOUNT_ERRORS = {
    "negative": "金额不能是负数。",
    "too_large": "金额不能超过 1000 万元，请检查是否多输了位数。",
    "too_precise": "金额最多保留两位小数（精确到分）。",
    "invalid": "请输入数字金额，例如 1234.56。",
}
BAD_AMOUNTS = [
    ("-0.01", "negative"),
    ("-1", "negative"),
    (Decimal("-5"), "negative"),
    ("10000000.01", "too_large"),
    ("1e8", "too_large"),
    (10_000_001, "too_large"),
    ("1.234", "too_precise"),
    ("0.001", "too_precise"),
    ("abc", "invalid"),
    ("12元", "invalid"),
    ("Infinity", "invalid"),
    ("-Infinity", "invalid"),
    ("inf", "invalid"),
    ("NaN", "invalid"),
    ("sNaN", "invalid"),
    (float("inf"), "invalid"),
    (float("nan"), "invalid"),
]

AMOUNT_FIELDS = [
    ("case_create", "down_payment"),
    ("case_update", "down_payment"),
    *[("debt_create", f) for f in ("principal", "interest", "penalty_interest", "fees", "minimum_payment")],
    ("debt_update", "principal"),
    ("debt_update", "fees"),
    *[("hardship_save", f) for f in ("monthly_income", "household_expenses", "other_fixed_payments")],
    *[("agreement_create", f) for f in ("total_to_repay", "down_payment", "amount_waived")],
    ("payment_record", "amount"),
]


# Only what a service needs is built, which keeps the hundreds of cases below fast.
NEEDS = {"debt_update": ("debt",), "agreement_create": ("debt",), "payment_record": ("agreement",)}


def world_for(request, service: str) -> dict:
    return {name: request.getfixturevalue(name) for name in NEEDS.get(service, ())}


def pair_ids(pairs, separator: str) -> list[str]:
    return [separator.join(pair) for pair in pairs]


def call_with_amount(
    service: str, field: str, value, case: Case, debt: Debt | None = None, agreement: Agreement | None = None
):
    """Call one service with one amount field set to value, everything else valid."""
    if service == "case_create":
        return services.case_create(owner=case.owner, title="新案件", **{field: value})
    if service == "case_update":
        return services.case_update(case=case, **{field: value})
    if service == "debt_create":
        return make_debt(case, **{field: value})
    if service == "debt_update":
        return services.debt_update(debt=debt, **{field: value})
    if service == "hardship_save":
        return services.hardship_save(case=case, **{field: value})
    if service == "agreement_create":
        return make_agreement(case, [debt], **{field: value})
    assert service == "payment_record"
    return services.payment_record(agreement=agreement, paid_on=today(), **{field: value})


@pytest.mark.parametrize(("value", "code"), BAD_AMOUNTS, ids=[repr(v) for v, _ in BAD_AMOUNTS])
@pytest.mark.parametrize(("service", "field"), AMOUNT_FIELDS, ids=pair_ids(AMOUNT_FIELDS, "-"))
def test_bad_amounts_are_refused(request, case, service, field, value, code):
    world = world_for(request, service)
    messages = assert_refused(field, call_with_amount, service, field, value, case, **world)
    assert messages == [AMOUNT_ERRORS[code]]


# (service, field): call it with "1,234.5" and read back what was stored.
SAVED_AMOUNTS = {
    ("case_create", "down_payment"): lambda w: (
        services.case_create(owner=w[0].owner, title="新", down_payment="1,234.5").down_payment
    ),
    ("case_update", "down_payment"): lambda w: services.case_update(case=w[0], down_payment="1,234.5").down_payment,
    ("debt_create", "penalty_interest"): lambda w: make_debt(w[0], penalty_interest="1,234.5").penalty_interest,
    ("debt_create", "minimum_payment"): lambda w: make_debt(w[0], minimum_payment="1，234.5").minimum_payment,
    ("debt_update", "fees"): lambda w: services.debt_update(debt=w[1], fees=" 1,234.5 ").fees,
    ("hardship_save", "monthly_income"): lambda w: (
        services.hardship_save(case=w[0], monthly_income="1,234.5").monthly_income
    ),
    ("agreement_create", "total_to_repay"): lambda w: (
        make_agreement(w[0], [w[1]], total_to_repay="1,234.5").total_to_repay
    ),
    ("agreement_create", "amount_waived"): lambda w: (
        make_agreement(w[0], [w[1]], amount_waived="1,234.5").amount_waived
    ),
    ("payment_record", "amount"): lambda w: (
        services.payment_record(agreement=w[2], paid_on=today(), amount="1,234.5").amount
    ),
}


@pytest.mark.parametrize(("service", "field"), list(SAVED_AMOUNTS), ids=pair_ids(SAVED_AMOUNTS, "-"))
def test_amounts_are_saved_to_the_cent(case, debt, agreement, service, field):
    instance_value = SAVED_AMOUNTS[service, field]((case, debt, agreement))
    assert instance_value == Decimal("1234.50")
    stored = {
        "case_create": lambda: Case.objects.exclude(pk=case.pk).get().down_payment,
        "case_update": lambda: Case.objects.get(pk=case.pk).down_payment,
        "debt_create": lambda: getattr(Debt.objects.exclude(pk=debt.pk).get(), field),
        "debt_update": lambda: Debt.objects.get(pk=debt.pk).fees,
        "hardship_save": lambda: Hardship.objects.get(case=case).monthly_income,
        "agreement_create": lambda: getattr(Agreement.objects.exclude(pk=agreement.pk).get(), field),
        "payment_record": lambda: Payment.objects.get().amount,
    }[service]()
    assert str(stored) == "1234.50"


DATE_FIELDS = [
    ("debt_create", "overdue_since"),
    ("debt_create", "last_statement_date"),
    ("debt_update", "overdue_since"),
    ("debt_update", "last_statement_date"),
    ("hardship_save", "since"),
    ("agreement_create", "signed_on"),
    ("payment_record", "paid_on"),
    ("evidence_set_status", "status_changed_on"),
    ("contact_log_create", "occurred_at"),
    ("contact_log_update", "occurred_at"),
]


def date_call(service: str, field: str, case: Case, debt: Debt | None = None, agreement: Agreement | None = None):
    """Whatever the service needs is made first; the returned call takes the date and must write nothing."""
    if service == "debt_create":
        return lambda value: make_debt(case, **{field: value})
    if service == "debt_update":
        return lambda value: services.debt_update(debt=debt, **{field: value})
    if service == "hardship_save":
        return lambda value: services.hardship_save(case=case, since=value)
    if service == "agreement_create":
        return lambda value: make_agreement(case, [debt], signed_on=value)
    if service == "payment_record":
        return lambda value: services.payment_record(agreement=agreement, paid_on=value, amount="10")
    if service == "evidence_set_status":
        evidence = give_file(services.evidence_create(case=case, kind=EvidenceKind.ID_CARD))
        return lambda value: services.evidence_set_status(evidence=evidence, status=EvidenceStatus.SENT, on=value)

    def at_noon(value: date) -> datetime:  # noon: "tomorrow" stays in the future even just before midnight
        return datetime.combine(value, time(12))

    if service == "contact_log_create":
        return lambda value: services.contact_log_create(
            case=case, occurred_at=at_noon(value), channel="phone_95188", summary="打了电话"
        )
    assert service == "contact_log_update"
    entry = services.contact_log_create(case=case, occurred_at=timezone.now(), channel="app_chat", summary="聊天")
    return lambda value: services.contact_log_update(entry=entry, occurred_at=at_noon(value))


@pytest.mark.parametrize("when", ["tomorrow", "next_year", "1999-12-31", "1970-01-01"])
@pytest.mark.parametrize(("service", "field"), DATE_FIELDS, ids=pair_ids(DATE_FIELDS, "-"))
def test_bad_dates_are_refused(request, case, service, field, when):
    value = {"tomorrow": tomorrow(), "next_year": today() + timedelta(days=365)}.get(when)
    if value is None:
        value = date.fromisoformat(when)
        expected = "日期太早了，请检查年份。"
    else:
        expected = "沟通时间不能在将来。" if field == "occurred_at" else "这个日期还没到，请检查年份和月份。"
    messages = assert_refused(field, date_call(service, field, case, **world_for(request, service)), value)
    assert messages == [expected]


def test_a_payment_needs_a_date(agreement):
    assert assert_refused("paid_on", services.payment_record, agreement=agreement, paid_on=None, amount="10") == [
        "请填写日期。"
    ]


OUT_OF_RANGE, NOT_AN_INTEGER = "期数应在 1 到 60 个月之间。", "期数应是整数。"
BAD_MONTHS = [
    (0, OUT_OF_RANGE),
    (61, OUT_OF_RANGE),
    (-1, OUT_OF_RANGE),
    ("0", OUT_OF_RANGE),
    ("61", OUT_OF_RANGE),
    ("abc", NOT_AN_INTEGER),
    ("1.5", NOT_AN_INTEGER),
    ([3], NOT_AN_INTEGER),
]
MONTH_CALLS = {
    ("case_create", "requested_months"): lambda w, v: make_case(w[0].owner, requested_months=v),
    ("case_update", "requested_months"): lambda w, v: services.case_update(case=w[0], requested_months=v),
    ("agreement_create", "installment_count"): lambda w, v: make_agreement(w[0], [w[1]], installment_count=v),
}


@pytest.mark.parametrize(("value", "message"), BAD_MONTHS, ids=[repr(value) for value, _ in BAD_MONTHS])
@pytest.mark.parametrize(("service", "field"), list(MONTH_CALLS), ids=pair_ids(MONTH_CALLS, "-"))
def test_bad_months_are_refused(case, debt, service, field, value, message):
    assert assert_refused(field, MONTH_CALLS[service, field], (case, debt), value) == [message]


# --- Case -------------------------------------------------------------------------------------------------------


class TestCaseCreate:
    def test_it_works(self, owner):
        case = services.case_create(
            owner=owner,
            title="  借呗协商  ",
            goal=CaseGoal.INTEREST_FROZEN,
            requested_months="36",
            down_payment="500.5",
            first_due_date=today(),
            debtor_name="张三",
            id_number=VALID_ID.lower(),
            contact_phone=" 13800138000 ",
        )
        case.refresh_from_db()
        assert case.owner == owner
        assert case.title == "借呗协商"
        assert case.status == CaseStatus.PREPARING
        assert case.requested_months == 36
        assert str(case.down_payment) == "500.50"
        assert case.id_number == VALID_ID
        assert case.contact_phone == "13800138000"
        assert case.code is not None

    def test_blank_optional_fields(self, owner):
        case = services.case_create(owner=owner, title="案件", requested_months="", down_payment="", goal="")
        assert case.requested_months is None
        assert case.down_payment == Decimal("0.00")

    @pytest.mark.parametrize("title", ["", "   ", None])
    def test_needs_a_title(self, owner, title):
        messages = assert_refused("title", services.case_create, owner=owner, title=title)
        assert messages == ["请给案件起个名字，例如“花呗逾期协商”。"]

    def test_title_too_long(self, owner):
        assert_refused("title", services.case_create, owner=owner, title="长" * 101)

    @pytest.mark.parametrize("goal", ["bogus", "interest frozen", "OTHER"])
    def test_unknown_goal(self, owner, goal):
        assert assert_refused("goal", services.case_create, owner=owner, title="x", goal=goal) == [
            "请选择一个协商目标。"
        ]

    def test_first_due_date_in_the_past(self, owner):
        messages = assert_refused(
            "first_due_date",
            services.case_create,
            owner=owner,
            title="x",
            first_due_date=today() - timedelta(days=1),
        )
        assert messages == ["首期还款日不能早于今天。"]

    def test_unknown_field_is_a_programming_error(self, owner):
        with pytest.raises(TypeError):
            services.case_create(owner=owner, title="x", status=CaseStatus.SETTLED)


class TestCaseUpdate:
    def test_it_works_and_bumps_updated_at(self, case):
        stale = make_stale(case)
        services.case_update(case=case, title="新名称", down_payment="99.9", requested_months=12)
        assert case.title == "新名称"
        assert case.updated_at > stale
        stored = Case.objects.get(pk=case.pk)
        assert (stored.title, str(stored.down_payment), stored.requested_months) == ("新名称", "99.90", 12)
        assert stored.updated_at > stale

    def test_changing_the_goal_syncs_the_checklist(self, case):
        services.case_update(case=case, goal=CaseGoal.PRINCIPAL_ONLY)
        kinds = set(Evidence.objects.filter(case=case).values_list("kind", "supports"))
        assert kinds == set(required_evidence([], CaseGoal.PRINCIPAL_ONLY))
        assert (EvidenceKind.BANK_STATEMENT, "") in kinds

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"title": ""}, "title"),
            ({"goal": "x"}, "goal"),
            ({"title": "好", "id_number": "123"}, "id_number"),
            ({"first_due_date": date(2020, 1, 1)}, "first_due_date"),
            ({"debtor_name": "名" * 51}, "debtor_name"),
        ],
    )
    def test_refused_changes_nothing(self, case, fields, field):
        make_stale(case)
        assert_refused(field, services.case_update, case=case, **fields)


class TestIdNumber:
    @pytest.mark.parametrize(
        "value",
        [
            VALID_ID,
            VALID_ID.lower(),
            f" {VALID_ID} ",
            with_check_character("44030419900307123"),
            with_check_character("11010520000229001"),  # 29 Feb 2000 existed
        ],
    )
    def test_valid_numbers_are_kept_in_capitals(self, owner, value):
        case = make_case(owner, id_number=value)
        assert case.id_number == value.strip().upper()
        assert Case.objects.get(pk=case.pk).id_number == value.strip().upper()

    def test_valid_number_through_the_validator(self):
        assert services.validate_id_number(VALID_ID.lower()) == VALID_ID

    LENGTH = "身份证号应为 18 位，请核对（最后一位可能是 X）。"
    BIRTH = "身份证号第 7 到 14 位是出生日期，现在不是真实的日期，请核对。"
    CHECK = "身份证号有一位对不上（按最后一位校验码算），请对照身份证逐位核对。"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("110105194912310021", CHECK),  # check character should be X
            ("11010519491231002Y", LENGTH),
            (VALID_ID[:-1], LENGTH),  # 17 characters
            (VALID_ID + "1", LENGTH),  # 19 characters
            ("11010519491231", LENGTH),  # an old 15-digit number
            ("A1010519491231002X", LENGTH),
            ("1101051949123100²X", LENGTH),  # str.isdigit() says yes, int() says no
            (with_check_character("11010519491331002"), BIRTH),  # month 13
            (with_check_character("11010519490230002"), BIRTH),  # 30 Feb
            (with_check_character("11010520010229002"), BIRTH),  # 29 Feb of a common year
            (with_check_character("11010519490000002"), BIRTH),  # month and day 0
            (with_check_character("11010500000101002"), BIRTH),  # year 0
            (with_check_character("11010518000101002"), BIRTH),  # before 1900
            (with_check_character("11010520990101002"), BIRTH),  # born in the future
            ("110105194912310012", CHECK),  # one digit copied wrong
        ],
    )
    def test_invalid_numbers_are_refused_saying_what_is_wrong(self, owner, value, expected):
        messages = assert_refused("id_number", make_case, owner, id_number=value)
        assert messages == [expected]

    def test_stored_encrypted_and_shown_masked(self, owner):
        case = make_case(owner, id_number=VALID_ID)
        table, column = Case._meta.db_table, Case._meta.get_field("id_number").column
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {connection.ops.quote_name(column)} FROM {connection.ops.quote_name(table)} WHERE id = %s",  # noqa: S608
                [case.pk],
            )
            (raw,) = cursor.fetchone()
        raw = raw.decode() if isinstance(raw, bytes | memoryview) else str(raw)
        assert raw
        assert VALID_ID not in raw
        assert "19491231" not in raw
        assert Case.objects.get(pk=case.pk).id_number == VALID_ID
        assert case.masked_id_number == "110105********002X"

    def test_masking_of_empty_and_short_values(self, owner):
        assert make_case(owner).masked_id_number == ""
        assert Case(id_number="1234").masked_id_number == "****"


CASE_PAIRS = [(old, new) for old in CaseStatus.values for new in CaseStatus.values]
LEGAL_CASE_PAIRS = [(old, new) for old, new in CASE_PAIRS if new in CASE_TRANSITIONS[old]]
ILLEGAL_CASE_PAIRS = [(old, new) for old, new in CASE_PAIRS if new not in CASE_TRANSITIONS[old]]


class TestCaseChangeStatus:
    @pytest.mark.parametrize(("old", "new"), LEGAL_CASE_PAIRS, ids=pair_ids(LEGAL_CASE_PAIRS, "->"))
    def test_legal_transitions(self, case, old, new):
        Case.objects.filter(pk=case.pk).update(status=old)
        case.refresh_from_db()
        stale = make_stale(case)
        services.case_change_status(case=case, status=new)
        assert case.status == new
        assert Case.objects.get(pk=case.pk).status == new
        assert updated_at(case) > stale

    @pytest.mark.parametrize(("old", "new"), ILLEGAL_CASE_PAIRS, ids=pair_ids(ILLEGAL_CASE_PAIRS, "->"))
    def test_illegal_transitions(self, case, old, new):
        Case.objects.filter(pk=case.pk).update(status=old)
        case.refresh_from_db()
        messages = assert_refused("status", services.case_change_status, case=case, status=new)
        assert messages == [f"案件不能从“{CaseStatus(old).label}”直接变为“{CaseStatus(new).label}”。"]

    def test_the_stored_status_is_what_counts(self, case):
        # A stale object in the caller's hands must not open a path the database row does not allow.
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.SETTLED)
        assert case.status == CaseStatus.PREPARING
        assert_refused("status", services.case_change_status, case=case, status=CaseStatus.CONTACTED)

    @pytest.mark.parametrize("status", ["bogus", "", "SETTLED"])
    def test_unknown_status(self, case, status):
        assert assert_refused("status", services.case_change_status, case=case, status=status) == ["未知的案件状态。"]


class TestCaseDelete:
    def test_removes_rows_and_files(self, settings, tmp_path, owner, django_capture_on_commit_callbacks):
        settings.MEDIA_ROOT = tmp_path
        case = make_case(owner, id_number=VALID_ID)
        debt = make_debt(case)
        services.hardship_save(case=case, reasons=[HardshipReason.ILLNESS])
        evidence = services.evidence_create(case=case, kind=EvidenceKind.MEDICAL_RECORD)
        stored = services.evidence_upload(evidence=evidence, files=[SimpleUploadedFile("x.pdf", tiny_pdf())])[0]
        document = GeneratedDocument.objects.create(case=case, kind="proposal", version=1)
        document.file.save("p.pdf", ContentFile(b"%PDF-1.4 proposal"))
        agreement = make_agreement(case, [debt], signed_copy=evidence)
        services.payment_record(agreement=agreement, paid_on=today(), amount="10", receipt=evidence)
        services.contact_log_create(case=case, occurred_at=timezone.now(), channel="app_chat", summary="聊天")
        files = [Path(stored.file.path), Path(document.file.path)]
        assert all(path.is_file() and path.is_relative_to(tmp_path) for path in files)
        other = make_case(owner, title="另一个")
        make_debt(other)

        with django_capture_on_commit_callbacks(execute=True):
            services.case_delete(case=case)

        assert not any(path.exists() for path in files)
        assert list(Case.objects.all()) == [other]
        assert list(Debt.objects.values_list("case", flat=True)) == [other.pk]
        for model in (Hardship, Evidence, ContactLog, Agreement, Installment, Payment, GeneratedDocument):
            assert not model.objects.exists(), model

    def test_files_go_only_after_commit(self, settings, tmp_path, case, django_capture_on_commit_callbacks):
        settings.MEDIA_ROOT = tmp_path
        evidence = services.evidence_create(case=case, kind=EvidenceKind.ID_CARD)
        stored = services.evidence_upload(evidence=evidence, files=[SimpleUploadedFile("x.pdf", tiny_pdf())])[0]
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.case_delete(case=case)
        assert len(callbacks) == 1
        assert Path(stored.file.path).exists()  # deleted only once the rows are gone for good


# --- Debt -------------------------------------------------------------------------------------------------------


class TestDebt:
    def test_create_works(self, case):
        stale = make_stale(case)
        debt = services.debt_create(
            case=case,
            lender="credit_card",
            lender_name="招商银行",
            account_label="尾号1234",
            principal="8000",
            interest="120.5",
            penalty_interest="30.25",
            fees="",
            overdue_since=date(2024, 3, 1),
            daily_rate="0.0005",
            minimum_payment=None,
            last_statement_date=today(),
        )
        stored = Debt.objects.get(pk=debt.pk)
        assert [str(getattr(stored, f)) for f in ("principal", "interest", "penalty_interest", "fees")] == [
            "8000.00",
            "120.50",
            "30.25",
            "0.00",
        ]
        assert stored.balance == Decimal("8150.75")
        assert stored.overdue_since == date(2024, 3, 1)
        assert stored.minimum_payment is None
        assert stored.daily_rate == Decimal("0.0005")
        assert updated_at(case) > stale

    def test_update_works(self, case, debt):
        stale = make_stale(case)
        services.debt_update(debt=debt, principal="9000.1", account_label="尾号 9876")
        assert debt.principal == Decimal("9000.10")
        stored = Debt.objects.get(pk=debt.pk)
        assert (str(stored.principal), stored.account_label) == ("9000.10", "尾号 9876")
        assert updated_at(case) > stale

    def test_delete_works(self, case, debt):
        stale = make_stale(case)
        services.debt_delete(debt=debt)
        assert not Debt.objects.exists()
        assert updated_at(case) > stale

    def test_delete_refused_when_in_an_agreement(self, case, debt, agreement):
        make_stale(case)
        messages = assert_refused(NON_FIELD_ERRORS, services.debt_delete, debt=debt)
        assert messages == ["这笔欠款已写进还款协议，不能删除。"]

    @pytest.mark.parametrize("label", ["尾号12345", "6222021234567890", "6222 0212 3456", "1-2-3-4-5"])
    def test_account_label_with_more_than_four_digits(self, case, label):
        messages = assert_refused("account_label", make_debt, case, account_label=label)
        assert messages == ["为保护您的账户，最多只填卡号或账号的末四位。"]

    def test_account_label_update_with_too_many_digits(self, debt):
        assert_refused("account_label", services.debt_update, debt=debt, account_label="卡号62220212")

    @pytest.mark.parametrize(
        "fields",
        [
            {"principal": "0", "interest": "0"},
            {"principal": "", "interest": None},
            {"principal": "0.00", "interest": "0", "fees": "0", "penalty_interest": "0"},
        ],
    )
    def test_zero_total(self, case, fields):
        assert assert_refused("principal", make_debt, case, **fields) == ["请至少填写本金。"]

    def test_update_to_zero_total(self, debt):
        assert_refused("principal", services.debt_update, debt=debt, principal="0", interest="0")

    def test_total_over_ten_million(self, case):
        messages = assert_refused("principal", make_debt, case, principal="10000000", interest="0.01")
        assert messages == ["一笔欠款合计不能超过 1000 万元。"]

    @pytest.mark.parametrize("rate", ["abc", "-0.0001", "0.0101", "5", "NaN", "Infinity", "", None])
    def test_bad_daily_rate(self, case, rate):
        assert_refused("daily_rate", make_debt, case, daily_rate=rate)

    @pytest.mark.parametrize(("field", "value"), [("lender", "paypal"), ("lender_name", "名" * 61)])
    def test_model_validation(self, case, field, value):
        assert_refused(field, make_debt, case, **{field: value})

    def test_datetime_dates_become_dates(self, case):
        debt = make_debt(case, overdue_since=timezone.now() - timedelta(days=3))
        assert Debt.objects.get(pk=debt.pk).overdue_since == today() - timedelta(days=3)


# --- Hardship ---------------------------------------------------------------------------------------------------


class TestHardshipSave:
    def test_it_works(self, case):
        stale = make_stale(case)
        hardship = services.hardship_save(
            case=case,
            reasons=[HardshipReason.ILLNESS, HardshipReason.UNEMPLOYMENT, HardshipReason.ILLNESS],
            since=date(2024, 5, 1),
            narrative="  去年生病住院，之后失业。  ",
            monthly_income="3000",
            household_expenses="1800.5",
            dependents="2",
            other_fixed_payments=None,
        )
        stored = Hardship.objects.get(case=case)
        assert stored.pk == hardship.pk
        assert stored.reasons == [HardshipReason.UNEMPLOYMENT, HardshipReason.ILLNESS]  # the list's order, once
        assert stored.since == date(2024, 5, 1)
        assert stored.narrative == "去年生病住院，之后失业。"
        assert [str(stored.monthly_income), str(stored.household_expenses), str(stored.other_fixed_payments)] == [
            "3000.00",
            "1800.50",
            "0.00",
        ]
        assert stored.dependents == 2
        assert stored.monthly_budget == Decimal("1199.50")
        assert updated_at(case) > stale

    def test_a_second_save_updates_the_same_row(self, case):
        services.hardship_save(case=case, monthly_income="100")
        services.hardship_save(case=case, dependents=1)
        stored = Hardship.objects.get(case=case)
        assert (stored.monthly_income, stored.dependents) == (Decimal("100.00"), 1)

    @pytest.mark.parametrize("reasons", [["bankrupt"], [HardshipReason.ILLNESS, "x"], "illness"])
    def test_unknown_reasons(self, case, reasons):
        messages = assert_refused("reasons", services.hardship_save, case=case, reasons=reasons)
        assert messages == ["请从列表中选择困难原因。"]

    @pytest.mark.parametrize("dependents", ["abc", -1, 21, "1.5"])
    def test_bad_dependents(self, case, dependents):
        assert_refused("dependents", services.hardship_save, case=case, dependents=dependents)

    def test_narrative_too_long_creates_no_row(self, case):
        assert_refused("narrative", services.hardship_save, case=case, narrative="难" * 4001)
        assert not Hardship.objects.exists()


# --- Evidence ---------------------------------------------------------------------------------------------------


class TestEvidenceSyncChecklist:
    @pytest.mark.parametrize("goal_first", [True, False])
    def test_creates_what_the_reasons_and_goal_need(self, case, goal_first):
        # Either order of the edits ends in the same checklist.
        if goal_first:
            services.case_update(case=case, goal=CaseGoal.PRINCIPAL_ONLY)
        services.hardship_save(case=case, reasons=[HardshipReason.ILLNESS, HardshipReason.UNEMPLOYMENT])
        if not goal_first:
            services.case_update(case=case, goal=CaseGoal.PRINCIPAL_ONLY)
        needed = required_evidence([HardshipReason.UNEMPLOYMENT, HardshipReason.ILLNESS], CaseGoal.PRINCIPAL_ONLY)
        items = list(Evidence.objects.filter(case=case).values_list("kind", "supports", "status"))
        assert sorted(items) == sorted((kind, reason, EvidenceStatus.MISSING) for kind, reason in needed)
        assert positions(case) == list(range(1, len(needed) + 1))

    def test_running_twice_adds_nothing(self, case):
        services.hardship_save(case=case, reasons=[HardshipReason.FAMILY_CRISIS])
        first = list(Evidence.objects.values())
        services.evidence_sync_checklist(case=case)
        assert list(Evidence.objects.values()) == first

    def test_a_kind_already_present_is_not_added_again_but_takes_the_claim(self, case):
        services.evidence_create(case=case, kind=EvidenceKind.BANK_STATEMENT, title="工资卡流水")
        services.hardship_save(case=case, reasons=[HardshipReason.INCOME_DROP])
        bank = Evidence.objects.get(case=case, kind=EvidenceKind.BANK_STATEMENT)
        assert (bank.title, bank.supports) == ("工资卡流水", HardshipReason.INCOME_DROP)

    def test_goal_items_are_created(self, case):
        services.case_update(case=case, goal=CaseGoal.PRINCIPAL_ONLY)
        assert Evidence.objects.filter(case=case, kind=EvidenceKind.BANK_STATEMENT, supports="").count() == 1

    def test_a_goal_given_up_takes_its_missing_items_off_the_list(self, case):
        services.case_update(case=case, goal=CaseGoal.PRINCIPAL_ONLY)
        services.case_update(case=case, goal=CaseGoal.INTEREST_FROZEN)
        assert not Evidence.objects.filter(case=case, kind=EvidenceKind.BANK_STATEMENT).exists()
        assert positions(case) == list(range(1, Evidence.objects.filter(case=case).count() + 1))

    def test_a_goal_given_up_keeps_what_was_uploaded_or_added_by_hand(self, case):
        services.case_update(case=case, goal=CaseGoal.PRINCIPAL_ONLY)
        give_file(Evidence.objects.get(case=case, kind=EvidenceKind.BANK_STATEMENT))
        extra = services.evidence_create(case=case, kind=EvidenceKind.HOSPITAL_INVOICE, title="门诊发票")
        services.case_update(case=case, goal=CaseGoal.INTEREST_FROZEN)
        assert Evidence.objects.filter(case=case, kind=EvidenceKind.BANK_STATEMENT).count() == 1
        assert Evidence.objects.filter(pk=extra.pk).exists()

    def test_withdrawn_reason_prunes_missing_items_and_unclaims_uploaded_ones(self, case):
        services.hardship_save(case=case, reasons=[HardshipReason.ILLNESS, HardshipReason.UNEMPLOYMENT])
        medical = give_file(Evidence.objects.get(case=case, kind=EvidenceKind.MEDICAL_RECORD))
        assert medical.supports == HardshipReason.ILLNESS

        services.hardship_save(case=case, reasons=[HardshipReason.UNEMPLOYMENT])

        assert not Evidence.objects.filter(case=case, kind=EvidenceKind.HOSPITAL_INVOICE).exists()
        medical.refresh_from_db()
        assert medical.supports == ""
        assert [f.file.name for f in medical.files.all()] == ["evidence/fake.pdf"]
        assert medical.status == EvidenceStatus.UPLOADED
        assert not Evidence.objects.filter(case=case, supports=HardshipReason.ILLNESS).exists()
        assert Evidence.objects.filter(case=case, supports=HardshipReason.UNEMPLOYMENT).count() == 2
        assert positions(case) == list(range(1, Evidence.objects.filter(case=case).count() + 1))

    def test_direct_call_returns_the_list(self, case):
        items = services.evidence_sync_checklist(case=case)
        assert [item.kind for item in items] == [kind for kind, _ in required_evidence([], case.goal)]


class TestEvidenceCreateUpdateDelete:
    def test_create_works(self, case):
        first = services.evidence_create(case=case, kind=EvidenceKind.ID_CARD, title="  身份证正反面 ", note=" 复印件 ")
        second = services.evidence_create(case=case, kind=EvidenceKind.OTHER)
        stored = Evidence.objects.get(pk=first.pk)
        assert (stored.kind, stored.title, stored.note, stored.status) == (
            EvidenceKind.ID_CARD,
            "身份证正反面",
            "复印件",
            EvidenceStatus.MISSING,
        )
        assert (first.position, second.position) == (1, 2)

    def test_create_with_a_claim_the_hardship_makes(self, case):
        services.hardship_save(case=case, reasons=[HardshipReason.ILLNESS])
        evidence = services.evidence_create(case=case, kind=EvidenceKind.OTHER, supports=HardshipReason.ILLNESS)
        assert Evidence.objects.get(pk=evidence.pk).supports == HardshipReason.ILLNESS

    @pytest.mark.parametrize("kind", ["passport", "", "ID_CARD"])
    def test_unknown_kind(self, case, kind):
        assert assert_refused("kind", services.evidence_create, case=case, kind=kind) == ["请选择材料类型。"]

    @pytest.mark.parametrize("supports", [HardshipReason.ILLNESS, "bogus"])
    def test_claim_not_in_the_reasons(self, case, supports):
        services.hardship_save(case=case, reasons=[HardshipReason.UNEMPLOYMENT])
        messages = assert_refused("supports", services.evidence_create, case=case, kind="other", supports=supports)
        assert messages == ["这项困难不在您填写的困难原因里。"]

    def test_claim_without_any_hardship(self, case):
        assert_refused("supports", services.evidence_create, case=case, kind="other", supports=HardshipReason.OTHER)

    def test_title_too_long(self, case):
        assert_refused("title", services.evidence_create, case=case, kind="other", title="长" * 101)

    def test_update_works(self, case):
        evidence = services.evidence_create(case=case, kind=EvidenceKind.OTHER)
        services.evidence_update(evidence=evidence, title=" 租房合同 ", kind=EvidenceKind.BANK_STATEMENT)
        stored = Evidence.objects.get(pk=evidence.pk)
        assert (stored.title, stored.kind) == ("租房合同", EvidenceKind.BANK_STATEMENT)

    @pytest.mark.parametrize(
        ("fields", "field"),
        [({"kind": "x"}, "kind"), ({"supports": HardshipReason.ILLNESS}, "supports"), ({"note": "长" * 2001}, "note")],
    )
    def test_update_refused(self, case, fields, field):
        evidence = services.evidence_create(case=case, kind=EvidenceKind.OTHER)
        assert_refused(field, services.evidence_update, evidence=evidence, **fields)

    def test_positions_stay_without_gaps_after_delete(self, case, django_capture_on_commit_callbacks):
        items = [services.evidence_create(case=case, kind=EvidenceKind.OTHER, title=str(n)) for n in range(1, 6)]
        other = make_case(case.owner, title="另一个")
        elsewhere = services.evidence_create(case=other, kind=EvidenceKind.OTHER)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.evidence_delete(evidence=items[1])
            services.evidence_delete(evidence=items[3])
        assert callbacks == []  # no file, nothing to remove from storage
        titles = list(Evidence.objects.filter(case=case).order_by("position").values_list("title", "position"))
        assert titles == [("1", 1), ("3", 2), ("5", 3)]
        assert Evidence.objects.get(pk=elsewhere.pk).position == 1
        services.evidence_delete(evidence=Evidence.objects.get(case=case, title="1"))
        assert positions(case) == [1, 2]

    def test_delete_of_a_referenced_item_keeps_the_agreement(self, case, debt):
        signed = give_file(services.evidence_create(case=case, kind=EvidenceKind.SIGNED_AGREEMENT))
        agreement = make_agreement(case, [debt], signed_copy=signed)
        services.evidence_delete(evidence=signed)
        agreement.refresh_from_db()
        assert agreement.signed_copy is None


EVIDENCE_PAIRS = [(old, new) for old in EvidenceStatus.values for new in EvidenceStatus.values]
LEGAL_EVIDENCE_PAIRS = [(old, new) for old, new in EVIDENCE_PAIRS if new in EVIDENCE_TRANSITIONS[old]]
ILLEGAL_EVIDENCE_PAIRS = [(old, new) for old, new in EVIDENCE_PAIRS if new not in EVIDENCE_TRANSITIONS[old]]
UPLOAD_PAIRS = [(old, new) for old, new in LEGAL_EVIDENCE_PAIRS if new != EvidenceStatus.MISSING]


class TestEvidenceSetStatus:
    @pytest.fixture
    def evidence(self, case) -> Evidence:
        return services.evidence_create(case=case, kind=EvidenceKind.STATEMENT)

    @pytest.mark.parametrize(("old", "new"), LEGAL_EVIDENCE_PAIRS, ids=pair_ids(LEGAL_EVIDENCE_PAIRS, "->"))
    def test_legal_transitions(self, evidence, old, new):
        give_file(evidence, status=old)
        on = today() - timedelta(days=2)
        services.evidence_set_status(evidence=evidence, status=new, on=on, note=" 已发邮件 ")
        stored = Evidence.objects.get(pk=evidence.pk)
        assert (stored.status, stored.status_changed_on, stored.note) == (new, on, "已发邮件")
        assert (evidence.status, evidence.status_changed_on) == (new, on)

    def test_date_defaults_to_today(self, evidence):
        give_file(evidence, status=EvidenceStatus.UPLOADED)
        services.evidence_set_status(evidence=evidence, status=EvidenceStatus.SENT)
        assert Evidence.objects.get(pk=evidence.pk).status_changed_on == today()

    @pytest.mark.parametrize(("old", "new"), ILLEGAL_EVIDENCE_PAIRS, ids=pair_ids(ILLEGAL_EVIDENCE_PAIRS, "->"))
    def test_illegal_transitions(self, evidence, old, new):
        give_file(evidence, status=old)
        messages = assert_refused("status", services.evidence_set_status, evidence=evidence, status=new)
        assert messages == [f"材料不能从“{EvidenceStatus(old).label}”直接变为“{EvidenceStatus(new).label}”。"]

    @pytest.mark.parametrize(("old", "new"), UPLOAD_PAIRS, ids=pair_ids(UPLOAD_PAIRS, "->"))
    def test_no_file_past_missing(self, evidence, old, new):
        Evidence.objects.filter(pk=evidence.pk).update(status=old)
        messages = assert_refused("status", services.evidence_set_status, evidence=evidence, status=new)
        assert messages == ["请先上传这份材料的文件。"]

    def test_a_status_cannot_predate_the_previous_one(self, evidence):
        give_file(evidence, status=EvidenceStatus.UPLOADED)
        services.evidence_set_status(evidence=evidence, status=EvidenceStatus.SENT, on=today() - timedelta(days=3))
        messages = assert_refused(
            "status_changed_on",
            services.evidence_set_status,
            evidence=evidence,
            status=EvidenceStatus.ACCEPTED,
            on=today() - timedelta(days=5),
        )
        assert messages == [f"日期不能早于上一次的状态日期（{(today() - timedelta(days=3)).isoformat()}）。"]
        assert Evidence.objects.get(pk=evidence.pk).status == EvidenceStatus.SENT
        services.evidence_set_status(evidence=evidence, status=EvidenceStatus.ACCEPTED, on=today() - timedelta(days=3))
        assert Evidence.objects.get(pk=evidence.pk).status == EvidenceStatus.ACCEPTED

    @pytest.mark.parametrize("status", ["lost", ""])
    def test_unknown_status(self, evidence, status):
        give_file(evidence)
        assert assert_refused("status", services.evidence_set_status, evidence=evidence, status=status) == [
            "未知的材料状态。"
        ]


# --- Contact log ------------------------------------------------------------------------------------------------


class TestContactLog:
    def contact(self, case, **fields) -> ContactLog:
        return services.contact_log_create(
            case=case,
            **{
                "occurred_at": timezone.now() - timedelta(hours=1),
                "channel": "phone_95188",
                "summary": "问了停息",
                **fields,
            },
        )

    def test_create_works(self, case):
        stale = make_stale(case)
        entry = self.contact(
            case,
            occurred_at=datetime(2025, 3, 4, 10, 30),  # naive: read as local time
            agent_name="小蚂蚁",
            agent_id="A1024",
            summary="  要求补充收入证明  ",
            outcome="needs_documents",
            next_follow_up=date(2025, 3, 11),
        )
        stored = ContactLog.objects.get(pk=entry.pk)
        assert timezone.is_aware(stored.occurred_at)
        assert timezone.localtime(stored.occurred_at).replace(tzinfo=None) == datetime(2025, 3, 4, 10, 30)
        assert stored.summary == "要求补充收入证明"
        assert (stored.agent_name, stored.agent_id, stored.outcome) == ("小蚂蚁", "A1024", "needs_documents")
        assert updated_at(case) > stale

    def test_a_few_minutes_of_clock_skew_is_allowed(self, case):
        self.contact(case, occurred_at=timezone.now() + timedelta(minutes=3))
        assert ContactLog.objects.count() == 1

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"occurred_at": None}, "occurred_at", "请填写沟通时间。"),
            ({"occurred_at": "future"}, "occurred_at", "沟通时间不能在将来。"),
            ({"occurred_at": datetime(1999, 12, 31, 12)}, "occurred_at", "日期太早了，请检查年份。"),
            ({"summary": "   "}, "summary", "请简单记下这次沟通说了什么。"),
            ({"summary": None}, "summary", "请简单记下这次沟通说了什么。"),
            ({"next_follow_up": "yesterday"}, "next_follow_up", "下次跟进日期不能早于这次沟通。"),
            ({"channel": "pigeon"}, "channel", None),
            ({"outcome": "maybe"}, "outcome", None),
            ({"agent_name": "名" * 51}, "agent_name", None),
        ],
    )
    def test_create_refused(self, case, fields, field, message):
        make_stale(case)
        if fields.get("occurred_at") == "future":
            fields = {"occurred_at": timezone.now() + timedelta(hours=1)}
        if fields.get("next_follow_up") == "yesterday":
            occurred_at = timezone.now() - timedelta(minutes=1)
            the_day_before = timezone.localtime(occurred_at).date() - timedelta(days=1)
            fields = {"occurred_at": occurred_at, "next_follow_up": the_day_before}
        messages = assert_refused(field, self.contact, case, **fields)
        if message:
            assert messages == [message]

    def test_update_works(self, case):
        entry = self.contact(case)
        services.contact_log_update(entry=entry, offer="停息 36 期", outcome="offer_made", next_follow_up=tomorrow())
        stored = ContactLog.objects.get(pk=entry.pk)
        assert (stored.offer, stored.outcome, stored.next_follow_up) == ("停息 36 期", "offer_made", tomorrow())

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"summary": ""}, "summary"),
            ({"occurred_at": None}, "occurred_at"),
            ({"channel": "pigeon"}, "channel"),
            # Only the follow-up changes: it is still checked against the stored time of the call.
            ({"next_follow_up": date(2024, 12, 31)}, "next_follow_up"),
        ],
    )
    def test_update_refused(self, case, fields, field):
        entry = self.contact(case, occurred_at=datetime(2025, 1, 10, 9))
        assert_refused(field, services.contact_log_update, entry=entry, **fields)

    def test_delete_works(self, case):
        entry = self.contact(case)
        services.contact_log_delete(entry=entry)
        assert not ContactLog.objects.exists()


# --- Agreement --------------------------------------------------------------------------------------------------


class TestAgreementCreate:
    @pytest.mark.parametrize(
        ("total", "down", "rate", "months"),
        [
            ("12000", "0", "0", 12),
            ("10000.01", "1000", "0.06", 7),
            ("58000", "3000.5", "0.036", 60),
            ("1", "0", "0", 1),
        ],
    )
    def test_installments_follow_amortize(self, case, debt, total, down, rate, months):
        first_due = date(today().year + 1, 1, 31)  # the schedule runs through a February
        agreement = make_agreement(
            case,
            [debt],
            total_to_repay=total,
            down_payment=down,
            annual_rate=rate,
            installment_count=str(months),
            first_due_date=first_due,
            signed_on=today(),
            breach_clause="  连续两期未还则协议失效  ",
            interest_resumes=False,
        )
        financed = Decimal(total) - Decimal(down)
        expected = plans.amortize(financed, Decimal(rate), months, first_due)
        rows = list(agreement.installments.order_by("number"))
        assert [(i.number, i.due_date, i.amount_due, i.principal, i.interest) for i in rows] == [
            (r.number, r.due_date, r.payment, r.principal, r.interest) for r in expected
        ]
        assert sum(i.principal for i in rows) == financed
        assert expected[-1].balance == Decimal("0.00")
        assert all(i.amount_paid == 0 and i.status == InstallmentStatus.DUE for i in rows)
        stored = Agreement.objects.get(pk=agreement.pk)
        assert stored.total_to_repay == Decimal(total).quantize(Decimal("0.01"))
        assert stored.installment_count == months
        assert stored.breach_clause == "连续两期未还则协议失效"
        assert stored.interest_resumes is False
        assert list(stored.debts.all()) == [debt]

    def test_installments_with_signed_copy_of_the_same_case(self, case, debt):
        signed = give_file(services.evidence_create(case=case, kind=EvidenceKind.SIGNED_AGREEMENT))
        agreement = make_agreement(case, [debt], signed_copy=signed, signed_on=today(), first_due_date=today())
        assert Agreement.objects.get(pk=agreement.pk).signed_copy == signed

    def test_debt_of_another_users_case(self, case, debt, other_case):
        foreign = make_debt(other_case)
        for debts in ([foreign], [debt, foreign]):
            messages = assert_refused("debts", make_agreement, case, debts)
            assert messages == ["只能选择本案件的欠款。"]
        assert not Agreement.objects.exists() and not Installment.objects.exists()

    def test_signed_copy_of_another_users_case(self, case, debt, other_case):
        foreign = give_file(services.evidence_create(case=other_case, kind=EvidenceKind.SIGNED_AGREEMENT))
        messages = assert_refused("signed_copy", make_agreement, case, [debt], signed_copy=foreign)
        assert messages == ["只能选择本案件的材料。"]
        assert not Agreement.objects.exists() and not Installment.objects.exists()

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"debts": []}, "debts", "请选择协议涉及的欠款。"),
            ({"kind": "bogus"}, "kind", "请选择协议类型。"),
            ({"total_to_repay": "0"}, "total_to_repay", "应还总额应大于 0。"),
            ({"total_to_repay": None}, "total_to_repay", "请填写金额。"),
            ({"down_payment": "12000"}, "down_payment", "首付应小于应还总额。"),
            ({"down_payment": "12000.01"}, "down_payment", "首付应小于应还总额。"),
            ({"installment_count": None}, "installment_count", "请填写期数。"),
            ({"annual_rate": "abc"}, "annual_rate", "请输入年利率，例如 0.06（即 6%）。"),
            ({"annual_rate": "-0.01"}, "annual_rate", "年利率应在 0 到 36% 之间。"),
            ({"annual_rate": "0.37"}, "annual_rate", "年利率应在 0 到 36% 之间。"),
            ({"annual_rate": "6"}, "annual_rate", "年利率应在 0 到 36% 之间。"),
            ({"annual_rate": "Infinity"}, "annual_rate", "年利率应在 0 到 36% 之间。"),
            ({"annual_rate": "NaN"}, "annual_rate", "年利率应在 0 到 36% 之间。"),
            ({"annual_rate": "0.0000001"}, "annual_rate", None),
            ({"first_due_date": None}, "first_due_date", "请填写首期还款日。"),
            ({"first_due_date": date(9999, 6, 1)}, "first_due_date", "首期还款日不合理，请检查年份。"),
            ({"signed_on": "today", "first_due_date": "yesterday"}, "first_due_date", "首期还款日不能早于签署日期。"),
            ({"breach_clause": "违" * 2001}, "breach_clause", None),
        ],
    )
    def test_refused(self, case, debt, overrides, field, message):
        dates = {"today": today(), "yesterday": today() - timedelta(days=1)}
        overrides = {
            key: dates.get(value, value) if isinstance(value, str) else value for key, value in overrides.items()
        }
        debts = overrides.pop("debts", [debt])
        messages = assert_refused(field, make_agreement, case, debts, **overrides)
        if message:
            assert messages == [message]


# --- Payments ---------------------------------------------------------------------------------------------------


class TestPayments:
    @pytest.fixture
    def agreement(self, case, debt) -> Agreement:
        # 1000.00 over 3 months at 0 %: 333.33, 333.33, 333.34
        return make_agreement(case, [debt], total_to_repay="1000", installment_count=3)

    def pay(self, agreement, amount, **fields) -> Payment:
        return services.payment_record(
            agreement=agreement, paid_on=fields.pop("paid_on", today()), amount=amount, **fields
        )

    def test_schedule_under_test(self, agreement):
        assert list(agreement.installments.order_by("number").values_list("amount_due", flat=True)) == [
            Decimal("333.33"),
            Decimal("333.33"),
            Decimal("333.34"),
        ]

    def test_exact_payment_marks_the_installment_paid(self, agreement):
        payment = self.pay(agreement, "333.33", note=" 支付宝 ")
        stored = Payment.objects.get(pk=payment.pk)
        assert (str(stored.amount), stored.note, stored.paid_on) == ("333.33", "支付宝", today())
        assert installments(agreement) == [
            (Decimal("333.33"), InstallmentStatus.PAID),
            (Decimal("0.00"), InstallmentStatus.DUE),
            (Decimal("0.00"), InstallmentStatus.DUE),
        ]

    def test_underpayment_leaves_it_partly_paid(self, agreement):
        self.pay(agreement, "100")
        assert installments(agreement)[0] == (Decimal("100.00"), InstallmentStatus.PARTIAL)
        assert installments(agreement)[1] == (Decimal("0.00"), InstallmentStatus.DUE)

    def test_overpayment_spills_into_the_next_installments(self, agreement):
        self.pay(agreement, "700")
        assert installments(agreement) == [
            (Decimal("333.33"), InstallmentStatus.PAID),
            (Decimal("333.33"), InstallmentStatus.PAID),
            (Decimal("33.34"), InstallmentStatus.PARTIAL),
        ]

    def test_payments_add_up(self, agreement):
        self.pay(agreement, "200", paid_on=today() - timedelta(days=40))
        self.pay(agreement, "200")
        assert installments(agreement)[:2] == [
            (Decimal("333.33"), InstallmentStatus.PAID),
            (Decimal("66.67"), InstallmentStatus.PARTIAL),
        ]
        self.pay(agreement, "600")
        assert all(status == InstallmentStatus.PAID for _, status in installments(agreement))
        assert services.agreement_outstanding(agreement) == 0

    @pytest.mark.parametrize(("paid", "amount"), [("0", "1000.01"), ("999.99", "0.02"), ("1000", "0.01")])
    def test_more_than_outstanding_is_refused(self, agreement, paid, amount):
        if paid != "0":
            self.pay(agreement, paid)
        outstanding = Decimal("1000") - Decimal(paid)
        messages = assert_refused("amount", self.pay, agreement, amount)
        assert messages == [f"这笔还款超过了剩余应还金额 ¥{outstanding:,.2f}，请核对。"]

    @pytest.mark.parametrize("amount", ["0", "0.00", 0])
    def test_zero_is_refused(self, agreement, amount):
        assert assert_refused("amount", self.pay, agreement, amount) == ["还款金额应大于 0。"]

    def test_receipt_of_the_same_case(self, case, agreement):
        receipt = give_file(services.evidence_create(case=case, kind=EvidenceKind.PAYMENT_RECEIPT))
        payment = self.pay(agreement, "10", receipt=receipt)
        assert Payment.objects.get(pk=payment.pk).receipt == receipt

    def test_receipt_of_another_case_is_refused(self, owner, agreement, other_case):
        for foreign_case in (other_case, make_case(owner, title="同一用户的另一个案件")):
            receipt = give_file(services.evidence_create(case=foreign_case, kind=EvidenceKind.PAYMENT_RECEIPT))
            messages = assert_refused("receipt", self.pay, agreement, "10", receipt=receipt)
            assert messages == ["只能选择本案件的材料。"]
        assert not Payment.objects.exists()
        assert all(status == InstallmentStatus.DUE for _, status in installments(agreement))

    def test_note_too_long(self, agreement):
        assert_refused("note", self.pay, agreement, "10", note="备" * 201)

    def test_delete_reallocates(self, agreement):
        first = self.pay(agreement, "333.33")
        self.pay(agreement, "400")
        assert installments(agreement)[2] == (Decimal("66.67"), InstallmentStatus.PARTIAL)
        services.payment_delete(payment=first)
        assert list(Payment.objects.values_list("amount", flat=True)) == [Decimal("400.00")]
        assert installments(agreement) == [
            (Decimal("333.33"), InstallmentStatus.PAID),
            (Decimal("66.67"), InstallmentStatus.PARTIAL),
            (Decimal("0.00"), InstallmentStatus.DUE),
        ]
        services.payment_delete(payment=Payment.objects.get())
        assert all(row == (Decimal("0.00"), InstallmentStatus.DUE) for row in installments(agreement))


# --- Stored files -----------------------------------------------------------------------------------------------


class TestStorageSweepOrphans:
    def test_removes_only_old_files_no_row_names(self, settings, tmp_path, case):
        settings.MEDIA_ROOT = tmp_path
        evidence = services.evidence_create(case=case, kind=EvidenceKind.ID_CARD)
        stored = services.evidence_upload(evidence=evidence, files=[SimpleUploadedFile("x.pdf", tiny_pdf())])[0]
        document = GeneratedDocument.objects.create(case=case, kind="proposal", version=1)
        document.file.save("p.pdf", ContentFile(b"%PDF-1.4 proposal"))
        old_orphan = tmp_path / "evidence" / "dead.jpg"
        fresh_orphan = tmp_path / "evidence" / "just-written.jpg"
        old_thumbnail = tmp_path / "evidence" / "thumbnails" / "dead.jpg"
        for path in (old_orphan, fresh_orphan, old_thumbnail):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
        day_ago = (timezone.now() - timedelta(days=1)).timestamp()
        for path in (old_orphan, old_thumbnail, Path(stored.file.path), Path(document.file.path)):
            os.utime(path, (day_ago, day_ago))

        assert services.storage_sweep_orphans() == 2

        assert not old_orphan.exists() and not old_thumbnail.exists()
        assert fresh_orphan.exists()  # may belong to an upload whose row is about to be committed
        assert Path(stored.file.path).exists() and Path(document.file.path).exists()

    def test_an_empty_storage_is_fine(self, settings, tmp_path, db):
        settings.MEDIA_ROOT = tmp_path / "nothing-yet"
        assert services.storage_sweep_orphans() == 0
