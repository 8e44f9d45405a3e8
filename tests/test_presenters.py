"""What a case looks like written out (cases/presenters.py): the two-sentence summary, lists and file names, the
names inside the bundle, and the context the proposal and the letter are rendered from."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from cases import presenters, selectors, services
from cases.models import CaseGoal, DocumentStatus, EvidenceKind, HardshipReason
from cases.samples import SAMPLE_NARRATIVE, sample_case

from .builders import give_file, make_debt, make_document, make_hardship, pdf, today, upload


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


@pytest.mark.django_db
class TestDocumentContext:
    def test_the_debtor_and_the_debts(self, sample):
        context = presenters.document_context(sample)
        assert context["doc"] == {"today": today(), "case_title": "花呗和信用卡协商"}
        assert context["debtor"] == {"name": "张三", "masked_id": "110105********002X", "phone": "13800138000"}
        assert context["lenders"] == "蚂蚁花呗、招商银行 尾号1234、蚂蚁借呗"
        assert [row["label"] for row in context["debts"]] == ["蚂蚁花呗", "招商银行 尾号1234", "蚂蚁借呗"]
        assert [row["total"] for row in context["debts"]] == [
            Decimal("12450.50"),
            Decimal("8050.00"),
            Decimal("32000.00"),
        ]
        totals = context["totals"]
        assert [totals[name] for name in ("principal", "interest", "penalty", "fees", "total")] == [
            Decimal("50000.00"),
            Decimal("1500.00"),
            Decimal("950.50"),
            Decimal("50.00"),
            Decimal("52500.50"),
        ]
        assert (totals["overdue_since"], totals["days_overdue"], totals["credit_status"]) == (None, 0, "0")

    def test_the_hardship_in_two_sentences(self, sample):
        hardship = presenters.document_context(sample)["hardship"]
        assert hardship["reasons"] == "失业、疾病或伤残"
        assert hardship["summary"] == "今年三月公司裁员，我失去了工作。随后母亲住院手术，家里积蓄用完了。"
        assert hardship["narrative"] == SAMPLE_NARRATIVE
        assert (hardship["monthly_income"], hardship["household_expenses"], hardship["budget"]) == (
            Decimal("6000.00"),
            Decimal("3500.00"),
            Decimal("2500.00"),
        )
        assert hardship["dependents"] == 2
        assert hardship["since"] == today() - timedelta(days=200)

    def test_the_plan_is_the_chosen_scenario(self, sample):
        plan = presenters.document_context(sample)["plan"]
        scenario = selectors.chosen_scenario(sample)
        assert plan["goal"] == CaseGoal.INTEREST_FROZEN.label
        assert (plan["months"], plan["monthly_payment"], plan["total_paid"]) == (
            36,
            scenario.monthly_payment,
            scenario.total_paid,
        )
        assert plan["schedule"] == list(scenario.schedule) and len(plan["schedule"]) == 36
        assert plan["first_due"] == scenario.schedule[0].due_date

    def test_attachments_numbered_as_the_case_page_with_their_pages(self, sample, media):
        items = selectors.case_evidence(sample)
        upload(items[1], pdf("账单.pdf", pages=3), pdf("账单续.pdf", pages=2))
        attachments = presenters.document_context(selectors.case_with_parts(sample.pk))["attachments"]
        assert [(a["number"], a["title"]) for a in attachments] == [(i.position, i.display_title) for i in items]
        assert [a["number"] for a in attachments] == list(range(1, len(items) + 1))
        assert attachments[1]["pages"] == 5 and attachments[0]["pages"] == 0
        assert attachments[-1]["title"] == "社区困难证明"

    def test_overdue_days_from_the_earliest_date(self, case):
        make_debt(case, overdue_since=today() - timedelta(days=40))
        make_debt(case, lender="jiebei", overdue_since=today() - timedelta(days=10))
        context = presenters.document_context(selectors.case_with_parts(case.pk))
        assert [row["days_overdue"] for row in context["debts"]] == [40, 10]
        totals = context["totals"]
        assert (totals["overdue_since"], totals["days_overdue"], totals["credit_status"]) == (
            today() - timedelta(days=40),
            40,
            "2",
        )

    def test_a_case_with_nothing_yet(self, case):
        context = presenters.document_context(case)
        assert context["debts"] == [] and context["plan"] is None and context["attachments"] == []
        assert context["hardship"]["reasons"] == "" and context["hardship"]["budget"] == Decimal("0.00")
        assert context["totals"]["total"] == Decimal("0.00") and context["lenders"] == ""

    def test_no_plan_for_the_goal_other(self, case):
        make_debt(case)
        make_hardship(case)
        services.case_update(case=case, goal=CaseGoal.OTHER, goal_note="希望减免部分利息")
        context = presenters.document_context(selectors.case_with_parts(case.pk))
        assert context["plan"] is None and context["goal_note"] == "希望减免部分利息"

    def test_in_english(self, sample):
        with translation.override("en"):
            context = presenters.document_context(sample)
        assert context["hardship"]["reasons"] == "Job loss, Illness or disability"
        assert ", " in context["lenders"] and "、" not in context["lenders"]
