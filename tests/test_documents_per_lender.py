"""One negotiation per lender: a case with a 花呗 debt and a bank card gives each lender its own proposal and letter,
read back from real WeasyPrint output with pdftotext, as the lender's staff would read them; an incomplete case
gets no document at all, from the service or the page."""

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import pdf, selectors, services
from cases.models import GeneratedDocument

from .builders import VALID_ID, make_case, make_debt, make_hardship, photo, upload

OUTPUT = Path("test-output") / "documents-per-lender"


@pytest.fixture
def two_lenders(owner, media):
    """花呗 ¥12,450.50 and a 招商银行 card ¥8,050.00; ¥2,500 left each month, ¥375 kept back, ¥2,125 shared."""
    case = make_case(owner, title="花呗和信用卡")
    services.case_update(case=case, debtor_name="张三", id_number=VALID_ID, contact_phone="13800138000")
    make_debt(case, lender="huabei", principal="12000", interest="300", penalty_interest="150.50")
    make_debt(
        case,
        lender="credit_card",
        lender_name="招商银行",
        account_label="尾号6688",
        principal="8000",
        interest="0",
        fees="50",
    )
    make_hardship(case, income_before="9000")
    huabei, card = case.creditors.order_by("position")
    services.creditor_update(creditor=huabei, account_phone="13800001111")
    services.creditor_choose_plan(creditor=huabei, goal="interest_frozen", requested_months=36)
    services.creditor_choose_plan(creditor=card, goal="installments", requested_months=24)
    upload(case.evidence.get(kind="id_card"), photo("身份证.jpg"))
    return selectors.case_with_parts(case.pk)


def text_of(case, creditor, kind: str) -> str:
    content = pdf.render_pdf(services.document_html(case=case, creditor=creditor, kind=kind, language="zh-hans"))
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{creditor.kind}-{kind}.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(OUTPUT / f"{creditor.kind}-{kind}")], check=True)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())  # CJK lines wrap anywhere: compare without the breaks


@pytest.mark.django_db
class TestTwoLenders:
    def test_each_proposal_names_only_its_own_lender_accounts_and_amounts(self, two_lenders, media):
        huabei, card = selectors.case_creditors(two_lenders)
        to_huabei = text_of(two_lenders, huabei, "proposal")
        to_card = text_of(two_lenders, card, "proposal")
        assert "致：重庆蚂蚁消费金融有限公司" in to_huabei and "招商银行" not in to_huabei
        own_debts = to_huabei.split("二、在贵方的欠款")[1].split("另欠其他机构")[0]
        assert "尾号6688" not in to_huabei and "¥8,050.00" not in own_debts and "¥12,450.50" in own_debts
        assert "账户绑定手机号13800001111" in to_huabei
        assert "致：招商银行信用卡中心" in to_card and "尾号6688" in to_card
        card_debts = to_card.split("二、在贵方的欠款")[1].split("另欠其他机构")[0]
        assert "蚂蚁花呗" not in to_card and "¥12,450.50" not in card_debts and "¥8,050.00" in card_debts
        assert "另欠其他机构共¥8,050.00，已按同一比例分别申请协商" in to_huabei
        assert "另欠其他机构共¥12,450.50，已按同一比例分别申请协商" in to_card

    def test_the_request_in_one_sentence_with_its_figures(self, two_lenders, media):
        huabei, card = selectors.case_creditors(two_lenders)
        split = selectors.budget_split(two_lenders)
        plans_by_lender = {plan.creditor.pk: plan.scenario for plan in selectors.chosen_plans(two_lenders, split)}
        frozen, instalments = plans_by_lender[huabei.pk], plans_by_lender[card.pk]
        to_huabei = text_of(two_lenders, huabei, "proposal")
        first = frozen.schedule[0].due_date
        assert (
            f"请求自协议签订之日起停止计收利息和罚息，将截至{_date(timezone.localdate())}的欠款¥12,450.50"
            f"分36期偿还，每期¥{frozen.monthly_payment:,}，首期于{_date(first)}支付。"
        ) in to_huabei
        to_card = text_of(two_lenders, card, "proposal")
        assert (
            f"请求减免费用¥50.00，其余欠款¥8,000.00分24期偿还，分期期间不计利息，每期¥{instalments.monthly_payment:,}"
        ) in to_card

    def test_article_70_only_in_the_banks_proposal(self, two_lenders, media):
        huabei, card = selectors.case_creditors(two_lenders)
        assert "第七十条" in text_of(two_lenders, card, "proposal")
        assert "第七十条" not in text_of(two_lenders, huabei, "proposal")
        assert "第七十条" not in text_of(two_lenders, huabei, "hardship_letter")

    def test_the_statement_page_shows_this_lenders_share(self, two_lenders, media):
        huabei, card = selectors.case_creditors(two_lenders)
        split = selectors.budget_split(two_lenders)
        to_card = text_of(two_lenders, card, "proposal")
        statement = to_card.split("收支情况表")[-1]
        assert "每月结余¥2,500.00" in statement and "−¥375.00" in statement
        assert "每月可用于还款（全部机构合计）¥2,125.00" in statement
        assert f"招商银行（贵方）¥8,050.00¥{split.share_of(card):,}" in statement
        assert f"其他机构¥12,450.50¥{split.share_of(huabei):,}" in statement
        assert f"分配给贵方的每月还款额：¥{split.share_of(card):,}。" in statement
        assert split.share_of(card) + split.share_of(huabei) == split.available

    def test_attachments_enclosed_and_to_come(self, two_lenders, media):
        huabei, _card = selectors.case_creditors(two_lenders)
        text = text_of(two_lenders, huabei, "proposal")
        enclosed, to_come = text.split("随附：")[1].split("待补交（")
        assert "附件1：身份证，共1页" in enclosed
        assert "附件2：账单或欠款明细" in to_come and "身份证" not in to_come

    def test_each_letter_is_addressed_to_its_lender_with_income_before_and_after(self, two_lenders, media):
        huabei, card = selectors.case_creditors(two_lenders)
        letter = text_of(two_lenders, card, "hardship_letter")
        assert "尊敬的招商银行信用卡中心：" in letter and "蚂蚁花呗" not in letter
        assert "困难发生前，我每月收入¥9,000.00；现在每月收入¥6,000.00。" in letter
        assert "我失去了工作，没有了稳定的收入" in letter
        assert "因失业" not in letter  # reasons as sentences, not form labels
        assert "尊敬的重庆蚂蚁消费金融有限公司：" in text_of(two_lenders, huabei, "hardship_letter")


def _date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.mark.django_db
class TestNothingIncompleteGoesOut:
    def test_the_page_refuses_to_generate_and_says_what_is_missing(self, owner, owner_client):
        case = make_case(owner, title="才开始")
        creditor = make_debt(case).creditor
        url = reverse("cases:document_generate", args=[case.code, creditor.code, "proposal"])
        response = owner_client.post(url, follow=True)
        body = response.content.decode()
        assert "还不能生成，请先补上：您的姓名、身份证号、联系电话" in body
        assert not GeneratedDocument.objects.exists()
        # The case page lists what is missing with a link to where it is filled in, and the buttons are off.
        assert reverse("cases:wizard_step", args=[case.code, "contact"]) in body
        assert "disabled" in body

    def test_an_outsider_cannot_generate_or_preview(self, two_lenders, outsider_client):
        huabei, _card = selectors.case_creditors(two_lenders)
        generate = reverse("cases:document_generate", args=[two_lenders.code, huabei.code, "proposal"])
        assert outsider_client.post(generate).status_code == 404
        preview = reverse("cases:document_preview", args=[two_lenders.code, huabei.code, "proposal"])
        assert outsider_client.get(preview).status_code == 404
        assert not GeneratedDocument.objects.exists()

    def test_a_lender_of_another_case_is_404(self, two_lenders, owner, owner_client):
        other = make_case(owner, title="另一个")
        huabei, _card = selectors.case_creditors(two_lenders)
        url = reverse("cases:document_preview", args=[other.code, huabei.code, "proposal"])
        assert owner_client.get(url).status_code == 404

    def test_the_preview_is_the_lenders_own(self, two_lenders, owner_client):
        _huabei, card = selectors.case_creditors(two_lenders)
        body = owner_client.get(reverse("cases:document_preview", args=[two_lenders.code, card.code, "proposal"]))
        text = body.content.decode()
        assert "招商银行信用卡中心" in text and "重庆蚂蚁消费金融有限公司" not in text
