"""The agreement services (cases/services/agreement.py): offers, one agreement per lender with its terms and signed
copy, installments following plans.agreed_schedule to the fen, payments filling them in order and taken back, and the
lender and the case moving by themselves; each bad input is refused with a keyed, translated error that writes
nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import plans, selectors, services
from cases.models import (
    Agreement,
    Case,
    CaseGoal,
    CaseStatus,
    CaseStatusChange,
    Creditor,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Installment,
    InstallmentStatus,
    LenderKind,
    Offer,
    Payment,
)

from .builders import agreement_kwargs, give_file, make_agreement, make_case, make_debt, pdf, photo, today
from .checks import assert_refused

pytestmark = pytest.mark.django_db


# --- Agreement --------------------------------------------------------------------------------------------------


def installments(agreement: Agreement) -> list[tuple[Decimal, str]]:
    return list(agreement.installments.order_by("number").values_list("amount_paid", "status"))


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


# --- per lender: the agreement's lender, its terms, its signed copy ----------------------------------------------


class TestAgreementPerLender:
    def test_the_lender_comes_from_the_debts_and_the_debts_from_the_lender(self, case, debt):
        creditor = debt.creditor
        agreement = make_agreement(case, [debt])
        assert agreement.creditor == creditor
        second = make_debt(make_case(case.owner), lender=LenderKind.CREDIT_CARD, lender_name="招商银行")
        by_lender = services.agreement_create(**agreement_kwargs(second.case, None, creditor=second.creditor))
        assert list(by_lender.debts.all()) == [second]

    def test_one_agreement_per_lender(self, case, debt):
        make_agreement(case, [debt])
        messages = assert_refused(NON_FIELD_ERRORS, make_agreement, case, [debt])
        assert messages == ["与蚂蚁花呗的协议已经录入过了。"]

    def test_debts_of_two_lenders_are_refused(self, case, debt):
        card = make_debt(case, lender=LenderKind.CREDIT_CARD, lender_name="招商银行")
        messages = assert_refused("debts", make_agreement, case, [debt, card])
        assert messages == ["一份协议只对应一家平台或银行的欠款。"]
        messages = assert_refused("debts", make_agreement, case, [debt], creditor=card.creditor)
        assert messages == ["一份协议只对应一家平台或银行的欠款。"]

    def test_a_lender_of_another_case_is_refused(self, case, debt, other_case):
        foreign = make_debt(other_case).creditor
        messages = assert_refused("creditor", make_agreement, case, None, creditor=foreign)
        assert messages == ["只能选择本案件的平台或银行。"]

    def test_the_terms_are_kept(self, case, debt):
        agreement = make_agreement(
            case,
            [debt],
            balance_principal="10000",
            balance_interest="500",
            balance_penalty="0",
            balance_fees="0",
            repayment_method=" 每月自动扣款 ",
            repayment_account="花呗账户",
            stated_installment="1000",
            plan_fee="0",
            rights_and_duties="乙方按期还款，甲方停止催收",
            breach_clause="连续两期未还，协议失效",
        )
        stored = Agreement.objects.get(pk=agreement.pk)
        assert (stored.balance_principal, stored.balance_interest, stored.stated_installment, stored.plan_fee) == (
            Decimal("10000.00"),
            Decimal("500.00"),
            Decimal("1000.00"),
            Decimal("0.00"),
        )
        assert (stored.repayment_method, stored.repayment_account) == ("每月自动扣款", "花呗账户")

    def test_not_stated_is_none(self, case, debt):
        stored = Agreement.objects.get(pk=make_agreement(case, [debt]).pk)
        assert stored.balance_principal is None and stored.plan_fee is None and stored.stated_installment is None

    def test_a_full_account_number_is_refused(self, case, debt):
        messages = assert_refused(
            "repayment_account", make_agreement, case, [debt], repayment_account="6225880012345678"
        )
        assert messages == ["为保护您的账户，最多只填卡号或账号的末四位。"]

    @pytest.mark.parametrize("field", ["balance_principal", "stated_installment", "plan_fee"])
    def test_stated_amounts_are_amounts(self, case, debt, field):
        assert assert_refused(field, make_agreement, case, [debt], **{field: "-1"}) == ["金额不能是负数。"]

    @pytest.mark.parametrize(
        ("total", "down", "fee", "rate", "months"),
        [("12000", "0", "360", "0", 12), ("9999.99", "1000", "123.45", "0.06", 7), ("30000", "0", "0", "0.12", 60)],
    )
    def test_installments_follow_the_agreed_schedule_to_the_fen(self, case, debt, total, down, fee, rate, months):
        first_due = date(today().year + 1, 1, 31)
        agreement = make_agreement(
            case,
            [debt],
            total_to_repay=total,
            down_payment=down,
            plan_fee=fee,
            annual_rate=rate,
            installment_count=months,
            first_due_date=first_due,
        )
        expected = plans.amortize(Decimal(total) - Decimal(down) + Decimal(fee), Decimal(rate), months, first_due)
        rows = list(agreement.installments.order_by("number"))
        assert [(i.number, i.due_date, i.amount_due, i.principal, i.interest) for i in rows] == [
            (r.number, r.due_date, r.payment, r.principal, r.interest) for r in expected
        ]
        assert sum(i.principal for i in rows) == Decimal(total) - Decimal(down) + Decimal(fee)

    def test_the_signed_copy_goes_through_the_upload_checks(self, case, debt, media):
        agreement = make_agreement(case, [debt], signed_copy_files=[pdf("协议.pdf")])
        signed = Agreement.objects.get(pk=agreement.pk).signed_copy
        assert signed.kind == EvidenceKind.SIGNED_AGREEMENT and signed.status == EvidenceStatus.UPLOADED
        assert signed.title == "与蚂蚁花呗的还款协议"
        [stored] = signed.files.all()
        assert (media / stored.file.name).read_bytes().startswith(b"%PDF")

    def test_a_refused_signed_copy_saves_nothing(self, case, debt, media):
        fake = SimpleUploadedFile("协议.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
        before = Evidence.objects.count()
        with pytest.raises(ValidationError):
            make_agreement(case, [debt], signed_copy_files=[fake])
        assert not Agreement.objects.exists() and Evidence.objects.count() == before
        assert not [p for p in media.rglob("*") if p.is_file()]

    def test_the_signed_copy_later(self, case, debt, media):
        agreement = make_agreement(case, [debt])
        evidence = services.agreement_attach_signed_copy(agreement=agreement, files=[pdf("协议.pdf")])
        assert Agreement.objects.get(pk=agreement.pk).signed_copy == evidence
        assert assert_refused("files", services.agreement_attach_signed_copy, agreement=agreement, files=[]) == [
            "请选择要上传的文件。"
        ]


# --- offers -----------------------------------------------------------------------------------------------------


class TestOffer:
    def offer(self, creditor, **fields):
        return services.offer_create(
            creditor=creditor,
            **{
                "received_on": today(),
                "kind": CaseGoal.INSTALLMENTS,
                "total_to_repay": "12000",
                "months": 12,
                **fields,
            },
        )

    def test_kept_as_given(self, debt):
        offer = self.offer(
            debt.creditor, down_payment="1000", annual_rate="0.06", fee="120", valid_until=today(), note=" 客服 3 号 "
        )
        stored = Offer.objects.get(pk=offer.pk)
        assert (stored.total_to_repay, stored.down_payment, stored.fee, stored.annual_rate, stored.note) == (
            Decimal("12000.00"),
            Decimal("1000.00"),
            Decimal("120.00"),
            Decimal("0.060000"),
            "客服 3 号",
        )
        assert stored.annual_rate_percent == Decimal("6")

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"kind": "bogus"}, "kind", "请选择方案类型。"),
            ({"received_on": None}, "received_on", "请填写日期。"),
            ({"received_on": "tomorrow"}, "received_on", "这个日期还没到，请检查年份和月份。"),
            ({"total_to_repay": "0"}, "total_to_repay", "应还总额应大于 0。"),
            ({"down_payment": "12000"}, "down_payment", "首付应小于应还总额。"),
            ({"months": 61}, "months", "期数应在 1 到 60 个月之间。"),
            ({"annual_rate": "0.5"}, "annual_rate", "年利率应在 0 到 36% 之间。"),
            ({"fee": "-1"}, "fee", "金额不能是负数。"),
            ({"valid_until": "yesterday"}, "valid_until", "有效期不能早于收到方案的日期。"),
            ({"note": "备" * 201}, "note", None),
        ],
    )
    def test_refused(self, debt, overrides, field, message):
        dates = {"tomorrow": today() + timedelta(days=1), "yesterday": today() - timedelta(days=1)}
        overrides = {k: dates.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
        messages = assert_refused(field, self.offer, debt.creditor, **overrides)
        if message:
            assert messages == [message]

    def test_delete(self, debt):
        services.offer_delete(offer=self.offer(debt.creditor))
        assert not Offer.objects.exists()


# --- the lender and the case move by themselves -------------------------------------------------------------------


def statuses(case) -> tuple[str, list[str]]:
    return Case.objects.get(pk=case.pk).status, list(
        case.creditors.order_by("position").values_list("status", flat=True)
    )


class TestStatusesFollowTheAgreement:
    @pytest.fixture
    def two_lenders(self, case):
        huabei = make_debt(case)
        card = make_debt(case, lender=LenderKind.CREDIT_CARD, lender_name="招商银行", principal="3000", interest="0")
        return huabei, card

    def pay(self, agreement, amount, paid_on=None):
        return services.payment_record(agreement=agreement, paid_on=paid_on or today(), amount=amount)

    def test_entering_the_agreement_moves_both_to_agreed_through_legal_steps(self, case, two_lenders):
        huabei, _card = two_lenders
        assert statuses(case) == (CaseStatus.PREPARING, [CaseStatus.PREPARING, CaseStatus.PREPARING])
        make_agreement(case, [huabei], total_to_repay="1000", installment_count=2)
        assert statuses(case) == (CaseStatus.AGREED, [CaseStatus.AGREED, CaseStatus.PREPARING])

    def test_payments_move_to_repaying_then_settled_when_every_lender_is(self, case, two_lenders):
        huabei, card = two_lenders
        first = make_agreement(case, [huabei], total_to_repay="1000", installment_count=2)
        self.pay(first, "100")  # a partial installment is repaying already
        assert statuses(case) == (CaseStatus.REPAYING, [CaseStatus.REPAYING, CaseStatus.PREPARING])
        self.pay(first, "900")
        assert statuses(case) == (CaseStatus.REPAYING, [CaseStatus.SETTLED, CaseStatus.PREPARING])
        second = make_agreement(case, [card], total_to_repay="3000", installment_count=3)
        assert statuses(case) == (CaseStatus.REPAYING, [CaseStatus.SETTLED, CaseStatus.AGREED])
        self.pay(second, "3000")
        assert statuses(case) == (CaseStatus.SETTLED, [CaseStatus.SETTLED, CaseStatus.SETTLED])

    def test_a_payment_taken_back_after_settling_returns_to_repaying(self, case, debt):
        agreement = make_agreement(case, [debt], total_to_repay="1000", installment_count=2)
        self.pay(agreement, "500")
        last = self.pay(agreement, "500")
        assert statuses(case) == (CaseStatus.SETTLED, [CaseStatus.SETTLED])
        services.payment_delete(payment=last)
        assert statuses(case) == (CaseStatus.REPAYING, [CaseStatus.REPAYING])

    def test_a_missed_installment_changes_no_status_and_is_tracked_as_overdue(self, case, debt):
        started = today() - timedelta(days=45)
        agreement = make_agreement(case, [debt], total_to_repay="900", installment_count=3, first_due_date=started)
        self.pay(agreement, "200", paid_on=started)  # short of the first 300.00
        assert statuses(case) == (CaseStatus.REPAYING, [CaseStatus.REPAYING])
        progress = selectors.agreement_progress(Agreement.objects.get(pk=agreement.pk), today())
        assert [row.state for row in progress.rows] == [
            plans.DueState.OVERDUE,
            plans.DueState.OVERDUE,
            plans.DueState.UPCOMING,  # due about two weeks from now
        ]
        assert [row.left for row in progress.missed] == [Decimal("100.00"), Decimal("300.00")]
        assert progress.next.number == 3 and progress.next.arrears == Decimal("400.00")
        assert progress.next.to_pay == Decimal("700.00")

    def test_a_case_further_along_does_not_move_back(self, case, two_lenders):
        huabei, card = two_lenders
        self.pay(make_agreement(case, [huabei], total_to_repay="1000", installment_count=2), "10")
        make_agreement(case, [card], total_to_repay="3000", installment_count=3)
        assert statuses(case) == (CaseStatus.REPAYING, [CaseStatus.REPAYING, CaseStatus.AGREED])

    def test_each_move_is_a_legal_one(self, case, debt):
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.REFUSED)
        Creditor.objects.filter(pk=debt.creditor_id).update(status=CaseStatus.UNDER_REVIEW)
        make_agreement(case, [debt])
        assert statuses(case) == (CaseStatus.AGREED, [CaseStatus.AGREED])

    def test_receipt_files_become_the_payment_receipt(self, case, debt, media):
        agreement = make_agreement(case, [debt], total_to_repay="1000", installment_count=2)
        payment = services.payment_record(
            agreement=agreement, paid_on=today(), amount="500", receipt_files=[photo("还款截图.jpg")]
        )
        receipt = Payment.objects.get(pk=payment.pk).receipt
        assert receipt.kind == EvidenceKind.PAYMENT_RECEIPT and receipt.files.count() == 1
        assert receipt.title == f"蚂蚁花呗 {today().isoformat()} 还款凭证"


class TestCreditorChangeStatus:
    def test_legal_and_illegal(self, debt):
        creditor = debt.creditor
        services.creditor_change_status(creditor=creditor, status=CaseStatus.CONTACTED)
        assert Creditor.objects.get(pk=creditor.pk).status == CaseStatus.CONTACTED
        messages = assert_refused(
            "status", services.creditor_change_status, creditor=creditor, status=CaseStatus.SETTLED
        )
        assert messages == ["与蚂蚁花呗的协商不能从“已联系”直接变为“已结清”。"]
        assert assert_refused("status", services.creditor_change_status, creditor=creditor, status="x") == [
            "未知的协商进度。"
        ]

    def test_each_move_is_kept_for_the_timeline(self, case, debt):
        services.payment_record(agreement=make_agreement(case, [debt]), paid_on=today(), amount="1")
        lender_moves = CaseStatusChange.objects.filter(creditor=debt.creditor).order_by("pk")
        assert list(lender_moves.values_list("old_status", "new_status")) == [
            (CaseStatus.PREPARING, CaseStatus.CONTACTED),
            (CaseStatus.CONTACTED, CaseStatus.AGREED),
            (CaseStatus.AGREED, CaseStatus.REPAYING),
        ]
        case_moves = CaseStatusChange.objects.filter(case=case, creditor=None).order_by("pk")
        assert list(case_moves.values_list("new_status", flat=True)) == [
            CaseStatus.CONTACTED,
            CaseStatus.AGREED,
            CaseStatus.REPAYING,
        ]
