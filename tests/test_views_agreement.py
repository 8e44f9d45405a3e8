"""The lender's page after it answered (cases/views/agreement.py): an offer compared with the share at once, the
agreement checked against what it must state before saving, the installments against the payments with over- and
underpayments said in words and a missed one flagged; every page 404 to another user, sign-in for a visitor."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from cases import services
from cases.models import Agreement, CaseStatus, EvidenceKind, LenderKind, Offer, Payment

from .builders import case_with_debts, make_agreement, make_debt, pdf, photo, today
from .test_url_matrix import database_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(owner):
    """¥10,500 owed to 花呗; ¥6,000 in, ¥3,500 out: ¥2,500 a month, ¥2,125 of it for the one lender."""
    return case_with_debts(owner)


@pytest.fixture
def lender(case):
    return case.creditors.get()


def url(name, case, lender, *more):
    return reverse(f"cases:{name}", args=[case.code, lender.code, *more])


def page(client, name, case, lender, *more) -> str:
    response = client.get(url(name, case, lender, *more))
    assert response.status_code == 200
    return response.content.decode()


OFFER = {"received_on": "", "kind": "installments", "total_to_repay": "10500", "months": "6", "fee": "90"}


class TestOffer:
    def test_an_offer_that_fits_and_one_that_does_not(self, owner_client, case, lender):
        response = owner_client.post(url("offer_new", case, lender), {**OFFER, "received_on": today().isoformat()})
        assert response.status_code == 302
        text = page(owner_client, "lender_agreement", case, lender)
        assert "¥2,125.00" in text  # the share
        assert "负担得起" in text and "每月最多 ¥1,765.00" in text and "每月还留 ¥360.00" in text
        owner_client.post(url("offer_new", case, lender), {**OFFER, "received_on": today().isoformat(), "months": "3"})
        text = page(owner_client, "lender_agreement", case, lender)
        assert "负担不起" in text and "每月最多 ¥3,530.00" in text and "多 ¥1,405.00" in text

    def test_an_expired_offer_says_so(self, owner_client, case, lender):
        services.offer_create(
            creditor=lender,
            received_on=today() - timedelta(days=10),
            kind="installments",
            total_to_repay="10500",
            months=12,
            valid_until=today() - timedelta(days=1),
        )
        assert "过期" in page(owner_client, "lender_agreement", case, lender)

    def test_a_bad_offer_is_shown_again_with_the_reason(self, owner_client, case, lender):
        response = owner_client.post(
            url("offer_new", case, lender), {**OFFER, "received_on": today().isoformat(), "months": "99"}
        )
        assert response.status_code == 200 and "期数应在 1 到 60 个月之间。" in response.content.decode()
        assert not Offer.objects.exists()

    def test_delete(self, owner_client, case, lender):
        offer = services.offer_create(
            creditor=lender, received_on=today(), kind="installments", total_to_repay="100", months=1
        )
        assert owner_client.post(url("offer_delete", case, lender, offer.pk)).status_code == 302
        assert not Offer.objects.exists()


AGREEMENT = {
    "kind": "installments",
    "total_to_repay": "10500",
    "installment_count": "6",
    "first_due_date": "",
    "plan_fee": "90",
    "stated_installment": "1765",
    "balance_principal": "10000",
    "balance_interest": "500",
    "repayment_method": "每月自动扣款",
    "repayment_account": "花呗账户",
    "rights_and_duties": "乙方按期还款，甲方停止催收",
    "breach_clause": "连续两期未还，协议失效",
    "interest_resumes": "on",
    "signed_on": "",
}


def agreement_data(**changes) -> dict:
    return {**AGREEMENT, "first_due_date": (today() + timedelta(days=20)).isoformat(), **changes}


class TestAgreementEntry:
    def test_the_checklist_before_anything_is_entered(self, owner_client, case, lender):
        text = page(owner_client, "agreement_new", case, lender)
        assert "书面协议应写明" in text and "还款账户（平台或银行自己的账户，不能是个人账户）" in text
        assert "第七十条" not in text  # 花呗 is not bound by the credit-card rules

    def test_article_70_is_cited_to_a_bank(self, owner_client, owner):
        case = case_with_debts(owner)
        card = make_debt(case, lender=LenderKind.CREDIT_CARD, lender_name="招商银行").creditor
        assert "《商业银行信用卡业务监督管理办法》第七十条" in page(owner_client, "agreement_new", case, card)

    def test_what_is_missing_is_listed_and_saving_needs_a_yes(self, owner_client, case, lender):
        data = agreement_data(breach_clause="", repayment_account="")
        response = owner_client.post(url("agreement_new", case, lender), data)
        text = response.content.decode()
        assert response.status_code == 200 and not Agreement.objects.exists()
        assert "违约责任（几期没还算违约、违约后怎样处理）（协议没有写明）" in text
        assert "还款账户（平台或银行自己的账户，不能是个人账户）（协议没有写明）" in text
        assert "双方签字或盖章的书面协议" in text and "我知道协议缺少上面这些内容，仍然保存" in text
        response = owner_client.post(url("agreement_new", case, lender), {**data, "accept_missing": "on"})
        assert response.status_code == 302
        agreement = Agreement.objects.get()
        assert agreement.creditor == lender and agreement.installments.count() == 6

    def test_complete_with_the_signed_copy_saves_at_once(self, owner_client, case, lender, media):
        response = owner_client.post(
            url("agreement_new", case, lender), {**agreement_data(), "signed_copy_files": [pdf("协议.pdf")]}
        )
        assert response.status_code == 302
        agreement = Agreement.objects.get()
        assert agreement.signed_copy.kind == EvidenceKind.SIGNED_AGREEMENT
        assert list(agreement.installments.values_list("amount_due", flat=True)) == [Decimal("1765.00")] * 5 + [
            Decimal("1765.00")
        ]
        text = page(owner_client, "lender_agreement", case, lender)
        assert "与蚂蚁花呗的还款协议" in text and "每期最多 ¥1,765.00，在您能分给这家的 ¥2,125.00 以内" in text
        assert case.creditors.get().status == CaseStatus.AGREED

    def test_a_stated_installment_that_does_not_add_up(self, owner_client, case, lender):
        response = owner_client.post(url("agreement_new", case, lender), agreement_data(stated_installment="1800"))
        assert "协议写的每期 ¥1,800.00，按总额、期数和利率算出每期 ¥1,765.00" in response.content.decode()

    def test_prefilled_from_the_offer(self, owner_client, case, lender):
        offer = services.offer_create(
            creditor=lender, received_on=today(), kind="interest_frozen", total_to_repay="9876", months=24, fee="12"
        )
        text = owner_client.get(url("agreement_new", case, lender) + f"?offer={offer.pk}").content.decode()
        assert 'value="9876.00"' in text and 'value="24"' in text and 'value="12.00"' in text

    def test_a_second_agreement_goes_back_to_the_first(self, owner_client, case, lender):
        make_agreement(case, list(case.debts.all()))
        response = owner_client.get(url("agreement_new", case, lender))
        assert response.status_code == 302 and response["Location"] == url("lender_agreement", case, lender)

    def test_the_signed_copy_later(self, owner_client, case, lender, media):
        make_agreement(case, list(case.debts.all()))
        text = page(owner_client, "lender_agreement", case, lender)
        assert "还没有保存签字的协议" in text
        response = owner_client.post(url("agreement_signed_copy", case, lender), {"files": [pdf("协议.pdf")]})
        assert response.status_code == 302
        assert Agreement.objects.get().signed_copy is not None


class TestPayments:
    @pytest.fixture
    def agreement(self, case):
        """¥900.00 in 3 installments of ¥300.00, the first 45 days ago: two are already due."""
        return make_agreement(
            case,
            list(case.debts.all()),
            total_to_repay="900",
            installment_count=3,
            first_due_date=today() - timedelta(days=45),
        )

    def pay(self, client, case, lender, amount, **more):
        return client.post(
            url("payment_new", case, lender), {"paid_on": today().isoformat(), "amount": amount, **more}, follow=True
        )

    def test_a_missed_installment_is_flagged_with_what_to_do(self, owner_client, case, lender, agreement):
        text = page(owner_client, "lender_agreement", case, lender)
        assert "有 2 期已经逾期" in text and "今天就联系蚂蚁花呗" in text
        assert "要在到期日之前打电话，不要等到逾期之后" in text
        assert "含之前未还的 ¥600.00，这一期合计应还 ¥900.00" in text
        assert "¥900.00" in page(owner_client, "payment_new", case, lender)  # what to pay is offered

    def test_an_underpayment_after_the_due_date_is_carried_and_said_so(self, owner_client, case, lender, agreement):
        text = self.pay(owner_client, case, lender, "250").content.decode()
        assert "已记录还款 ¥250.00。" in text
        assert "第 1 期还差 ¥50.00，已经过了到期日。这笔差额计入下一期：第 3 期" in text
        assert "合计应还 ¥650.00" in text  # 50 + 300 missed, + 300 due
        assert case_status(case) == CaseStatus.REPAYING

    def test_an_overpayment_is_carried_to_the_next_and_said_so(self, owner_client, case, lender, agreement):
        text = self.pay(owner_client, case, lender, "700", receipt_files=[photo("回单.jpg")]).content.decode()
        assert "第 1、2 期已还清。多出的 ¥100.00 已计入第 3 期，这一期还需 ¥200.00。" in text
        assert Payment.objects.get().receipt.kind == EvidenceKind.PAYMENT_RECEIPT

    def test_a_partial_payment_before_the_due_date(self, owner_client, owner):
        case = case_with_debts(owner)
        lender = case.creditors.get()
        make_agreement(case, list(case.debts.all()), total_to_repay="900", installment_count=3)
        text = self.pay(owner_client, case, lender, "100").content.decode()
        due = (today() + timedelta(days=10)).isoformat()
        assert f"第 1 期还差 ¥200.00：请在 {due} 之前补上" in text
        assert "部分已还" in text

    def test_the_last_fen_settles_the_lender_and_the_case(self, owner_client, case, lender, agreement):
        text = self.pay(owner_client, case, lender, "900").content.decode()
        assert "全部还清了！请向蚂蚁花呗要一份结清证明" in text
        assert case_status(case) == CaseStatus.SETTLED and case.creditors.get().status == CaseStatus.SETTLED

    def test_too_much_is_refused_on_the_form(self, owner_client, case, lender, agreement):
        response = self.pay(owner_client, case, lender, "900.01")
        assert "这笔还款超过了剩余应还金额 ¥900.00，请核对。" in response.content.decode()
        assert not Payment.objects.exists()

    def test_delete_a_payment(self, owner_client, case, lender, agreement):
        payment = services.payment_record(agreement=agreement, paid_on=today(), amount="900")
        assert owner_client.get(url("payment_delete", case, lender, payment.pk)).status_code == 200
        assert owner_client.post(url("payment_delete", case, lender, payment.pk)).status_code == 302
        assert not Payment.objects.exists() and case_status(case) == CaseStatus.REPAYING

    def test_no_agreement_no_payments(self, owner_client, case, lender):
        assert owner_client.get(url("payment_new", case, lender)).status_code == 404


def case_status(case) -> str:
    case.refresh_from_db()
    return case.status


# --- another user and a visitor -------------------------------------------------------------------------------------


def every_url(case, lender, offer, payment) -> dict[str, str]:
    return {
        "lender_agreement": url("lender_agreement", case, lender),
        "offer_new": url("offer_new", case, lender),
        "offer_delete": url("offer_delete", case, lender, offer.pk),
        "agreement_new": url("agreement_new", case, lender),
        "agreement_signed_copy": url("agreement_signed_copy", case, lender),
        "payment_new": url("payment_new", case, lender),
        "payment_delete": url("payment_delete", case, lender, payment.pk),
    }


NAMES = [
    "lender_agreement",
    "offer_new",
    "offer_delete",
    "agreement_new",
    "agreement_signed_copy",
    "payment_new",
    "payment_delete",
]
ONE_METHOD = {"lender_agreement", "agreement_signed_copy"}


@pytest.fixture
def everything(case, lender):
    offer = services.offer_create(
        creditor=lender, received_on=today(), kind="installments", total_to_repay="9", months=1
    )
    agreement = make_agreement(case, list(case.debts.all()), total_to_repay="900", installment_count=3)
    payment = services.payment_record(agreement=agreement, paid_on=today(), amount="100")
    return every_url(case, lender, offer, payment)


@pytest.mark.parametrize(
    "name",
    NAMES,
)
def test_another_user_gets_404_and_changes_nothing(outsider_client, everything, name):
    before = database_state()
    # 405 only where the page answers no such method to anyone (the lender's page takes no POST, the upload no GET).
    for response in (
        outsider_client.get(everything[name]),
        outsider_client.post(everything[name], {"amount": "1", "paid_on": today().isoformat()}),
    ):
        assert response.status_code == 404 or (response.status_code == 405 and name in ONE_METHOD)
    assert database_state() == before


@pytest.mark.parametrize(
    "name",
    NAMES,
)
def test_a_visitor_is_sent_to_sign_in(anonymous_client, everything, name):
    before = database_state()
    response = anonymous_client.post(everything[name], {"amount": "1"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")
    assert database_state() == before


def test_a_lender_of_another_case_of_the_same_user_is_404(owner_client, owner, case):
    elsewhere = case_with_debts(owner, title="另一个案件").creditors.get()
    assert owner_client.get(url("lender_agreement", case, elsewhere)).status_code == 404
