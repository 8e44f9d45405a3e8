"""The agreement services (cases/services/agreement.py): the installments follow plans.amortize, payments fill them in
order and are taken back; each bad input is refused with a keyed, translated error that writes nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from cases import plans, services
from cases.models import Agreement, EvidenceKind, Installment, InstallmentStatus, Payment

from .builders import give_file, make_agreement, make_case, make_debt, today
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
