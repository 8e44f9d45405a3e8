"""The case services (cases/services/case.py): a case, its ID number, its status, its deletion, its debts and its
hardship; each works, and each bad input is refused with a keyed, translated error that writes nothing."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection
from django.utils import timezone

from cases import services
from cases.models import (
    CASE_TRANSITIONS,
    Agreement,
    Case,
    CaseStatus,
    ContactLog,
    Debt,
    Evidence,
    EvidenceKind,
    GeneratedDocument,
    Hardship,
    HardshipReason,
    Installment,
    Payment,
)

from .builders import (
    VALID_ID,
    make_agreement,
    make_case,
    make_contact,
    make_debt,
    make_document,
    today,
    upload,
    with_check_character,
)
from .checks import assert_refused, make_stale, pair_ids, updated_at

pytestmark = pytest.mark.django_db


def test_the_check_character_helper_reproduces_the_well_known_sample():
    assert VALID_ID == "11010519491231002X"


# --- Case -------------------------------------------------------------------------------------------------------


class TestCaseCreate:
    def test_it_works(self, owner):
        case = services.case_create(
            owner=owner,
            title="  借呗协商  ",
            overdue_products=["jiebei", "huabei", "jiebei"],
            first_due_date=today(),
            debtor_name="张三",
            id_number=VALID_ID.lower(),
            contact_phone=" 13800138000 ",
        )
        case.refresh_from_db()
        assert case.owner == owner
        assert case.title == "借呗协商"
        assert case.status == CaseStatus.PREPARING
        assert case.overdue_products == ["huabei", "jiebei"]
        assert case.first_due_date == today()
        assert case.id_number == VALID_ID
        assert case.contact_phone == "13800138000"
        assert case.code is not None

    def test_blank_optional_fields(self, owner):
        case = services.case_create(
            owner=owner, title="案件", overdue_products=[], overdue_since=None, first_due_date=None
        )
        case.refresh_from_db()
        assert (case.overdue_products, case.overdue_since, case.first_due_date) == ([], None, None)

    @pytest.mark.parametrize("title", ["", "   ", None])
    def test_needs_a_title(self, owner, title):
        messages = assert_refused("title", services.case_create, owner=owner, title=title)
        assert messages == ["请给案件起个名字，例如“花呗逾期协商”。"]

    def test_title_too_long(self, owner):
        assert_refused("title", services.case_create, owner=owner, title="长" * 101)

    @pytest.mark.parametrize("product", ["bogus", "HUABEI", ""])
    def test_unknown_overdue_product(self, owner, product):
        messages = assert_refused(
            "overdue_products", services.case_create, owner=owner, title="x", overdue_products=["huabei", product]
        )
        assert messages == ["请从列表中选择产品。"]

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

    def test_the_plan_is_asked_of_each_lender_not_of_the_case(self, owner):
        with pytest.raises(TypeError):
            services.case_create(owner=owner, title="x", goal="interest_frozen")


class TestCaseUpdate:
    def test_it_works_and_bumps_updated_at(self, case):
        stale = make_stale(case)
        services.case_update(case=case, title="新名称", first_due_date=today())
        assert case.title == "新名称"
        assert case.updated_at > stale
        stored = Case.objects.get(pk=case.pk)
        assert (stored.title, stored.first_due_date) == ("新名称", today())
        assert stored.updated_at > stale

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"title": ""}, "title"),
            ({"overdue_products": ["x"]}, "overdue_products"),
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
        [stored] = upload(evidence)
        document = make_document(case, 1)
        agreement = make_agreement(case, [debt], signed_copy=evidence)
        services.payment_record(agreement=agreement, paid_on=today(), amount="10", receipt=evidence)
        make_contact(case)
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
        [stored] = upload(evidence)
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
