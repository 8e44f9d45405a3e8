"""The reads in cases/selectors.py: a case found only through its owner, its parts in the order the pages and the
documents show them, the figures summed from its rows, the versions of its documents and which are out of date."""

import uuid
from decimal import Decimal

import pytest
from django.http import Http404

from cases import plans, selectors, services
from cases.models import DocumentKind, DocumentStatus, EvidenceKind, EvidenceStatus
from cases.samples import sample_case, sample_lender

from .builders import give_file, make_case, make_debt, make_document, make_hardship, pdf, photo, today, upload

pytestmark = pytest.mark.django_db


class TestCaseForOwner:
    def test_the_owner_finds_their_case(self, owner, case):
        assert selectors.case_for_owner(owner, case.code) == case

    def test_another_user_gets_404(self, outsider, case):
        with pytest.raises(Http404):
            selectors.case_for_owner(outsider, case.code)

    def test_an_unknown_code_gets_404(self, owner, case):
        with pytest.raises(Http404):
            selectors.case_for_owner(owner, uuid.uuid4())

    def test_cases_for_owner_lists_only_their_own(self, owner, case, other_case):
        second = make_case(owner, title="信用卡协商")
        assert set(selectors.cases_for_owner(owner)) == {case, second}


class TestDebts:
    def test_in_the_order_they_were_entered(self, case):
        assert selectors.case_debts(case) == [] and not selectors.case_has_debts(case)
        banks = {"credit_card": "招商银行"}
        entered = [
            make_debt(case, lender=kind, lender_name=banks.get(kind, ""))
            for kind in ("jiebei", "huabei", "credit_card")
        ]
        assert selectors.case_debts(case) == entered
        assert selectors.case_has_debts(case)

    def test_only_the_cases_own(self, case, other_case):
        mine = make_debt(case)
        make_debt(other_case)
        assert selectors.case_debts(case) == [mine]

    def test_total_balance_adds_every_part_of_every_debt(self, case):
        assert selectors.case_total_balance(case) == Decimal("0.00")
        make_debt(case, principal="1000", interest="20.5", penalty_interest="3.25", fees="1")
        make_debt(case, principal="500.01", interest="0")
        assert selectors.case_total_balance(case) == Decimal("1524.76")


class TestEvidence:
    def test_in_attachment_order_without_gaps_after_a_delete(self, case, other_case):
        items = [services.evidence_create(case=case, kind=EvidenceKind.OTHER, title=f"证明{n}") for n in range(4)]
        services.evidence_create(case=other_case, kind=EvidenceKind.OTHER)
        services.evidence_delete(evidence=items[1])
        listed = selectors.case_evidence(case)
        assert [item.title for item in listed] == ["证明0", "证明2", "证明3"]
        assert [item.position for item in listed] == [1, 2, 3]

    def test_the_checklist_comes_in_its_order(self, case):
        make_hardship(case)
        listed = selectors.case_evidence(case)
        assert [item.position for item in listed] == list(range(1, len(listed) + 1))
        assert listed[0].kind == EvidenceKind.ID_CARD

    def test_missing_is_what_has_no_file_or_was_turned_down(self, case):
        statuses = [
            EvidenceStatus.MISSING,
            EvidenceStatus.UPLOADED,
            EvidenceStatus.REJECTED,
            EvidenceStatus.SENT,
            EvidenceStatus.ACCEPTED,
            EvidenceStatus.MISSING,
        ]
        items = [services.evidence_create(case=case, kind=EvidenceKind.OTHER, title=str(n)) for n in range(6)]
        for item, status in zip(items, statuses, strict=True):
            if status != EvidenceStatus.MISSING:
                give_file(item, status=status)
        missing = selectors.case_missing_evidence(case)
        assert [item.title for item in missing] == ["0", "2", "5"]

    def test_files_in_upload_order_and_events_newest_first(self, case, media):
        item = services.evidence_create(case=case, kind=EvidenceKind.ID_CARD)
        front, back = upload(item, photo("正面.jpg"), pdf("反面.pdf"))
        [third] = upload(item, photo("补拍.jpg"))
        assert selectors.evidence_files(item) == [front, back, third]
        services.evidence_set_status(evidence=item, status=EvidenceStatus.SENT, on=today())
        services.evidence_set_status(evidence=item, status=EvidenceStatus.REJECTED, on=today(), note="看不清")
        events = selectors.evidence_events(item)
        assert [event.status for event in events] == [
            EvidenceStatus.REJECTED,
            EvidenceStatus.SENT,
            EvidenceStatus.UPLOADED,
        ]
        assert events[0].note == "看不清"


class TestBudget:
    def test_none_before_the_budget_is_saved(self, case):
        assert selectors.case_hardship(case) is None
        assert selectors.case_budget(case) is None

    def test_the_hardships_surplus(self, case):
        hardship = make_hardship(case, monthly_income="6000", household_expenses="3500", other_fixed_payments="200")
        case.refresh_from_db()
        assert selectors.case_hardship(case) == hardship
        assert selectors.case_budget(case) == Decimal("2300.00")


class TestScenarios:
    def test_none_until_both_debts_and_budget_are_known(self, case):
        assert selectors.budget_split(case) is None and selectors.chosen_plans(case) == []
        make_debt(case)
        assert selectors.budget_split(case) is None and selectors.chosen_plans(case) == []
        make_hardship(case)
        case.refresh_from_db()
        (lender,) = selectors.budget_split(case).lenders
        comparison = selectors.creditor_comparison(lender.creditor, lender.share)
        assert {scenario.kind for scenario in comparison.scenarios} == set(plans.ScenarioKind)
        # Known figures, but no plan chosen yet.
        assert [plan.scenario for plan in selectors.chosen_plans(case)] == [None]

    def test_the_chosen_one_follows_each_lenders_goal_and_months(self, owner):
        case = sample_case(owner=owner, title="样例")
        services.creditor_choose_plan(creditor=sample_lender(case), goal="installments", requested_months=24)
        split = selectors.budget_split(selectors.case_with_parts(case.pk))
        chosen = selectors.chosen_plans(selectors.case_with_parts(case.pk), split)
        assert [plan.creditor for plan in chosen] == [lender.creditor for lender in split.lenders]
        assert [plan.share for plan in chosen] == [lender.share for lender in split.lenders]
        first, *others = [plan.scenario for plan in chosen]
        assert first.kind == plans.ScenarioKind.INSTALLMENTS
        assert first.months == 24 and len(first.schedule) == 24
        for scenario in others:
            assert scenario.kind == plans.ScenarioKind.INTEREST_FROZEN
            assert scenario.months == 36 and len(scenario.schedule) == 36

    def test_no_scenario_for_the_goal_other(self, owner):
        case = sample_case(owner=owner, title="样例")
        services.creditor_choose_plan(creditor=sample_lender(case), goal="other")
        first, *others = selectors.chosen_plans(selectors.case_with_parts(case.pk))
        assert first.creditor == sample_lender(case) and first.scenario is None
        assert all(plan.scenario is not None for plan in others)


class TestDocuments:
    def test_every_kind_is_listed_even_without_a_version(self, case):
        assert selectors.case_documents(case) == {kind: [] for kind in DocumentKind.values}

    def test_versions_newest_first_by_kind(self, case, other_case, media):
        proposals = [make_document(case, version) for version in (1, 2, 3)]
        letter = make_document(case, 1, kind=DocumentKind.HARDSHIP_LETTER)
        make_document(other_case, 4)
        assert selectors.case_documents(case) == {
            DocumentKind.PROPOSAL: proposals[::-1],
            DocumentKind.HARDSHIP_LETTER: [letter],
        }

    def test_outdated_is_the_newest_ready_version_made_before_the_case_changed(self, case, debt, media):
        def outdated() -> set[int]:
            case.refresh_from_db()
            return selectors.outdated_documents(case, selectors.case_documents(case))

        older = make_document(case, 1)
        newest_ready = make_document(case, 2)
        letter = make_document(case, 1, kind=DocumentKind.HARDSHIP_LETTER, status=DocumentStatus.FAILED)
        case.refresh_from_db()
        assert outdated() == set()
        services.debt_update(debt=debt, principal="12000")
        assert outdated() == {newest_ready.pk}
        assert older.pk not in outdated() and letter.pk not in outdated()
        make_document(case, 3, status=DocumentStatus.PENDING)  # not ready: the newest ready one is still out of date
        assert outdated() == {newest_ready.pk}
        fresh = make_document(case, 4)
        assert outdated() == set() and fresh.pk not in outdated()


def test_case_with_parts_reads_the_documents_rows_without_further_queries(owner, django_assert_num_queries):
    case = selectors.case_with_parts(sample_case(owner=owner, title="样例").pk)
    with django_assert_num_queries(0):
        assert case.hardship.monthly_income == Decimal("6000.00")
        assert len(case.debts.all()) == 3
        assert all(len(item.files.all()) == 0 for item in case.evidence.all())
