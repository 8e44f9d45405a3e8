"""What a case looks like written out (cases/presenters.py): the two-sentence summary, lists and file names, the
names inside the bundle, and the context the proposal and the letter are rendered from."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from cases import presenters, selectors, services
from cases.models import CaseGoal, DocumentStatus, EvidenceKind, HardshipReason
from cases.samples import SAMPLE_NARRATIVE, sample_case

from . import recordings
from .builders import give_file, make_debt, make_document, make_hardship, pdf, ready_lender, today, upload


@pytest.mark.parametrize(
    ("story", "summary"),
    [
        (SAMPLE_NARRATIVE, "今年三月公司裁员，我失去了工作。随后母亲住院手术，家里积蓄用完了。"),
        ("第一句。\n\n   第二句！第三句？", "第一句。第二句！"),
        ("失业；生病；欠款越来越多", "失业；生病；"),
        ("收入降到 3.5 千元。之后又生病住院。再后来", "收入降到 3.5 千元。之后又生病住院。"),
        ("I lost my job. Then my mother fell ill. Now I work part time.", "I lost my job. Then my mother fell ill."),
        ("I lost my job. 之后母亲住院。还有第三句。", "I lost my job. 之后母亲住院。"),
        ("只有一句，没有句号", "只有一句，没有句号"),
        ("One sentence only.", "One sentence only."),
        ("", ""),
        (None, ""),
        ("   \n  ", ""),
    ],
)
def test_the_summary_is_the_first_two_sentences(story, summary):
    assert presenters.first_two_sentences(story) == summary


def test_lists_are_joined_as_each_language_writes_them():
    labels = [HardshipReason.UNEMPLOYMENT.label, HardshipReason.ILLNESS.label]
    assert presenters.join_labels(labels) == "失业、疾病或伤残"
    with translation.override("en"):
        assert presenters.join_labels(labels) == "Job loss, Illness or disability"
    assert presenters.join_labels([]) == ""


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("身份证", "身份证"),
        ('合同/2024: "第1页"?', "合同_2024_ _第1页__"),
        ("a<b>c|d*e\\f", "a_b_c_d_e_f"),
        ("换行\n制表\t", "换行_制表_"),
        ("  .隐藏文件.  ", "隐藏文件"),
        ("...", "_"),
        ("", "_"),
        ("长" * 80, "长" * 60),
    ],
)
def test_file_names_are_safe_everywhere(title, name):
    assert presenters.safe_file_name(title) == name


@pytest.mark.django_db
def test_bundle_entries_name_each_file_and_skip_what_is_not_ready(case, media):
    id_card = give_file(services.evidence_create(case=case, kind=EvidenceKind.ID_CARD))
    statement = services.evidence_create(case=case, kind=EvidenceKind.STATEMENT)
    [page] = upload(statement, pdf())
    services.evidence_create(case=case, kind=EvidenceKind.INCOME_PROOF)
    ready = make_document(case, 1)
    make_document(case, 2, status=DocumentStatus.RUNNING)
    entries = presenters.case_bundle_entries(case)
    assert [(name, stored.pk) for name, stored in entries] == [
        ("协商还款申请书-v1.pdf", ready.pk),
        ("附件01-身份证.pdf", id_card.files.get().pk),
        ("附件02-账单或欠款明细.pdf", page.pk),
    ]


# --- the documents' context -------------------------------------------------------------------------------------


@pytest.fixture
def sample(owner):
    case = sample_case(owner=owner, title="花呗和信用卡协商", reasons=("unemployment", "illness"))
    return selectors.case_with_parts(case.pk)


def lender_named(case, name):
    return next(c for c in selectors.case_creditors(case) if c.name == name)


@pytest.mark.django_db
class TestDocumentContext:
    def test_one_lender_its_accounts_and_the_others_as_one_sum(self, sample):
        card = lender_named(sample, "招商银行")
        context = presenters.document_context(sample, card)
        assert context["doc"]["today"] == today() and context["doc"]["figures_entered"] == today()
        assert context["debtor"] == {"name": "张三", "masked_id": "110105********002X", "phone": "13800138000"}
        assert context["lender"]["addressee"] == "招商银行信用卡中心" and context["lender"]["is_bank_card"]
        assert [row["label"] for row in context["debts"]] == ["招商银行 尾号1234"]
        totals = context["totals"]
        assert [totals[name] for name in ("principal", "interest", "penalty", "fees", "total")] == [
            Decimal("8000.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("50.00"),
            Decimal("8050.00"),
        ]
        assert context["others"] == {"count": 2, "owed": Decimal("44450.50")}

    def test_the_huabei_proposal_is_not_a_bank_card(self, sample):
        context = presenters.document_context(sample, lender_named(sample, "蚂蚁花呗"))
        assert context["lender"]["addressee"] == "重庆蚂蚁消费金融有限公司"
        assert not context["lender"]["is_bank_card"]

    def test_the_hardship_in_two_sentences(self, sample):
        hardship = presenters.document_context(sample, ready_lender(sample))["hardship"]
        assert hardship["reasons"] == "失业、疾病或伤残"
        assert hardship["reason_sentences"].startswith("我失去了工作，没有了稳定的收入；我（或家人）患病")
        assert hardship["summary"] == "今年三月公司裁员，我失去了工作。随后母亲住院手术，家里积蓄用完了。"
        assert hardship["narrative"] == SAMPLE_NARRATIVE
        assert (hardship["monthly_income"], hardship["household_expenses"], hardship["budget"]) == (
            Decimal("6000.00"),
            Decimal("3500.00"),
            Decimal("2500.00"),
        )
        assert hardship["dependents"] == 2 and hardship["income_before"] is None
        assert hardship["since"] == today() - timedelta(days=200)

    def test_the_plan_is_the_lenders_chosen_scenario_for_its_share(self, sample):
        huabei = lender_named(sample, "蚂蚁花呗")
        plan = presenters.document_context(sample, huabei)["plan"]
        split = selectors.budget_split(sample)
        comparison = selectors.creditor_comparison(huabei, split.share_of(huabei), months=36)
        scenario = next(s for s in comparison.scenarios if s.kind == "interest_frozen")
        assert plan["goal"] == CaseGoal.INTEREST_FROZEN.label
        assert (plan["months"], plan["monthly_payment"], plan["total_paid"]) == (
            36,
            scenario.monthly_payment,
            scenario.total_paid,
        )
        assert plan["schedule"] == list(scenario.schedule) and len(plan["schedule"]) == 36
        assert plan["financed"] == Decimal("12450.50") and plan["payments"] == 36
        assert plan["first_due"] == scenario.schedule[0].due_date

    def test_the_statement_shows_every_share_and_this_one(self, sample):
        card = lender_named(sample, "招商银行")
        statement = presenters.document_context(sample, card)["statement"]
        assert (statement["surplus"], statement["margin"], statement["available"]) == (
            Decimal("2500.00"),
            Decimal("375.00"),
            Decimal("2125.00"),
        )
        assert sum(share["share"] for share in statement["shares"]) == statement["available"]
        assert [share["this"] for share in statement["shares"]] == [False, True, False]
        assert statement["share"] == next(share["share"] for share in statement["shares"] if share["this"])

    def test_attachments_split_into_enclosed_and_to_come(self, sample, media):
        items = selectors.case_evidence(sample)
        upload(items[1], pdf("账单.pdf", pages=3), pdf("账单续.pdf", pages=2))
        case = selectors.case_with_parts(sample.pk)
        context = presenters.document_context(case, ready_lender(case))
        assert [(a["number"], a["pages"]) for a in context["attachments"]] == [(items[1].position, 5)]
        to_come = context["attachments_to_come"]
        assert [a["number"] for a in to_come] == [i.position for i in items if i.pk != items[1].pk]
        assert to_come[-1]["title"] == "社区困难证明"
        assert context["to_come_by"] == today() + timedelta(days=7)

    def test_a_call_recording_is_enclosed_without_pages(self, sample, media):
        """A recording is listed with the call record it belongs to; only its screenshots' pages are counted."""
        call_record = services.evidence_create(case=sample, kind=EvidenceKind.CALL_RECORD, title="95188 通话")
        upload(call_record, recordings.upload(), recordings.upload("第二通.m4a", recordings.m4a))
        case = selectors.case_with_parts(sample.pk)
        context = presenters.document_context(case, ready_lender(case))
        [enclosed] = [a for a in context["attachments"] if a["number"] == call_record.position]
        assert (enclosed["title"], enclosed["pages"]) == ("95188 通话", 0)
        upload(call_record, pdf("短信截图.pdf", pages=2))
        context = presenters.document_context(selectors.case_with_parts(sample.pk), ready_lender(case))
        assert [a["pages"] for a in context["attachments"] if a["number"] == call_record.position] == [2]

    def test_overdue_days_from_the_lenders_earliest_date(self, case):
        make_debt(case, overdue_since=today() - timedelta(days=40))
        make_debt(case, overdue_since=today() - timedelta(days=70))
        make_debt(case, lender="jiebei", overdue_since=today() - timedelta(days=100))
        case = selectors.case_with_parts(case.pk)
        context = presenters.document_context(case, lender_named(case, "蚂蚁花呗"))
        assert [row["days_overdue"] for row in context["debts"]] == [40, 70]
        totals = context["totals"]
        assert (totals["overdue_since"], totals["days_overdue"], totals["credit_status"]) == (
            today() - timedelta(days=70),
            70,
            "3",
        )

    def test_no_plan_for_the_goal_other(self, case):
        creditor = make_debt(case).creditor
        make_hardship(case)
        services.creditor_choose_plan(creditor=creditor, goal=CaseGoal.OTHER, goal_note="希望减免部分利息")
        context = presenters.document_context(selectors.case_with_parts(case.pk), creditor)
        assert context["plan"] is None and context["goal_note"] == "希望减免部分利息"

    def test_in_english(self, sample):
        with translation.override("en"):
            context = presenters.document_context(sample, ready_lender(sample))
        assert context["hardship"]["reasons"] == "Job loss, Illness or disability"
